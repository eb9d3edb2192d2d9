"""Face-to-face meetings (#16 items 6 and 8) through the services: recording, the links to delegates, needs and
proposals within the person's scope, the minutes, and who sees them."""

import datetime as dt

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from proposals import selectors, services
from proposals.documents.calendar_feed import calendar_for
from proposals.models import Meeting

pytestmark = pytest.mark.django_db


def meeting(world, actor="secretary", organisation=None, **fields):
    base = {"theme": "青年就业创业面对面", "place": "朔城区青年之家", "young_people": 30,
            "starts_at": timezone.now() - dt.timedelta(days=2), "delegates": [world.lead.delegate.pk]}  # fmt: skip
    return services.meeting_save(actor=getattr(world, actor), organisation_id=(organisation or world.branch).pk,
                                 **(base | fields))  # fmt: skip


def test_a_secretary_records_a_meeting_with_the_delegates_needs_and_proposals(world):
    proposal = world.draft()
    need = services.need_record(actor=world.secretary, organisation_id=world.branch.pk, summary="见习岗位少",
                                topic="jobs", channel="meeting")  # fmt: skip
    held = meeting(world, needs=[need.pk], proposals=[proposal.pk], agenda="一、通报青年就业情况")
    assert (held.organisation, held.young_people) == (world.branch, 30)
    assert list(held.delegates.all()) == [world.lead.delegate]
    assert list(selectors.meetings_of(proposal)) == [held]
    assert list(need.meetings.all()) == [held]


@pytest.mark.parametrize(("fields", "errors"), [
    ({"theme": " "}, {"theme"}),
    ({"place": "一楼\n二楼"}, {"place"}),
    ({"starts_at": "2026-12-01 10:00"}, {"starts_at"}),
    ({"starts_at": dt.datetime(2026, 12, 1, 10)}, {"starts_at"}),  # noqa: DTZ001 (naive: refused)
    ({"young_people": -1}, {"young_people"}),
    ({"delegates": [99999]}, {"delegates"}),
    ({"proposals": "1,2"}, {"proposals"}),
    ({"minutes": "不经此处"}, {"minutes"}),
])  # fmt: skip
def test_bad_input_names_each_field_and_saves_nothing(world, fields, errors):
    with pytest.raises(ValidationError) as error:
        meeting(world, **fields)
    assert set(error.value.message_dict) == errors
    assert not Meeting.objects.exists()


def test_what_the_person_does_not_see_cannot_be_linked(world):
    theirs = world.draft(author=world.other_secretary, organisation=world.other_branch)
    with pytest.raises(ValidationError) as error:
        meeting(world, proposals=[theirs.pk])
    assert set(error.value.message_dict) == {"proposals"}


def test_only_the_organisations_secretaries_and_coordinators_above_keep_its_meetings(world):
    for person in ("other_secretary", "other_coordinator", "lead"):
        with pytest.raises(PermissionDenied):
            meeting(world, actor=person)
    held = meeting(world, actor="city_coordinator")
    with pytest.raises(PermissionDenied):
        services.meeting_save(actor=world.other_secretary, meeting_id=held.pk, theme="改")
    services.meeting_save(actor=world.coordinator, meeting_id=held.pk, theme="青年婚恋交友面对面")
    assert Meeting.objects.get(pk=held.pk).theme == "青年婚恋交友面对面"


def test_minutes_once_the_meeting_took_place(world):
    coming = meeting(world, starts_at=timezone.now() + dt.timedelta(days=3))
    with pytest.raises(ValidationError):
        services.meeting_minutes_record(actor=world.secretary, meeting_id=coming.pk, minutes="纪要")
    held = meeting(world)
    services.meeting_minutes_record(actor=world.secretary, meeting_id=held.pk, minutes="代表建议扩大见习基地。")
    held.refresh_from_db()
    assert held.minutes == "代表建议扩大见习基地。" and held.minutes_recorded_at is not None


def test_who_sees_meetings(world):
    mine = meeting(world)
    theirs = meeting(world, actor="other_secretary", organisation=world.other_branch, delegates=[])
    people = ("secretary", "other_secretary", "coordinator", "city_coordinator", "lead", "outsider_delegate", "admin")
    seen = {person: set(selectors.meetings_visible_to(getattr(world, person)).values_list("pk", flat=True))
            for person in people}  # fmt: skip
    assert seen == {"secretary": {mine.pk}, "other_secretary": {theirs.pk}, "coordinator": {mine.pk},
                    "city_coordinator": {mine.pk, theirs.pk}, "lead": {mine.pk}, "outsider_delegate": set(),
                    "admin": {mine.pk, theirs.pk}}  # fmt: skip


def test_the_delegates_calendar_feed_holds_the_meeting_and_moves_it(world):
    held = meeting(world, starts_at=timezone.now() + dt.timedelta(days=5))
    events = [e for e in icalendar.Calendar.from_ical(calendar_for(world.lead)).walk("VEVENT")
              if str(e["UID"]).startswith("meeting-")]  # fmt: skip
    assert [(str(e["LOCATION"]), e["SEQUENCE"]) for e in events] == [("朔城区青年之家", 0)]
    services.meeting_save(actor=world.secretary, meeting_id=held.pk, place="应县青年之家")
    (event,) = [e for e in icalendar.Calendar.from_ical(calendar_for(world.lead)).walk("VEVENT")
                if str(e["UID"]).startswith("meeting-")]  # fmt: skip
    assert (str(event["LOCATION"]), event["SEQUENCE"]) == ("应县青年之家", 1)
    assert "meeting-" not in calendar_for(world.outsider_delegate).decode()
