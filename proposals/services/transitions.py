"""The workflow's actions fired on a proposal: inputs cleaned, guards asked, effects recorded, log and notices
written."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from proposals import notifications, permissions, reminders
from proposals.models import Comment, Deadline, HandlingUnit, Proposal, Session, Transition, User, state_change_allowed
from proposals.selectors import guard_context
from proposals.services import handling
from proposals.services.checks import check_version, lock_proposal, raise_if_errors, touch
from proposals.services.deadlines import ANSWER_PERIOD
from proposals.services.handling import Outcome
from proposals.validators import clean_text
from proposals.workflow import Action, ActionInput, InputKind, get_action, handling_state, refusal


def _parse_day(field: str, value: Any, today: dt.date, errors: dict[str, list[str]]) -> dt.date:
    if value in (None, ""):
        return today
    try:
        day = value if isinstance(value, dt.date) else parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well-formed but impossible, such as 2026-13-45
        day = None
    if day is None:
        errors.setdefault(field, []).append(_("Enter a valid date (YYYY-MM-DD)."))
        return today
    if day > today:
        errors.setdefault(field, []).append(_("The date cannot be in the future."))
    return day


def _clean_input(action_input: ActionInput, value: Any, today: dt.date, errors: dict[str, list[str]]) -> Any:
    name = action_input.name
    match action_input.kind:
        case InputKind.PAST_DATE:
            return _parse_day(name, value, today, errors)
        case InputKind.CHOICE:
            choices = action_input.choices.values
            if value not in choices:
                errors.setdefault(name, []).append(_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})
            return value
        case InputKind.LINE | InputKind.TEXT:
            return clean_text(name, value, max_chars=action_input.char_limit, required=action_input.required,
                              errors=errors, single_line=action_input.kind == InputKind.LINE)  # fmt: skip
        case InputKind.FLAG:
            if value in (None, ""):
                return False
            if not isinstance(value, bool):
                errors.setdefault(name, []).append(_("Enter true or false."))
            return value
        case InputKind.UNIT:
            return _record(HandlingUnit, name, value, _("There is no handling unit with this id."), errors)
        case InputKind.SESSION:
            return _record(Session, name, value, _("There is no session with this id."), errors)


def _record(model, name: str, value: Any, missing: str, errors: dict[str, list[str]]):
    """The row an input names by its id (a form passes the row itself); None, with the error, when there is none."""
    if value in (None, "") or isinstance(value, model):
        return value or None
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        errors.setdefault(name, []).append(_("Enter the id, a whole number."))
        return None
    row = model.objects.filter(pk=int(value)).first() if int(value) < 2**63 else None
    if row is None:
        errors.setdefault(name, []).append(missing)
    return row


def _clean_inputs(action: Action, inputs: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Every input the action declares, cleaned (a date left out is today); ValidationError with what is wrong
    with each, and with any input the action does not take."""
    errors: dict[str, list[str]] = {}
    unknown = set(inputs) - {action_input.name for action_input in action.inputs}
    for name in sorted(unknown):
        errors[name] = [_("“%(action)s” takes no field “%(field)s”.") % {"action": action.label, "field": name}]
    for action_input in action.inputs:
        if action_input.required and inputs.get(action_input.name) in (None, ""):
            errors.setdefault(action_input.name, []).append(_("This field is required."))
    cleaned = {
        action_input.name: _clean_input(action_input, inputs.get(action_input.name), today, errors)
        for action_input in action.inputs
    }
    raise_if_errors(errors)
    return cleaned


def _comment(proposal: Proposal, actor: User, kind: str, body: str, now: dt.datetime) -> None:
    revision = proposal.revisions.get(number=proposal.revision_number)
    Comment.objects.create(proposal=proposal, revision=revision, author=actor, kind=kind, body=body, created_at=now)


def _effect_comment(proposal, actor, note, inputs, now):
    _comment(proposal, actor, Comment.Kind.COMMENT, note, now)


def _effect_request_changes(proposal, actor, note, inputs, now):
    _comment(proposal, actor, Comment.Kind.CHANGE_REQUEST, note, now)


def _effect_endorse(proposal, actor, note, inputs, now):
    lead = proposal.lead_assignment()
    lead.endorsed_revision = proposal.revision_number
    lead.save(update_fields=["endorsed_revision"])
    if note:
        _comment(proposal, actor, Comment.Kind.COMMENT, note, now)


def _effect_co_sign(proposal, actor, note, inputs, now):
    assignment = proposal.assignment_of(actor)
    assignment.cosigned_at = now
    assignment.save(update_fields=["cosigned_at"])


def _effect_decline(proposal, actor, note, inputs, now):
    assignment = proposal.assignment_of(actor)
    assignment.declined_at = now
    assignment.save(update_fields=["declined_at"])


