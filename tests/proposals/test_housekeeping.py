"""Housekeeping on beat (#17 item 9): expired sessions and API tokens, old export archives and old outbox rows
are removed daily, each job saying in the log how many; nothing still to be sent is ever touched."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.utils import timezone
from knox.models import AuthToken

from proposals import reminders, tasks
from proposals.models import DocumentExport, NeedReply, Reminder, Stage
from proposals.services import housekeeping
from tests.proposals.test_need_replies import answered
from tests.proposals.test_needs import CONTACT, record
from tests.reminders.conftest import in_days, set_due

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def logged(caplog) -> str:
    return " | ".join(r.getMessage() for r in caplog.records if r.name == "proposals.services.housekeeping")


def test_expired_sessions_are_removed_and_live_ones_stay(caplog):
    for expiry in (NOW - dt.timedelta(minutes=1), NOW + dt.timedelta(days=1)):
        store = SessionStore()
        store.set_expiry(expiry)
        store.create()
    with caplog.at_level(logging.INFO):
        assert tasks.remove_expired_sessions.delay().get() is None
    assert Session.objects.count() == 1
    assert Session.objects.get().expire_date > NOW
    assert logged(caplog) == "housekeeping: removed 1 expired sessions"


def test_expired_api_tokens_are_removed_and_valid_ones_stay(world, caplog):
    expired, _ = AuthToken.objects.create(world.secretary, expiry=dt.timedelta(hours=1))
    valid, _ = AuthToken.objects.create(world.secretary, expiry=dt.timedelta(hours=1))
    AuthToken.objects.filter(pk=expired.pk).update(expiry=NOW - dt.timedelta(seconds=1))
    with caplog.at_level(logging.INFO):
        tasks.remove_expired_api_tokens.delay()
    assert list(AuthToken.objects.values_list("pk", flat=True)) == [valid.pk]
    assert logged(caplog) == "housekeeping: removed 1 expired API tokens"


def test_old_finished_exports_lose_their_archive_and_their_row(world, settings, caplog):
    settings.EXPORT_RETENTION_DAYS = 14
    made = {}
    for name, status, finished in [
        ("old", DocumentExport.Status.DONE, NOW - dt.timedelta(days=15)),
        ("old-failed", DocumentExport.Status.FAILED, NOW - dt.timedelta(days=15)),
        ("recent", DocumentExport.Status.DONE, NOW - dt.timedelta(days=13)),
        ("running", DocumentExport.Status.RUNNING, None),
    ]:
        export = DocumentExport.objects.create(
            requested_by=world.secretary, session=world.npc_session, organisation=world.branch, status=status,
            finished_at=finished,
        )  # fmt: skip
        if status == DocumentExport.Status.DONE:
            export.file.save(f"{name}.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
        made[name] = export
    old_file = made["old"].file.path
    with caplog.at_level(logging.INFO):
        tasks.remove_old_exports.delay()
    assert set(DocumentExport.objects.values_list("pk", flat=True)) == {made["recent"].pk, made["running"].pk}
    assert not Path(old_file).exists()
    assert made["recent"].file.storage.exists(made["recent"].file.name)
    assert logged(caplog) == "housekeeping: removed 2 document exports (1 archive files) older than 14 days"


def test_old_sent_failed_and_cancelled_reminders_go_and_pending_ones_never(world, settings, caplog):
    settings.OUTBOX_RETENTION_DAYS = 365
    proposal = world.draft()
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    for offset in (7, 3, 1, 0):
        reminders.plan(due - dt.timedelta(days=offset))
    rows = list(Reminder.objects.order_by("offset_days"))
    assert len(rows) >= 4
    long_ago, lately = NOW - dt.timedelta(days=366), NOW - dt.timedelta(days=364)
    sent_old, failed_old, cancelled_old, pending_old = rows[:4]
    Reminder.objects.filter(pk=sent_old.pk).update(status="sent", sent_at=long_ago, send_after=long_ago)
    Reminder.objects.filter(pk=failed_old.pk).update(status="failed", send_after=long_ago)
    Reminder.objects.filter(pk=cancelled_old.pk).update(status="cancelled", send_after=long_ago)
    Reminder.objects.filter(pk=pending_old.pk).update(status="pending", send_after=long_ago)
    Reminder.objects.filter(pk__in=[r.pk for r in rows[4:]]).update(status="sent", sent_at=lately)
    with caplog.at_level(logging.INFO):
        removed = housekeeping.remove_old_outbox_rows()
    assert removed == {"reminders": 3, "notices": 0, "need_replies": 0, "meeting_notices": 0}
    assert set(Reminder.objects.values_list("pk", flat=True)) == {pending_old.pk, *(r.pk for r in rows[4:])}
    assert logged(caplog) == (
        "housekeeping: removed outbox rows older than 365 days: 3 reminders, 0 notices, 0 need_replies, "
        "0 meeting_notices"
    )


def test_an_old_sent_reply_stays_while_its_need_still_holds_the_contact_details(world):
    need = record(world, **CONTACT)
    answered(world, need)
    long_ago = NOW - dt.timedelta(days=400)
    NeedReply.objects.update(status="sent", sent_at=long_ago)
    assert housekeeping.remove_old_outbox_rows()["need_replies"] == 0  # the contacts' removal counts from it
    need.refresh_from_db()
    type(need).objects.filter(pk=need.pk).update(contact_removed_at=NOW)
    assert housekeeping.remove_old_outbox_rows()["need_replies"] == 1
    assert not NeedReply.objects.exists()


def test_every_housekeeping_job_is_on_beat(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    jobs = ["remove_expired_sessions", "remove_expired_api_tokens", "remove_old_exports", "remove_old_outbox_rows"]
    assert {f"proposals.tasks.{job}" for job in jobs} <= tasks_scheduled
