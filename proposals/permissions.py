"""What a person may do with a proposal now: each capability allowed, or refused with its reason.

The one answer to "may this person do that": the services enforce it (raising the refusal's exception), the web
page and the API's detail show it. The workflow's actions answer through the table (workflow.refusal); the
writes beside them (the text, evidence, delegates, due dates) answer here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from proposals.models import Deadline, Organisation, Proposal, User
from proposals.selectors import guard_context
from proposals.workflow import (
    ACTIONS_BY_NAME,
    EDITABLE_STATES,
    PRE_SUBMISSION,
    RECORDERS,
    STEERING,
    ActionOption,
    GuardContext,
    Role,
    State,
    TransitionRefused,
    action_options,
    refusal,
)

# Coordinators (and operators) assign delegates. Who may move which due date (DESIGN §2, §5; README "Deadlines"):
# the organisation's secretary moves its research and consultation due dates before submission; anything else
# (the answer's due date, any due date once submitted) is an override, which only these roles make, with a
# reason when it goes past what a secretary could do (proposals.services.deadlines checks the reason and bounds).
ASSIGNING_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
DEADLINE_OVERRIDE_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
# The stages whose due date is set per proposal; submission is due at the session's deadline.
PROPOSAL_STAGES = (Deadline.Stage.RESEARCH, Deadline.Stage.CONSULTATION, Deadline.Stage.ANSWER)

# The code of a refusal for who the person is (PermissionDenied, 403), as the API's problem documents name it;
# any other code is a TransitionRefused's (409).
PERMISSION_DENIED = "permission_denied"


@dataclass(frozen=True)
class Capability:
    """One thing a person may or may not do now: allowed (no code), or refused with a stable code and a message."""

    code: str | None = None
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.code is None

    @property
    def permission_denied(self) -> bool:
        """Refused for who the person is, whatever the proposal's state."""
        return self.code == PERMISSION_DENIED

    def enforce(self) -> None:
        """Raise what the services raise when it is refused: PermissionDenied, or TransitionRefused with the code."""
        if self.permission_denied:
            raise PermissionDenied(self.reason)
        if self.code is not None:
            raise TransitionRefused(self.code, self.reason)


ALLOWED = Capability()


def _not_yours() -> Capability:
    return Capability(PERMISSION_DENIED, _("You may not change this proposal."))


def edit_text(proposal: Proposal, roles: frozenset[Role]) -> Capability:
    """Those who steer the proposal change its text until it is ready; from then on it is frozen."""
    if not roles & STEERING:
        return _not_yours()
    if proposal.state not in EDITABLE_STATES:
        message = _("The text is frozen in state “%(state)s” and can no longer change.")
        return Capability("text_frozen", message % {"state": proposal.get_state_display()})
    return ALLOWED


def add_evidence(proposal: Proposal, roles: frozenset[Role]) -> Capability:
    """Those who steer the proposal attach evidence until it is submitted."""
    if not roles & STEERING:
        return _not_yours()
    if proposal.state not in PRE_SUBMISSION:
        return Capability("evidence_closed", _("Evidence can no longer be added after submission."))
    return ALLOWED


def add_answer_letter(proposal: Proposal, roles: frozenset[Role]) -> Capability:
    """Those who record the units' answers attach the answer letters, once an answer is recorded."""
    if not roles & RECORDERS:
        return _not_yours()
    if not any(handling.answers_list() for handling in proposal.handlings_list()):
        return Capability("no_answer_yet", _("An answer letter is added once a unit's answer is recorded."))
    return ALLOWED


def change_evidence(proposal: Proposal, roles: frozenset[Role]) -> Capability:
    """Those who steer the proposal remove or replace evidence (a survey with personal data, a wrong file) until
    the text is final; from then on the evidence is part of what was endorsed."""
    if not roles & STEERING:
        return _not_yours()
    if proposal.state not in EDITABLE_STATES:
        return Capability("evidence_frozen", _("Evidence can no longer be removed or replaced once the text is final."))
    return ALLOWED


def assign_delegate(proposal: Proposal, roles: frozenset[Role]) -> Capability:
    """A coordinator assigns delegates until the proposal is submitted."""
    if not roles & ASSIGNING_ROLES:
        return _not_yours()
    if proposal.state not in PRE_SUBMISSION:
        return Capability("assignment_closed", _("Delegates can no longer be assigned after submission."))
    return ALLOWED


def request_delegates(proposal: Proposal, roles: frozenset[Role]) -> Capability:
    """Those who steer the proposal ask the coordinators for delegates until it is submitted."""
    if not roles & STEERING:
        return _not_yours()
    if proposal.state not in PRE_SUBMISSION:
        return Capability("assignment_closed", _("Delegates can no longer be assigned after submission."))
    return ALLOWED


