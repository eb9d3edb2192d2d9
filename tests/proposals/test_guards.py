"""The guards a real office insists on (DESIGN §4), each refusing with its own code and changing nothing."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from proposals import services
from proposals.models import Proposal, Transition
from proposals.workflow import State, TransitionRefused
from tests.proposals.arrange import add_evidence, assign_all, bring_to, fire


def refused_code(world, proposal, action, actor, **kwargs) -> str:
    before = Proposal.objects.values_list("state", "version").get(pk=proposal.pk)
    log = Transition.objects.filter(proposal=proposal).count()
    with pytest.raises(TransitionRefused) as refused:
        fire(world, proposal, action, actor, **kwargs)
    assert Proposal.objects.values_list("state", "version").get(pk=proposal.pk) == before
    assert Transition.objects.filter(proposal=proposal).count() == log
    return refused.value.code


def in_research(world, *, findings=True, evidence=True, lead=True):
    proposal = world.draft()
    if lead:
        assign_all(world, proposal)
    fire(world, proposal, "start_research", "secretary")
    if findings:
        services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, research_findings="问卷812份")
    if evidence:
        add_evidence(world, proposal)
    return proposal


def test_research_cannot_end_without_a_summary(world):
    assert refused_code(world, in_research(world, findings=False), "start_consultation", "secretary") == (
        "research_summary_missing"
    )


def test_research_cannot_end_without_evidence(world):
    assert refused_code(world, in_research(world, evidence=False), "start_consultation", "secretary") == (
        "evidence_missing"
    )


def test_consultation_cannot_start_without_a_lead_delegate(world):
    assert refused_code(world, in_research(world, lead=False), "start_consultation", "secretary") == (
        "lead_delegate_missing"
    )


def test_research_ends_once_summary_evidence_and_lead_are_there(world):
    proposal = in_research(world)
    assert fire(world, proposal, "start_consultation", "secretary").to_state == State.CONSULTATION


def test_consultation_needs_the_lead_to_endorse_the_latest_revision(world):
    proposal = bring_to(world, State.CONSULTATION)
    assert refused_code(world, proposal, "finalise", "secretary") == "lead_not_endorsed"

    fire(world, proposal, "endorse", "lead")
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, recommendations="一、二、三。")
    proposal.refresh_from_db()
    with translation.override("en"), pytest.raises(TransitionRefused) as refused:
        fire(world, proposal, "finalise", "secretary")
    assert refused.value.code == "lead_not_endorsed"
    assert "revision 3" in refused.value.message  # the endorsement was of revision 2

    fire(world, proposal, "endorse", "lead")
    assert fire(world, proposal, "finalise", "secretary").to_state == State.READY


def test_the_same_revision_cannot_be_endorsed_twice(world):
    proposal = bring_to(world, State.CONSULTATION)
    fire(world, proposal, "endorse", "lead")
    assert refused_code(world, proposal, "endorse", "lead") == "already_endorsed"


def test_a_motion_needs_the_sessions_number_of_cosigning_deputies(world):
    assert world.npc_session.required_motion_cosigners == 3
    proposal = bring_to(world, State.CONSULTATION, kind=Proposal.Kind.MOTION)
    fire(world, proposal, "endorse", "lead")
    for cosigner in world.cosigners[:2]:
        fire(world, proposal, "co_sign", cosigner)
    with translation.override("en"), pytest.raises(TransitionRefused) as refused:
        fire(world, proposal, "finalise", "secretary")
    assert refused.value.code == "cosigners_insufficient"
    assert "needs 3" in refused.value.message and "has 2" in refused.value.message

    fire(world, proposal, "co_sign", world.cosigners[2])
    assert fire(world, proposal, "finalise", "secretary").to_state == State.READY


def test_a_suggestion_needs_no_cosigners(world):
    proposal = bring_to(world, State.CONSULTATION, kind=Proposal.Kind.SUGGESTION)
    fire(world, proposal, "endorse", "lead")
    assert fire(world, proposal, "finalise", "secretary").to_state == State.READY


def test_a_cosigner_who_declined_does_not_count_and_cannot_sign(world):
    proposal = bring_to(world, State.CONSULTATION, kind=Proposal.Kind.MOTION)
    fire(world, proposal, "decline", world.cosigners[0])
    assert refused_code(world, proposal, "co_sign", world.cosigners[0]) == "assignment_declined"


def test_late_submission_needs_a_coordinators_override_with_a_reason(world):
    proposal = bring_to(world, State.READY)
    after_deadline = world.npc_session.submission_deadline + dt.timedelta(hours=1)
    assert refused_code(world, proposal, "submit", "lead", now=after_deadline) == "submission_deadline_passed"

    assert refused_code(world, proposal, "allow_late_submission", "secretary") == "role_not_allowed"
    with pytest.raises(ValidationError) as missing_reason:
        fire(world, proposal, "allow_late_submission", "coordinator", note=" ")
        # fire() falls back to a default note only for an empty string; a blank one reaches the service.
    assert "note" in missing_reason.value.message_dict

    fire(world, proposal, "allow_late_submission", "coordinator", note="代表因公出差，经主任会议同意延后提交。")
    transition = fire(world, proposal, "submit", "lead", now=after_deadline)
    assert transition.to_state == State.SUBMITTED


def test_submission_before_the_deadline_needs_no_override(world):
    proposal = bring_to(world, State.READY)
    assert fire(world, proposal, "submit", "lead").to_state == State.SUBMITTED


def test_a_change_request_sends_the_proposal_back_to_research_with_the_comment(world):
    proposal = bring_to(world, State.CONSULTATION)
    transition = fire(world, proposal, "request_changes", "lead", note="请补充平鲁区的调研数据。")
    assert transition.to_state == State.RESEARCH
    comment = proposal.comments.get()
    assert comment.kind == "change_request"
    assert comment.body == "请补充平鲁区的调研数据。"
    assert comment.revision.number == proposal.revision_number


def test_nothing_changes_the_frozen_text_from_ready_on(world):
    for state in (State.READY, State.SUBMITTED, State.ANSWERED, State.CLOSED):
        proposal = bring_to(world, state)
        with pytest.raises(TransitionRefused) as refused:
            services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, title="改过的标题")
        assert refused.value.code == "text_frozen"
        assert Proposal.objects.get(pk=proposal.pk).title == proposal.title


def test_the_refusal_speaks_the_users_language(world):
    proposal = in_research(world, evidence=False)
    with translation.override("zh-hans"), pytest.raises(TransitionRefused) as chinese:
        fire(world, proposal, "start_consultation", "secretary")
    with translation.override("en"), pytest.raises(TransitionRefused) as english:
        fire(world, proposal, "start_consultation", "secretary")
    assert chinese.value.code == english.value.code == "evidence_missing"
    assert "evidence" in english.value.message
    assert "佐证材料" in chinese.value.message


def test_submission_records_the_reference_number_and_an_answer_deadline_three_months_on(world):
    proposal = bring_to(world, State.READY)
    fire(world, proposal, "submit", "lead")
    proposal.refresh_from_db()
    assert proposal.reference_number.startswith("第")
    answer_due = proposal.deadlines.get(stage="answer").due_at
    assert timezone.localdate(answer_due) == proposal.submitted_on + relativedelta(months=3)


def test_a_reference_number_is_unique_within_a_session(world):
    first, second = bring_to(world, State.READY), bring_to(world, State.READY)
    services.transition_apply(proposal_id=first.pk, actor=world.lead, action="submit",
                              inputs={"reference_number": "101"})  # fmt: skip
    with pytest.raises(ValidationError) as taken:
        services.transition_apply(proposal_id=second.pk, actor=world.lead, action="submit",
                                  inputs={"reference_number": "101"})  # fmt: skip
    assert "reference_number" in taken.value.message_dict
    assert Proposal.objects.get(pk=second.pk).state == State.READY
