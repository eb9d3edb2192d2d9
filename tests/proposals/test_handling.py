"""After registration: the units' handling, their answers, every signer's rating, the second round, the one
extension, supervision and raising a proposal again (issue #15), through the services as every caller uses them."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from proposals import services
from proposals.models import Evidence, Handling, Notice, NoticeKind, Proposal, Transition
from proposals.notice_items import NoticeItem
from proposals.workflow import HandlingStatus, State, TransitionRefused
from tests.proposals.arrange import bring_to

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def act(world, proposal, action, actor, note="", **inputs):
    actor = getattr(world, actor) if isinstance(actor, str) else actor
    return services.transition_apply(proposal_id=proposal.pk, actor=actor, action=action, note=note, inputs=inputs)


def assign(world, proposal, unit, role="lead", **inputs):
    return act(world, proposal, "assign_unit", "lead", unit=unit.pk, unit_role=role, **inputs)


def answer(world, proposal, unit, answer_class="A", actor="secretary", **inputs):
    return act(world, proposal, "record_answer", actor, unit=unit.pk, answer="已纳入2027年市政府民生实事。",
               answer_class=answer_class, answer_method="writing", **inputs)  # fmt: skip


def signers(world):
    return [world.lead, *world.cosigners]


def rate_all(world, proposal, unit, rating="satisfied"):
    for person in signers(world):
        act(world, proposal, "rate", person, unit=unit.pk, rating=rating)


def handling(proposal, unit) -> Handling:
    return Handling.objects.get(proposal=proposal, unit=unit)


def state(proposal) -> str:
    return Proposal.objects.get(pk=proposal.pk).state


def refused(world, proposal, action, actor, **inputs) -> str:
    before = Proposal.objects.values_list("state", "version").get(pk=proposal.pk)
    with pytest.raises(TransitionRefused) as error:
        act(world, proposal, action, actor, note="理由", **inputs)
    assert Proposal.objects.values_list("state", "version").get(pk=proposal.pk) == before
    return error.value.code


def bad_input(world, proposal, action, actor, note="理由", **inputs) -> dict:
    log = Transition.objects.filter(proposal=proposal).count()
    with pytest.raises(ValidationError) as error:
        act(world, proposal, action, actor, note=note, **inputs)
    assert Transition.objects.filter(proposal=proposal).count() == log
    return error.value.message_dict


@pytest.fixture
def registered(world):
    return bring_to(world, State.REGISTERED)


# --- Assigning units ------------------------------------------------------------------------------------


def test_a_unit_answers_within_the_sessions_three_months_of_its_assignment(world, registered):
    assign(world, registered, world.unit, assigned_on=timezone.localdate().isoformat())
    unit = handling(registered, world.unit)
    assert unit.due_on == unit.assigned_on + relativedelta(months=3)
    assert (unit.role, unit.round, unit.status) == ("lead", 1, HandlingStatus.OPEN)
    assert state(registered) == State.HANDLING


def test_an_urgent_proposal_is_answered_within_the_shorter_period_the_session_sets(world):
    world.npc_session.urgent_answer_months = 2
    world.npc_session.save()
    proposal = bring_to(world, State.SUBMITTED)
    act(world, proposal, "register", "lead", urgent=True)
    assign(world, proposal, world.unit)
    unit = handling(proposal, world.unit)
    assert Proposal.objects.get(pk=proposal.pk).urgent
    assert unit.due_on == unit.assigned_on + relativedelta(months=2)


def test_a_unit_is_assigned_once_while_active_and_not_before_the_submission(world, registered):
    assign(world, registered, world.unit)
    assert "unit" in bad_input(world, registered, "assign_unit", "lead", unit=world.unit.pk, unit_role="lead")
    world.other_unit.is_active = False
    world.other_unit.save()
    assert "unit" in bad_input(world, registered, "assign_unit", "lead", unit=world.other_unit.pk, unit_role="lead")
    world.other_unit.is_active = True
    world.other_unit.save()
    early = (registered.submitted_on - dt.timedelta(days=1)).isoformat()
    assert "assigned_on" in bad_input(world, registered, "assign_unit", "lead", unit=world.other_unit.pk,
                                      unit_role="assisting", assigned_on=early)  # fmt: skip


@pytest.mark.parametrize("value", ["abc", -1, 10**30, True, 999999])
def test_a_unit_named_by_a_bad_id_is_refused_as_bad_input(world, registered, value):
    assert "unit" in bad_input(world, registered, "assign_unit", "lead", unit=value, unit_role="lead")


def test_a_unit_added_after_the_others_answered_takes_the_proposal_back_to_handling(world, registered):
    assign(world, registered, world.unit)
    answer(world, registered, world.unit)
    assert state(registered) == State.ANSWERED
    assign(world, registered, world.other_unit, role="assisting")
    assert state(registered) == State.HANDLING


# --- Answers ----------------------------------------------------------------------------------------------


def test_the_proposal_is_answered_once_every_unit_has_answered(world, registered):
    assign(world, registered, world.unit)
    assign(world, registered, world.other_unit, role="assisting")
    answer(world, registered, world.unit, answer_class="B")
    assert state(registered) == State.HANDLING
    transition = answer(world, registered, world.other_unit, answer_class="C")
    assert transition.to_state == state(registered) == State.ANSWERED
    assert transition.details["unit"] == world.other_unit.pk and transition.details["answer_class"] == "C"
    assert refused(world, registered, "record_answer", "secretary", unit=world.unit.pk, answer="再答",
                   answer_class="A", answer_method="phone") == "wrong_state"  # fmt: skip


def test_an_answer_is_recorded_once_for_a_unit_of_the_proposal_and_not_before_its_assignment(world, registered):
    assign(world, registered, world.unit)
    assign(world, registered, world.other_unit, role="assisting")
    answer(world, registered, world.unit)
    assert "unit" in bad_input(world, registered, "record_answer", "secretary", unit=world.unit.pk, answer="再答",
                               answer_class="A", answer_method="phone")  # fmt: skip
    early = (handling(registered, world.other_unit).assigned_on - dt.timedelta(days=1)).isoformat()
    assert "answered_on" in bad_input(
        world, registered, "record_answer", "secretary", unit=world.other_unit.pk, answer="答复", answer_class="A",
        answer_method="phone", answered_on=early,
    )  # fmt: skip
    errors = bad_input(world, registered, "record_answer", "secretary", unit=world.other_unit.pk, answer="答复",
                       answer_class="D", answer_method="fax")  # fmt: skip
    assert {"answer_class", "answer_method"} <= set(errors)


def test_a_unit_not_on_the_proposal_cannot_answer_it(world, registered):
    assign(world, registered, world.unit)
    assert "unit" in bad_input(world, registered, "record_answer", "secretary", unit=world.other_unit.pk,
                               answer="答复", answer_class="A", answer_method="phone")  # fmt: skip


# --- Ratings and the second round ---------------------------------------------------------------------------


def test_every_signer_rates_and_the_proposal_closes_only_when_every_unit_is_settled(world, registered):
    assign(world, registered, world.unit)
    assign(world, registered, world.other_unit, role="assisting")
    answer(world, registered, world.unit)
    rate_all(world, registered, world.unit)
    assert handling(registered, world.unit).status == HandlingStatus.SETTLED
    assert state(registered) == State.HANDLING  # the other unit has not answered
    answer(world, registered, world.other_unit, answer_class="B")
    for person in signers(world)[:-1]:
        act(world, registered, "rate", person, unit=world.other_unit.pk, rating="basically_satisfied")
        assert state(registered) == State.ANSWERED
    act(world, registered, "rate", signers(world)[-1], unit=world.other_unit.pk, rating="satisfied")
    assert state(registered) == State.CLOSED


def test_an_unsatisfied_rating_sends_the_unit_back_for_a_second_round_due_a_month_on(world, registered):
    assign(world, registered, world.unit)
    answer(world, registered, world.unit)
    act(world, registered, "rate", "lead", unit=world.unit.pk, rating="satisfied")
    transition = act(world, registered, "rate", world.cosigners[0], note="没有落实时间表", unit=world.unit.pk,
                     rating="unsatisfied")  # fmt: skip
    unit = handling(registered, world.unit)
    assert (unit.round, unit.status) == (2, HandlingStatus.OPEN)
    assert unit.due_on == timezone.localdate() + relativedelta(months=1)
    assert transition.to_state == state(registered) == State.HANDLING and transition.details["sent_back"]
    assert unit.answers_list()[0].ratings.get(rater=world.cosigners[0]).comment == "没有落实时间表"
    # The first round is over: nobody rates it any more; the second answer is rated by every signer.
    assert refused(world, registered, "rate", world.cosigners[1], unit=world.unit.pk, rating="satisfied") == (
        "no_answer_to_rate"
    )
    answer(world, registered, world.unit, answer_class="B")
    assert [a.round for a in handling(registered, world.unit).answers_list()] == [1, 2]
    rate_all(world, registered, world.unit, rating="unsatisfied")  # a second round is settled whatever the rating
    assert state(registered) == State.CLOSED
    assert handling(registered, world.unit).unresolved


def test_only_those_who_signed_rate_and_each_rates_once(world, registered):
    assign(world, registered, world.unit)
    answer(world, registered, world.unit)
    assert refused(world, registered, "rate", "coordinator", unit=world.unit.pk, rating="satisfied") == (
        "role_not_allowed"
    )
    act(world, registered, "rate", "lead", unit=world.unit.pk, rating="satisfied")
    assert refused(world, registered, "rate", "lead", unit=world.unit.pk, rating="satisfied") == "no_answer_to_rate"
    with pytest.raises(PermissionDenied):
        act(world, registered, "rate", "outsider_delegate", unit=world.unit.pk, rating="satisfied")


def test_a_cosigner_who_never_signed_does_not_rate_and_is_not_waited_for(world):
    proposal = world.draft()
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=world.lead.delegate,
                             role="lead")  # fmt: skip
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator,
                             delegate=world.cosigners[0].delegate, role="cosigner")  # fmt: skip
    act(world, proposal, "start_research", "secretary")
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, research_findings="问卷812份")
    services.evidence_add(proposal_id=proposal.pk, actor=world.secretary,
                          upload=SimpleUploadedFile("问卷.csv", "题目,人数\n就业,812\n".encode()))  # fmt: skip
    act(world, proposal, "start_consultation", "secretary")
    act(world, proposal, "endorse", "lead")
    act(world, proposal, "finalise", "secretary")
    act(world, proposal, "submit", "lead", reference_number="第9001号")
    act(world, proposal, "register", "lead")
    assign(world, proposal, world.unit)
    answer(world, proposal, world.unit)
    assert refused(world, proposal, "rate", world.cosigners[0], unit=world.unit.pk, rating="satisfied") == (
        "not_a_signer"
    )
    act(world, proposal, "rate", "lead", unit=world.unit.pk, rating="satisfied")
    assert state(proposal) == State.CLOSED


# --- The extension ------------------------------------------------------------------------------------------


def test_a_coordinator_extends_a_units_answer_once_with_a_reason(world, registered):
    assign(world, registered, world.unit)
    before = handling(registered, world.unit).due_on
    assert "note" in bad_input(world, registered, "extend_answer", "coordinator", note="", unit=world.unit.pk,
                               extend_by="2")  # fmt: skip
    assert refused(world, registered, "extend_answer", "secretary", unit=world.unit.pk, extend_by="2") == (
        "role_not_allowed"
    )
    transition = act(world, registered, "extend_answer", "coordinator", note="涉及多部门协调", unit=world.unit.pk,
                     extend_by="2")  # fmt: skip
    unit = handling(registered, world.unit)
    assert unit.due_on == before + relativedelta(months=2) and unit.extension_reason == "涉及多部门协调"
    assert transition.details == {"unit": world.unit.pk, "unit_name": world.unit.name,
                                  "from": before.isoformat(), "to": unit.due_on.isoformat()}  # fmt: skip
    assert refused(world, registered, "extend_answer", "coordinator", unit=world.unit.pk, extend_by="1") == (
        "extension_used"
    )
    assert "extend_by" in bad_input(world, registered, "extend_answer", "coordinator", unit=world.unit.pk,
                                    extend_by="4")  # fmt: skip


# --- Supervision ---------------------------------------------------------------------------------------------


def test_a_coordinator_marks_a_key_supervised_item_with_a_reason_and_ends_it(world, registered):
    assert refused(world, registered, "supervise", "secretary") == "role_not_allowed"
    assert "note" in bad_input(world, registered, "supervise", "coordinator", note="")
    act(world, registered, "supervise", "coordinator", note="事关青年就业，列入年度重点督办")
    proposal = Proposal.objects.get(pk=registered.pk)
    assert proposal.supervised_at is not None and proposal.supervision_reason == "事关青年就业，列入年度重点督办"
    assert refused(world, registered, "supervise", "coordinator") == "already_supervised"
    act(world, registered, "end_supervision", "coordinator", note="已落实")
    assert Proposal.objects.get(pk=registered.pk).supervised_at is None
    assert refused(world, registered, "end_supervision", "coordinator") == "not_supervised"


# --- Raising a proposal again --------------------------------------------------------------------------------


def closed_with(world, answer_class):
    proposal = bring_to(world, State.REGISTERED)
    assign(world, proposal, world.unit)
    answer(world, proposal, world.unit, answer_class=answer_class)
    services.evidence_add(proposal_id=proposal.pk, actor=world.secretary, unit_id=world.unit.pk,
                          upload=SimpleUploadedFile("答复函.pdf", PDF), description="市人社局答复函")  # fmt: skip
    rate_all(world, proposal, world.unit)
    assert state(proposal) == State.CLOSED
    return proposal


def test_a_proposal_answered_with_class_c_is_raised_again_at_a_later_session_with_its_answers(world):
    proposal = closed_with(world, "C")
    later = world.later_session()
    transition = act(world, proposal, "carry_forward", "secretary", session=later.pk)
    draft = Proposal.objects.get(carried_from=proposal)
    assert transition.details["draft"] == draft.pk and transition.to_state == State.CLOSED
    assert (draft.state, draft.session, draft.title, draft.recommendations) == (
        State.DRAFT,
        later,
        proposal.title,
        proposal.recommendations,
    )
    names = sorted(draft.evidence.values_list("original_name", flat=True))
    assert names == sorted([f"{proposal.reference_number}.docx", "答复函.pdf"])
    assert list(proposal.raised_again.all()) == [draft]
    assert "session" in bad_input(world, proposal, "carry_forward", "secretary", session=later.pk)  # once per session


def test_only_an_unresolved_proposal_is_raised_again_and_only_later_and_not_lower(world):
    assert refused(world, closed_with(world, "A"), "carry_forward", "secretary",
                   session=world.later_session().pk) == "not_unresolved"  # fmt: skip
    unresolved = closed_with(world, "C")
    assert "session" in bad_input(world, unresolved, "carry_forward", "secretary", session=world.npc_session.pk)
    county = type(world.npc_session).objects.create(
        body="npc", level="county", region="怀仁市", name="怀仁市人民代表大会次年会议",
        opening_date=world.npc_session.opening_date + dt.timedelta(days=400),
        closing_date=world.npc_session.closing_date + dt.timedelta(days=400),
        submission_deadline=world.npc_session.submission_deadline + dt.timedelta(days=400),
    )  # fmt: skip
    assert "session" in bad_input(world, unresolved, "carry_forward", "secretary", session=county.pk)


def test_a_proposal_not_registered_is_raised_again(world):
    proposal = bring_to(world, State.NOT_REGISTERED)
    act(world, proposal, "carry_forward", "coordinator", session=world.later_session().pk)
    assert Proposal.objects.get(carried_from=proposal).state == State.DRAFT


# --- Answer letters --------------------------------------------------------------------------------------------


def test_after_submission_only_answer_letters_are_added_and_only_to_a_recorded_answer(world, registered):
    assign(world, registered, world.unit)
    letter = SimpleUploadedFile("答复函.pdf", PDF)
    with pytest.raises(TransitionRefused) as error:
        services.evidence_add(proposal_id=registered.pk, actor=world.secretary, upload=letter, unit_id=world.unit.pk)
    assert error.value.code == "no_answer_yet"
    with pytest.raises(TransitionRefused):  # research evidence: closed since submission
        services.evidence_add(proposal_id=registered.pk, actor=world.secretary, upload=SimpleUploadedFile("a.pdf", PDF))
    answer(world, registered, world.unit)
    with pytest.raises(ValidationError) as error:
        services.evidence_add(proposal_id=registered.pk, actor=world.secretary, unit_id=world.unit.pk,
                              upload=SimpleUploadedFile("统计.csv", b"a,b\n1,2\n"))  # fmt: skip
    assert "file" in error.value.message_dict
    evidence = services.evidence_add(proposal_id=registered.pk, actor=world.secretary, upload=letter,
                                     unit_id=world.unit.pk)  # fmt: skip
    assert Evidence.objects.get(pk=evidence.pk).answer == handling(registered, world.unit).current_answer()
    with pytest.raises(PermissionDenied):
        services.evidence_add(proposal_id=registered.pk, actor=world.other_secretary, unit_id=world.unit.pk,
                              upload=SimpleUploadedFile("答复函.pdf", PDF))  # fmt: skip


# --- Who is told ------------------------------------------------------------------------------------------------


def test_the_signers_hear_of_each_answer_and_are_asked_to_rate_it(world, registered):
    assign(world, registered, world.unit)
    Notice.objects.all().delete()
    answer(world, registered, world.unit, answer_class="B", actor="coordinator")
    told = {n.recipient_id: n for n in Notice.objects.select_related("transition__proposal", "transition__actor")}
    assert {world.lead.pk, *(c.pk for c in world.cosigners)} <= set(told)
    item = NoticeItem(told[world.lead.pk])
    assert item.kind == NoticeKind.HANDLING
    assert world.unit.name in item.headline and "B" in item.headline
    assert item.todo  # rate it
    assert not NoticeItem(told[world.secretary.pk]).todo


def test_a_unit_sent_back_is_told_with_its_new_due_date(world, registered):
    assign(world, registered, world.unit)
    answer(world, registered, world.unit)
    Notice.objects.all().delete()
    act(world, registered, "rate", "lead", unit=world.unit.pk, rating="unsatisfied")
    notice = Notice.objects.select_related("transition__proposal", "transition__actor").get(recipient=world.secretary)
    assert handling(registered, world.unit).due_on.isoformat() in NoticeItem(notice).headline
