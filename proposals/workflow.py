"""The proposal workflow of DESIGN §4 as one table.

Every state, every action, who may fire it, the guards that must hold and the inputs it takes are declared
here and nowhere else. proposals.services.transition_apply is the only code that applies an action; the API,
the web UI, the admin and the README's diagram read this table.

Guards are plain functions of (proposal, context) that return None when the action may go ahead, or the
message to show when it may not. They read the proposal and its related rows, never change them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from proposals.models import Proposal, User


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RESEARCH = "research", _("Research")
    CONSULTATION = "consultation", _("Consultation")
    READY = "ready", _("Ready")
    SUBMITTED = "submitted", _("Submitted")
    REGISTERED = "registered", _("Registered")
    HANDLING = "handling", _("In handling")
    NOT_REGISTERED = "not_registered", _("Not registered")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The main path: the states a proposal passes from draft to closed, in order. not_registered branches off after
# submitted, withdrawn before it; the action leading along each step is the table's (main_path_action).
MAIN_PATH: tuple[State, ...] = (State.DRAFT, State.RESEARCH, State.CONSULTATION, State.READY, State.SUBMITTED,
                                State.REGISTERED, State.HANDLING, State.ANSWERED, State.CLOSED)  # fmt: skip
# After registration the handling units (承办单位) answer and the signers rate each answer: the states a proposal is
# in while its units' answers are awaited, rated or settled. Which one is read off the units (handling_state).
HANDLING_STATES = frozenset({State.HANDLING, State.ANSWERED})


def reached(state: str, milestone: str) -> bool:
    """Whether a proposal in `state` got as far as `milestone` on the main path: one not registered was
    submitted; one withdrawn counts as a draft."""
    if state == State.WITHDRAWN:
        return milestone == State.DRAFT
    if state == State.NOT_REGISTERED:
        state = State.SUBMITTED
    return MAIN_PATH.index(milestone) <= MAIN_PATH.index(state)


def main_path_from(milestone: State) -> tuple[State, ...]:
    """The states of the main path from `milestone` on."""
    return MAIN_PATH[MAIN_PATH.index(milestone) :]


# The text may change only while it is being written, researched and discussed; from "ready" on it is frozen.
EDITABLE_STATES = frozenset(MAIN_PATH[: MAIN_PATH.index(State.READY)])
TERMINAL_STATES = frozenset({State.NOT_REGISTERED, State.CLOSED, State.WITHDRAWN})


# Which stage's due date runs in which state (DESIGN §5): reminders are planned for the current stage only,
# and those of a stage the proposal has left are cancelled.
STAGE_STATES: dict[str, frozenset[State]] = {
    "research": frozenset({State.DRAFT, State.RESEARCH}),
    "consultation": frozenset({State.CONSULTATION}),
    "submission": frozenset({State.READY}),
    "answer": frozenset({State.REGISTERED}),
}


def current_stage(state: str) -> str | None:
    return next((stage for stage, states in STAGE_STATES.items() if state in states), None)


class Role(enum.StrEnum):
    """What a user is with respect to one proposal (a user may hold several roles at once). The one vocabulary
    of roles: an account's kind (User.Role) and an assignment's (Assignment.workflow_role) name these."""

    SECRETARY = "secretary"  # secretary of the proposal's own organisation
    COORDINATOR = "coordinator"  # coordinator of the organisation or of one above it
    LEAD_DELEGATE = "lead_delegate"  # the assigned lead deputy or member
    COSIGNER = "cosigner"  # an assigned co-signing deputy or member
    ADMIN = "admin"  # the system's operator

    @property
    def label(self) -> Promise:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SECRETARY: _("the organisation's secretary"),
    Role.COORDINATOR: _("a coordinator"),
    Role.LEAD_DELEGATE: _("the lead delegate"),
    Role.COSIGNER: _("a co-signing delegate"),
    Role.ADMIN: _("an administrator"),
}


@dataclass(frozen=True)
class GuardContext:
    actor: User
    roles: frozenset[Role]
    now: datetime


@dataclass(frozen=True)
class Guard:
    code: str
    refusal: Callable[[Proposal, GuardContext], str | None]
    label: Promise  # what must hold, as a checklist shows it once it does


# --- Guards -------------------------------------------------------------------------------------------


def _text_complete(proposal: Proposal, ctx: GuardContext) -> str | None:
    if proposal.title.strip() and proposal.background.strip():
        return None
    return str(_("The proposal needs a title and a background before research starts."))


def _research_summary_present(proposal: Proposal, ctx: GuardContext) -> str | None:
    if proposal.research_findings.strip():
        return None
    return str(_("Research cannot end without a research summary."))


def _evidence_present(proposal: Proposal, ctx: GuardContext) -> str | None:
    if proposal.evidence.exists():
        return None
    return str(_("Research cannot end without at least one piece of evidence."))


def _lead_assigned(proposal: Proposal, ctx: GuardContext) -> str | None:
    lead = proposal.lead_assignment()
    if lead is not None and lead.declined_at is None:
        return None
    return str(_("A lead delegate must be assigned (and not have declined) first."))


def _lead_endorsed_latest(proposal: Proposal, ctx: GuardContext) -> str | None:
    lead = proposal.lead_assignment()
    if lead is not None and lead.endorsed_revision == proposal.revision_number:
        return None
    return str(_("The lead delegate has not endorsed revision %(revision)d.") % {"revision": proposal.revision_number})


def _motion_has_cosigners(proposal: Proposal, ctx: GuardContext) -> str | None:
    from proposals.models import Proposal as ProposalModel

    if proposal.kind != ProposalModel.Kind.MOTION:
        return None
    required = proposal.session.required_motion_cosigners
    count = proposal.cosigned_count()
    if count >= required:
        return None
    return str(
        _("A motion needs %(required)d co-signing deputies; it has %(count)d.") % {"required": required, "count": count}
    )


def _before_submission_deadline(proposal: Proposal, ctx: GuardContext) -> str | None:
    deadline = proposal.session.submission_deadline
    if ctx.now <= deadline or proposal.late_submission_allowed():
        return None
    when = formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT")
    return str(
        _(
            "The session's submission deadline (%(deadline)s) has passed; "
            "a coordinator must allow a late submission with a reason."
        )
        % {"deadline": when}
    )


def _not_yet_endorsed(proposal: Proposal, ctx: GuardContext) -> str | None:
    lead = proposal.lead_assignment()
    if lead is None or lead.endorsed_revision != proposal.revision_number:
        return None
    return str(_("Revision %(revision)d is already endorsed.") % {"revision": proposal.revision_number})


def _actor_assignment_active(proposal: Proposal, ctx: GuardContext) -> str | None:
    assignment = proposal.assignment_of(ctx.actor)
    if assignment is None or assignment.declined_at is None:
        return None
    return str(_("You have declined this proposal."))


def _not_yet_cosigned(proposal: Proposal, ctx: GuardContext) -> str | None:
    assignment = proposal.assignment_of(ctx.actor)
    if assignment is None or assignment.cosigned_at is None:
        return None
    return str(_("You have already co-signed this proposal."))


def _late_submission_not_yet_allowed(proposal: Proposal, ctx: GuardContext) -> str | None:
    if proposal.late_submission_allowed():
        return str(_("A late submission has already been allowed."))
    return None


# --- Guards on the handling of the answer (the records are proposals.models.Handling, Answer, AnswerRating) --


class HandlingStatus(models.TextChoices):
    """Where one unit's handling of a proposal stands (Handling.status), kept by proposals.services.handling."""

    OPEN = "open", _("Awaiting the answer")
    ANSWERED = "answered", _("Awaiting the ratings")
    SETTLED = "settled", _("Settled")


