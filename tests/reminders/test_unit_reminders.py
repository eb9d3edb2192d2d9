"""Reminders per handling unit (issue #15): while a proposal is in handling, each unit whose answer is awaited has
its own due date, reminded through the same outbox as the stages, and cancelled when that unit answered, its
date moved or the proposal left handling."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from proposals import reminders, services
from proposals.documents.calendar_feed import calendar_for
from proposals.models import Assignment, Handling, HandlingUnit, Proposal, Reminder, Stage, User
from proposals.workflow import HandlingStatus, State
from tests.proposals.arrange import bring_to
from tests.reminders.conftest import day_at
from tracker import env


def act(world, proposal: Proposal, action: str, actor: str | User, note: str = "", **inputs) -> None:
    services.transition_apply(
        proposal_id=proposal.pk, actor=getattr(world, actor) if isinstance(actor, str) else actor, action=action,
        note=note, inputs=inputs,
    )  # fmt: skip


def answer(world, proposal: Proposal, unit: HandlingUnit) -> None:
    act(world, proposal, "record_answer", "lead", unit=unit.pk, answer="已纳入年度计划。", answer_class="B",
        answer_method="writing")  # fmt: skip


def in_handling(world, *units: HandlingUnit) -> Proposal:
    """A registered proposal assigned to these units today, the first the lead unit."""
    proposal = bring_to(world, State.REGISTERED)
    for n, unit in enumerate(units):
        act(world, proposal, "assign_unit", "lead", unit=unit.pk, unit_role="lead" if n == 0 else "assisting")
    return Proposal.objects.get(pk=proposal.pk)


def handling(proposal: Proposal, unit: HandlingUnit) -> Handling:
    return Handling.objects.get(proposal=proposal, unit=unit)


def unit_outbox(**filters) -> set[tuple]:
    """The units' reminders as (unit, recipient, offset, kind, status)."""
    rows = Reminder.objects.filter(handling__isnull=False, **filters).values_list(
        "handling__unit__short_name", "recipient__username", "offset_days", "kind", "status"
    )
    return set(rows)


def test_each_awaited_answer_is_reminded_of_its_own_due_date_to_the_secretaries_and_the_lead(world):
    proposal = in_handling(world, world.unit, world.other_unit)
    first = handling(proposal, world.unit)
    # The assisting unit was given ten days more (as if assigned later).
    Handling.objects.filter(pk=handling(proposal, world.other_unit).pk).update(due_on=first.due_on + dt.timedelta(10))
    second = handling(proposal, world.other_unit)
    assert first.due_at == day_at(timezone.localdate() + relativedelta(months=3), 18)

    reminders.plan(first.due_at - dt.timedelta(days=1))
    assert unit_outbox() == {
        ("市人社局", "secretary", 1, "before", "pending"), ("市人社局", "lead", 1, "before", "pending"),
    }  # fmt: skip
    assert set(Reminder.objects.values_list("handling", "stage", "due_at")) == {(first.pk, "answer", first.due_at)}

    reminders.plan(second.due_at - dt.timedelta(days=3))
    assert unit_outbox(handling=second) == {
        ("市教育局", "secretary", 3, "before", "pending"), ("市教育局", "lead", 3, "before", "pending"),
    }  # fmt: skip
    # The answer's stage-wide due date (Deadline) ran until the units were assigned: no reminder of its own now.
    assert not Reminder.objects.filter(handling=None).exists()


def test_planning_twice_records_each_units_reminder_once(world):
    proposal = in_handling(world, world.unit, world.other_unit)
    due = handling(proposal, world.unit).due_at  # both units are due on the same day: two reminders each
    first = reminders.plan(due - dt.timedelta(days=1))
    again = reminders.plan(due - dt.timedelta(days=1))
    assert len(first.planned) == 4 and again.planned == []
    assert Reminder.objects.count() == 4


def test_one_unit_answering_cancels_only_its_own_reminders(world):
    proposal = in_handling(world, world.unit, world.other_unit)
    due = handling(proposal, world.unit).due_at
    now = due - dt.timedelta(days=1)
    reminders.plan(now)

    answer(world, proposal, world.unit)
    assert Proposal.objects.get(pk=proposal.pk).state == State.HANDLING
    result = reminders.plan(now)

    assert result.cancelled == 2
    assert unit_outbox(status="pending") == {("市教育局", "secretary", 1, "before", "pending"),
                                             ("市教育局", "lead", 1, "before", "pending")}  # fmt: skip
    assert unit_outbox(status="cancelled") == {("市人社局", "secretary", 1, "before", "cancelled"),
                                               ("市人社局", "lead", 1, "before", "cancelled")}  # fmt: skip


