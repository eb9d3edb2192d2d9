"""The outbox: each reminder recorded once, to the people who must act, and cancelled when it no longer holds."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proposals import reminders, services
from proposals.models import Deadline, Proposal, Reminder, Stage
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire
from tests.reminders.conftest import day_at, in_days, outbox, pending_to, set_due


def test_planning_twice_records_each_reminder_once(world):
    proposal = world.draft()
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    now = due - dt.timedelta(days=3)
    first = reminders.plan(now)
    second = reminders.plan(now + dt.timedelta(hours=5))
    assert len(first.planned) == 1
    assert second.planned == []
    assert Reminder.objects.count() == 1
    row = Reminder.objects.get()
    assert (row.proposal_id, row.stage, row.due_at, row.offset_days, row.recipient) == (
        proposal.pk, Stage.RESEARCH, due, 3, world.secretary
    )  # fmt: skip


def test_the_unique_key_refuses_a_second_row_for_the_same_reminder(world):
    proposal = world.draft()
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    reminders.plan(due - dt.timedelta(days=1))
    row = Reminder.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            proposal=proposal, stage=row.stage, due_at=row.due_at, offset_days=row.offset_days,
            recipient=row.recipient, kind=row.kind, send_after=row.send_after,
        )  # fmt: skip


# --- Who is reminded: the people who must act at the stage ----------------------------------------------


def test_research_reminds_the_secretaries_of_the_proposals_organisation(world):
    proposal = world.draft()
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    reminders.plan(due - dt.timedelta(days=7))
    assert outbox() == {("secretary", "research", 7, "before", "pending")}


def test_consultation_reminds_the_delegates_who_have_not_acted_yet(world):
    proposal = bring_to(world, State.CONSULTATION)
    due = in_days(30)
    set_due(world, proposal, Stage.CONSULTATION, due)
    lead, (first, second, third) = world.lead, world.cosigners

    reminders.plan(due - dt.timedelta(days=7))
    assert pending_to(offset_days=7) == {lead.username, first.username, second.username, third.username}
    # Research is over: the secretary is not reminded any more.
    assert not Reminder.objects.filter(recipient=world.secretary).exists()

    fire(world, proposal, "endorse", "lead")
    fire(world, proposal, "co_sign", first)
    fire(world, proposal, "decline", second, note="本人不熟悉该领域")
    reminders.plan(due - dt.timedelta(days=3))
    assert pending_to(offset_days=3) == {third.username}

    # A new revision needs the lead's endorsement again; a co-signature stays.
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, recommendations="一、二、三。")
    reminders.plan(due - dt.timedelta(days=1))
    assert pending_to(offset_days=1) == {lead.username, third.username}
    assert {row[3] for row in outbox()} == {"before"}


def test_submission_reminds_the_lead_of_the_sessions_deadline(world):
    proposal = bring_to(world, State.READY)
    deadline = world.npc_session.submission_deadline
    reminders.plan(deadline - dt.timedelta(days=1))
    assert outbox() == {("lead", "submission", 1, "before", "pending")}
    row = Reminder.objects.get()
    assert row.due_at == deadline
    assert row.proposal == proposal
    assert not Deadline.objects.filter(proposal=proposal, is_current=True).exists()


def test_the_answer_is_the_leads_until_it_is_overdue_then_the_committees_coordinators(world):
    proposal = bring_to(world, State.REGISTERED)
    due = Deadline.objects.get(proposal=proposal, stage=Stage.ANSWER).due_at
    assert due == day_at(proposal.submitted_on + relativedelta(months=3), 18)
    reminders.plan(due - dt.timedelta(days=1))
    assert outbox() == {("lead", "answer", 1, "before", "pending")}
    reminders.plan(due + dt.timedelta(days=1))
    # The branch's committee is its county committee; the city committee is not bothered yet.
    assert outbox(offset_days=-1) == {("coord-county", "answer", -1, "overdue", "pending")}


def test_escalation_reaches_the_parent_organisations_coordinators_after_the_days_overdue(world, settings):
    settings.REMINDER_POLICY = {"offsets_days": [7, 3, 1, 0], "escalate_after_days": 3, "overdue_for_days": 30}
    proposal = world.draft()
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    for days in (1, 2, 3, 4):
        reminders.plan(due + dt.timedelta(days=days, hours=-3))
    assert outbox(offset_days=-2) == {("secretary", "research", -2, "overdue", "pending")}
    assert outbox(offset_days=-3) == {
        ("secretary", "research", -3, "overdue", "pending"),
        ("coord-county", "research", -3, "escalation", "pending"),
    }
    assert pending_to(offset_days=-4) == {"secretary", "coord-county"}
    # Nobody outside the proposal's chain hears of it.
    assert not Reminder.objects.filter(recipient__in=[world.other_coordinator, world.other_secretary]).exists()


# --- Cancelled, never sent ------------------------------------------------------------------------------


def test_a_moved_due_date_cancels_the_pending_reminders_and_the_next_plan_uses_the_new_date(world):
    proposal = world.draft()
    old_due, new_due = in_days(20), in_days(22)
    set_due(world, proposal, Stage.RESEARCH, old_due)
    now = old_due - dt.timedelta(days=3)
    reminders.plan(now)
    assert outbox() == {("secretary", "research", 3, "before", "pending")}

    set_due(world, proposal, Stage.RESEARCH, new_due)
    assert outbox() == {("secretary", "research", 3, "before", "cancelled")}
    reminders.plan(now)
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).get().due_at == new_due
    assert outbox(status=Reminder.Status.PENDING) == {("secretary", "research", 7, "before", "pending")}
    reminders.send_due(now + dt.timedelta(days=1))
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(status=Reminder.Status.SENT).due_at == new_due


def test_a_due_date_moved_away_and_back_is_reminded_again(world):
    proposal = world.draft()
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    now = due - dt.timedelta(days=1)
    reminders.plan(now)
    set_due(world, proposal, Stage.RESEARCH, due + dt.timedelta(days=10))
    set_due(world, proposal, Stage.RESEARCH, due)  # changed their mind
    assert pending_to() == set()
    reminders.plan(now)
    assert outbox() == {("secretary", "research", 1, "before", "pending")}
    assert len(reminders.send_due(now).sent) == 1


def test_a_stage_that_ended_before_its_reminder_went_out_cancels_it(world):
    proposal = bring_to(world, State.RESEARCH)
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    planned_at = day_at((due - dt.timedelta(days=1)).date(), 0, 5)  # the reminder waits for 08:00
    reminders.plan(planned_at)
    assert pending_to() == {"secretary"}

    fire(world, proposal, "start_consultation", "secretary")
    assert outbox(recipient=world.secretary) == {("secretary", "research", 1, "before", "cancelled")}
    result = reminders.send_due(planned_at + dt.timedelta(hours=8))
    assert result.sent == []
    assert mail.outbox == []


def test_a_stage_that_ended_while_the_plan_ran_is_cancelled_by_the_next_plan(world):
    """cancel_stale catches what follow_state missed, e.g. a row inserted by a sweep that read the old state."""
    proposal = bring_to(world, State.RESEARCH)
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    reminders.plan(due - dt.timedelta(days=1))
    fire(world, proposal, "start_consultation", "secretary")
    Reminder.objects.filter(stage=Stage.RESEARCH).update(status=Reminder.Status.PENDING)  # the racing insert
    result = reminders.plan(due - dt.timedelta(days=1))
    assert result.cancelled == 1
    assert outbox(stage=Stage.RESEARCH) == {("secretary", "research", 1, "before", "cancelled")}


def test_a_reminder_whose_stage_ended_between_claim_and_send_is_cancelled_at_send_time(world):
    proposal = bring_to(world, State.RESEARCH)
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    now = due - dt.timedelta(days=1)
    reminders.plan(now)
    token, claimed = reminders.claim(now)
    assert [r.recipient for r in claimed] == [world.secretary]

    fire(world, proposal, "start_consultation", "secretary")
    result = reminders.send_claimed(token, claimed)
    assert mail.outbox == []
    assert result.sent == []
    assert result.cancelled == [claimed[0].pk]
    assert outbox() == {("secretary", "research", 1, "before", "cancelled")}


def test_a_due_date_moved_between_claim_and_send_cancels_the_claimed_reminder(world):
    proposal = world.draft()
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    now = due - dt.timedelta(days=1)
    reminders.plan(now)
    token, claimed = reminders.claim(now)
    set_due(world, proposal, Stage.RESEARCH, due + dt.timedelta(days=10))
    result = reminders.send_claimed(token, claimed)
    assert mail.outbox == []
    assert result.cancelled == [claimed[0].pk]


def test_a_reminder_to_someone_who_acted_after_it_was_planned_is_not_sent(world):
    proposal = bring_to(world, State.CONSULTATION)
    due = in_days(30)
    set_due(world, proposal, Stage.CONSULTATION, due)
    planned_at = day_at((due - dt.timedelta(days=1)).date(), 0, 5)
    reminders.plan(planned_at)
    fire(world, proposal, "endorse", "lead")
    fire(world, proposal, "co_sign", world.cosigners[0])

    reminders.send_due(planned_at + dt.timedelta(hours=8))
    assert sorted(message.to[0] for message in mail.outbox) == ["cosigner-1@example.org", "cosigner-2@example.org"]
    assert outbox(recipient__in=[world.lead, world.cosigners[0]]) == {
        ("lead", "consultation", 1, "before", "cancelled"),
        ("cosigner-0", "consultation", 1, "before", "cancelled"),
    }


def test_a_proposal_back_in_a_stage_is_reminded_again_of_a_reminder_that_was_cancelled(world):
    proposal = bring_to(world, State.CONSULTATION)
    due = in_days(30)
    set_due(world, proposal, Stage.CONSULTATION, due)
    planned_at = day_at((due - dt.timedelta(days=1)).date(), 0, 5)
    reminders.plan(planned_at)
    # Changes requested at midnight, the text revised and consultation started again before breakfast.
    fire(world, proposal, "request_changes", world.cosigners[0], note="请补充数据")
    assert pending_to() == set()
    fire(world, proposal, "start_consultation", "secretary")
    reminders.plan(planned_at + dt.timedelta(hours=2))
    reminders.send_due(planned_at + dt.timedelta(hours=8))
    assert len(mail.outbox) == 4  # the lead and three co-signers
    assert {row[4] for row in outbox()} == {"sent"}


# --- The partial indexes the sweep reads through (PostgreSQL) -------------------------------------------


def test_the_partial_indexes_exist_on_postgresql(requires_postgresql, db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN ('deadline_current_due', 'reminder_pending')"
        )
        definitions = dict(cursor.fetchall())
    assert set(definitions) == {"deadline_current_due", "reminder_pending"}
    assert "(due_at)" in definitions["deadline_current_due"]
    assert "WHERE is_current" in definitions["deadline_current_due"]
    assert "(send_after)" in definitions["reminder_pending"]
    assert "WHERE ((status)::text = 'pending'::text)" in definitions["reminder_pending"]


def test_the_sweeps_deadline_query_reads_the_current_deadlines_through_their_partial_index(requires_postgresql, world):
    current = world.draft()
    fields = {
        "organisation": world.branch, "session": world.npc_session, "author": world.secretary,
        "kind": Proposal.Kind.SUGGESTION, "topic": Proposal.Topic.OTHER, "title": "历史提案",
    }  # fmt: skip
    history = Proposal.objects.bulk_create([Proposal(**fields) for _ in range(2000)])
    long_ago = in_days(-400)  # due long ago: every one would match "due before the horizon" but for is_current
    Deadline.objects.bulk_create(
        [Deadline(proposal=p, stage=stage, due_at=long_ago, is_current=False) for p in history
         for stage in (Stage.RESEARCH, Stage.CONSULTATION, Stage.ANSWER)]
    )  # fmt: skip
    assert Deadline.objects.filter(proposal=current, is_current=True).count() == 1
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE proposals_deadline")

    with CaptureQueriesContext(connection) as queries:
        items = reminders.due_items(in_days(10))
    assert items == []  # the current deadline is 22 days away by default
    (sweep_sql,) = [q["sql"] for q in queries if 'FROM "proposals_deadline"' in q["sql"] and "is_current" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sweep_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "deadline_current_due" in plan, plan


def test_escalation_of_a_branchs_overdue_answer_reaches_the_level_above_the_county(world):
    """The county committee is reminded of the overdue answer already; escalation goes on to the city."""
    from proposals.reminders import Policy, recipients

    proposal = bring_to(world, State.REGISTERED)
    policy = Policy(offsets_days=(7, 3, 1, 0), escalate_after_days=3, overdue_for_days=30)
    people = {user.username: kind for user, kind in recipients(proposal, "answer", -5, policy)}
    assert people == {world.coordinator.username: "overdue", world.city_coordinator.username: "escalation"}


def test_daily_overdue_reminders_stop_after_the_policys_days(world):
    from proposals.reminders import reminder_offset

    due = timezone.now() - dt.timedelta(days=40)
    assert reminder_offset(due, timezone.now(), (7, 3, 1, 0), overdue_for_days=30) is None
    assert reminder_offset(due, timezone.now(), (7, 3, 1, 0), overdue_for_days=45) == -40


def test_a_recipient_without_an_address_is_failed_with_the_reason_not_marked_sent(world):
    world.secretary.email = ""
    world.secretary.save(update_fields=["email"])
    proposal = world.draft()
    set_due(world, proposal, "research", timezone.now() + dt.timedelta(hours=2))
    reminders.plan(timezone.now())
    reminders.send_due(timezone.now() + dt.timedelta(days=1))
    row = Reminder.objects.get(recipient=world.secretary)
    assert row.status == Reminder.Status.FAILED and "no email address" in row.last_error