def handling_state(proposal: Proposal) -> State:
    """The state the units' handling puts a proposal in: in handling while a unit's answer is awaited, answered
    while ratings are, closed (办结) once every unit's handling is settled."""
    statuses = {handling.status for handling in proposal.handlings_list()}
    if HandlingStatus.OPEN in statuses:
        return State.HANDLING
    if HandlingStatus.ANSWERED in statuses:
        return State.ANSWERED
    return State.CLOSED


def _actor_signed(proposal: Proposal, ctx: GuardContext) -> str | None:
    if proposal.signer_assignment(ctx.actor) is not None:
        return None
    return str(_("Only the lead delegate and the co-signers who signed the proposal rate its answers."))


def _answer_awaits_rating(proposal: Proposal, ctx: GuardContext) -> str | None:
    if proposal.handlings_to_rate(ctx.actor):
        return None
    return str(_("No answer is waiting for your rating."))


def _extension_available(proposal: Proposal, ctx: GuardContext) -> str | None:
    open_handlings = [h for h in proposal.handlings_list() if h.status == HandlingStatus.OPEN]
    if any(handling.extended_at is None for handling in open_handlings):
        return None
    return str(_("Every unit still handling the proposal has had its one extension."))


def _not_supervised(proposal: Proposal, ctx: GuardContext) -> str | None:
    if proposal.supervised_at is None:
        return None
    return str(_("The proposal is already a key supervised item."))


