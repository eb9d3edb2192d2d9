"""Notices of a committed transition: tell the people who take part in a proposal that it moved.

Each notice is recorded in the notice outbox (`Notice`, one row per participant) in the transition's own
transaction (proposals.services.transition_apply), and delivered from there as reminders are
(proposals.outbox): a send task is queued after the commit, and the periodic sweep sends whatever that task
never got to (a broker that was down, a worker that died, a mail server that refused).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from proposals import outbox, task_queue
from proposals.models import Notice, Transition, User
from proposals.outbox import SendResult
from proposals.validators import one_line

logger = logging.getLogger(__name__)


def record_notices(transition: Transition) -> list[int]:
    """Record a notice for each participant; call inside the transition's transaction. Returns their ids."""
    if transition.from_state == transition.to_state:
        return []
    notices = Notice.objects.bulk_create(
        Notice(transition=transition, proposal_id=transition.proposal_id, recipient=user,
               send_after=transition.created_at, created_at=transition.created_at)
        for user in participants(transition)
    )  # fmt: skip
    return [notice.pk for notice in notices]


def queue_delivery(notice_ids: list[int]) -> None:
    """Hand the notices to a worker once the transition commits; the sweep sends any never queued."""
    if notice_ids:
        task_queue.after_commit(task_queue.SEND_NOTICES, notice_ids)


def participants(transition: Transition) -> list[User]:
    """Everyone with a part in the proposal but the one who acted: its secretaries and its active delegates."""
    proposal = transition.proposal
    secretaries = User.objects.filter(
        role=User.Role.SECRETARY, organisation_id=proposal.organisation_id, is_active=True
    ).exclude(email="")
    delegates = User.objects.filter(
        delegate__assignments__proposal=proposal, delegate__assignments__declined_at__isnull=True, is_active=True
    )
    people = {user.pk: user for user in [*secretaries, *delegates] if user.pk != transition.actor_id}
    return sorted(people.values(), key=lambda user: user.pk)


def message_id(notice: Notice) -> str:
    """Stable per notice: a mail sent again can be recognised as the same one."""
    return f"<notice-{notice.pk}@{outbox.mail_domain()}>"


def build_mail(notice: Notice) -> EmailMultiAlternatives:
    """The notice's mail, in its recipient's language, with HTML and plain text."""
    transition, user = notice.transition, notice.recipient
    link = settings.SITE_URL + reverse("proposal-open", args=[transition.proposal_id])
    with translation.override(user.language):
        context = {"transition": transition, "proposal": transition.proposal, "recipient": user, "link": link}
        subject = one_line(render_to_string("proposals/mail/transition_subject.txt", context))
        message = EmailMultiAlternatives(
            subject, render_to_string("proposals/mail/transition.txt", context), to=[user.mail_address],
            headers={"Message-ID": message_id(notice), "X-Tracker-Notices": str(notice.pk)},
        )  # fmt: skip
        message.attach_alternative(render_to_string("proposals/mail/transition.html", context), "text/html")
    return message


def claim(now: dt.datetime, *, ids: Iterable[int] | None = None) -> tuple[uuid.UUID, list[Notice]]:
    token, claimed = outbox.claim(Notice, now, ids=ids)
    claimed = claimed.select_related("transition__proposal__session", "transition__actor", "recipient__delegate")
    return token, list(claimed.order_by("recipient_id", "id"))


def send_claimed(token: uuid.UUID, notices: list[Notice], now: dt.datetime) -> SendResult:
    """Send the claimed notices over one SMTP connection (reopened when the server closes it), each marked sent
    as soon as the server accepted it."""
    result = SendResult()
    lease = outbox.Lease(Notice, [notice.pk for notice in notices], token)
    with outbox.Mailer() as mailer:
        for notice in notices:
            if notice.pk not in lease.hold([notice.pk]):
                continue
            if not notice.recipient.mail_address:  # nowhere to send it: an operator sees it failed, with why
                outbox.finish(Notice, [notice.pk], token, status=Notice.Status.FAILED, claim_token=None,
                              last_error="The recipient has no email address.")  # fmt: skip
                result.failed.append(notice.pk)
                continue
            mail = build_mail(notice)
            if not outbox.deliver(mailer, mail, Notice, [notice], token, result, now, lease):
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