def test_an_answer_recorded_between_claim_and_send_is_not_reminded_and_the_other_units_mail_names_it(world):
    proposal = in_handling(world, world.unit, world.other_unit)
    due = handling(proposal, world.unit).due_at
    now = due - dt.timedelta(days=1)
    reminders.plan(now)
    token, claimed = reminders.claim(now + dt.timedelta(hours=12))
    assert len(claimed) == 4

    answer(world, proposal, world.unit)
    result = reminders.send_claimed(token, claimed, now + dt.timedelta(hours=12))

    assert len(result.cancelled) == 2 and len(result.sent) == 2
    assert unit_outbox(status="sent") == {("市教育局", "secretary", 1, "before", "sent"),
                                          ("市教育局", "lead", 1, "before", "sent")}  # fmt: skip
    to_lead = next(m for m in mail.outbox if m.to == [world.lead.email])
    with translation.override(world.lead.language):
        part = str(Handling.Role.ASSISTING.label)
        expected = _("%(unit)s (%(part)s), round %(round)d") % {"unit": world.other_unit.name, "part": part, "round": 1}
        todo = _("Ask %(unit)s for its answer, due on %(date)s, and record it when it arrives.") % {
            "unit": world.other_unit.name, "date": due.date(),
        }  # fmt: skip
    assert expected in to_lead.body and todo in to_lead.body
    assert "朔州市人力资源和社会保障局" not in to_lead.body
    html = to_lead.alternatives[0][0]
    assert expected in html
    assert timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in to_lead.body


def test_a_mail_in_english_names_the_unit_its_part_and_round_in_english(world):
    User.objects.filter(pk=world.secretary.pk).update(language="en")
    proposal = in_handling(world, world.unit)
    due = handling(proposal, world.unit).due_at
    reminders.plan(due)
    reminders.send_due(due + dt.timedelta(hours=1))
    (to_secretary,) = [m for m in mail.outbox if m.to == [world.secretary.email]]
    assert "Handling unit: 朔州市人力资源和社会保障局 (Lead unit (主办)), round 1" in to_secretary.body
    assert f"Ask 朔州市人力资源和社会保障局 for its answer, due on {due.date()}" in to_secretary.body


def test_an_extension_cancels_the_reminders_of_the_old_date_and_the_new_date_is_reminded(world):
    proposal = in_handling(world, world.unit, world.other_unit)
    old = handling(proposal, world.unit)
    now = old.due_at - dt.timedelta(days=1)
    reminders.plan(now)

    act(world, proposal, "extend_answer", "coordinator", note="需跨部门协调", unit=world.unit.pk, extend_by="2")
    moved = handling(proposal, world.unit)
    assert moved.due_on == old.due_on + relativedelta(months=2)
    result = reminders.plan(now)

    assert result.cancelled == 2 and result.planned == []
    assert unit_outbox(status="pending") == {("市教育局", "secretary", 1, "before", "pending"),
                                             ("市教育局", "lead", 1, "before", "pending")}  # fmt: skip
    reminders.plan(moved.due_at - dt.timedelta(days=3))
    assert set(Reminder.objects.filter(handling=moved, status="pending").values_list("due_at", "offset_days")) == {
        (moved.due_at, 3)
    }


def test_a_second_round_is_reminded_of_its_new_due_date(world):
    proposal = in_handling(world, world.unit)
    first = handling(proposal, world.unit)
    reminders.plan(first.due_at - dt.timedelta(days=1))
    answer(world, proposal, world.unit)
    # The whole proposal is answered: it left handling, and the unit's reminders went with it at once.
    assert Proposal.objects.get(pk=proposal.pk).state == State.ANSWERED
    assert {row[-1] for row in unit_outbox()} == {"cancelled"}

    act(world, proposal, "rate", "lead", note="答复未解决实际问题", unit=world.unit.pk, rating="unsatisfied")
    again = handling(proposal, world.unit)
    assert (again.round, again.status) == (2, HandlingStatus.OPEN)
    reminders.plan(again.due_at - dt.timedelta(days=1))

    assert set(Reminder.objects.filter(status="pending").values_list("handling", "due_at", "offset_days")) == {
        (again.pk, again.due_at, 1)
    }
    reminders.send_due(again.due_at - dt.timedelta(hours=6))
    to_lead = next(m for m in mail.outbox if m.to == [world.lead.email])
    with translation.override(world.lead.language):
        part = str(Handling.Role.LEAD.label)
        assert _("%(unit)s (%(part)s), round %(round)d") % {"unit": world.unit.name, "part": part, "round": 2} in (
            to_lead.body
        )