def _supervised(proposal: Proposal, ctx: GuardContext) -> str | None:
    if proposal.supervised_at is not None:
        return None
    return str(_("The proposal is not a key supervised item."))


def _may_be_raised_again(proposal: Proposal, ctx: GuardContext) -> str | None:
    if proposal.state == State.NOT_REGISTERED or proposal.unresolved_handlings():
        return None
    return str(
        _("Only a proposal that was not registered, answered with class C, or rated unsatisfied after its second "
          "handling can be raised again.")
    )  # fmt: skip


TEXT_COMPLETE = Guard("text_incomplete", _text_complete, _("A title and a background are written"))
RESEARCH_SUMMARY = Guard("research_summary_missing", _research_summary_present, _("A research summary is written"))
EVIDENCE = Guard("evidence_missing", _evidence_present, _("Evidence is attached"))
LEAD_ASSIGNED = Guard("lead_delegate_missing", _lead_assigned, _("A lead delegate is assigned"))
LEAD_ENDORSED_LATEST = Guard(
    "lead_not_endorsed", _lead_endorsed_latest, _("The lead delegate endorsed the latest revision")
)
MOTION_COSIGNERS = Guard(
    "cosigners_insufficient", _motion_has_cosigners, _("A motion has the co-signing deputies it needs")
)
SUBMISSION_DEADLINE = Guard(
    "submission_deadline_passed",
    _before_submission_deadline,
    _("The submission deadline has not passed, or a late submission is allowed"),
)
NOT_YET_ENDORSED = Guard("already_endorsed", _not_yet_endorsed, _("Not endorsed yet"))
ASSIGNMENT_ACTIVE = Guard(
    "assignment_declined", _actor_assignment_active, _("Your assignment stands (you have not declined)")
)
NOT_YET_COSIGNED = Guard("already_cosigned", _not_yet_cosigned, _("Not co-signed yet"))
LATE_SUBMISSION_NOT_YET_ALLOWED = Guard(
    "late_submission_already_allowed", _late_submission_not_yet_allowed, _("No late submission is allowed yet")
)
ACTOR_SIGNED = Guard("not_a_signer", _actor_signed, _("You signed the proposal"))
ANSWER_AWAITS_RATING = Guard("no_answer_to_rate", _answer_awaits_rating, _("An answer awaits your rating"))
EXTENSION_AVAILABLE = Guard(
    "extension_used", _extension_available, _("A unit still handling the proposal has not been given more time")
)
NOT_SUPERVISED = Guard("already_supervised", _not_supervised, _("Not a key supervised item yet"))
SUPERVISED = Guard("not_supervised", _supervised, _("A key supervised item"))
MAY_BE_RAISED_AGAIN = Guard(
    "not_unresolved", _may_be_raised_again,
    _("Not registered, answered with class C, or rated unsatisfied after a second handling"),
)  # fmt: skip


