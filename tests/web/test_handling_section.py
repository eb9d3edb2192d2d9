"""The proposal page after registration (#15): the handling section (units, due dates, answers, ratings, answer
letters), the marks of urgency and supervision, the links of a proposal raised again, and the action forms that
offer each action only the units or sessions it may name now."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.forms import TransitionForm
from proposals.models import Evidence, Handling, HandlingUnit, Proposal, Session
from proposals.selectors import proposal_action_options
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def page_of(response) -> str:
    return response.content.decode()


def act(world, proposal, action: str, actor, note: str = "", **inputs):
    return services.transition_apply(proposal_id=proposal.pk, actor=actor, action=action, note=note or "理由",
                                     inputs=inputs)  # fmt: skip


def offered(client, proposal, action: str, field: str) -> list:
    """The rows the page's form for `action` offers in `field` (None when the action is not offered)."""
    response = client.get(reverse("proposal-open", args=[proposal.pk]))
    item = next((item for item in response.context["actions"] if item["option"].action.name == action), None)
    return None if item is None else list(item["form"].fields[field].queryset)


def in_handling(world) -> Proposal:
    """Registered, world.unit leading, world.other_unit assisting."""
    proposal = bring_to(world, State.HANDLING)
    act(world, proposal, "assign_unit", world.lead, unit=world.other_unit.pk, unit_role="assisting")
    return proposal


def answer(world, proposal, unit, actor=None, **extra):
    inputs = {"unit": unit.pk, "answer": "已纳入明年工作计划。", "answer_class": "B", "answer_method": "writing"}
    act(world, proposal, "record_answer", actor or world.secretary, **(inputs | extra))


def test_the_section_lists_each_unit_lead_first_with_its_dates_and_round(client, world):
    proposal = in_handling(world)
    client.force_login(world.secretary)
    response = client.get(reverse("proposal-open", args=[proposal.pk]))
    page = page_of(response)
    assert "Handling units" not in page  # the old free-text facts are gone
    units = [item.handling.unit for item in response.context["handlings"]]
    assert units == [world.unit, world.other_unit]
    assert page.index(f'id="handling-{world.unit.pk}"') < page.index(f'id="handling-{world.other_unit.pk}"')
    handling = Handling.objects.get(proposal=proposal, unit=world.unit)
    assert handling.due_on.isoformat() in page and handling.assigned_on.isoformat() in page
    assert "Overdue" not in page and "逾期" not in page


def test_an_overdue_unit_is_marked(client, world):
    proposal = in_handling(world)
    Handling.objects.filter(proposal=proposal, unit=world.unit).update(due_on=timezone.localdate() - dt.timedelta(1))
    client.force_login(world.coordinator)
    response = client.get(reverse("proposal-open", args=[proposal.pk]))
    overdue = [item.handling.unit for item in response.context["handlings"] if item.overdue]
    assert overdue == [world.unit]
    assert 'class="handling lead overdue"' in page_of(response)


def test_each_round_shows_its_answer_ratings_and_who_still_rates(client, world):
    proposal = in_handling(world)
    answer(world, proposal, world.unit, answer_class="C", answer="资金不足，暂不能解决。")
    act(world, proposal, "rate", world.cosigners[0], note="答复过于笼统。", unit=world.unit.pk, rating="unsatisfied")
    answer(world, proposal, world.unit, answer_class="A", answer="已安排专项资金。")
    act(world, proposal, "rate", world.lead, unit=world.unit.pk, rating="satisfied")
    client.force_login(world.secretary)
    response = client.get(reverse("proposal-open", args=[proposal.pk]))
    page = page_of(response)
    assert f'id="answer-{world.unit.pk}-1"' in page and f'id="answer-{world.unit.pk}-2"' in page
    assert "资金不足，暂不能解决。" in page and "已安排专项资金。" in page and "答复过于笼统。" in page
    lead_unit = response.context["handlings"][0]
    assert lead_unit.handling.round == 2
    # The lead rated the second answer; the co-signers have still to.
    assert lead_unit.to_rate == world.cosigners
    assert "class-A" in page and "class-C" in page


def test_the_forms_offer_each_action_only_the_units_it_may_name(client, world):
    proposal = bring_to(world, State.HANDLING)
    retired = HandlingUnit.objects.create(name="朔州市已撤销的局", is_active=False)
    client.force_login(world.lead)
    assert offered(client, proposal, "assign_unit", "unit") == [world.other_unit]
    assert retired not in offered(client, proposal, "assign_unit", "unit")
    assert offered(client, proposal, "record_answer", "unit") == [world.unit]

    act(world, proposal, "assign_unit", world.lead, unit=world.other_unit.pk, unit_role="assisting")
    answer(world, proposal, world.unit)
    assert offered(client, proposal, "record_answer", "unit") == [world.other_unit]
    assert offered(client, proposal, "rate", "unit") == [world.unit]
    rate_form = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode().split('id="action-rate"')[1]
    assert f'<option value="{world.unit.pk}" selected>' in rate_form.split("</form>")[0]  # the only one: chosen
    act(world, proposal, "rate", world.lead, unit=world.unit.pk, rating="satisfied")
    assert offered(client, proposal, "rate", "unit") is None  # nothing left for the lead to rate: refused

    client.force_login(world.coordinator)
    assert offered(client, proposal, "extend_answer", "unit") == [world.other_unit]
    act(world, proposal, "extend_answer", world.coordinator, note="需要跨部门协调。", unit=world.other_unit.pk,
        extend_by="1")  # fmt: skip
    assert offered(client, proposal, "extend_answer", "unit") is None


