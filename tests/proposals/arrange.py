"""Bring a proposal to a given state through the services, with every guard of the next step satisfied."""

from __future__ import annotations

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from proposals import services
from proposals.models import Proposal
from proposals.workflow import MAIN_PATH, State, main_path_action
from tests.conftest import World

_reference_numbers = itertools.count(1)

# Who fires each action of the main path (proposals.workflow.MAIN_PATH) here.
_ACTOR = {"start_research": "secretary", "start_consultation": "secretary", "finalise": "secretary",
          "submit": "lead", "register": "lead", "assign_unit": "lead", "record_answer": "lead",
          "rate": "lead"}  # fmt: skip


def inputs_for(world: World, action: str) -> dict:
    unit = world.unit.pk
    if action == "carry_forward":  # only then: the later session is made when first asked for
        return {"session": world.later_session().pk}
    return {
        "submit": {"reference_number": f"第{next(_reference_numbers):04d}号"},
        "assign_unit": {"unit": unit, "unit_role": "lead"},
        "record_answer": {
            "unit": unit,
            "answer": "已纳入2027年工作计划。",
            "answer_class": "A",
            "answer_method": "writing",
        },
        "rate": {"unit": unit, "rating": "satisfied"},
        "extend_answer": {"unit": unit, "extend_by": "2"},
    }.get(action, {})


def fire(world: World, proposal: Proposal, action: str, actor_name: str, note: str = "", *,
         inputs: dict | None = None, **kwargs):  # fmt: skip
    """Fire the action with inputs_for's inputs, and `inputs` in place of some of them."""
    actor = getattr(world, actor_name) if isinstance(actor_name, str) else actor_name
    return services.transition_apply(
        proposal_id=proposal.pk,
        actor=actor,
        action=action,
        note=note or "理由说明",
        inputs=inputs_for(world, action) | (inputs or {}),
        **kwargs,
    )


def add_evidence(world: World, proposal: Proposal) -> None:
    services.evidence_add(
        proposal_id=proposal.pk, actor=world.secretary,
        upload=SimpleUploadedFile("调研问卷.csv", "题目,人数\n就业压力,812\n".encode()), description="问卷结果",
    )  # fmt: skip


def assign_all(world: World, proposal: Proposal, *, notify: bool = True) -> None:
    """The lead and the co-signers; `notify=False` for tests of other notices, whose counts these would blur."""
    services.delegate_assign(
        proposal_id=proposal.pk, actor=world.coordinator, delegate=world.lead.delegate, role="lead", notify=notify
    )
    for cosigner in world.cosigners:
        services.delegate_assign(
            proposal_id=proposal.pk, actor=world.coordinator, delegate=cosigner.delegate, role="cosigner",
            notify=notify,
        )  # fmt: skip


def bring_to(
    world: World, state: str, *, kind: str = Proposal.Kind.SUGGESTION, draft: Proposal | None = None
) -> Proposal:
    """A proposal in `state`, reached the way an office would reach it. Its delegates are assigned at once.
    `draft`: a draft with no delegates yet (one raised again, say) to take there, instead of a new one."""
    proposal = draft or world.draft(kind=kind)
    assign_all(world, proposal)
    if state == State.WITHDRAWN:
        fire(world, proposal, "withdraw", "secretary")
        return Proposal.objects.get(pk=proposal.pk)
    if state == State.NOT_REGISTERED:
        if draft is None:
            proposal = bring_to(world, State.SUBMITTED, kind=kind)
        else:
            _walk(world, proposal, State.SUBMITTED)
        fire(world, proposal, "not_register", "lead")
        return Proposal.objects.get(pk=proposal.pk)
    _walk(world, proposal, state)
    return Proposal.objects.get(pk=proposal.pk)


def rate_all(world: World, proposal: Proposal, rating: str, *, unit=None, lead_rating: str | None = None) -> None:
    """Every signer rates the unit's current answer: the co-signers `rating`, then the lead `lead_rating` (or
    `rating`). In round 1 only the lead's, the last, may be unsatisfied: it sends the unit back at once."""
    unit = (unit or world.unit).pk
    for cosigner in world.cosigners:
        fire(world, proposal, "rate", cosigner, inputs={"unit": unit, "rating": rating})
    fire(world, proposal, "rate", "lead", inputs={"unit": unit, "rating": lead_rating or rating})


def _walk(world: World, proposal: Proposal, state: str) -> None:
    for step in MAIN_PATH[1 : MAIN_PATH.index(state) + 1]:
        if step == State.READY:
            fire(world, proposal, "endorse", "lead")
            for cosigner in world.cosigners:
                fire(world, proposal, "co_sign", cosigner)
        if step == State.CLOSED:
            # Every signer rates the unit's answer; the lead's rating, the last, closes the proposal.
            for cosigner in world.cosigners:
                fire(world, proposal, "rate", cosigner)
        action = main_path_action(step).name
        fire(world, proposal, action, _ACTOR[action])
        if step == State.RESEARCH:
            # What research produces: a summary and evidence, so consultation may start.
            services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary,
                                          research_findings="走访35所中小学，问卷2500份。")  # fmt: skip
            add_evidence(world, proposal)