# --- Inputs -------------------------------------------------------------------------------------------


class Rating(models.TextChoices):
    """How the proposers rate the answer they received: what "rate" records (AnswerRating.rating)."""

    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class UnitRole(models.TextChoices):
    """A handling unit's part in answering a proposal (Handling.role)."""

    LEAD = "lead", _("Lead unit (主办)")
    ASSISTING = "assisting", _("Assisting unit (协办)")


class AnswerMethod(models.TextChoices):
    """How a unit communicated its answer to the proposers (Answer.method)."""

    IN_PERSON = "in_person", _("Face to face")
    PHONE = "phone", _("By phone")
    WRITING = "writing", _("In writing")


class AnswerClass(models.TextChoices):
    """The class of a unit's answer, as the handling regulations set them (Answer.answer_class)."""

    A = "A", _("A: solved or basically solved")
    B = "B", _("B: being solved, or planned")
    C = "C", _("C: cannot be solved now, kept for reference")


class ExtensionMonths(models.TextChoices):
    ONE = "1", _("One month")
    TWO = "2", _("Two months")
    THREE = "3", _("Three months")


class InputKind(enum.StrEnum):
    LINE = "line"  # one line of text, such as a reference or names
    TEXT = "text"  # a long text, line breaks allowed
    PAST_DATE = "past_date"  # a day no later than today; today when left out
    CHOICE = "choice"  # one of the input's choices
    FLAG = "flag"  # yes or no; no when left out
    UNIT = "unit"  # a handling unit of the directory, by its id
    SESSION = "session"  # a session, by its id


@dataclass(frozen=True)
class ActionInput:
    """An input an action takes besides its note. proposals.services cleans it; the API's request body and the
    web and admin forms offer a field built from this declaration."""

    name: str
    kind: InputKind
    required: bool
    label: Promise  # what the web and admin forms call it
    help_text: Promise  # what the API schema says of it
    max_chars: int | None = None  # a text's limit; None: as long as a proposal's text may be
    choices: type[models.TextChoices] | None = None  # a choice's

    @property
    def char_limit(self) -> int:
        return self.max_chars or settings.PROPOSAL_TEXT_MAX_CHARS


SUBMISSION_INPUTS = (
    ActionInput("reference_number", InputKind.LINE, True, _("Reference number"), _("For “submit”."), max_chars=50),
    ActionInput("submitted_on", InputKind.PAST_DATE, False, _("Submitted on"), _("For “submit”; defaults to today.")),
)
REGISTRATION_INPUTS = (
    ActionInput("urgent", InputKind.FLAG, False, _("Urgent: the units answer within the session's shorter period"),
                _("For “register”; false when left out.")),
)  # fmt: skip
UNIT_INPUT = ActionInput("unit", InputKind.UNIT, True, _("Handling unit"), _(
    "The handling unit's id (see /api/v1/handling-units/). For “assign_unit”, “record_answer”, “rate” and "
    "“extend_answer”."
))  # fmt: skip
ASSIGN_UNIT_INPUTS = (
    UNIT_INPUT,
    ActionInput("unit_role", InputKind.CHOICE, True, _("Part in the handling"), _("For “assign_unit”."),
                choices=UnitRole),
    ActionInput("assigned_on", InputKind.PAST_DATE, False, _("Assigned on"),
                _("For “assign_unit”; defaults to today.")),
)  # fmt: skip
ANSWER_INPUTS = (
    UNIT_INPUT,
    ActionInput("answer", InputKind.TEXT, True, _("Answer"), _("For “record_answer”.")),
    ActionInput("answer_class", InputKind.CHOICE, True, _("Class of the answer"), _("For “record_answer”."),
                choices=AnswerClass),
    ActionInput("answer_method", InputKind.CHOICE, True, _("Communicated"), _("For “record_answer”."),
                choices=AnswerMethod),
    ActionInput("answered_on", InputKind.PAST_DATE, False, _("Answered on"),
                _("For “record_answer”; defaults to today.")),
)  # fmt: skip
RATING_INPUTS = (
    UNIT_INPUT,
    ActionInput("rating", InputKind.CHOICE, True, _("Rating"), _("For “rate”."), choices=Rating),
)
EXTENSION_INPUTS = (
    UNIT_INPUT,
    ActionInput("extend_by", InputKind.CHOICE, True, _("More time"), _("For “extend_answer”: months."),
                choices=ExtensionMonths),
)  # fmt: skip
CARRY_FORWARD_INPUTS = (
    ActionInput("session", InputKind.SESSION, True, _("Session to raise it at"), _(
        "For “carry_forward”: the id of a later session open for drafting, at the same level or a higher one."
    )),
)  # fmt: skip