def move_deadline(proposal: Proposal, roles: frozenset[Role], stage: str) -> Capability:
    """Whether the person may move a stage's due date at all (how far is the service's check of the date)."""
    if not roles & STEERING:
        return _not_yours()
    if proposal.state == State.WITHDRAWN:
        return Capability("proposal_withdrawn", _("A withdrawn proposal has no due dates to move; restore it first."))
    if roles & DEADLINE_OVERRIDE_ROLES:
        return ALLOWED
    if stage == Deadline.Stage.ANSWER:
        return Capability(PERMISSION_DENIED, _("Only a coordinator may move the answer's due date."))
    if proposal.state not in PRE_SUBMISSION:
        return Capability(
            PERMISSION_DENIED, _("Once a proposal is submitted, only a coordinator may move its due dates.")
        )
    return ALLOWED


def keep_unit_directory(user: User) -> Capability:
    """The directory of handling units is kept by coordinators and operators."""
    if user.is_authenticated and (user.is_operator or user.role == User.Role.COORDINATOR):
        return ALLOWED
    return Capability(PERMISSION_DENIED, _("Only coordinators and operators keep the directory of handling units."))


def take_part(roles: frozenset[Role]) -> Capability:
    """Whether the person may ask for the workflow's actions at all: someone with no part in the proposal may not;
    for anyone else the table decides (workflow.refusal)."""
    return ALLOWED if roles else _not_yours()


def fire(proposal: Proposal, ctx: GuardContext, action: str) -> Capability:
    """A workflow action, as services.transition_apply answers it."""
    taking_part = take_part(ctx.roles)
    if not taking_part.allowed:
        return taking_part
    refused = refusal(ACTIONS_BY_NAME[action], proposal, ctx)
    return ALLOWED if refused is None else Capability(refused.code, refused.message)


@dataclass(frozen=True)
class Capabilities:
    """Everything a person may do with one proposal now."""

    roles: frozenset[Role]
    edit_text: Capability
    add_evidence: Capability
    add_answer_letter: Capability
    change_evidence: Capability
    assign_delegate: Capability
    request_delegates: Capability
    comment: Capability
    move_deadline: dict[str, Capability]  # by stage
    # The workflow's actions of the current state for the person's roles, each allowed or with its reason.
    actions: list[ActionOption]

    @property
    def may_move_a_deadline(self) -> bool:
        return any(capability.allowed for capability in self.move_deadline.values())

    def by_name(self) -> dict[str, Capability]:
        """Each capability under its name (CAPABILITY_NAMES): what the API shows."""
        return {
            "edit_text": self.edit_text,
            "add_evidence": self.add_evidence,
            "add_answer_letter": self.add_answer_letter,
            "change_evidence": self.change_evidence,
            "assign_delegate": self.assign_delegate,
            "request_delegates": self.request_delegates,
            "comment": self.comment,
            **{f"move_deadline_{stage}": capability for stage, capability in self.move_deadline.items()},
        }


CAPABILITY_NAMES = (
    "edit_text", "add_evidence", "add_answer_letter", "change_evidence", "assign_delegate", "request_delegates",
    "comment", *(f"move_deadline_{stage}" for stage in PROPOSAL_STAGES),
)  # fmt: skip


def capabilities(user: User, proposal: Proposal, now: datetime | None = None) -> Capabilities:
    """What this person may do with this proposal now. The guards of the actions read the proposal's related
    rows: load it with selectors.proposals_with_workflow_data (or a page's own prefetch)."""
    ctx = guard_context(user=user, proposal=proposal, now=now)
    roles = ctx.roles
    return Capabilities(
        roles=roles,
        edit_text=edit_text(proposal, roles),
        add_evidence=add_evidence(proposal, roles),
        add_answer_letter=add_answer_letter(proposal, roles),
        change_evidence=change_evidence(proposal, roles),
        assign_delegate=assign_delegate(proposal, roles),
        request_delegates=request_delegates(proposal, roles),
        comment=fire(proposal, ctx, "comment"),
        move_deadline={stage.value: move_deadline(proposal, roles, stage) for stage in PROPOSAL_STAGES},
        actions=action_options(proposal, ctx),
    )


def triage_needs(user: User, organisation: Organisation) -> Capability:
    """Young people's needs of an organisation, their contact details among them, are seen and triaged by its
    secretaries and the coordinators above it (their subtree), and by operators: never by delegates."""
    if user.is_authenticated and (user.is_operator or _steers(user, organisation)):
        return ALLOWED
    return Capability(PERMISSION_DENIED, _("Only the organisation's secretaries and coordinators see its needs."))


def _steers(user: User, organisation: Organisation) -> bool:
    if user.role == User.Role.SECRETARY:
        return user.organisation_id == organisation.pk
    if user.role == User.Role.COORDINATOR and user.organisation_id:
        return organisation.is_within(Organisation(pk=user.organisation_id))
    return False


def organise_meetings(user: User, organisation: Organisation) -> Capability:
    """An organisation's face-to-face meetings are recorded and kept by its secretaries, the coordinators above
    it, and operators; the delegates attending read them."""
    if user.is_authenticated and (user.is_operator or _steers(user, organisation)):
        return ALLOWED
    return Capability(PERMISSION_DENIED, _("Only the organisation's secretaries and coordinators keep its meetings."))
