"""Housekeeping on beat (#17 item 9): what has served its time is removed, daily, and each job logs how much.

- expired sessions (Django's clear_expired, as `manage.py clearsessions`);
- expired API tokens (knox's AuthToken past its expiry);
- finished document exports (their .zip and their row) EXPORT_RETENTION_DAYS after they finished;
- outbox rows (reminders, notices, needs' replies, meeting notices) OUTBOX_RETENTION_DAYS after they were sent,
  failed or were cancelled. Pending, sending and inbox rows are never touched, and a reply to a need whose
  contact details are still held stays: their removal (NEED_CONTACT_RETENTION_DAYS) counts from its sending.
"""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from proposals.models import DocumentExport, MeetingNotice, NeedReply, Notice, Reminder

logger = logging.getLogger(__name__)

OUTBOXES = {"reminders": Reminder, "notices": Notice, "need_replies": NeedReply, "meeting_notices": MeetingNotice}
FINISHED = (Reminder.Status.FAILED, Reminder.Status.CANCELLED)


def remove_expired_sessions(now: dt.datetime | None = None) -> int:
    """Sessions past their expiry. Counted where the database holds them (the default engine); other engines
    clear their own, uncounted (-1)."""
    now = now or timezone.now()
    engine = import_module(settings.SESSION_ENGINE)
    removed = -1
    if settings.SESSION_ENGINE in {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}:
        from django.contrib.sessions.models import Session

        removed, _ = Session.objects.filter(expire_date__lt=now).delete()
    else:
        engine.SessionStore.clear_expired()
    logger.info("housekeeping: removed %d expired sessions", removed)
    return removed


def remove_expired_api_tokens(now: dt.datetime | None = None) -> int:
    from knox.models import AuthToken

    now = now or timezone.now()
    removed, _ = AuthToken.objects.filter(expiry__lt=now).delete()
    logger.info("housekeeping: removed %d expired API tokens", removed)
    return removed


def remove_old_exports(now: dt.datetime | None = None) -> int:
    """Done or failed exports that finished EXPORT_RETENTION_DAYS ago: the archive file, then the row."""
    now = now or timezone.now()
    before = now - dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    old = DocumentExport.objects.filter(
        status__in=[DocumentExport.Status.DONE, DocumentExport.Status.FAILED], finished_at__lt=before
    )
    removed = files = 0
    for export in old.iterator():
        if export.file:
            export.file.delete(save=False)  # a file already gone is no error
            files += 1
        removed += DocumentExport.objects.filter(pk=export.pk).delete()[0]
    logger.info("housekeeping: removed %d document exports (%d archive files) older than %d days",
                removed, files, settings.EXPORT_RETENTION_DAYS)  # fmt: skip
    return removed


def remove_old_outbox_rows(now: dt.datetime | None = None) -> dict[str, int]:
    """Sent rows OUTBOX_RETENTION_DAYS after their sending; failed and cancelled ones that long after they were
    due. Returns the rows removed per outbox."""
    now = now or timezone.now()
    before = now - dt.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    old = Q(status=Reminder.Status.SENT, sent_at__lt=before) | Q(status__in=FINISHED, send_after__lt=before)
    removed = {}
    for name, model in OUTBOXES.items():
        rows = model.objects.filter(old)
        if model is NeedReply:
            rows = rows.exclude(need__contact_consent=True, need__contact_removed_at__isnull=True)
        removed[name] = rows.delete()[1].get(model._meta.label, 0)
    logger.info(
        "housekeeping: removed outbox rows older than %d days: %s",
        settings.OUTBOX_RETENTION_DAYS, ", ".join(f"{count} {name}" for name, count in removed.items()),
    )  # fmt: skip
    return removed
