"""Who hears what: one table from each kind of row of the transition log to the notices it causes (which kind of
notice, to whom, by their part in the proposal), and how a kind of notice reaches a person.

The one who acted is never told. A person who fits several rules of a row gets one notice, of the first rule
that names them: a co-signer still to sign hears "your co-signature is asked for" when consultation starts,
not that the state changed. Co-signers of a motion table it with the lead and hear every state change; those
of a suggestion or a CPPCC proposal only lend their name, and hear of their assignment, of the co-signature
asked of them, of comments, and of the outcome (submitted, registered or not, withdrawn or restored).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from proposals.models import Assignment, NoticeKind, NoticeMode, Proposal, Transition, User
from proposals.reminders.policy import policy_for
from proposals.reminders.recipients import People, committee_of, recipients
from proposals.workflow import (
    ASSIGN_ACTION,
    DEADLINE_MOVE_ACTION,
    DELEGATE_REQUEST_ACTION,
    EVIDENCE_REMOVE_ACTION,
    EVIDENCE_REPLACE_ACTION,
    IMPORT_ACTION,
    UNASSIGN_ACTION,
)


class Audience(enum.StrEnum):
    """A part someone plays in a proposal, as far as notices go."""

    SECRETARIES = "secretaries"  # the secretaries of the proposal's organisation
    LEAD = "lead"  # the lead delegate, unless they declined
    COSIGNERS = "cosigners"  # every co-signer who has not declined
    MOTION_COSIGNERS = "motion_cosigners"  # the co-signers of a motion (who table it with the lead)
    COSIGNERS_TO_SIGN = "cosigners_to_sign"  # the co-signers who have neither signed nor declined yet
    DELEGATE_CONCERNED = "delegate_concerned"  # the delegate an assignment or unassignment is about
    REMINDED = "reminded"  # whoever is reminded of the stage whose due date moved (proposals.reminders)
    COMMITTEE_COORDINATORS = "committee_coordinators"  # the coordinators of the committee that steers the proposal


@dataclass(frozen=True)
class Rule:
    kind: NoticeKind
    audiences: tuple[Audience, ...]


A = Audience
STATE_CHANGE = Rule(NoticeKind.STATE_CHANGED, (A.SECRETARIES, A.LEAD, A.MOTION_COSIGNERS))
OUTCOME = Rule(NoticeKind.STATE_CHANGED, (A.SECRETARIES, A.LEAD, A.COSIGNERS))
COSIGN_ASKED = Rule(NoticeKind.COSIGN_ASKED, (A.COSIGNERS_TO_SIGN,))
ASSIGNMENT = Rule(NoticeKind.ASSIGNMENT, (A.DELEGATE_CONCERNED, A.SECRETARIES))
# After registration the signers hear of each unit's part and answer (they rate every answer); the steering side
# and the lead of everything else about the handling (ratings, extensions, supervision). The notice's headline
# says the state the proposal moved to, where it moved.
HANDLING = Rule(NoticeKind.HANDLING, (A.SECRETARIES, A.LEAD, A.COSIGNERS))

# Every kind of log row (each action of proposals.workflow, and the log-only rows) and the notices it causes.
# An empty entry tells nobody: an endorsement, a co-signature or a decline shows on the dashboards and the
# timeline, evidence removed or replaced is the steering side's own work, an imported past proposal has no one
# left to tell.
NOTICES: dict[str, tuple[Rule, ...]] = {
    "start_research": (STATE_CHANGE,),
    "start_consultation": (COSIGN_ASKED, STATE_CHANGE),
    "comment": (Rule(NoticeKind.COMMENT, (A.SECRETARIES, A.LEAD, A.COSIGNERS)),),
    "request_changes": (Rule(NoticeKind.CHANGES_REQUESTED, (A.SECRETARIES,)), STATE_CHANGE),
    "endorse": (),
    "co_sign": (),
    "decline": (),
    "finalise": (STATE_CHANGE,),
    "reopen": (COSIGN_ASKED, STATE_CHANGE),
    "allow_late_submission": (Rule(NoticeKind.LATE_SUBMISSION_ALLOWED, (A.SECRETARIES, A.LEAD)),),
    "submit": (OUTCOME,),
    "register": (OUTCOME,),
    "not_register": (OUTCOME,),
    "assign_unit": (HANDLING,),
    "record_answer": (HANDLING,),
    "rate": (Rule(NoticeKind.HANDLING, (A.SECRETARIES, A.LEAD)),),
    "extend_answer": (Rule(NoticeKind.HANDLING, (A.SECRETARIES, A.LEAD)),),
    "supervise": (Rule(NoticeKind.HANDLING, (A.SECRETARIES, A.LEAD)),),
    "end_supervision": (Rule(NoticeKind.HANDLING, (A.SECRETARIES, A.LEAD)),),
    "carry_forward": (HANDLING,),
    "withdraw": (OUTCOME,),
    "restore": (OUTCOME,),
    DELEGATE_REQUEST_ACTION: (Rule(NoticeKind.DELEGATES_REQUESTED, (A.COMMITTEE_COORDINATORS,)),),
    ASSIGN_ACTION: (ASSIGNMENT,),
    UNASSIGN_ACTION: (ASSIGNMENT,),
    DEADLINE_MOVE_ACTION: (Rule(NoticeKind.DEADLINE_MOVED, (A.REMINDED,)),),
    EVIDENCE_REMOVE_ACTION: (),
    EVIDENCE_REPLACE_ACTION: (),
    IMPORT_ACTION: (),
}

# How a kind of notice reaches a person who has not chosen (User.notice_preferences): everything also by mail
# at once, as the transition mails always did.
DEFAULT_MODE = NoticeMode.IMMEDIATE


def mode_for(user: User, kind: str) -> str:
    """How notices of `kind` reach this person: inbox only, or also by mail at once or in the daily digest. A
    person without a mail address has them in the inbox only."""
    if not user.mail_address:
        return NoticeMode.INBOX
    chosen = (user.notice_preferences or {}).get(kind)
    return chosen if chosen in NoticeMode.values else DEFAULT_MODE


def _active(assignments: list[Assignment], role: str) -> list[Assignment]:
    return [a for a in assignments if a.role == role and a.declined_at is None]


def _members(audience: Audience, proposal: Proposal, transition: Transition, people: People) -> list[User]:
    assignments = proposal.assignments_list()
    cosigners = _active(assignments, Assignment.Role.COSIGNER)
    match audience:
        case Audience.SECRETARIES:
            return people.secretaries(proposal.organisation_id)
        case Audience.LEAD:
            return [a.delegate.user for a in _active(assignments, Assignment.Role.LEAD)]
        case Audience.COSIGNERS:
            return [a.delegate.user for a in cosigners]
        case Audience.MOTION_COSIGNERS:
            return [a.delegate.user for a in cosigners] if proposal.kind == Proposal.Kind.MOTION else []
        case Audience.COSIGNERS_TO_SIGN:
            return [a.delegate.user for a in cosigners if a.cosigned_at is None]
        case Audience.DELEGATE_CONCERNED:
            user_id = (transition.details or {}).get("delegate_user")
            return list(User.objects.filter(pk=user_id, is_active=True)) if user_id else []
        case Audience.COMMITTEE_COORDINATORS:
            return people.coordinators(committee_of(proposal.organisation))
        case Audience.REMINDED:
            stage = (transition.details or {}).get("stage")
            if not stage:
                return []
            return [user for user, _kind in recipients(proposal, stage, 0, policy_for(proposal.session), people)]


def audience_of(transition: Transition) -> list[tuple[User, NoticeKind]]:
    """Who is told of this row of the log, and with which kind of notice, in the order of their ids."""
    proposal = transition.proposal
    people = People()
    told: dict[int, tuple[User, NoticeKind]] = {}
    for rule in NOTICES.get(transition.action, ()):
        for audience in rule.audiences:
            for user in _members(audience, proposal, transition, people):
                if user.pk != transition.actor_id and user.is_active:
                    told.setdefault(user.pk, (user, rule.kind))
    return [told[pk] for pk in sorted(told)]
