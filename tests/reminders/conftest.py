"""Helpers for the reminder tests: local moments, due dates, and what the outbox holds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from proposals import services
from proposals.models import Proposal, Reminder

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> dt.datetime:
    """An aware moment in the project's time zone: local(2026, 12, 1, 0, 30)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def day_at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def in_days(days: int, hour: int = 18) -> dt.datetime:
    """A moment `days` local days from today, at `hour` Beijing time."""
    return day_at(timezone.localdate() + dt.timedelta(days=days), hour)


def set_due(world, proposal: Proposal, stage: str, due_at: dt.datetime) -> None:
    services.deadline_set(proposal_id=proposal.pk, actor=world.secretary, stage=stage, due_at=due_at)


def outbox(**filters) -> set[tuple]:
    """The outbox as (recipient, stage, offset, kind, status) rows, easy to compare."""
    rows = Reminder.objects.filter(**filters).values_list(
        "recipient__username", "stage", "offset_days", "kind", "status"
    )
    return set(rows)


def pending_to(**filters) -> set[str]:
    """Who has a pending reminder."""
    return {row[0] for row in outbox(status=Reminder.Status.PENDING, **filters)}