# --- Actions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    label: Promise
    sources: frozenset[State]
    # None: the action records something (a comment, an endorsement) and the state stays.
    target: State | None
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    # A note is the comment, the reason or the decision text; some actions cannot go without one.
    note_required: bool = False
    inputs: tuple[ActionInput, ...] = ()
    # What the person is told before an action that stops the work; the web asks them to confirm it.
    warning: Promise | None = None
    done: Promise | None = None  # what the person is told once it is done, as a sentence (every action has one)
    # An action on the handling units leads, from each of its sources, to one of the states paired with it here,
    # read off the units after its effect (handling_state); its target is then None.
    reaches: tuple[tuple[State, State], ...] = ()

    def target_from(self, state: str) -> str:
        return self.target or state

    def targets(self, source: str) -> tuple[State, ...]:
        """The states the action can lead to from `source` (none: it records something and the state stays)."""
        if self.reaches:
            return tuple(to for from_, to in self.reaches if from_ == source)
        return (self.target,) if self.target else ()


PRE_SUBMISSION = frozenset(MAIN_PATH[: MAIN_PATH.index(State.SUBMITTED)])
STEERING = frozenset({Role.SECRETARY, Role.COORDINATOR, Role.ADMIN})
DELEGATES = frozenset({Role.LEAD_DELEGATE, Role.COSIGNER})
LEAD = frozenset({Role.LEAD_DELEGATE, Role.COORDINATOR, Role.ADMIN})
# Who records what the session's office and the handling units did: the lead delegate, or the League's side for
# them (a unit's answer often reaches the organisation first).
RECORDERS = LEAD | frozenset({Role.SECRETARY})
SUPERVISORS = frozenset({Role.COORDINATOR, Role.ADMIN})
AFTER_REGISTRATION = frozenset({State.SUBMITTED, State.REGISTERED, *HANDLING_STATES})