def test_an_overdue_answer_goes_to_the_committees_coordinators_then_escalates_to_the_level_above(world):
    proposal = in_handling(world, world.unit)
    due = handling(proposal, world.unit).due_at
    for days in (1, 2, 3):
        reminders.plan(due + dt.timedelta(days=days))
    assert unit_outbox(offset_days=-1) == {("市人社局", "coord-county", -1, "overdue", "pending")}
    assert unit_outbox(offset_days=-2) == {("市人社局", "coord-county", -2, "overdue", "pending")}
    # The branch's committee (the county) hears of it already: the escalation goes on to the city.
    assert unit_outbox(offset_days=-3) == {
        ("市人社局", "coord-county", -3, "overdue", "pending"), ("市人社局", "coord-city", -3, "escalation", "pending"),
    }  # fmt: skip


# --- Key supervised items (重点督办) -----------------------------------------------------------------------------


def test_a_supervised_item_is_reminded_on_the_supervised_days_and_escalates_on_its_first_day_overdue(world, settings):
    settings.SUPERVISED_REMINDER_OFFSETS = [30, 14, 7, 3, 1, 0]
    supervised = in_handling(world, world.unit)
    plain = in_handling(world, world.unit)
    act(world, supervised, "supervise", "coordinator", note="群众反映强烈")
    due = handling(supervised, world.unit).due_at
    assert handling(plain, world.unit).due_at == due

    reminders.plan(due - dt.timedelta(days=30))
    reminders.plan(due - dt.timedelta(days=14))
    assert set(Reminder.objects.values_list("proposal", "offset_days")) == {(supervised.pk, 30), (supervised.pk, 14)}

    reminders.plan(due + dt.timedelta(days=1))
    assert unit_outbox(proposal=supervised, offset_days=-1) == {
        ("市人社局", "coord-county", -1, "overdue", "pending"), ("市人社局", "coord-city", -1, "escalation", "pending"),
    }  # fmt: skip
    assert unit_outbox(proposal=plain, offset_days=-1) == {("市人社局", "coord-county", -1, "overdue", "pending")}


def test_the_supervised_policy_adds_its_days_to_the_sessions(world, settings):
    settings.SUPERVISED_REMINDER_OFFSETS = [21, 1]
    session = world.npc_session
    session.reminder_offsets = [10, 2]
    assert reminders.policy_for(session).offsets_days == (10, 2)
    supervised = reminders.policy_for(session, supervised=True)
    assert supervised.offsets_days == (21, 10, 2, 1)
    assert supervised.escalate_after_days == 1


def test_supervised_offsets_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SUPERVISED_REMINDER_OFFSETS", "14, 30,0,7")
    assert env.env_days("SUPERVISED_REMINDER_OFFSETS", [1]) == [30, 14, 7, 0]
    monkeypatch.delenv("SUPERVISED_REMINDER_OFFSETS")
    assert env.env_days("SUPERVISED_REMINDER_OFFSETS", [3, 1]) == [3, 1]


@pytest.mark.parametrize("raw", ["", "30,two", "7,-1", "1.5"])
def test_a_bad_supervised_offset_fails_at_start_up_naming_the_setting(monkeypatch, raw):
    monkeypatch.setenv("SUPERVISED_REMINDER_OFFSETS", raw)
    with pytest.raises(ImproperlyConfigured, match="SUPERVISED_REMINDER_OFFSETS"):
        env.env_days("SUPERVISED_REMINDER_OFFSETS", [1])


# --- The calendar feed ----------------------------------------------------------------------------------------


def unit_events(user: User, now: dt.datetime | None = None) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(calendar_for(User.objects.get(pk=user.pk), now))
    return {str(event["UID"]): event for event in calendar.events if str(event["UID"]).startswith("handling-")}


def test_the_feed_has_an_event_per_awaited_answer_that_keeps_its_uid_when_the_date_moves(world):
    proposal = in_handling(world, world.unit, world.other_unit)
    first, second = handling(proposal, world.unit), handling(proposal, world.other_unit)
    uids = {f"handling-{first.pk}@127.0.0.1", f"handling-{second.pk}@127.0.0.1"}

    for person in (world.secretary, world.lead):
        events = unit_events(person)
        assert set(events) == uids
    event = unit_events(world.lead)[f"handling-{first.pk}@127.0.0.1"]
    assert event["DTSTART"].dt == first.due_at and event["SEQUENCE"] == 0
    with translation.override(world.lead.language):
        assert str(event["SUMMARY"]) == _("Answer due from %(unit)s: %(title)s") % {
            "unit": "市人社局", "title": proposal.title,
        }  # fmt: skip
    # Not the coordinators' until it is overdue; a co-signer has nothing to chase.
    assert unit_events(world.coordinator) == {} and unit_events(world.cosigners[0]) == {}

    act(world, proposal, "extend_answer", "coordinator", note="需跨部门协调", unit=world.unit.pk, extend_by="1")
    moved = unit_events(world.lead)[f"handling-{first.pk}@127.0.0.1"]
    assert moved["DTSTART"].dt == handling(proposal, world.unit).due_at and moved["SEQUENCE"] == 1

    answer(world, proposal, world.unit)
    assert set(unit_events(world.lead)) == {f"handling-{second.pk}@127.0.0.1"}
    overdue = unit_events(world.coordinator, second.due_at + dt.timedelta(days=2))
    assert set(overdue) == {f"handling-{second.pk}@127.0.0.1"}