def _effect_submit(proposal, actor, note, inputs, now):
    number = inputs["reference_number"]
    if Proposal.objects.filter(session=proposal.session, reference_number=number).exclude(pk=proposal.pk).exists():
        raise ValidationError(
            {
                "reference_number": [
                    _("Reference number %(number)s is already taken in this session.") % {"number": number}
                ]
            }
        )
    proposal.reference_number = number
    proposal.submitted_on = inputs["submitted_on"]
    answer_due = timezone.make_aware(dt.datetime.combine(proposal.submitted_on + ANSWER_PERIOD, dt.time(18)))
    Deadline.objects.update_or_create(
        proposal=proposal, stage=Deadline.Stage.ANSWER, defaults={"due_at": answer_due, "set_by": actor}
    )
    return Outcome(("reference_number", "submitted_on"))


def _effect_not_register(proposal, actor, note, inputs, now):
    proposal.decision_note = note
    return Outcome(("decision_note",))


# What each action records besides the state change and the log row, from the inputs it declares (which
# tests/proposals/test_action_inputs.py checks): the proposal fields it set and what the log row is about.
Effect = Callable[[Proposal, User, str, dict[str, Any], dt.datetime], Outcome | None]
EFFECTS: dict[str, Effect] = {
    "comment": _effect_comment,
    "request_changes": _effect_request_changes,
    "endorse": _effect_endorse,
    "co_sign": _effect_co_sign,
    "decline": _effect_decline,
    "submit": _effect_submit,
    "register": handling.effect_register,
    "not_register": _effect_not_register,
    "assign_unit": handling.effect_assign_unit,
    "record_answer": handling.effect_record_answer,
    "rate": handling.effect_rate,
    "extend_answer": handling.effect_extend_answer,
    "supervise": handling.effect_supervise,
    "end_supervision": handling.effect_end_supervision,
    "carry_forward": handling.effect_carry_forward,
}


def transition_apply(
    *,
    proposal_id: int,
    actor: User,
    action: str,
    note: str = "",
    inputs: dict[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Transition:
    """Fire a workflow action: lock, check role and guards, change the state, log it, notify after commit.

    Raises TransitionRefused (with the guard's code) when the action may not be fired, ProposalChanged when
    the caller's expected_version is stale, ValidationError for bad inputs. On any error nothing is saved.
    `now` is the moment the action takes effect (tests and the demo data pass it; callers leave it out).
    """
    spec = get_action(action)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    note = clean_text("note", note, max_chars=settings.PROPOSAL_TEXT_MAX_CHARS, required=spec.note_required,
                       errors=errors)  # fmt: skip
    raise_if_errors(errors)
    cleaned = _clean_inputs(spec, inputs or {}, timezone.localdate(now))

    try:
        with transaction.atomic():
            proposal = lock_proposal(proposal_id)
            ctx = guard_context(user=actor, proposal=proposal, now=now)
            permissions.take_part(ctx.roles).enforce()
            check_version(proposal, expected_version, action)
            refused = refusal(spec, proposal, ctx)
            if refused is not None:
                raise refused
            from_state = proposal.state
            effect = EFFECTS.get(spec.name)
            outcome = (effect(proposal, actor, note, cleaned, now) if effect else None) or Outcome()
            with state_change_allowed():
                proposal.state = handling_state(proposal) if spec.reaches else spec.target_from(from_state)
                touch(proposal, now, "state", *outcome.fields)
            if proposal.state != from_state:
                reminders.follow_state(proposal, now)
            transition = Transition.objects.create(
                proposal=proposal, action=spec.name, from_state=from_state, to_state=proposal.state, actor=actor,
                note=note, revision_number=proposal.revision_number, created_at=now, details=outcome.details,
            )  # fmt: skip
            if notify:
                notifications.notify(transition)
    except IntegrityError as error:
        if "reference" not in str(error):  # PostgreSQL names the constraint, SQLite the column
            raise
        # Another request took the same reference number between our check and our write.
        raise ValidationError({"reference_number": [_("This reference number is already taken.")]}) from error
    return transition


def comment_add(*, proposal_id: int, actor: User, body: str, expected_version: int | None = None) -> Comment:
    """Comment on the proposal's current revision: the workflow's "comment" action, checked, logged and notified
    as any other. Returns the comment written."""
    with transaction.atomic():
        transition_apply(
            proposal_id=proposal_id, actor=actor, action="comment", note=body, expected_version=expected_version
        )
        # The proposal stays locked until this commits, so its newest comment is the one just written.
        return Comment.objects.select_related("author", "revision").filter(proposal_id=proposal_id).latest("pk")
