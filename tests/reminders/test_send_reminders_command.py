"""`manage.py send_reminders`: a sweep by hand, in this process, without a worker or a broker."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from proposals import reminders
from proposals.models import Reminder, Stage
from tests.api.test_datetime_inputs import MALFORMED_MOMENTS
from tests.reminders.conftest import day_at, in_days, set_due


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def due_tomorrow(world):
    """Two drafts of the branch whose research is due on a day; the sweep runs the day before at 09:00."""
    proposals = [world.draft(title=title) for title in ("关于促进青年就业创业的建议", "关于关爱农村留守儿童的建议")]
    due = in_days(20)
    for proposal in proposals:
        set_due(world, proposal, Stage.RESEARCH, due)
    at = day_at(timezone.localdate(due) - dt.timedelta(days=1), 9)
    return proposals, at


def test_a_dry_run_prints_what_it_would_plan_and_records_nothing(due_tomorrow):
    proposals, at = due_tomorrow
    out, _err = run("--dry-run", "--at", at.isoformat())
    assert f"Sweep at {at:%Y-%m-%d %H:%M} CST (dry run)" in out
    lines = [line for line in out.splitlines() if line.strip().startswith("planned")]
    assert len(lines) == 2
    for line in lines:
        assert line.split()[1:5] == ["secretary", "research", "+1d", "before"]
        assert f"send after {at:%Y-%m-%d} 08:00" in line
    assert {p.title for p in proposals} == {line.split("  ")[-1].strip() for line in lines}
    assert "Planned 2, cancelled 0 stale." in out
    assert "Would send 0 pending reminder(s) recorded before." in out
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_a_dry_run_counts_what_was_recorded_before_and_sends_none_of_it(due_tomorrow):
    _proposals, at = due_tomorrow
    reminders.plan(at)
    out, _err = run("--dry-run", "--at", at.isoformat())
    assert "Planned 0, cancelled 0 stale." in out
    assert "Would send 2 pending reminder(s) recorded before." in out
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.PENDING}
    assert mail.outbox == []


def test_without_dry_run_it_plans_and_sends_and_prints_the_counts(due_tomorrow):
    _proposals, at = due_tomorrow
    out, err = run("--at", at.isoformat())
    assert "Planned 2, cancelled 0 stale." in out
    assert "Sent 2 reminder(s) in 1 mail(s); 0 to retry, 0 failed, 0 cancelled." in out
    assert err == ""
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    assert len(mail.outbox) == 1
    # A second run at the same moment finds nothing left to do.
    out, _err = run("--at", at.isoformat())
    assert "Planned 0, cancelled 0 stale." in out
    assert "Sent 0 reminder(s) in 0 mail(s)" in out
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_is_reported_on_stderr(due_tomorrow, settings):
    settings.EMAIL_BACKEND = "tests.reminders.test_sending.FailingBackend"
    _proposals, at = due_tomorrow
    out, err = run("--at", at.isoformat())
    assert "Sent 0 reminder(s) in 0 mail(s); 2 to retry, 0 failed, 0 cancelled." in out
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in err
    assert set(Reminder.objects.values_list("status", "attempts")) == {(Reminder.Status.PENDING, 1)}


def test_a_moment_without_a_time_zone_is_beijing_time(due_tomorrow):
    _proposals, at = due_tomorrow
    out, _err = run("--dry-run", "--at", f"{at:%Y-%m-%dT%H:%M}")
    assert f"Sweep at {at:%Y-%m-%d %H:%M} CST (dry run)" in out
    assert "Planned 2," in out


@pytest.mark.parametrize("at", ["tomorrow", "2026-13-45T08:00", "2026-12-01 25:00", "08:00", *MALFORMED_MOMENTS])
def test_a_bad_moment_is_a_command_error(db, at):
    with pytest.raises(CommandError, match="is not an ISO 8601 date and time"):
        run(f"--at={at}")  # one argument: a value starting with "-" is not an option
    assert not Reminder.objects.exists()
