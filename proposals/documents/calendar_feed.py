"""A person's deadlines as an iCalendar feed (DESIGN §5, §6), for their phone's calendar to subscribe to.

One event per stage the person must act on now, by the same rule the reminders follow
(`reminders.recipients`): the secretary for research, the delegates who still have to act for consultation
and submission, the lead delegate for the answer, and the coordinators once a stage is overdue and escalated.
An event keeps its UID for as long as the stage runs, whatever happens to its date: a moved deadline comes
back under the same UID with a higher SEQUENCE (Deadline.sequence), so the calendar moves the event instead of
adding a second one. When the stage ends the event is no longer in the feed, and the calendar drops it.

While a proposal is in handling, each unit whose answer is awaited is an event of its own (UID per Handling), for
the people reminded of it; its SEQUENCE counts the moves of the unit's due date (handling_sequence).

The feed's address holds a secret (made and replaced by proposals.services; the database keeps only its hash,
User.calendar_token_hash, so the address is shown once, when it is made); whoever has the address reads the
titles and due dates, so the preferences page lets the person replace it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from proposals import reminders, selectors
from proposals.models import Handling, Meeting, Proposal, Reminder, Stage, User

# An event is the due moment and a short while after it: calendars show it at the deadline's time.
EVENT_LENGTH = dt.timedelta(minutes=30)
ALARM_BEFORE = dt.timedelta(days=1)
# How often a subscribed calendar should fetch the feed again (clients may wait longer).
REFRESH_INTERVAL = dt.timedelta(hours=1)
PRODID = "-//Youth proposal tracker//Deadlines//ZH"
# A meeting's event lasts this long (a meeting has a start only), and the feed keeps meetings this far back.
MEETING_LENGTH = dt.timedelta(hours=2)
MEETINGS_SINCE = dt.timedelta(days=30)


@dataclass(frozen=True)
class FeedItem:
    """One deadline of the person's feed: a stage that runs now and what the person does about it."""

    proposal: Proposal
    stage: str
    due_at: dt.datetime
    uid: str
    sequence: int
    kind: str  # Reminder.Kind: before the due date, overdue, or escalated to the person
    handling: Handling | None = None  # the unit whose answer is due


def _uid_domain() -> str:
    """The right-hand side of every UID: the site's host, so two installations never share one."""
    return urlsplit(settings.SITE_URL).hostname or "youth-proposal-tracker"


def _uid(proposal: Proposal, stage: str, deadline_pk: int | None) -> str:
    if deadline_pk is None:  # submission: due at the session's deadline, one per proposal and session
        return f"submission-{proposal.pk}-{proposal.session_id}@{_uid_domain()}"
    return f"deadline-{deadline_pk}@{_uid_domain()}"


def handling_sequence(handling: Handling) -> int:
    """How often the unit's due date has moved: its one extension, and the second round's new date. Both only
    ever happen once and in this order within a round, so the count only grows."""
    return (handling.round - 1) + (handling.extended_at is not None)


