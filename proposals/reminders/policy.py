"""When a reminder is due (DESIGN §5): pure functions of a due date, the moment and the session's policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from proposals.models import Proposal, Session, User


@dataclass(frozen=True)
class Policy:
    offsets_days: tuple[int, ...]  # days before the due date, largest first
    escalate_after_days: int
    overdue_for_days: int  # daily overdue reminders stop after this many days; the escalation has happened


def policy_for(session: Session, *, supervised: bool = False) -> Policy:
    """The session's policy; a key supervised item's (重点督办) is reminded on SUPERVISED_REMINDER_OFFSETS too and
    escalates on its first day overdue."""
    default = settings.REMINDER_POLICY
    offsets = session.reminder_offsets if session.reminder_offsets is not None else default["offsets_days"]
    escalate = session.escalation_after_days or default["escalate_after_days"]
    if supervised:
        offsets, escalate = [*offsets, *settings.SUPERVISED_REMINDER_OFFSETS], SUPERVISED_ESCALATE_AFTER_DAYS
    return Policy(tuple(sorted({int(days) for days in offsets}, reverse=True)), escalate, default["overdue_for_days"])


# A supervised item's overdue answer goes to the level above on the first overdue reminder, not days later.
SUPERVISED_ESCALATE_AFTER_DAYS = 1


def proposal_policy(proposal: Proposal) -> Policy:
    """The policy the reminders of this proposal follow: its session's, stricter while it is supervised."""
    return policy_for(proposal.session, supervised=proposal.supervised_at is not None)


def reminder_offset(
    due_at: dt.datetime, now: dt.datetime, offsets_days: Iterable[int], overdue_for_days: int | None = None
) -> int | None:
    """The reminder that is current at `now`: days before the due date, or negative days overdue.

    Days are calendar days in the project's time zone (Asia/Shanghai): a deadline at 00:30 on 1 December is
    "one day before" all of 30 November. Before the due day, the current reminder is the nearest offset not
    yet passed; a sweep that comes late sends that one, not every one it missed. From the day after the due
    day on, one reminder a day: -1, -2, ... for `overdue_for_days` days (None: for as long as it lasts).
    """
    days_left = (timezone.localdate(due_at) - timezone.localdate(now)).days
    if days_left < 0:
        return days_left if overdue_for_days is None or -days_left <= overdue_for_days else None
    reached = [days for days in offsets_days if days >= days_left]
    return min(reached) if reached else None


def reminder_day(due_at: dt.datetime, offset_days: int) -> dt.date:
    """The local day on which the reminder with this offset is due."""
    return timezone.localdate(due_at) - dt.timedelta(days=offset_days)


def _at_local_hour(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def send_after(user: User, day: dt.date, now: dt.datetime) -> dt.datetime:
    """When a reminder of `day` may go out to this user: at the morning hour, or at their digest hour.

    A digest goes out once a day at the user's hour; a reminder planned after that hour waits for tomorrow's,
    so a digest user never gets a second mail on the same day.
    """
    if user.reminder_mode == User.ReminderMode.DIGEST:
        return digest_at(user, max(now, timezone.make_aware(dt.datetime.combine(day, dt.time.min))))
    return _at_local_hour(day, settings.REMINDER_SEND_HOUR)


def digest_at(user: User, earliest: dt.datetime) -> dt.datetime:
    """The user's first digest hour no earlier than `earliest`: the digest that takes what is due then (a
    reminder, or a notice the user wants in the digest)."""
    moment = _at_local_hour(timezone.localdate(earliest), user.digest_hour)
    return moment if moment >= earliest else moment + dt.timedelta(days=1)
