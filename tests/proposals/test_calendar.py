"""The deadline calendar feed: one event per deadline the person must act on, by the reminders' own rule."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from proposals import services
from proposals.documents.calendar_feed import calendar_for
from proposals.models import Deadline, Proposal, User
from proposals.workflow import State
from tests.proposals.arrange import add_evidence, bring_to, fire


def feed(user: User, now: dt.datetime | None = None) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(calendar_for(User.objects.get(pk=user.pk), now))


def in_chinese(message: str, **values) -> str:
    """A message as a person whose language is Chinese (the default) reads it."""
    with translation.override("zh-hans"):
        return _(message) % values


def events_by_proposal(user: User, now: dt.datetime | None = None) -> dict[tuple[int, str], icalendar.Event]:
    """The feed's events, keyed by (proposal id, stage), read back from the URL and the category."""
    events = {}
    for event in feed(user, now).events:
        proposal_id = int(str(event["URL"]).rstrip("/").rsplit("/", 1)[-1])
        events[(proposal_id, str(event["CATEGORIES"].cats[0]))] = event
    return events


def test_the_feed_parses_and_names_its_owner(world):
    world.draft()

    calendar = feed(world.secretary)

    assert calendar["VERSION"] == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == in_chinese("Proposal deadlines (%(name)s)", name="secretary")
    assert calendar.get("REFRESH-INTERVAL") is not None
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in calendar.to_ical()
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Shanghai"]


def test_the_secretary_gets_one_event_per_proposal_in_research(world):
    drafts = [world.draft(title=f"关于青年就业的建议（{n}）") for n in range(2)]
    other = world.draft(author=world.other_secretary, organisation=world.other_branch)

    events = feed(world.secretary).events

    assert len(events) == 2
    assert {str(e["SUMMARY"]) for e in events} == {in_chinese("Research due: %(title)s", title=p.title) for p in drafts}
    for proposal in drafts:
        deadline = proposal.deadlines.get(stage=Deadline.Stage.RESEARCH)
        event = next(e for e in events if str(e["SUMMARY"]).endswith(proposal.title))
        assert str(event["UID"]).startswith(f"deadline-{deadline.pk}@")
        assert event.start == timezone.localtime(deadline.due_at).replace(microsecond=0)
        assert event.end - event.start == dt.timedelta(minutes=30)
        assert str(event["URL"]).endswith(f"/p/{proposal.pk}/")
        assert [str(a["TRIGGER"].to_ical(), "ascii") for a in event.walk("VALARM")] == ["-P1D"]
    assert [(other.pk, "调研")] == list(events_by_proposal(world.other_secretary))


def test_each_person_gets_the_stage_they_act_on(world):
    draft = world.draft()
    in_consultation = bring_to(world, State.CONSULTATION)
    ready = bring_to(world, State.READY)
    registered = bring_to(world, State.REGISTERED)
    bring_to(world, State.CLOSED)
    bring_to(world, State.WITHDRAWN)

    assert set(events_by_proposal(world.secretary)) == {(draft.pk, "调研")}
    # The lead: consultation (to endorse), submission (to table it) and the handling unit's answer.
    assert set(events_by_proposal(world.lead)) == {
        (in_consultation.pk, "协商"),
        (ready.pk, "提交"),
        (registered.pk, "答复"),
    }
    # A co-signer signs in consultation; the submission and the answer are the lead's.
    assert set(events_by_proposal(world.cosigners[0])) == {(in_consultation.pk, "协商")}
    # Coordinators act on nothing until a stage is late enough to escalate.
    assert events_by_proposal(world.coordinator) == {}
    assert events_by_proposal(world.outsider_delegate) == {}


def test_the_submission_event_is_due_at_the_sessions_deadline(world):
    ready = bring_to(world, State.READY)

    (event,) = feed(world.lead).events

    assert str(event["UID"]).startswith(f"submission-{ready.pk}-{ready.session_id}@")
    assert event.start == timezone.localtime(ready.session.submission_deadline).replace(microsecond=0)
    assert str(event["SUMMARY"]) == in_chinese("Submission due: %(title)s", title=ready.title)


def test_a_moved_deadline_keeps_its_uid_with_a_higher_sequence(world):
    proposal = world.draft()
    (before,) = feed(world.secretary).events
    moved_to = timezone.localtime(before.start) - dt.timedelta(days=3)

    services.deadline_set(proposal_id=proposal.pk, actor=world.secretary, stage="research", due_at=moved_to,
                          reason="调研提前")  # fmt: skip
    (after,) = feed(world.secretary).events

    assert after["UID"] == before["UID"]
    assert after.sequence > before.sequence
    assert after.start == moved_to


def test_a_stage_that_ended_loses_its_event(world):
    proposal = world.draft()
    assert len(feed(world.secretary).events) == 1

    fire(world, proposal, "start_research", "secretary")
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, research_findings="问卷2500份。")
    add_evidence(world, proposal)
    assert len(feed(world.secretary).events) == 1  # research goes on, under the same deadline
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=world.lead.delegate,
                             role="lead")  # fmt: skip
    fire(world, proposal, "start_consultation", "secretary")

    assert feed(world.secretary).events == []
    assert set(events_by_proposal(world.lead)) == {(proposal.pk, "协商")}


def test_a_delegate_who_acted_loses_the_event(world):
    proposal = bring_to(world, State.CONSULTATION)

    fire(world, proposal, "co_sign", world.cosigners[0])
    fire(world, proposal, "endorse", "lead")

    assert feed(world.cosigners[0]).events == []
    assert feed(world.lead).events == []
    assert len(feed(world.cosigners[1]).events) == 1


def test_an_overdue_stage_reaches_the_coordinator_it_is_escalated_to(world):
    proposal = world.draft()
    due = timezone.localtime(proposal.deadlines.get(stage="research").due_at)
    two_days_late, five_days_late = due + dt.timedelta(days=2), due + dt.timedelta(days=5)

    assert feed(world.coordinator, two_days_late).events == []
    (event,) = feed(world.coordinator, five_days_late).events
    # The secretary keeps the event while it is overdue; the city committee is not reached.
    assert len(feed(world.secretary, five_days_late).events) == 1
    assert feed(world.city_coordinator, five_days_late).events == []
    # What to do is the escalation reminder's sentence.
    assert str(event["DESCRIPTION"]).startswith(
        in_chinese("The organisation is late with this stage: please follow it up.")
    )


def test_the_feed_speaks_the_persons_language(world):
    proposal = world.draft()
    User.objects.filter(pk=world.secretary.pk).update(language="en")

    calendar = feed(world.secretary)

    assert str(calendar["X-WR-CALNAME"]).startswith("Proposal deadlines")
    assert [str(e["SUMMARY"]) for e in calendar.events] == [f"Research due: {proposal.title}"]


@pytest.mark.parametrize("role", ["secretary", "lead", "coordinator"])
def test_the_query_count_does_not_grow_with_the_deadlines(world, role):
    def queries(now):
        user = User.objects.get(pk=getattr(world, role).pk)
        with CaptureQueriesContext(connection) as captured:
            calendar_for(user, now)
        return len(captured)

    late = timezone.now() + dt.timedelta(days=60)  # every stage overdue: coordinators are reached too
    bring_to(world, State.CONSULTATION)
    bring_to(world, State.READY)
    world.draft()
    few = queries(late)
    for _n in range(3):
        bring_to(world, State.CONSULTATION)
        bring_to(world, State.READY)
        world.draft()
    assert queries(late) == few
    assert Proposal.objects.count() == 12
