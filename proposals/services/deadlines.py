"""Due dates: the defaults of a new draft and of the answer, and who may move which, how far."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import notifications, permissions, reminders
from proposals.models import Deadline, Proposal, Session, Transition, User
from proposals.permissions import DEADLINE_OVERRIDE_ROLES, PROPOSAL_STAGES
from proposals.selectors import proposal_roles
from proposals.services.checks import local_minute, lock_proposal, raise_if_errors, session_end, touch
from proposals.validators import clean_text
from proposals.workflow import DEADLINE_MOVE_ACTION, PRE_SUBMISSION, Role, current_stage

# How long before the session's submission deadline research and consultation are due, by default.
RESEARCH_LEAD_TIME = dt.timedelta(days=28)
CONSULTATION_LEAD_TIME = dt.timedelta(days=7)
# The handling unit's answer is due three months after submission (DESIGN §5).
ANSWER_PERIOD = relativedelta(months=3)
# How far a due date may move (DESIGN §2, §5; README "Deadlines"; who may move which: proposals.permissions).
# The organisation's secretary moves research and consultation up to the session's submission deadline.
# Anything else (the answer's due date, any due date once submitted, research or consultation after the
# submission deadline) is an override: a coordinator's, with a reason. No due date falls before the proposal
# was created (the answer's: before its submission day), none after the session's end (the answer's: after
# ANSWER_LATEST_AFTER_CLOSE past it), so that no one can move a stage's reminders out of reach.
ANSWER_LATEST_AFTER_CLOSE = relativedelta(years=1)


def _deadline_bounds(proposal: Proposal, stage: str) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and the latest due date of a stage of this proposal, for anyone (see DEADLINE_OVERRIDE_ROLES)."""
    closes = session_end(proposal.session)
    if stage != Deadline.Stage.ANSWER:
        return proposal.created_at, closes
    start = proposal.created_at
    if proposal.submitted_on is not None:
        start = timezone.make_aware(dt.datetime.combine(proposal.submitted_on, dt.time.min))
    return start, closes + ANSWER_LATEST_AFTER_CLOSE


def _check_deadline_move(proposal: Proposal, roles: frozenset[Role], stage: str, due_at: dt.datetime, reason: str,
                         errors: dict[str, list[str]]) -> None:  # fmt: skip
    """Refuse a move, allowed to its mover (permissions.move_deadline), that leaves the bounds or lacks the
    override's reason (errors)."""
    earliest, latest = _deadline_bounds(proposal, stage)
    if due_at < earliest:
        errors.setdefault("due_at", []).append(
            _("The deadline must not fall before %(date)s.") % {"date": local_minute(earliest)}
        )
    elif due_at > latest and stage == Deadline.Stage.ANSWER:
        errors.setdefault("due_at", []).append(
            _("The answer must not be due after %(date)s, a year after the session closes.")
            % {"date": timezone.localdate(latest)}
        )
    elif due_at > latest:
        errors.setdefault("due_at", []).append(
            _("The deadline must not fall after the session closes on %(date)s.")
            % {"date": proposal.session.closing_date}
        )
    if roles & DEADLINE_OVERRIDE_ROLES:
        overriding = (
            stage == Deadline.Stage.ANSWER
            or proposal.state not in PRE_SUBMISSION
            or due_at > proposal.session.submission_deadline
        )
        if overriding and not reason:
            errors.setdefault("reason", []).append(_("A coordinator's override of a deadline needs a reason."))
    else:
        check_nudge("due_at", due_at, proposal.session, errors)


def check_nudge(field: str, due_at: dt.datetime, session: Session, errors: dict[str, list[str]]) -> None:
    """A research or consultation due date set without an override is due by the submission deadline."""
    if due_at > session.submission_deadline:
        errors.setdefault(field, []).append(
            _("Research and consultation are due by the session's submission deadline, %(date)s; only a "
              "coordinator may set a later date.") % {"date": local_minute(session.submission_deadline)}
        )  # fmt: skip


def deadline_set(*, proposal_id: int, actor: User, stage: str, due_at: dt.datetime, reason: str = "") -> Deadline:
    """Move a stage's due date, as permissions.move_deadline allows and within the bounds, and record the move in
    the log.

    Each move raises the deadline's sequence so subscribed calendars update."""
    errors: dict[str, list[str]] = {}
    if stage not in PROPOSAL_STAGES:
        errors["stage"] = [_("Choose a valid stage.")]
    reason = clean_text("reason", reason, max_chars=300, required=False, errors=errors, single_line=True)
    if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
        errors["due_at"] = [_("Enter a date and time with a time zone.")]
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        roles = proposal_roles(user=actor, proposal=proposal)
        permissions.move_deadline(proposal, roles, stage).enforce()
        raise_if_errors(errors)
        _check_deadline_move(proposal, roles, stage, due_at, reason, errors)
        raise_if_errors(errors)
        deadline, created = Deadline.objects.select_for_update().get_or_create(
            proposal=proposal, stage=stage,
            defaults={"due_at": due_at, "set_by": actor, "reason": reason,
                      "is_current": current_stage(proposal.state) == stage},
        )  # fmt: skip
        before = None if created else deadline.due_at
        if not created and deadline.due_at != due_at:
            deadline.due_at, deadline.set_by, deadline.reason = due_at, actor, reason
            deadline.sequence += 1
            deadline.save(update_fields=["due_at", "set_by", "reason", "sequence"])
            reminders.cancel_moved(proposal, stage, due_at)
        if before != due_at:
            moved = f"{Deadline.Stage(stage).label}: {local_minute(before)} → {local_minute(due_at)}"
            details = {"stage": stage, "from": before and before.isoformat(), "to": due_at.isoformat(),
                       "reason": reason}  # fmt: skip
            notifications.notify(Transition.objects.create(
                proposal=proposal, action=DEADLINE_MOVE_ACTION, from_state=proposal.state, to_state=proposal.state,
                actor=actor, note=f"{moved}\n{reason}".strip(), revision_number=proposal.revision_number,
                details=details,
            ))  # fmt: skip
        touch(proposal, timezone.now())
    return deadline
