"""The mails of face-to-face meetings (#16 item 7): the invitation to each deputy and member attending, with the
meeting as an iCalendar event (the same event as in their deadline feed), sent again as a change when its time
or place moves; their reminder the day before; and the organiser's reminder to record the minutes when none are
recorded a week after the meeting.

They are planned when the meeting is saved (services.meeting_save), recorded as MeetingNotice rows in its
transaction, and sent by the outbox as the other mails are (proposals.outbox.OneMailPerRow). A row is sent only
while it still holds when claimed: the meeting has not moved since (its sequence), the delegate still attends,
the minutes are still missing.
"""

from __future__ import annotations

import datetime as dt

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from proposals import outbox, task_queue
from proposals.documents.calendar_feed import PRODID, meeting_event
from proposals.models import Meeting, MeetingNotice, User
from proposals.validators import one_line

DAY_BEFORE = dt.timedelta(days=1)
MINUTES_WITHIN = dt.timedelta(days=7)
Kind = MeetingNotice.Kind


def plan(meeting: Meeting, now: dt.datetime) -> list[int]:
    """Record what the meeting now asks for, in the caller's transaction, and queue it after the commit. Planning
    twice records nothing new. Returns the ids recorded."""
    rows: list[tuple[User, str, dt.datetime]] = []
    if meeting.starts_at > now:
        for delegate in meeting.delegates.select_related("user"):
            rows.append((delegate.user, Kind.INVITATION, now))
            if meeting.starts_at - DAY_BEFORE > now:
                rows.append((delegate.user, Kind.DAY_BEFORE, meeting.starts_at - DAY_BEFORE))
    if not meeting.minutes_recorded_at:
        rows.append((meeting.created_by, Kind.MINUTES_DUE, max(now, meeting.starts_at + MINUTES_WITHIN)))
    recorded = []
    for recipient, kind, send_after in rows:
        if not recipient.email:
            continue
        notice, created = MeetingNotice.objects.get_or_create(
            meeting=meeting, recipient=recipient, kind=kind, sequence=meeting.sequence,
            defaults={"send_after": send_after},
        )  # fmt: skip
        if created:
            recorded.append(notice.pk)
    # What an earlier time or place asked for is no more: its rows still to go are cancelled now.
    MeetingNotice.objects.filter(meeting=meeting, status=MeetingNotice.Status.PENDING).exclude(
        sequence=meeting.sequence
    ).update(status=MeetingNotice.Status.CANCELLED)
    if recorded:
        task_queue.after_commit(task_queue.SEND_MEETING_NOTICES, recorded)
    return recorded


def _still_wanted(notice: MeetingNotice, now: dt.datetime) -> bool:
    meeting = notice.meeting
    if notice.sequence != meeting.sequence:
        return False
    if notice.kind == Kind.MINUTES_DUE:
        return meeting.minutes_recorded_at is None
    attends = meeting.delegates.filter(user=notice.recipient_id).exists()
    return attends and meeting.starts_at > now


def message_id(notice: MeetingNotice) -> str:
    return f"<meeting-notice-{notice.pk}@{outbox.mail_domain()}>"


SUBJECTS = {
    Kind.INVITATION: "proposals/mail/meeting_invitation_subject.txt",
    Kind.DAY_BEFORE: "proposals/mail/meeting_invitation_subject.txt",
    Kind.MINUTES_DUE: "proposals/mail/meeting_minutes_subject.txt",
}


def build_mail(notice: MeetingNotice) -> EmailMultiAlternatives:
    """The notice in its recipient's language, plain text and HTML; an invitation or reminder carries the
    meeting as an .ics event."""
    meeting, recipient = notice.meeting, notice.recipient
    with translation.override(recipient.language), timezone.override(settings.TIME_ZONE):
        context = {
            "notice": notice, "meeting": meeting, "recipient": recipient, "changed": meeting.sequence > 0,
            "link": settings.SITE_URL + reverse("meeting", args=[meeting.pk]),
            "delegates": [d.user.display_name for d in meeting.delegates.select_related("user")],
        }  # fmt: skip
        subject = one_line(render_to_string(SUBJECTS[notice.kind], context))
        message = EmailMultiAlternatives(
            subject, render_to_string("proposals/mail/meeting_notice.txt", context), to=[recipient.email],
            headers={"Message-ID": message_id(notice), "X-Tracker-Meeting-Notice": str(notice.pk)},
        )  # fmt: skip
        message.attach_alternative(render_to_string("proposals/mail/meeting_notice.html", context), "text/html")
        if notice.kind != Kind.MINUTES_DUE:
            message.attach("meeting.ics", _calendar(meeting), "text/calendar; charset=utf-8; method=PUBLISH")
    return message


def _calendar(meeting: Meeting) -> bytes:
    calendar = icalendar.Calendar.new(prodid=PRODID, method="PUBLISH")
    calendar.add_component(meeting_event(meeting, timezone.now()))
    calendar.add_missing_timezones()
    return calendar.to_ical()


OUTBOX = outbox.OneMailPerRow(
    MeetingNotice, related=("meeting__organisation", "recipient"), build_mail=build_mail, still_wanted=_still_wanted
)
send_due, send_batch, sweep = OUTBOX.send_due, OUTBOX.send_batch, OUTBOX.sweep