ACTIONS: tuple[Action, ...] = (
    Action("start_research", _("Start research"), frozenset({State.DRAFT}), State.RESEARCH, STEERING,
           guards=(TEXT_COMPLETE,), done=_("Research has started.")),
    Action("start_consultation", _("Start consultation"), frozenset({State.RESEARCH}), State.CONSULTATION, STEERING,
           guards=(RESEARCH_SUMMARY, EVIDENCE, LEAD_ASSIGNED), done=_("Consultation has started.")),
    Action("comment", _("Comment"), PRE_SUBMISSION, None, STEERING | DELEGATES, note_required=True,
           done=_("Your comment is posted.")),
    Action("request_changes", _("Request changes"), frozenset({State.CONSULTATION}), State.RESEARCH, DELEGATES,
           guards=(ASSIGNMENT_ACTIVE,), note_required=True, done=_("Your request for changes is sent.")),
    Action("endorse", _("Endorse"), frozenset({State.CONSULTATION}), None, frozenset({Role.LEAD_DELEGATE}),
           guards=(ASSIGNMENT_ACTIVE, NOT_YET_ENDORSED), done=_("You endorsed the text.")),
    Action("co_sign", _("Co-sign"), frozenset({State.CONSULTATION, State.READY}), None, frozenset({Role.COSIGNER}),
           guards=(ASSIGNMENT_ACTIVE, NOT_YET_COSIGNED), done=_("You co-signed.")),
    Action("decline", _("Decline"), frozenset({State.CONSULTATION, State.READY}), None, DELEGATES,
           guards=(ASSIGNMENT_ACTIVE,), note_required=True, done=_("You declined.")),
    Action("finalise", _("Finalise the text"), frozenset({State.CONSULTATION}), State.READY, STEERING,
           guards=(LEAD_ASSIGNED, LEAD_ENDORSED_LATEST, MOTION_COSIGNERS), done=_("The text is final.")),
    Action("reopen", _("Reopen consultation"), frozenset({State.READY}), State.CONSULTATION, STEERING,
           note_required=True, done=_("Consultation is open again.")),
    Action("allow_late_submission", _("Allow a late submission"), frozenset({State.READY}), None,
           frozenset({Role.COORDINATOR, Role.ADMIN}), guards=(LATE_SUBMISSION_NOT_YET_ALLOWED,), note_required=True,
           done=_("A late submission is allowed.")),
    Action("submit", _("Record submission"), frozenset({State.READY}), State.SUBMITTED, LEAD,
           guards=(LEAD_ASSIGNED, MOTION_COSIGNERS, SUBMISSION_DEADLINE),
           inputs=SUBMISSION_INPUTS, done=_("The submission is recorded.")),
    Action("register", _("Record: registered"), frozenset({State.SUBMITTED}), State.REGISTERED, LEAD,
           inputs=REGISTRATION_INPUTS, done=_("Recorded: registered.")),
    Action("not_register", _("Record: not registered"), frozenset({State.SUBMITTED}), State.NOT_REGISTERED, LEAD,
           note_required=True, done=_("Recorded: not registered.")),
    Action("assign_unit", _("Assign a handling unit"), frozenset({State.REGISTERED, *HANDLING_STATES}),
           State.HANDLING, RECORDERS, inputs=ASSIGN_UNIT_INPUTS, done=_("The handling unit is assigned.")),
    # In handling a unit's answer is always awaited (handling_state); which unit's is the input's check.
    Action("record_answer", _("Record a unit's answer"), frozenset({State.HANDLING}), None, RECORDERS,
           inputs=ANSWER_INPUTS,
           reaches=((State.HANDLING, State.HANDLING), (State.HANDLING, State.ANSWERED)),
           done=_("The answer is recorded.")),
    Action("rate", _("Rate an answer"), HANDLING_STATES, None, DELEGATES, guards=(ACTOR_SIGNED, ANSWER_AWAITS_RATING),
           inputs=RATING_INPUTS, reaches=((State.HANDLING, State.HANDLING), (State.ANSWERED, State.ANSWERED),
                                          (State.ANSWERED, State.HANDLING), (State.ANSWERED, State.CLOSED)),
           done=_("Your rating is recorded.")),
    Action("extend_answer", _("Give a unit more time"), frozenset({State.HANDLING}), None, SUPERVISORS,
           guards=(EXTENSION_AVAILABLE,), note_required=True, inputs=EXTENSION_INPUTS,
           done=_("The unit's answer is due later.")),
    Action("supervise", _("Mark as a key supervised item"), AFTER_REGISTRATION, None, SUPERVISORS,
           guards=(NOT_SUPERVISED,), note_required=True, done=_("The proposal is a key supervised item.")),
    Action("end_supervision", _("End the supervision"), AFTER_REGISTRATION | {State.CLOSED}, None, SUPERVISORS,
           guards=(SUPERVISED,), note_required=True, done=_("The supervision has ended.")),
    Action("carry_forward", _("Raise it again"), frozenset({State.NOT_REGISTERED, State.CLOSED}), None, STEERING,
           guards=(MAY_BE_RAISED_AGAIN,), inputs=CARRY_FORWARD_INPUTS,
           done=_("A new draft raises the proposal again.")),
    Action("withdraw", _("Withdraw"), PRE_SUBMISSION, State.WITHDRAWN, STEERING, note_required=True,
           warning=_("Withdrawing stops all work on this proposal: no reminders, no submission. A secretary or "
                     "coordinator can restore it to a draft later, with a reason."),
           done=_("The proposal is withdrawn.")),
    Action("restore", _("Restore to draft"), frozenset({State.WITHDRAWN}), State.DRAFT, STEERING,
           note_required=True, done=_("The proposal is a draft again.")),
)  # fmt: skip

