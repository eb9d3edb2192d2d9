"""The loop back (#16 item 4): the short mail that tells a person who raised a need what a unit answered to the
proposal that carried it.

A reply is recorded (`NeedReply`, one row per need and answer) in the transaction of the answer
(proposals.services.needs.need_replies_record), with the address it goes to, and mailed from there as reminders
and notices are (proposals.outbox: claimed, sent once, retried): a send task is queued after the commit, and the
periodic sweep sends whatever that task never got to. A reply whose need lost its contact details or its consent
since (an operator's removal, say) is cancelled, not sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from proposals import outbox, task_queue
from proposals.models import NeedReply
from proposals.outbox import SendResult
from proposals.validators import one_line


def queue_delivery(reply_ids: list[int]) -> None:
    """Hand the replies to a worker once the answer commits; the sweep sends any never queued."""
    if reply_ids:
        task_queue.after_commit(task_queue.SEND_NEED_REPLIES, reply_ids)


def message_id(reply: NeedReply) -> str:
    """Stable per reply: a mail sent again can be recognised as the same one."""
    return f"<need-reply-{reply.pk}@{outbox.mail_domain()}>"


def build_mail(reply: NeedReply) -> EmailMultiAlternatives:
    """The reply in the language the person chose, with HTML and plain text: what they asked for, the proposal
    that carried it (title, session), and the unit's answer (unit, class, text, date)."""
    answer = reply.answer
    proposal = answer.handling.proposal
    with translation.override(reply.language):
        context = {
            "need": reply.need, "organisation": reply.need.organisation, "proposal": proposal,
            "session": proposal.session, "unit": answer.handling.unit, "answer": answer,
            "answer_class": answer.get_answer_class_display(),
        }  # fmt: skip
        subject = one_line(render_to_string("proposals/mail/need_reply_subject.txt", context))
        message = EmailMultiAlternatives(
            subject, render_to_string("proposals/mail/need_reply.txt", context), to=[reply.address],
            headers={"Message-ID": message_id(reply), "X-Tracker-Need-Reply": str(reply.pk)},
        )  # fmt: skip
        message.attach_alternative(render_to_string("proposals/mail/need_reply.html", context), "text/html")
    return message


def claim(now: dt.datetime, *, ids: Iterable[int] | None = None) -> tuple[uuid.UUID, list[NeedReply]]:
    token, claimed = outbox.claim(NeedReply, now, ids=ids)
    claimed = claimed.select_related(
        "need__organisation", "answer__handling__unit", "answer__handling__proposal__session"
    )
    return token, list(claimed.order_by("id"))


def _still_wanted(reply: NeedReply) -> bool:
    """The need still holds the contact, the consent and the wish for a reply (read at the claim, after the
    lock: a removal since the row was recorded is seen)."""
    need = reply.need
    return bool(reply.address) and need.contact_removed_at is None and need.contact_consent and need.wants_reply


def send_claimed(token: uuid.UUID, replies: list[NeedReply], now: dt.datetime) -> SendResult:
    """Send the claimed replies over one SMTP connection (reopened when the server closes it), one mail each,
    each marked sent as soon as the server accepted it; those no longer wanted are cancelled."""
    result = SendResult()
    lease = outbox.Lease(NeedReply, [reply.pk for reply in replies], token)
    with outbox.Mailer() as mailer:
        for reply in replies:
            if reply.pk not in lease.hold([reply.pk]):
                continue
            if not _still_wanted(reply):
                outbox.finish(NeedReply, [reply.pk], token, status=NeedReply.Status.CANCELLED, claim_token=None)
                result.cancelled.append(reply.pk)
                continue
            if not outbox.deliver(mailer, build_mail(reply), NeedReply, [reply], token, result, now, lease):
                break
    return result


def send_due(now: dt.datetime | None = None, *, ids: Iterable[int] | None = None) -> SendResult:
    """Recover dead workers' claims, then claim and send due replies batch by batch until none is left."""
    return outbox.drain(NeedReply, now or timezone.now(), claim=lambda now: claim(now, ids=ids), send=send_claimed)


def send_batch(ids: list[int]) -> outbox.ComeBack | None:
    """A send task's batch: send what is due of it, and say when to come back for the rest."""
    send_due(ids=ids)
    return outbox.come_back(NeedReply, ids, timezone.now())


def retry_failed(ids: Iterable[int]) -> int:
    return outbox.retry_failed(NeedReply, ids)


def sweep(now: dt.datetime | None = None) -> list[list[int]]:
    """The periodic job's part for replies: recover dead workers' claims, batch what is ready to send."""
    now = now or timezone.now()
    outbox.recover_stale_claims(NeedReply, now)
    return outbox.due_batches(NeedReply, now)
