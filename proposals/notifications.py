"""Side effects of a committed transition: tell the people who take part in a proposal that it moved.

Runs after the transaction commits (queued by proposals.services.transition_apply), in a Celery worker.
Deadline reminders, with their outbox and exactly-once delivery, are a separate piece (DESIGN §5).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from proposals.models import Transition, User
from proposals.validators import one_line

logger = logging.getLogger(__name__)


def transition_committed(transition_id: int) -> None:
    """Queue the notice. A broker that is down must not fail the request whose change already committed."""
    from proposals.tasks import notify_transition

    try:
        notify_transition.delay(transition_id)
    except Exception:
        logger.exception("Could not queue the notice for transition %s", transition_id)


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


def _address(user: User) -> str:
    profile = user.delegate_profile
    return (profile.contact_email if profile else "") or user.email


def transition_notify(transition_id: int) -> int:
    """Mail a notice of a state change to each participant, in their language. Returns the mails sent."""
    transition = Transition.objects.select_related("proposal__session", "actor").get(pk=transition_id)
    if transition.from_state == transition.to_state:
        return 0
    link = settings.SITE_URL + reverse("proposal-open", args=[transition.proposal_id])
    messages = []
    for user in participants(transition):
        address = _address(user)
        if not address:
            continue
        with translation.override(user.language):
            context = {"transition": transition, "proposal": transition.proposal, "recipient": user, "link": link}
            subject = one_line(render_to_string("proposals/mail/transition_subject.txt", context))
            message = EmailMultiAlternatives(
                subject, render_to_string("proposals/mail/transition.txt", context), to=[address]
            )
            message.attach_alternative(render_to_string("proposals/mail/transition.html", context), "text/html")
        messages.append(message)
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)
    return len(messages)
