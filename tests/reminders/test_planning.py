"""Planning is a pure function of the due date, the moment and the policy: days count in Beijing time."""

from __future__ import annotations

import datetime as dt

from proposals import reminders, services
from proposals.models import Organisation, Reminder, Session, Stage, User
from tests.conftest import make_user
from tests.proposals.arrange import fire
from tests.reminders.conftest import in_days, local, outbox, set_due

OFFSETS = (7, 3, 1, 0)
UTC = dt.UTC


# --- reminder_offset: which reminder is current ---------------------------------------------------------


def test_a_deadline_just_after_midnight_is_one_day_away_all_of_the_day_before():
    due = local(2026, 12, 1, 0, 30)
    assert reminders.reminder_offset(due, local(2026, 11, 29, 23, 59, 59), OFFSETS) == 3
    assert reminders.reminder_offset(due, local(2026, 11, 30, 0, 0, 0), OFFSETS) == 1
    assert reminders.reminder_offset(due, local(2026, 11, 30, 23, 59, 59), OFFSETS) == 1
    assert reminders.reminder_offset(due, local(2026, 12, 1, 0, 0, 0), OFFSETS) == 0


def test_days_turn_at_midnight_in_shanghai_which_is_four_in_the_afternoon_utc():
    due = local(2026, 12, 1, 0, 30)  # 16:30 UTC on 30 November
    assert due.astimezone(UTC).date() == dt.date(2026, 11, 30)
    assert reminders.reminder_offset(due, dt.datetime(2026, 11, 29, 15, 59, 59, tzinfo=UTC), OFFSETS) == 3
    # 16:00 UTC is already midnight, 30 November, in Shanghai: one day before, not two.
    assert reminders.reminder_offset(due, dt.datetime(2026, 11, 29, 16, 0, tzinfo=UTC), OFFSETS) == 1
    # By UTC dates the due day would already have come at 16:30 UTC on the 30th; in Shanghai it is the 1st.
    assert reminders.reminder_offset(due, dt.datetime(2026, 11, 30, 16, 0, tzinfo=UTC), OFFSETS) == 0
    assert reminders.reminder_offset(due, dt.datetime(2026, 11, 30, 15, 59, tzinfo=UTC), OFFSETS) == 1


def test_nothing_is_current_before_the_largest_offset():
    due = local(2026, 12, 10, 18)
    assert reminders.reminder_offset(due, local(2026, 12, 2, 23, 59), OFFSETS) is None
    assert reminders.reminder_offset(due, local(2026, 12, 3, 0, 0), OFFSETS) == 7


def test_a_late_sweep_finds_only_the_current_offset_not_every_one_it_missed():
    due = local(2026, 12, 10, 18)
    # The first sweep in days comes the day before: the 7- and 3-day reminders are not sent late, only the 1-day one.
    assert reminders.reminder_offset(due, local(2026, 12, 9, 9), OFFSETS) == 1
    # Between two offsets the last one reached stays current (and is recorded once, under its key).
    assert [reminders.reminder_offset(due, local(2026, 12, day, 9), OFFSETS) for day in range(3, 11)] == [
        7, 7, 7, 7, 3, 3, 1, 0
    ]  # fmt: skip


def test_overdue_reminders_come_daily_with_negative_offsets():
    due = local(2026, 12, 10, 18)
    assert reminders.reminder_offset(due, local(2026, 12, 10, 23, 59), OFFSETS) == 0
    assert reminders.reminder_offset(due, local(2026, 12, 11, 0, 0), OFFSETS) == -1
    assert reminders.reminder_offset(due, local(2026, 12, 12, 9), OFFSETS) == -2
    assert reminders.reminder_offset(due, local(2027, 1, 9, 9), OFFSETS) == -30


# --- reminder_day: the day a reminder belongs to --------------------------------------------------------