ACTIONS_BY_NAME: dict[str, Action] = {action.name: action for action in ACTIONS}
# Every action's inputs, for the API's request body and the forms, which carry those of several actions.
INPUTS_BY_NAME: dict[str, ActionInput] = {spec.name: spec for action in ACTIONS for spec in action.inputs}


def main_path_action(state: State) -> Action:
    """The action that moves a proposal along the main path into `state`, from the state before it."""
    before = MAIN_PATH[MAIN_PATH.index(state) - 1]
    (action,) = (a for a in ACTIONS if before in a.sources and state in a.targets(before))
    return action


# Rows of the transition log that no action of the table writes, and nobody can fire: a past proposal brought
# in from a spreadsheet (proposals.imports) enters the log once, in the state it had reached; a moved due date
# (services.deadline_set, which has its own rules) is logged with the stage, the dates and the reason; a
# delegate assigned or unassigned (services.delegate_assign, delegate_unassign) with the delegate and role.
IMPORT_ACTION = "import"
DEADLINE_MOVE_ACTION = "move_deadline"
DELEGATE_REQUEST_ACTION = "request_delegates"
EVIDENCE_REMOVE_ACTION = "remove_evidence"
EVIDENCE_REPLACE_ACTION = "replace_evidence"
ASSIGN_ACTION = "assign_delegate"
UNASSIGN_ACTION = "unassign_delegate"
LOG_ONLY_LABELS: dict[str, Promise] = {
    IMPORT_ACTION: _("Imported"),
    DEADLINE_MOVE_ACTION: _("Due date moved"),
    DELEGATE_REQUEST_ACTION: _("Delegates requested"),
    EVIDENCE_REMOVE_ACTION: _("Evidence removed"),
    EVIDENCE_REPLACE_ACTION: _("Evidence replaced"),
    ASSIGN_ACTION: _("Delegate assigned"),
    UNASSIGN_ACTION: _("Delegate unassigned"),
}


def log_label(name: str) -> Promise | str:
    """What a row of the transition log calls its action."""
    if name in ACTIONS_BY_NAME:
        return ACTIONS_BY_NAME[name].label
    return LOG_ONLY_LABELS.get(name, name)


