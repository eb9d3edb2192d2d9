"""Random sequences of actions by random people: whatever happens, the workflow's invariants hold."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposals import services
from proposals.models import Proposal, Revision
from proposals.workflow import ACTIONS, EDITABLE_STATES, State, TransitionRefused, reachable_states
from tests.proposals.arrange import add_evidence, assign_all, fire

PEOPLE = ["secretary", "coordinator", "lead", "cosigner-0", "cosigner-1", "cosigner-2", "admin", "other_secretary"]
STEPS = [action.name for action in ACTIONS] + ["edit_text", "add_evidence"]
REACHABLE = reachable_states()


def person(world, name):
    return world.cosigners[int(name[-1])] if name.startswith("cosigner-") else getattr(world, name)


def replay(proposal) -> str:
    state = State.DRAFT
    for transition in proposal.transitions.order_by("created_at", "id"):
        assert transition.from_state == state, "the log must chain from state to state"
        state = transition.to_state
    return state


def text_of(proposal):
    return tuple(getattr(proposal, field) for field in Revision.TEXT_FIELDS)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    kind=st.sampled_from([Proposal.Kind.MOTION, Proposal.Kind.SUGGESTION]),
    steps=st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from(PEOPLE)), max_size=40),
)
@pytest.mark.django_db
def test_random_actions_keep_the_workflow_consistent(world, kind, steps):
    proposal = world.draft(kind=kind)
    assign_all(world, proposal)
    frozen = None
    for number, (step, name) in enumerate(steps):
        try:
            if step == "edit_text":
                services.proposal_update_text(
                    proposal_id=proposal.pk,
                    actor=person(world, name),
                    research_findings=f"第{number}轮调研",
                    recommendations=f"建议{number}",
                )
            elif step == "add_evidence":
                add_evidence(world, proposal)
            else:
                fire(world, proposal, step, person(world, name))
        except (TransitionRefused, ValidationError, PermissionDenied):
            pass
        proposal.refresh_from_db()

        assert proposal.state in REACHABLE
        assert replay(proposal) == proposal.state
        assert proposal.revisions.count() == proposal.revision_number
        if proposal.state in EDITABLE_STATES:
            frozen = None
        elif frozen is None:
            frozen = text_of(proposal)
        else:
            assert text_of(proposal) == frozen, "the text changed after it was frozen"
