"""The mails of face-to-face meetings (#16 item 7): each attending delegate's invitation with the meeting as an
.ics event, again as a change when the time or place moves, their reminder the day before, and the organiser's
reminder to record the minutes a week after; each recorded before it is sent and sent once, through the outbox."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from proposals import meeting_notices, services
from proposals.models import MeetingNotice

pytestmark = pytest.mark.django_db
Kind = MeetingNotice.Kind


def save(world, meeting_id=None, **fields):
    if meeting_id is None:
        base = {"theme": "青年就业创业面对面", "place": "朔城区青年之家", "young_people": 30,
                "starts_at": timezone.now() + dt.timedelta(days=5),
                "delegates": [world.lead.delegate.pk, world.cosigners[0].delegate.pk]}  # fmt: skip
        return services.meeting_save(actor=world.secretary, organisation_id=world.branch.pk, **(base | fields))
    return services.meeting_save(actor=world.secretary, meeting_id=meeting_id, **fields)


def rows(meeting) -> set[tuple[str, str, int, str]]:
    return {(n.recipient.username, n.kind, n.sequence, n.status) for n in meeting.notices.select_related("recipient")}


def test_saving_a_meeting_records_the_invitations_the_reminders_and_the_minutes_reminder(world):
    meeting = save(world)
    lead, cosigner, secretary = world.lead.username, world.cosigners[0].username, world.secretary.username
    assert rows(meeting) == {
        (lead, Kind.INVITATION, 0, "pending"), (cosigner, Kind.INVITATION, 0, "pending"),
        (lead, Kind.DAY_BEFORE, 0, "pending"), (cosigner, Kind.DAY_BEFORE, 0, "pending"),
        (secretary, Kind.MINUTES_DUE, 0, "pending"),
    }  # fmt: skip
    day_before = meeting.notices.filter(kind=Kind.DAY_BEFORE).first()
    assert day_before.send_after == meeting.starts_at - dt.timedelta(days=1)
    minutes = meeting.notices.get(kind=Kind.MINUTES_DUE)
    assert minutes.send_after == meeting.starts_at + dt.timedelta(days=7)
    save(world, meeting.pk, agenda="议程")  # saved again, unmoved: nothing new
    assert meeting.notices.count() == 5


def test_the_invitation_goes_now_with_its_calendar_event_and_the_reminders_when_due(world):
    meeting = save(world)
    result = meeting_notices.send_due()
    assert result.mails == 2
    message = next(m for m in mail.outbox if m.to == [world.lead.email])
    assert "青年就业创业面对面" in message.subject and "朔城区青年之家" in message.body
    (name, content, mimetype) = message.attachments[0]
    event = next(iter(icalendar.Calendar.from_ical(content).walk("VEVENT")))
    assert name == "meeting.ics" and mimetype.startswith("text/calendar")
    assert str(event["UID"]) == f"meeting-{meeting.pk}@127.0.0.1" and str(event["LOCATION"]) == "朔城区青年之家"
    mail.outbox.clear()
    assert meeting_notices.send_due().mails == 0  # sent once
    assert meeting_notices.send_due(meeting.starts_at - dt.timedelta(hours=23)).mails == 2  # the day before
    assert all("明天" in m.subject or "Tomorrow" in m.subject for m in mail.outbox)


def test_a_moved_meeting_is_announced_again_and_its_old_reminders_are_cancelled(world):
    meeting = save(world)
    meeting_notices.send_due()
    mail.outbox.clear()
    moved = save(world, meeting.pk, place="应县青年之家")
    assert moved.sequence == 1
    assert {(kind, status) for _who, kind, seq, status in rows(moved) if seq == 0 and kind != Kind.INVITATION} == {
        (Kind.DAY_BEFORE, "cancelled"), (Kind.MINUTES_DUE, "cancelled")}  # fmt: skip
    meeting_notices.send_due()
    assert len(mail.outbox) == 2 and all("应县青年之家" in m.body for m in mail.outbox)
    event = next(iter(icalendar.Calendar.from_ical(mail.outbox[0].attachments[0][1]).walk("VEVENT")))
    assert event["SEQUENCE"] == 1


def test_who_no_longer_attends_is_not_reminded_and_minutes_once_recorded_are_not_asked_for(world):
    meeting = save(world)
    save(world, meeting.pk, delegates=[world.lead.delegate.pk])
    meeting_notices.send_due()
    assert [m.to for m in mail.outbox] == [[world.lead.email]]
    assert meeting.notices.get(recipient=world.cosigners[0], kind=Kind.INVITATION).status == "cancelled"
    mail.outbox.clear()
    later = meeting.starts_at + dt.timedelta(days=1)
    services.meeting_minutes_record(actor=world.secretary, meeting_id=meeting.pk, minutes="纪要", now=later)
    meeting_notices.send_due(meeting.starts_at + dt.timedelta(days=8))
    assert mail.outbox == []
    assert meeting.notices.get(kind=Kind.MINUTES_DUE).status == "cancelled"


def test_the_organiser_is_reminded_of_missing_minutes_a_week_after(world):
    meeting = save(world, starts_at=timezone.now() - dt.timedelta(days=1))
    assert {kind for _who, kind, _seq, _status in rows(meeting)} == {Kind.MINUTES_DUE}  # past: no invitations
    assert meeting_notices.send_due().mails == 0
    assert meeting_notices.send_due(meeting.starts_at + dt.timedelta(days=7, minutes=1)).mails == 1
    (message,) = mail.outbox
    assert message.to == [world.secretary.email] and not message.attachments