def test_a_unit_chosen_on_the_page_is_assigned(client, world):
    proposal = bring_to(world, State.HANDLING)
    client.force_login(world.secretary)
    response = client.post(reverse("proposal-act", args=[proposal.pk]), {
        "action": "assign_unit", "expected_version": proposal.version, "unit": world.other_unit.pk,
        "unit_role": "assisting",
    })  # fmt: skip
    assert response.status_code == 302
    assert Handling.objects.get(proposal=proposal, unit=world.other_unit).role == "assisting"
    # A unit the form does not offer (it handles the proposal already) is refused on the form.
    response = client.post(reverse("proposal-act", args=[proposal.pk]), {
        "action": "assign_unit", "expected_version": Proposal.objects.get(pk=proposal.pk).version,
        "unit": world.unit.pk, "unit_role": "assisting",
    })  # fmt: skip
    assert response.status_code == 400


def test_carry_forward_offers_the_later_sessions_open_for_drafting(client, world):
    proposal = bring_to(world, State.NOT_REGISTERED)
    later = world.later_session()
    # A county's session, later: a city's proposal is raised again at its level or higher, never lower.
    Session.objects.create(
        body="npc", level="county", region="怀仁市", name="怀仁市第十七届人民代表大会第五次会议",
        opening_date=later.opening_date, closing_date=later.closing_date, submission_deadline=later.submission_deadline,
    )  # fmt: skip
    client.force_login(world.secretary)
    assert offered(client, proposal, "carry_forward", "session") == [later]


def test_the_page_links_a_proposal_raised_again_both_ways(client, world):
    proposal = bring_to(world, State.NOT_REGISTERED)
    fire(world, proposal, "carry_forward", "secretary")
    draft = Proposal.objects.get(carried_from=proposal)
    client.force_login(world.secretary)
    original_page = page_of(client.get(reverse("proposal-open", args=[proposal.pk])))
    assert 'id="raised-again"' in original_page and reverse("proposal-open", args=[draft.pk]) in original_page
    draft_page = page_of(client.get(reverse("proposal-open", args=[draft.pk])))
    assert 'id="raises-again"' in draft_page and reverse("proposal-open", args=[proposal.pk]) in draft_page
    # The later session is used now: nothing left to raise it again at.
    assert offered(client, proposal, "carry_forward", "session") == []


def test_urgency_and_supervision_are_marked_with_the_reason(client, world):
    proposal = bring_to(world, State.SUBMITTED)
    act(world, proposal, "register", world.lead, urgent=True)
    act(world, proposal, "supervise", world.coordinator, note="群众反映强烈，列为重点督办。")
    client.force_login(world.secretary)
    page = page_of(client.get(reverse("proposal-open", args=[proposal.pk])))
    assert 'id="urgent-mark"' in page
    assert 'id="supervision"' in page and "群众反映强烈，列为重点督办。" in page


def test_the_register_form_offers_the_urgent_flag(client, world):
    proposal = bring_to(world, State.SUBMITTED)
    client.force_login(world.lead)
    response = client.post(reverse("proposal-act", args=[proposal.pk]), {
        "action": "register", "expected_version": proposal.version, "urgent": "on",
    })  # fmt: skip
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).urgent


def test_an_answer_letter_is_uploaded_and_linked_under_its_answer(client, world):
    proposal = in_handling(world)
    client.force_login(world.secretary)
    assert page_of(client.get(reverse("proposal-open", args=[proposal.pk]))).count('id="letter-form"') == 0
    answer(world, proposal, world.other_unit)
    response = client.get(reverse("proposal-open", args=[proposal.pk]))
    assert list(response.context["letter_form"].fields["unit"].queryset) == [world.other_unit]
    response = client.post(reverse("proposal-answer-letter", args=[proposal.pk]), {
        "letter-unit": world.other_unit.pk, "letter-description": "市教育局答复函",
        "letter-file": SimpleUploadedFile("答复函.pdf", PDF, content_type="application/pdf"),
    })  # fmt: skip
    assert response.status_code == 302
    letter = Evidence.objects.get(proposal=proposal, answer__isnull=False)
    assert letter.answer.handling.unit == world.other_unit
    page = page_of(client.get(reverse("proposal-open", args=[proposal.pk])))
    answer_part = page[page.index(f'id="answer-{world.other_unit.pk}-1"') :]
    assert reverse("evidence-download", args=[letter.pk]) in answer_part.split("</div>", 2)[1]


def test_a_cosigner_gets_no_answer_letter_form_and_cannot_post_one(client, world):
    proposal = in_handling(world)
    answer(world, proposal, world.unit)
    client.force_login(world.cosigners[0])
    assert client.get(reverse("proposal-open", args=[proposal.pk])).context["letter_form"] is None
    response = client.post(reverse("proposal-answer-letter", args=[proposal.pk]), {
        "letter-unit": world.unit.pk, "letter-file": SimpleUploadedFile("答复函.pdf", PDF),
    })  # fmt: skip
    assert response.status_code == 400
    assert not Evidence.objects.filter(proposal=proposal, answer__isnull=False).exists()


def test_the_admins_form_offers_the_units_that_any_action_possible_now_may_name(world):
    proposal = bring_to(world, State.HANDLING)
    HandlingUnit.objects.create(name="朔州市已撤销的局", is_active=False)
    options = proposal_action_options(user=world.admin, proposal=proposal)
    form = TransitionForm(proposal=proposal, user=world.admin, options=options)
    # assign_unit names the other unit, record_answer and extend_answer the one handling it: one field for all.
    assert set(form.fields["unit"].queryset) == {world.unit, world.other_unit}
