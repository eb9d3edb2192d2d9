"""A reminder mail: one per recipient listing all their due reminders, in their language, with a stable Message-ID."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from proposals import outbox
from proposals.models import Handling, Reminder, Stage, User
from proposals.selectors import open_delegate_request
from proposals.validators import one_line
from proposals.workflow import LEAD_ASSIGNED, get_action

PREFERENCES_SALT = "proposals.reminder-preferences"


def preferences_url(user: User) -> str:
    token = signing.dumps(user.pk, salt=PREFERENCES_SALT)
    return settings.SITE_URL + reverse("reminder-preferences", args=[token])


def message_id(reminders: list[Reminder]) -> str:
    """The same reminders make the same Message-ID, so a resent mail can be recognised as the same one."""
    digest = hashlib.sha256(",".join(str(r.pk) for r in sorted(reminders, key=lambda r: r.pk)).encode()).hexdigest()
    return f"<reminders-{digest[:32]}@{outbox.mail_domain()}>"


def build_mail(recipient: User, reminders: list[Reminder], now: dt.datetime) -> EmailMultiAlternatives:
    """One mail listing every reminder of this recipient, in their language, with HTML and plain text."""
    with translation.override(recipient.language):
        items = [ReminderItem(reminder, recipient, now) for reminder in reminders]
        context = {
            "recipient": recipient, "items": items, "preferences_url": preferences_url(recipient),
            "overdue": sum(1 for item in items if item.overdue),
        }  # fmt: skip
        subject = one_line(render_to_string("proposals/mail/reminder_subject.txt", context))
        mail = EmailMultiAlternatives(
            subject,
            render_to_string("proposals/mail/reminder.txt", context),
            to=[recipient.mail_address],
            headers={
                "From": outbox.envelope_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET),
                "Message-ID": message_id(reminders),
                "X-Tracker-Reminders": ",".join(str(r.pk) for r in reminders),
                "List-Unsubscribe": f"<{context['preferences_url']}>",
            },
        )
        mail.attach_alternative(render_to_string("proposals/mail/reminder.html", context), "text/html")
    return mail


class ReminderItem:
    """A reminder as a mail shows it: the proposal, its stage and due date, and what to do."""

    def __init__(self, reminder: Reminder, recipient: User, now: dt.datetime):
        self.reminder = reminder
        self.proposal = reminder.proposal
        self.stage = reminder.get_stage_display()
        self.due_at = timezone.localtime(reminder.due_at)
        self.days_left = (timezone.localdate(reminder.due_at) - timezone.localdate(now)).days
        self.overdue = self.days_left < 0
        self.days_overdue = -self.days_left
        # The mail says what research still lacks; the calendar feed keeps the general sentence (no query per item).
        researching = reminder.stage == Stage.RESEARCH and reminder.kind != Reminder.Kind.ESCALATION
        self.todo = research_todo(self.proposal) if researching else todo(reminder, recipient)
        self.link = settings.SITE_URL + reverse("proposal-open", args=[reminder.proposal_id])
        self.unit = unit_line(reminder.handling) if reminder.handling_id is not None else ""


def unit_line(handling: Handling) -> str:
    """The unit whose answer a reminder is about, its part and the round: "市教育局 (Lead unit (主办)), round 2"."""
    from django.utils.translation import gettext as _

    return _("%(unit)s (%(part)s), round %(round)d") % {
        "unit": handling.unit.name, "part": handling.get_role_display(), "round": handling.round,
    }  # fmt: skip


def research_todo(proposal) -> str:
    """What the research stage still lacks before the consultation can start: the reasons of the workflow's own
    guards, and for a missing lead delegate whether the coordinators have been asked."""
    from django.utils.translation import gettext as _

    reasons = {guard: guard.refusal(proposal, None) for guard in get_action("start_consultation").guards}
    missing = [reason for reason in reasons.values() if reason is not None]
    if not missing:
        return _("Everything the consultation needs is there: start the consultation.")
    if reasons[LEAD_ASSIGNED] is not None:
        asked = open_delegate_request(proposal)
        missing.append(
            _("The coordinators were asked for delegates on %(date)s.") % {"date": timezone.localdate(asked.created_at)}
            if asked is not None
            else _("Ask the coordinators for delegates on the proposal page.")
        )
    # Chinese sentences follow each other without a space.
    separator = "" if translation.get_language().startswith("zh") else " "
    return separator.join([_("Before the consultation can start:"), *missing])


def todo(reminder: Reminder, recipient: User) -> str:
    from django.utils.translation import gettext as _

    proposal = reminder.proposal
    if reminder.kind == Reminder.Kind.ESCALATION:
        return _("The organisation is late with this stage: please follow it up.")
    if reminder.stage == Stage.RESEARCH:
        return _("Finish the research: write the research summary, attach evidence, then start the consultation.")
    if reminder.stage == Stage.CONSULTATION:
        lead = proposal.lead_assignment()
        if lead is not None and lead.delegate.user_id == recipient.pk:
            return _("Review revision %(revision)d and endorse it, or request changes.") % {
                "revision": proposal.revision_number
            }
        return _("Review the proposal and co-sign it, or decline.")
    if reminder.stage == Stage.SUBMISSION:
        return _("Table the proposal at the session and record its reference number.")
    if reminder.handling_id is not None:  # one unit's answer, which the secretaries and the lead chase
        unit = reminder.handling.unit.name
        if reminder.kind == Reminder.Kind.OVERDUE:
            return _("The answer of %(unit)s is overdue: please follow it up with the unit.") % {"unit": unit}
        return _("Ask %(unit)s for its answer, due on %(date)s, and record it when it arrives.") % {
            "unit": unit, "date": reminder.handling.due_on,
        }  # fmt: skip
    if reminder.kind == Reminder.Kind.OVERDUE:
        return _("The handling unit's answer is overdue: please follow it up with the handling unit.")
    return _("Record the handling unit's answer when it arrives.")