def test_offsets_cross_month_ends():
    assert reminders.reminder_day(local(2027, 3, 2, 18), 7) == dt.date(2027, 2, 23)  # 2027 is no leap year
    assert reminders.reminder_day(local(2028, 3, 2, 18), 7) == dt.date(2028, 2, 24)  # 2028 is
    assert reminders.reminder_day(local(2027, 3, 2, 18), 1) == dt.date(2027, 3, 1)


def test_a_due_date_on_new_years_day_is_reminded_at_christmas_the_year_before():
    assert reminders.reminder_day(local(2027, 1, 1, 18), 7) == dt.date(2026, 12, 25)
    # Just after midnight on 1 January it is still 31 December in UTC; the day counts in Shanghai.
    assert reminders.reminder_day(local(2027, 1, 1, 0, 30), 7) == dt.date(2026, 12, 25)
    assert reminders.reminder_day(local(2027, 1, 1, 0, 30), 0) == dt.date(2027, 1, 1)


def test_overdue_reminder_days_follow_the_due_day():
    assert reminders.reminder_day(local(2026, 12, 31, 18), -1) == dt.date(2027, 1, 1)
    assert reminders.reminder_day(local(2026, 12, 31, 18), -2) == dt.date(2027, 1, 2)


# --- send_after: when a reminder may go out -------------------------------------------------------------


def immediate() -> User:
    return User(username="immediate", reminder_mode=User.ReminderMode.IMMEDIATE)


def digest(hour: int) -> User:
    return User(username="digest", reminder_mode=User.ReminderMode.DIGEST, digest_hour=hour)


def test_immediate_reminders_go_out_at_the_morning_hour_of_their_day(settings):
    settings.REMINDER_SEND_HOUR = 8
    day = dt.date(2026, 12, 9)
    assert reminders.send_after(immediate(), day, local(2026, 12, 9, 0, 5)) == local(2026, 12, 9, 8)
    # Planned late (after the hour, or days late) it is due at once: the hour has passed.
    assert reminders.send_after(immediate(), day, local(2026, 12, 11, 15)) == local(2026, 12, 9, 8)


def test_a_digest_reminder_planned_before_the_users_hour_goes_in_that_days_digest():
    day = dt.date(2026, 12, 9)
    assert reminders.send_after(digest(18), day, local(2026, 12, 9, 0, 0)) == local(2026, 12, 9, 18)
    assert reminders.send_after(digest(18), day, local(2026, 12, 9, 17, 59, 59)) == local(2026, 12, 9, 18)
    assert reminders.send_after(digest(18), day, local(2026, 12, 9, 18, 0, 0)) == local(2026, 12, 9, 18)


def test_a_digest_reminder_planned_after_the_users_hour_waits_for_the_next_days_digest():
    day = dt.date(2026, 12, 9)
    assert reminders.send_after(digest(18), day, local(2026, 12, 9, 18, 0, 1)) == local(2026, 12, 10, 18)
    assert reminders.send_after(digest(18), day, local(2026, 12, 9, 23, 59)) == local(2026, 12, 10, 18)
    # A reminder of an earlier day, planned late, also goes in the next digest, not in a mail of its own.
    assert reminders.send_after(digest(8), day, local(2026, 12, 11, 9)) == local(2026, 12, 12, 8)
    assert reminders.send_after(digest(0), day, local(2026, 12, 9, 0, 3)) == local(2026, 12, 10, 0)


def test_a_digest_user_never_gets_two_mails_on_one_day():
    """Whenever in a day reminders are planned, they all wait for one moment a day: the user's hour."""
    user = digest(8)
    day = dt.date(2026, 12, 9)
    start = local(2026, 12, 9)
    moments = [start + dt.timedelta(minutes=5 * step) for step in range(2 * 24 * 12)]  # every sweep, two days
    send_times = [reminders.send_after(user, day, now) for now in moments]
    assert all(when >= now for when, now in zip(send_times, moments, strict=True))
    assert {when.astimezone(start.tzinfo).time() for when in send_times} == {dt.time(8)}
    by_day: dict[dt.date, set[dt.datetime]] = {}
    for when in send_times:
        by_day.setdefault(when.astimezone(start.tzinfo).date(), set()).add(when)
    assert all(len(times) == 1 for times in by_day.values())


