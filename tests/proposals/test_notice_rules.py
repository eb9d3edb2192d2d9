"""Who hears what (proposals.notice_rules): for each kind of notice, exactly who is told, and with which kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from proposals import services
from proposals.models import Assignment, Notice, NoticeKind, Proposal, Transition
from proposals.notice_rules import NOTICES
from proposals.workflow import (
    ACTIONS_BY_NAME,
    ASSIGN_ACTION,
    DEADLINE_MOVE_ACTION,
    DELEGATE_REQUEST_ACTION,
    EVIDENCE_REMOVE_ACTION,
    EVIDENCE_REPLACE_ACTION,
    IMPORT_ACTION,
    UNASSIGN_ACTION,
    State,
)
from tests.api.conftest import client_for
from tests.proposals.arrange import assign_all, bring_to, fire

LEAD, C0, C1, C2, SECRETARY = "lead", "cosigner-0", "cosigner-1", "cosigner-2", "secretary"
COSIGNERS = (C0, C1, C2)


def told(transition: Transition) -> set[tuple[str, str]]:
    notices = Notice.objects.filter(transition=transition).select_related("recipient")
    return {(notice.recipient.username, notice.kind) for notice in notices}


def person(world, name):
    return world.cosigners[int(name[-1])] if name.startswith("cosigner-") else getattr(world, name)


def _fire_on(state, action, actor, *, kind=Proposal.Kind.SUGGESTION):
    def arrange(world):
        return fire(world, bring_to(world, state, kind=kind), action, person(world, actor))

    return arrange


def _assign(world):
    proposal = world.draft()
    assign_all(world, proposal, notify=False)
    extra = world.outsider_delegate.delegate
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=extra, role="cosigner")
    return Transition.objects.filter(proposal=proposal, action=ASSIGN_ACTION).latest("pk")


def _unassign(world):
    proposal = world.draft()
    assign_all(world, proposal, notify=False)
    assignment = Assignment.objects.get(proposal=proposal, delegate__user=world.cosigners[0])
    services.delegate_unassign(proposal_id=proposal.pk, actor=world.coordinator, assignment_id=assignment.pk)
    return Transition.objects.filter(proposal=proposal, action=UNASSIGN_ACTION).get()


def _move(stage, actor_name):
    def arrange(world):
        proposal = bring_to(world, State.RESEARCH)
        due = proposal.session.submission_deadline - dt.timedelta(days=2)
        services.deadline_set(proposal_id=proposal.pk, actor=getattr(world, actor_name), stage=stage, due_at=due,
                              reason="调研对象放假")  # fmt: skip
        return Transition.objects.filter(proposal=proposal, action=DEADLINE_MOVE_ACTION).latest("pk")

    return arrange


def _late_submission(world):
    proposal = bring_to(world, State.READY)
    return fire(world, proposal, "allow_late_submission", "coordinator", note="会议推迟")


def _request_delegates(world):
    proposal = world.draft()
    services.delegates_request(proposal_id=proposal.pk, actor=world.secretary, note="请协助指定领衔代表")
    return Transition.objects.get(proposal=proposal, action=DELEGATE_REQUEST_ACTION)


def _both(names, kind):
    return {(name, kind) for name in names}


STATE = NoticeKind.STATE_CHANGED
CASES = {
    # A suggestion's co-signers do not hear of its every step; a motion's do.
    "state change of a suggestion": (_fire_on(State.DRAFT, "start_research", SECRETARY), {(LEAD, STATE)}),
    "state change of a motion": (
        _fire_on(State.DRAFT, "start_research", SECRETARY, kind=Proposal.Kind.MOTION),
        _both((LEAD, *COSIGNERS), STATE),
    ),
    "consultation asks the co-signers to sign": (
        _fire_on(State.RESEARCH, "start_consultation", SECRETARY),
        {(LEAD, STATE)} | _both(COSIGNERS, NoticeKind.COSIGN_ASKED),
    ),
    "submission is an outcome every co-signer hears": (
        _fire_on(State.READY, "submit", LEAD),
        _both((SECRETARY, *COSIGNERS), STATE),
    ),
    "a comment goes to the other participants": (
        _fire_on(State.DRAFT, "comment", LEAD),
        _both((SECRETARY, *COSIGNERS), NoticeKind.COMMENT),
    ),
    "a request for changes goes to the secretary as the delegate's request": (
        _fire_on(State.CONSULTATION, "request_changes", C0),
        {(SECRETARY, NoticeKind.CHANGES_REQUESTED), (LEAD, STATE)},
    ),
    "a late submission allowed": (
        _late_submission,
        _both((SECRETARY, LEAD), NoticeKind.LATE_SUBMISSION_ALLOWED),
    ),
    "an assignment": (_assign, _both(("unassigned", SECRETARY), NoticeKind.ASSIGNMENT)),
    "an unassignment": (_unassign, _both((C0, SECRETARY), NoticeKind.ASSIGNMENT)),
    "research's due date moved: whoever is reminded of research": (
        _move("research", "coordinator"),
        {(SECRETARY, NoticeKind.DEADLINE_MOVED)},
    ),
    "consultation's due date moved: the delegates still to act": (
        _move("consultation", "secretary"),
        _both((LEAD, *COSIGNERS), NoticeKind.DEADLINE_MOVED),
    ),
    "a request for delegates goes to the coordinators of the committee": (
        _request_delegates,
        {("coord-county", NoticeKind.DELEGATES_REQUESTED)},
    ),
    "a restored proposal is an outcome every co-signer hears": (
        _fire_on(State.WITHDRAWN, "restore", SECRETARY),
        _both((LEAD, *COSIGNERS), STATE),
    ),
    "an endorsement tells nobody": (_fire_on(State.CONSULTATION, "endorse", LEAD), set()),
}


@pytest.mark.parametrize("case", list(CASES))
def test_exactly_who_is_told_and_with_which_kind(world, case):
    arrange, expected = CASES[case]
    assert told(arrange(world)) == expected


def test_every_kind_of_log_row_says_whom_it_tells():
    log_only = {ASSIGN_ACTION, UNASSIGN_ACTION, DEADLINE_MOVE_ACTION, DELEGATE_REQUEST_ACTION, IMPORT_ACTION,
                EVIDENCE_REMOVE_ACTION, EVIDENCE_REPLACE_ACTION}  # fmt: skip
    assert set(NOTICES) == {*ACTIONS_BY_NAME, *log_only}
    kinds = {rule.kind for rules in NOTICES.values() for rule in rules}
    assert kinds == set(NoticeKind.values), "every kind of notice is sent by some row"


def test_the_one_who_acted_and_people_who_left_are_not_told(world):
    world.lead.is_active = False
    world.lead.save(update_fields=["is_active"])
    proposal = world.draft(kind=Proposal.Kind.MOTION)
    assign_all(world, proposal, notify=False)
    transition = fire(world, proposal, "comment", world.cosigners[0])
    assert told(transition) == _both((SECRETARY, C1, C2), NoticeKind.COMMENT)


def test_assignments_and_deadline_moves_are_in_the_log_with_who_and_why(world):
    proposal = world.draft()
    assign_all(world, proposal)
    due = timezone.localtime(proposal.session.submission_deadline - dt.timedelta(days=3))
    services.deadline_set(proposal_id=proposal.pk, actor=world.coordinator, stage="research", due_at=due,
                          reason="调研对象放假")  # fmt: skip
    history = client_for(world.secretary).get(f"/api/v1/proposals/{proposal.pk}/history/").json()
    assert [row["action"] for row in history] == [ASSIGN_ACTION] * 4 + [DEADLINE_MOVE_ACTION]
    assert history[0]["actor"]["name"] == world.coordinator.display_name
    assert "领衔代表" in history[0]["note"] and world.lead.display_name in history[0]["note"]
    assert "调研对象放假" in history[-1]["note"] and f"{due:%Y-%m-%d %H:%M}" in history[-1]["note"]