class TransitionRefused(Exception):
    """A domain error: the action may not be fired now. `code` is stable; `message` is translated."""

    def __init__(self, code: str, message: str, *, action: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.action = action


class ProposalChanged(TransitionRefused):
    """The proposal changed since the caller looked at it: reload and try again."""

    def __init__(self, message: str, *, action: str | None = None):
        super().__init__("conflict", message, action=action)


class TextConflict(ProposalChanged):
    """Both the editor and someone who saved since changed the same fields of the text, differently. Nothing was
    saved; `merged` is the text with every other field merged, `fields` the ones to choose between, `authors`
    who saved the revisions after the editor's base revision (in order)."""

    def __init__(self, message: str, *, fields: tuple[str, ...], merged: dict[str, str], authors: list, revision: int):
        super().__init__(message)
        self.fields, self.merged, self.authors, self.revision = fields, merged, authors, revision


def get_action(name: str) -> Action:
    try:
        return ACTIONS_BY_NAME[name]
    except KeyError:
        raise TransitionRefused(
            "unknown_action", str(_("There is no action called “%(name)s”.") % {"name": name}), action=name
        ) from None


def either_of(items: list[str]) -> str:
    """ "a, b or c" in the active language: Chinese writes 甲、乙或丙."""
    if len(items) < 2:
        return "".join(items)
    return str(_("%(first)s or %(last)s") % {"first": str(_(", ")).join(items[:-1]), "last": items[-1]})


def refusal(action: Action, proposal: Proposal, ctx: GuardContext) -> TransitionRefused | None:
    """Why `action` may not be fired on `proposal` now, or None when it may."""
    if proposal.state not in action.sources:
        return TransitionRefused(
            "wrong_state",
            str(
                _("“%(action)s” is not possible while the proposal is in state “%(state)s”.")
                % {"action": action.label, "state": proposal.get_state_display()}
            ),
            action=action.name,
        )
    if not ctx.roles & action.roles:
        allowed = either_of([str(role.label) for role in Role if role in action.roles])
        return TransitionRefused(
            "role_not_allowed",
            str(_("Only %(roles)s may “%(action)s”.") % {"roles": allowed, "action": action.label}),
            action=action.name,
        )
    for guard in action.guards:
        message = guard.refusal(proposal, ctx)
        if message is not None:
            return TransitionRefused(guard.code, message, action=action.name)
    return None


@dataclass(frozen=True)
class GuardCheck:
    """One guard of an action as a checklist shows it: met, or not yet and why."""

    guard: Guard
    reason: str | None

    @property
    def met(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class ActionOption:
    """An action as a caller sees it: offered now, or not yet and why: `refused` is the first reason, `checklist`
    every guard with its reason or None where it holds."""

    action: Action
    refused: TransitionRefused | None
    checklist: tuple[GuardCheck, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.refused is None

    @property
    def unmet(self) -> list[TransitionRefused]:
        """Every guard that refuses the action now, in the table's order."""
        return [TransitionRefused(check.guard.code, check.reason, action=self.action.name)
                for check in self.checklist if not check.met]  # fmt: skip


def action_options(proposal: Proposal, ctx: GuardContext) -> list[ActionOption]:
    """The actions this caller could take in the proposal's current state, each allowed or with its reason.

    Actions of other states, and actions for roles the caller does not hold, are left out: a button for
    them would only confuse. What remains is what a UI shows as buttons, enabled or with the guard's reason.
    """
    options = []
    for action in ACTIONS:
        if proposal.state in action.sources and ctx.roles & action.roles:
            checklist = tuple(GuardCheck(guard, guard.refusal(proposal, ctx)) for guard in action.guards)
            unmet = [check for check in checklist if not check.met]
            first = TransitionRefused(unmet[0].guard.code, unmet[0].reason, action=action.name) if unmet else None
            options.append(ActionOption(action, first, checklist))
    return options


def reachable_states() -> set[str]:
    """Every state the table can reach from a new draft."""
    seen, frontier = {State.DRAFT.value}, [State.DRAFT.value]
    while frontier:
        state = frontier.pop()
        for action in ACTIONS:
            if state in action.sources:
                for target in action.targets(state):
                    if target not in seen:
                        seen.add(target)
                        frontier.append(target)
    return seen


def mermaid_diagram() -> str:
    """The state diagram for the README, generated from the table (tests keep the README in sync)."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.DRAFT.value}"]
    for action in ACTIONS:
        for source in sorted(action.sources, key=list(State).index):
            for target in action.targets(source):
                if target != source:
                    lines.append(f"    {source} --> {target.value}: {action.name}")
    for state in sorted(TERMINAL_STATES, key=list(State).index):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines)