# --- The policy: defaults and a session's own ----------------------------------------------------------


def test_the_default_policy_comes_from_the_settings(settings):
    settings.REMINDER_POLICY = {"offsets_days": [1, 7, 3, 0], "escalate_after_days": 3, "overdue_for_days": 30}
    policy = reminders.policy_for(Session())
    assert policy == reminders.Policy(offsets_days=(7, 3, 1, 0), escalate_after_days=3, overdue_for_days=30)


def test_a_session_overrides_the_offsets_and_the_escalation():
    policy = reminders.policy_for(Session(reminder_offsets=[2, 14, 5], escalation_after_days=1))
    assert policy == reminders.Policy(offsets_days=(14, 5, 2), escalate_after_days=1, overdue_for_days=30)
    due = local(2026, 12, 20, 18)
    assert reminders.reminder_offset(due, local(2026, 12, 6, 9), policy.offsets_days) == 14
    assert reminders.reminder_offset(due, local(2026, 12, 17, 9), policy.offsets_days) == 5
    assert reminders.reminder_offset(due, local(2026, 12, 20, 9), policy.offsets_days) == 2
    # No reminder on the due day itself unless 0 is one of the offsets; overdue ones still come daily.
    assert reminders.reminder_offset(due, local(2026, 12, 21, 9), policy.offsets_days) == -1


def test_plan_follows_the_sessions_offsets_even_beyond_the_default_horizon(world):
    world.npc_session.reminder_offsets = [14, 2]
    world.npc_session.save(update_fields=["reminder_offsets"])
    proposal = world.draft()
    due = in_days(30)
    set_due(world, proposal, Stage.RESEARCH, due)

    reminders.plan(due - dt.timedelta(days=14))
    assert outbox() == {("secretary", "research", 14, "before", "pending")}
    reminders.plan(due - dt.timedelta(days=7))  # 7 is not this session's: nothing new
    reminders.plan(due - dt.timedelta(days=3))
    assert Reminder.objects.count() == 1
    reminders.plan(due - dt.timedelta(days=2))
    assert {row[2] for row in outbox()} == {14, 2}


def test_a_sessions_escalation_days_decide_when_the_parent_coordinators_hear_of_it(world):
    world.npc_session.escalation_after_days = 1
    world.npc_session.save(update_fields=["escalation_after_days"])
    proposal = world.draft()
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    reminders.plan(due + dt.timedelta(days=1))
    assert outbox() == {
        ("secretary", "research", -1, "overdue", "pending"),
        ("coord-county", "research", -1, "escalation", "pending"),
    }


def test_without_an_override_escalation_waits_for_the_default_days(world, settings):
    settings.REMINDER_POLICY = {"offsets_days": [7, 3, 1, 0], "escalate_after_days": 3, "overdue_for_days": 30}
    county_secretary = make_user("secretary-county", role=User.Role.SECRETARY, organisation=world.county)
    proposal = world.draft(author=county_secretary, organisation=world.county)
    due = in_days(20)
    services.deadline_set(proposal_id=proposal.pk, actor=county_secretary, stage=Stage.RESEARCH, due_at=due)
    for days in (1, 2):
        reminders.plan(due + dt.timedelta(days=days))
    assert {row[3] for row in outbox()} == {"overdue"}
    reminders.plan(due + dt.timedelta(days=3))
    # A county committee's proposal escalates to the city committee above it.
    assert outbox(offset_days=-3) == {
        ("secretary-county", "research", -3, "overdue", "pending"),
        ("coord-city", "research", -3, "escalation", "pending"),
    }
    assert world.county.level == Organisation.Level.COUNTY


def test_a_withdrawn_proposal_is_planned_for_no_more(world):
    proposal = world.draft()
    due = in_days(20)
    set_due(world, proposal, Stage.RESEARCH, due)
    fire(world, proposal, "withdraw", "secretary")
    assert reminders.plan(due - dt.timedelta(days=1)).planned == []
    assert not Reminder.objects.exists()
