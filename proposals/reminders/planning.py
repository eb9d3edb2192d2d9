"""Planning into the outbox: every reminder due now is recorded once (a unique key), before anything is sent;
those whose stage ended or whose date moved are cancelled.

A due date is a stage's (research, consultation, submission, and the answer until units are assigned) or, while
the proposal is in handling, each unit's answer (Reminder.handling): a unit that answered, whose date moved
(an extension, a second round) or whose proposal left handling has its reminders cancelled, the others' stay."""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from functools import reduce

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from proposals.models import Deadline, Handling, Proposal, Reminder, Session, Stage, User
from proposals.reminders.policy import proposal_policy, reminder_day, reminder_offset, send_after
from proposals.reminders.recipients import People, recipients
from proposals.selectors import current_due_dates_before, open_handlings_due_before, proposals_with_workflow_data
from proposals.workflow import STAGE_STATES, HandlingStatus, State, current_stage


@dataclass(frozen=True)
class DueItem:
    proposal: Proposal
    stage: str
    due_at: dt.datetime
    handling: Handling | None = None  # the unit whose answer is due, while the proposal is in handling


def _horizons(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The last moments whose due dates can have a reminder today, under any session's policy: for every item,
    and for key supervised items (reminded earlier, SUPERVISED_REMINDER_OFFSETS)."""
    overrides = Session.objects.exclude(reminder_offsets=None).values_list("reminder_offsets", flat=True)
    largest = max([*settings.REMINDER_POLICY["offsets_days"], *(d for offsets in overrides for d in offsets)])
    supervised = max([largest, *settings.SUPERVISED_REMINDER_OFFSETS])
    today = timezone.localdate(now)
    return tuple(  # type: ignore[return-value]
        timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days + 1), dt.time.min))
        for days in (largest, supervised)
    )


# Proposals read at a time by the planning. Django prefetches a foreign key of many rows as one OR of
# equalities, which SQLite refuses beyond 1,000 terms ("Expression tree is too large"): a sweep with a thousand
# due stages failed on the embedded database until it read them in chunks.
PLAN_CHUNK = 500


def due_items(now: dt.datetime) -> list[DueItem]:
    """The current stages and the units' awaited answers whose due date is near or past, with what the planning
    reads of their proposals."""
    before, supervised_before = _horizons(now)
    dates = current_due_dates_before(before, supervised_before=supervised_before)
    handlings = open_handlings_due_before(before, supervised_before=supervised_before)
    ids = sorted({proposal.pk for proposal, _stage, _due in dates} | {handling.proposal_id for handling in handlings})
    proposals: dict[int, Proposal] = {}
    for start in range(0, len(ids), PLAN_CHUNK):
        chunk = Proposal.objects.filter(pk__in=ids[start : start + PLAN_CHUNK])
        proposals |= proposals_with_workflow_data(chunk).in_bulk()
    items = [DueItem(proposals[proposal.pk], stage, due_at) for proposal, stage, due_at in dates]
    items += [DueItem(proposals[h.proposal_id], Stage.ANSWER, h.due_at, h) for h in handlings]
    return sorted(items, key=lambda item: (item.due_at, item.proposal.pk))


def due_at_if_current(proposal: Proposal, stage: str, handling: Handling | None = None) -> dt.datetime | None:
    """The proposal's current due date if the stage is the one it is in now, else None: whether a reminder
    planned for that stage and date still holds. With a unit's handling: the unit's due date while its answer is
    awaited and the proposal in handling."""
    if handling is not None:
        awaited = proposal.state == State.HANDLING and handling.status == HandlingStatus.OPEN
        return handling.due_at if awaited else None
    if current_stage(proposal.state) != stage:
        return None
    if stage == Stage.SUBMISSION:
        return proposal.session.submission_deadline
    deadline = next((d for d in proposal.deadlines.all() if d.stage == stage), None)
    return deadline.due_at if deadline else None


@dataclass
class PlanResult:
    planned: list[Reminder] = field(default_factory=list)
    cancelled: int = 0


def plan(now: dt.datetime | None = None, *, dry_run: bool = False) -> PlanResult:
    """Record in the outbox every reminder that is due now and not recorded yet; cancel those gone stale."""
    now = now or timezone.now()
    result = PlanResult()
    candidates = []
    directory = People()
    for item in due_items(now):
        policy = proposal_policy(item.proposal)
        offset = reminder_offset(item.due_at, now, policy.offsets_days, policy.overdue_for_days)
        if offset is None:
            continue
        day = reminder_day(item.due_at, offset)
        people = recipients(item.proposal, item.stage, offset, policy, directory, unit_answer=item.handling is not None)
        for user, kind in people:
            candidates.append(
                Reminder(proposal=item.proposal, stage=item.stage, due_at=item.due_at, offset_days=offset,
                         recipient=user, kind=kind, handling=item.handling, send_after=send_after(user, day, now),
                         created_at=now)
            )  # fmt: skip
    existing = _existing_keys(candidates)
    new = [r for r in candidates if _key(r) not in existing]
    # A reminder cancelled because its stage ended (or its date moved) is due again when the proposal is back
    # in that stage at that date: the row under its key is revived rather than left cancelled for good.
    revive = [r for r in candidates if existing.get(_key(r), (None, None))[1] == Reminder.Status.CANCELLED]
    if dry_run:
        result.planned = new + revive
        return result
    # ignore_conflicts: a second sweep racing this one may insert the same rows first; the key keeps one.
    Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    result.planned = new
    for reminder in revive:
        revived = Reminder.objects.filter(pk=existing[_key(reminder)][0], status=Reminder.Status.CANCELLED).update(
            status=Reminder.Status.PENDING, kind=reminder.kind, send_after=reminder.send_after, attempts=0,
            last_error="", claim_token=None, claimed_at=None, created_at=now,
        )  # fmt: skip
        if revived:
            result.planned.append(reminder)
    result.cancelled = cancel_stale(now)
    return result


def _key(reminder: Reminder) -> tuple:
    return (reminder.proposal_id, reminder.stage, reminder.handling_id, reminder.due_at, reminder.offset_days,
            reminder.recipient_id)  # fmt: skip


def _existing_keys(candidates: list[Reminder]) -> dict[tuple, tuple[int, str]]:
    """The rows already recorded under the candidates' keys: key -> (id, status)."""
    if not candidates:
        return {}
    proposals = {r.proposal_id for r in candidates}
    rows = Reminder.objects.filter(proposal_id__in=proposals, offset_days__in={r.offset_days for r in candidates})
    fields = ("proposal_id", "stage", "handling_id", "due_at", "offset_days", "recipient_id", "pk", "status")
    return {tuple(row[:6]): (row[6], row[7]) for row in rows.values_list(*fields)}


def cancel_stale(now: dt.datetime) -> int:
    """Cancel pending reminders whose stage has ended, whose unit has answered, or whose due date has moved since
    they were planned."""
    pending = Reminder.objects.filter(status=Reminder.Status.PENDING).select_related("proposal__session", "handling")
    pending = pending.prefetch_related("proposal__deadlines")
    stale = [r.pk for r in pending if due_at_if_current(r.proposal, r.stage, r.handling) != r.due_at]
    if not stale:
        return 0
    return Reminder.objects.filter(pk__in=stale, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED, last_error=""
    )


def follow_state(proposal: Proposal, now: dt.datetime) -> None:
    """After a state change: mark which deadline is current, and cancel the reminders of the stage that ended
    (the units' answers are due while the proposal is in handling)."""
    ended = [] if proposal.state == State.HANDLING else [Q(handling__isnull=False)]
    for stage, states in STAGE_STATES.items():
        current = proposal.state in states
        Deadline.objects.filter(proposal=proposal, stage=stage).exclude(is_current=current).update(is_current=current)
        if not current:
            ended.append(Q(stage=stage, handling__isnull=True))
    Reminder.objects.filter(reduce(operator.or_, ended), proposal=proposal, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED
    )


def cancel_moved(proposal: Proposal, stage: str, due_at: dt.datetime) -> None:
    """A stage's due date moved: reminders planned for the old date are cancelled; the next sweep plans new ones."""
    Reminder.objects.filter(proposal=proposal, stage=stage, handling=None, status=Reminder.Status.PENDING).exclude(
        due_at=due_at
    ).update(status=Reminder.Status.CANCELLED)


def reschedule_for(user: User, now: dt.datetime) -> None:
    """The user changed their preferences: pending reminders follow the new mode and hour."""
    for reminder in Reminder.objects.filter(recipient=user, status=Reminder.Status.PENDING):
        reminder.send_after = send_after(user, reminder_day(reminder.due_at, reminder.offset_days), now)
        reminder.save(update_fields=["send_after"])
