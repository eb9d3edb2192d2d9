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

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from proposals import outbox, task_queue
from proposals.models import NeedReply
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


def _still_wanted(reply: NeedReply, now: dt.datetime) -> bool:
    """The need still holds the contact, the consent and the wish for a reply (read at the claim, after the
    lock: a removal since the row was recorded is seen)."""
    need = reply.need
    return bool(reply.address) and need.contact_removed_at is None and need.contact_consent and need.wants_reply


OUTBOX = outbox.OneMailPerRow(
    NeedReply, related=("need__organisation", "answer__handling__unit", "answer__handling__proposal__session"),
    build_mail=build_mail, still_wanted=_still_wanted,
)  # fmt: skip
claim, send_claimed, send_due, send_batch, sweep = (
    OUTBOX.claim,
    OUTBOX.send_claimed,
    OUTBOX.send_due,
    OUTBOX.send_batch,
    OUTBOX.sweep,
)
