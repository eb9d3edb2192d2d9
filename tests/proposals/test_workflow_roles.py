"""Every action of the table fired by every role: allowed ones succeed and log, refused ones change nothing."""

import pytest
from django.core.exceptions import PermissionDenied

from proposals.models import Proposal, Transition
from proposals.workflow import ACTIONS, Role, State, TransitionRefused
from tests.proposals.arrange import bring_to, fire

STATE_ORDER = list(State)
ACTORS = {
    Role.SECRETARY: "secretary",
    Role.COORDINATOR: "coordinator",
    Role.LEAD_DELEGATE: "lead",
    Role.COSIGNER: "cosigner",
    Role.ADMIN: "admin",
}


def actor(world, name):
    return world.cosigners[0] if name == "cosigner" else getattr(world, name)


def ready_to_fire(world, action) -> Proposal:
    """A proposal in the action's earliest source state with the action's guards satisfied."""
    proposal = bring_to(world, min(action.sources, key=STATE_ORDER.index))
    if action.name == "finalise":
        fire(world, proposal, "endorse", "lead")
    if action.name == "rate":  # an answer to rate
        fire(world, proposal, "record_answer", "lead")
    if action.name == "end_supervision":
        fire(world, proposal, "supervise", "coordinator")
    return Proposal.objects.get(pk=proposal.pk)


def snapshot(proposal):
    proposal = Proposal.objects.get(pk=proposal.pk)
    return proposal.state, proposal.version, Transition.objects.filter(proposal=proposal).count()


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_each_role_may_fire_exactly_the_actions_the_table_gives_it(world, action, role):
    proposal = ready_to_fire(world, action)
    before = snapshot(proposal)
    user = actor(world, ACTORS[role])

    if role in action.roles:
        transition = fire(world, proposal, action.name, user, note="同意")
        proposal.refresh_from_db()
        assert transition.action == action.name
        assert transition.actor == user
        assert transition.from_state == before[0]
        assert transition.to_state == proposal.state
        assert proposal.state in (action.targets(before[0]) or (before[0],))
        assert snapshot(proposal)[2] == before[2] + 1
    else:
        with pytest.raises(TransitionRefused) as refused:
            fire(world, proposal, action.name, user)
        assert refused.value.code == "role_not_allowed"
        assert snapshot(proposal) == before


@pytest.mark.parametrize("outsider", ["other_secretary", "other_coordinator", "outsider_delegate"])
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_people_without_a_part_in_the_proposal_cannot_fire_anything(world, action, outsider):
    proposal = ready_to_fire(world, action)
    before = snapshot(proposal)
    with pytest.raises(PermissionDenied):
        fire(world, proposal, action.name, getattr(world, outsider))
    assert snapshot(proposal) == before


@pytest.mark.parametrize("state", list(State), ids=str)
def test_actions_of_other_states_are_refused_as_wrong_state(world, state):
    proposal = bring_to(world, state)
    before = snapshot(proposal)
    for action in ACTIONS:
        if state in action.sources:
            continue
        role = next(role for role in ACTORS if role in action.roles)
        with pytest.raises(TransitionRefused) as refused:
            fire(world, proposal, action.name, actor(world, ACTORS[role]))
        assert refused.value.code == "wrong_state", action.name
        assert snapshot(proposal) == before


def test_an_unknown_action_is_refused_with_its_own_code(world):
    proposal = world.draft()
    with pytest.raises(TransitionRefused) as refused:
        fire(world, proposal, "approve_everything", "admin")
    assert refused.value.code == "unknown_action"
