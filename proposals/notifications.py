"""Notices of what happened to a proposal: tell the people who must know (proposals.notice_rules), in their
in-app inbox and by mail.

Each notice is recorded (`Notice`, one row per person told) in the transaction of the row of the transition
log that caused it (proposals.services: transitions, assignments, deadline moves), and mailed from there as
reminders are (proposals.outbox): a send task is queued after the commit, and the periodic sweep sends whatever
that task never got to (a broker that was down, a worker that died, a mail server that refused) and the daily
digests at their hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import uuid
from collections.abc import Iterable

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from proposals import notice_rules, outbox, task_queue
from proposals.models import Notice, NoticeMode, Transition, User
from proposals.notice_items import NoticeItem
from proposals.outbox import SendResult
from proposals.reminders.mails import preferences_url
from proposals.reminders.policy import digest_at
from proposals.validators import one_line

logger = logging.getLogger(__name__)


def record_notices(transition: Transition) -> list[int]:
    """Record a notice for each person told of this row of the log (proposals.notice_rules); call inside its
    transaction. A notice goes to the inbox only, to be mailed at once, or to wait for the recipient's daily
    digest, as the recipient chose for its kind. Returns the ids of those to be mailed at once."""
    notices = []
    for user, kind in notice_rules.audience_of(transition):
        mode = notice_rules.mode_for(user, kind)
        notices.append(Notice(
            transition=transition, proposal_id=transition.proposal_id, recipient=user, kind=kind,
            created_at=transition.created_at, digest=mode == NoticeMode.DIGEST,
            status=Notice.Status.INBOX if mode == NoticeMode.INBOX else Notice.Status.PENDING,
            send_after=digest_at(user, transition.created_at) if mode == NoticeMode.DIGEST else transition.created_at,
        ))  # fmt: skip
    Notice.objects.bulk_create(notices)
    return [n.pk for n in notices if n.status == Notice.Status.PENDING and not n.digest]


def queue_delivery(notice_ids: list[int]) -> None:
    """Hand the notices to a worker once the transition commits; the sweep sends any never queued, and those of
    the daily digest at their hour."""
    if notice_ids:
        task_queue.after_commit(task_queue.SEND_NOTICES, notice_ids)


def notify(transition: Transition) -> None:
    """Record the notices of a row of the log in its transaction, and queue what goes out at once."""
    queue_delivery(record_notices(transition))


def message_id(notices: list[Notice]) -> str:
    """Stable per notice (or per digest of notices): a mail sent again can be recognised as the same one."""
    if len(notices) == 1:
        return f"<notice-{notices[0].pk}@{outbox.mail_domain()}>"
    digest = hashlib.sha256(",".join(str(pk) for pk in sorted(n.pk for n in notices)).encode()).hexdigest()
    return f"<notices-{digest[:32]}@{outbox.mail_domain()}>"


def build_mail(recipient: User, notices: list[Notice]) -> EmailMultiAlternatives:
    """The mail of a notice, or of a day's notices in one digest, in the recipient's language, with HTML and
    plain text."""
    with translation.override(recipient.language):
        items = [NoticeItem(notice) for notice in notices]
        context = {"items": items, "item": items[0], "recipient": recipient, "digest": len(items) > 1,
                   "preferences_url": preferences_url(recipient)}  # fmt: skip
        subject = one_line(render_to_string("proposals/mail/notice_subject.txt", context))
        message = EmailMultiAlternatives(
            subject, render_to_string("proposals/mail/notice.txt", context), to=[recipient.mail_address],
            headers={"Message-ID": message_id(notices), "X-Tracker-Notices": ",".join(str(n.pk) for n in notices)},
        )  # fmt: skip
        message.attach_alternative(render_to_string("proposals/mail/notice.html", context), "text/html")
    return message


def claim(now: dt.datetime, *, ids: Iterable[int] | None = None) -> tuple[uuid.UUID, list[Notice]]:
    token, claimed = outbox.claim(Notice, now, ids=ids)
    claimed = claimed.select_related("transition__proposal__session", "transition__actor", "recipient__delegate")
    return token, list(claimed.order_by("recipient_id", "digest", "id"))


def send_claimed(token: uuid.UUID, notices: list[Notice], now: dt.datetime, *,
                 mailer: outbox.Mailer | None = None) -> SendResult:  # fmt: skip
    """Send the claimed notices over one SMTP connection (reopened when the server closes it): one mail for each
    notice to be mailed at once, one for each recipient's digest; each marked sent as soon as the server
    accepted it."""
    result = SendResult()
    lease = outbox.Lease(Notice, [notice.pk for notice in notices], token)
    mails: list[list[Notice]] = []
    for (_recipient, digest), group in itertools.groupby(notices, key=lambda n: (n.recipient_id, n.digest)):
        group = list(group)
        mails += [group] if digest else [[notice] for notice in group]
    with outbox.Mailer.reused(mailer) as mailer:
        for rows in mails:
            held = lease.hold([notice.pk for notice in rows])
            rows = [notice for notice in rows if notice.pk in held]
            if not rows:
                continue
            recipient = rows[0].recipient
            if not recipient.mail_address:  # nowhere to send it: an operator sees it failed, with why
                ids = [notice.pk for notice in rows]
                outbox.finish(Notice, ids, token, status=Notice.Status.FAILED, claim_token=None,
                              last_error="The recipient has no email address.")  # fmt: skip
                result.failed += ids
                continue
            if not outbox.deliver(mailer, build_mail(recipient, rows), Notice, rows, token, result, now, lease):
                break
    return result


def send_due(now: dt.datetime | None = None, *, ids: Iterable[int] | None = None) -> SendResult:
    """Recover dead workers' claims, then claim and send due notices batch by batch until none is left."""
    return outbox.drain(Notice, now or timezone.now(), claim=lambda now: claim(now, ids=ids), send=send_claimed)


def send_batch(ids: list[int]) -> outbox.ComeBack | None:
    """A send task's batch: send what is due of it, and say when to come back for the rest."""
    send_due(ids=ids)
    return outbox.come_back(Notice, ids, timezone.now())


def sweep(now: dt.datetime | None = None) -> list[list[int]]:
    """The periodic job's part for notices: recover dead workers' claims, batch what is ready to send."""
    now = now or timezone.now()
    outbox.recover_stale_claims(Notice, now)
    return outbox.due_batches(Notice, now)