def test_a_second_round_comes_back_under_the_same_uid_with_a_higher_sequence(world):
    proposal = in_handling(world, world.unit)
    first = handling(proposal, world.unit)
    answer(world, proposal, world.unit)
    assert unit_events(world.lead) == {}
    act(world, proposal, "rate", "lead", note="答复未解决实际问题", unit=world.unit.pk, rating="unsatisfied")
    (event,) = unit_events(world.lead).values()
    assert str(event["UID"]) == f"handling-{first.pk}@127.0.0.1"
    assert event["SEQUENCE"] == 1 and event["DTSTART"].dt == handling(proposal, world.unit).due_at


# --- Cost -----------------------------------------------------------------------------------------------------


def _handlings_due(world, count: int, due_on: dt.date) -> None:
    """`count` proposals in handling, each with a lead delegate and two units due on `due_on`, as rows the workflow
    leaves (bulk_create skips its guards)."""
    proposals = Proposal.objects.bulk_create(
        [Proposal(title=f"关于青年工作的建议（{n}）", kind="suggestion", topic="jobs", organisation=world.branch,
                  author=world.secretary, session=world.npc_session, state=State.HANDLING,
                  reference_number=f"第{count}-{n}号", submitted_on=timezone.localdate()) for n in range(count)]
    )  # fmt: skip
    Assignment.objects.bulk_create(
        [Assignment(proposal=p, delegate=world.lead.delegate, role=Assignment.Role.LEAD, assigned_by=world.coordinator)
         for p in proposals]
    )  # fmt: skip
    Handling.objects.bulk_create(
        [Handling(proposal=p, unit=unit, role=role, assigned_on=timezone.localdate(), due_on=due_on)
         for p in proposals for unit, role in ((world.unit, "lead"), (world.other_unit, "assisting"))]
    )  # fmt: skip


def _sweep_queries(now: dt.datetime) -> int:
    with CaptureQueriesContext(connection) as queries:
        reminders.plan(now)
    return len(queries)


def test_the_sweeps_queries_stay_flat_with_many_handlings(world):
    due_on = timezone.localdate() + dt.timedelta(days=20)
    now = day_at(due_on, 9) - dt.timedelta(days=1)
    _handlings_due(world, 3, due_on)
    few = _sweep_queries(now)
    assert Reminder.objects.count() == 3 * 2 * 2
    Reminder.objects.all().delete()
    _handlings_due(world, 60, due_on)
    many = _sweep_queries(now)
    assert Reminder.objects.filter(stage=Stage.ANSWER).count() == 63 * 2 * 2
    assert many == few
    # Overdue, with escalation: the coordinators are read once per organisation, not per unit.
    later = day_at(due_on, 9) + dt.timedelta(days=5)
    assert _sweep_queries(later) == _sweep_queries(later + dt.timedelta(days=1))


def test_the_sweeps_handling_query_reads_the_awaited_answers_through_their_partial_index(requires_postgresql, world):
    _handlings_due(world, 5, timezone.localdate() + dt.timedelta(days=3))
    # The history: closed proposals whose units' handling is settled, due long ago.
    long_ago = timezone.localdate() - dt.timedelta(days=400)
    closed = Proposal.objects.bulk_create(
        [Proposal(title=f"历史提案（{n}）", kind="suggestion", topic="jobs", organisation=world.branch,
                  author=world.secretary, session=world.npc_session, state=State.CLOSED,
                  reference_number=f"历{n}号", submitted_on=long_ago) for n in range(2000)]
    )  # fmt: skip
    Handling.objects.bulk_create(
        [Handling(proposal=p, unit=world.unit, role="lead", assigned_on=long_ago, due_on=long_ago,
                  status=HandlingStatus.SETTLED) for p in closed]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE proposals_handling")
        cursor.execute("ANALYZE proposals_proposal")
    with CaptureQueriesContext(connection) as queries:
        items = reminders.due_items(timezone.now())
    assert len(items) == 10
    (sql,) = [q["sql"] for q in queries if q["sql"].startswith('SELECT') and 'FROM "proposals_handling"' in q["sql"]
              and '"proposals_handling"."due_on" <=' in q["sql"]]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "handling_open_due" in plan, plan
