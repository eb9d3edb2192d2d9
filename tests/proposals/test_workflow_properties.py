"""Random sequences of actions by random people: whatever happens, the workflow's invariants hold."""

import contextlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, event, given, settings
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


# After registration: random unit actions by random people, on two units, with random ratings.
# Weighted towards answering and rating: every signer must rate every answer before a proposal closes.
UNIT_STEPS = ["assign_unit", *["record_answer"] * 3, *["rate"] * 8, "extend_answer", "supervise", "end_supervision"]
RATINGS = ["satisfied", "basically_satisfied", "unsatisfied"]
SIGNER_HEAVY = PEOPLE + ["lead", "cosigner-0", "cosigner-1", "cosigner-2"] * 3


def unit_inputs(world, step: str, unit, rating: str) -> dict:
    return {
        "assign_unit": {"unit": unit.pk, "unit_role": "lead" if unit == world.unit else "assisting"},
        "record_answer": {"unit": unit.pk, "answer": "已研究办理。", "answer_class": "B", "answer_method": "phone"},
        "rate": {"unit": unit.pk, "rating": rating},
        "extend_answer": {"unit": unit.pk, "extend_by": "3"},
    }.get(step, {})


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(UNIT_STEPS),
            st.sampled_from(SIGNER_HEAVY),
            st.booleans(),
            st.sampled_from(RATINGS + ["satisfied"] * 3),
        ),
        min_size=30,
        max_size=80,
    ),
)
@pytest.mark.django_db
def test_random_handling_keeps_the_units_and_the_state_in_step(world, steps):
    from proposals.workflow import HandlingStatus, handling_state
    from tests.proposals.arrange import bring_to

    proposal = bring_to(world, State.REGISTERED)
    for unit in (world.unit, world.other_unit):  # the office assigns two units; the rest is random
        services.transition_apply(proposal_id=proposal.pk, actor=world.lead, action="assign_unit",
                                  inputs=unit_inputs(world, "assign_unit", unit, ""))  # fmt: skip
    signers = {a.delegate.user_id for a in proposal.signer_assignments()}
    for step, name, other_unit, rating in steps:
        unit = world.other_unit if other_unit else world.unit
        with contextlib.suppress(TransitionRefused, ValidationError, PermissionDenied):
            services.transition_apply(proposal_id=proposal.pk, actor=person(world, name), action=step,
                                      note="理由", inputs=unit_inputs(world, step, unit, rating))  # fmt: skip
        proposal = Proposal.objects.get(pk=proposal.pk)
        event(f"reached {proposal.state}")

        assert replay(proposal) == proposal.state
        handlings = proposal.handlings_list()
        if handlings:
            assert proposal.state == handling_state(proposal)
        for handling in handlings:
            answers = handling.answers_list()
            assert [a.round for a in answers] in ([], [1], [1, 2]) and len(answers) >= handling.round - 1
            for answer in answers:
                raters = [r.rater_id for r in answer.ratings.all()]
                assert len(raters) == len(set(raters)) and set(raters) <= signers
            current = handling.current_answer()
            assert (handling.status == HandlingStatus.OPEN) == (current is None)
            if handling.round == 2:  # sent back by an unsatisfied first rating
                assert any(r.rating == "unsatisfied" for r in answers[0].ratings.all())
            if handling.status == HandlingStatus.SETTLED:
                assert {r.rater_id for r in current.ratings.all()} == signers
                if handling.round == 1:
                    assert all(r.rating != "unsatisfied" for r in current.ratings.all())