def calendar_token_hash(token: str) -> str:
    """What is stored of a feed's secret. A secret of 256 random bits needs no salt nor slow hash to stay unknown."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_by_calendar_token(token: str) -> User | None:
    """The active person whose feed this secret opens; None for an unknown or replaced one."""
    if not token:
        return None
    return User.objects.filter(calendar_token_hash=calendar_token_hash(token), is_active=True).first()


def feed_items(user: User, now: dt.datetime) -> list[FeedItem]:
    """The deadlines the person must act on, earliest first.

    Whoever is reminded on the due day keeps the event while the stage runs, overdue or not (an answer's lead
    delegate, say); once the stage is overdue, whoever the overdue reminders and the escalation reach gets it
    too. A delegate who has endorsed or co-signed no longer has anything to do, and loses it.
    """
    directory = reminders.People()
    items = []
    for due in selectors.current_due_dates_with_rule_data(selectors.proposals_visible_to(user)):
        proposal, stage, deadline, handling = due.proposal, due.stage, due.deadline, due.handling
        policy = reminders.proposal_policy(proposal)
        days_left = (timezone.localdate(due.due_at) - timezone.localdate(now)).days
        unit_answer = handling is not None
        kinds = {
            person.pk: kind
            for offset in ([0, days_left] if days_left < 0 else [0])
            for person, kind in reminders.recipients(
                proposal, stage, offset, policy, directory, unit_answer=unit_answer
            )
        }
        if user.pk not in kinds:
            continue
        if handling is not None:
            uid, sequence = f"handling-{handling.pk}@{_uid_domain()}", handling_sequence(handling)
        else:
            # A session's deadline has no move counter: its event stays at SEQUENCE 0 (calendars re-read the feed).
            uid = _uid(proposal, stage, deadline.pk if deadline else None)
            sequence = deadline.sequence if deadline else 0
        items.append(FeedItem(proposal, stage, due.due_at, uid, sequence, kinds[user.pk], handling))
    return items


def _summary(item: FeedItem) -> str:
    title = item.proposal.title
    if item.handling is not None:
        return _("Answer due from %(unit)s: %(title)s") % {"unit": item.handling.unit.label, "title": title}
    return {
        Stage.RESEARCH: _("Research due: %(title)s"),
        Stage.CONSULTATION: _("Consultation due: %(title)s"),
        Stage.SUBMISSION: _("Submission due: %(title)s"),
        Stage.ANSWER: _("Answer due: %(title)s"),
    }[item.stage] % {"title": title}


def _event(item: FeedItem, user: User, now: dt.datetime) -> icalendar.Event:
    proposal = item.proposal
    link = settings.SITE_URL + reverse("proposal-open", args=[proposal.pk])
    # What to do is the reminder mail's sentence for the same stage, kind and person.
    todo = reminders.todo(Reminder(proposal=proposal, stage=item.stage, kind=item.kind, handling=item.handling), user)
    start = timezone.localtime(item.due_at).replace(microsecond=0)
    summary = _summary(item)
    unit = [reminders.unit_line(item.handling)] if item.handling is not None else []
    lines = [todo, "", proposal.title, *unit, proposal.organisation.name, proposal.session.name, link]
    event = icalendar.Event.new(
        uid=item.uid, sequence=item.sequence, stamp=now.astimezone(dt.UTC).replace(microsecond=0),
        start=start, end=start + EVENT_LENGTH, summary=summary, url=link, description="\n".join(lines),
        categories=[str(Stage(item.stage).label)], transparency="TRANSPARENT", status="CONFIRMED",
    )  # fmt: skip
    return _reminded_the_day_before(event, summary)


def _reminded_the_day_before(event: icalendar.Event, summary: str) -> icalendar.Event:
    alarm = icalendar.Alarm.new(description=summary)
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    return event


def calendar_for(user: User, now: dt.datetime | None = None) -> bytes:
    """The person's feed: an iCalendar document in their language, one VEVENT per deadline of feed_items."""
    now = now or timezone.now()
    with translation.override(user.language):
        calendar = icalendar.Calendar.new(
            prodid=PRODID, uid=f"calendar-{user.pk}@{_uid_domain()}",
            name=_("Proposal deadlines (%(name)s)") % {"name": user.display_name},
            description=_("The deadlines of the proposals you must act on, from the youth proposal tracker."),
            refresh_interval=REFRESH_INTERVAL,
        )  # fmt: skip
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        # Outlook's name for the refresh interval; an X- property needs its value type spelled out.
        calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
        for item in feed_items(user, now):
            calendar.add_component(_event(item, user, now))
        for meeting in selectors.meetings_attended_by(user, since=now - MEETINGS_SINCE):
            calendar.add_component(meeting_event(meeting, now))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def meeting_event(meeting: Meeting, now: dt.datetime) -> icalendar.Event:
    """A face-to-face meeting the person attends: in their feed, and the invitation's attachment."""
    link = settings.SITE_URL + reverse("meeting", args=[meeting.pk])
    start = timezone.localtime(meeting.starts_at).replace(microsecond=0)
    summary = _("Face-to-face meeting: %(theme)s") % {"theme": meeting.theme}
    lines = [meeting.organisation.name, meeting.agenda, link]
    event = icalendar.Event.new(
        uid=f"meeting-{meeting.pk}@{_uid_domain()}", sequence=meeting.sequence,
        stamp=now.astimezone(dt.UTC).replace(microsecond=0), start=start, end=start + MEETING_LENGTH,
        summary=summary, url=link, location=meeting.place, description="\n".join(line for line in lines if line),
        status="CONFIRMED",
    )  # fmt: skip
    return _reminded_the_day_before(event, summary)
