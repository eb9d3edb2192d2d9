"""A secretary asks her coordinators for delegates; assigning a lead answers the request (#14 item 1)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import DelegateRequest, Reminder, Transition
from proposals.reminders.mails import ReminderItem
from proposals.workflow import DELEGATE_REQUEST_ACTION, State, TransitionRefused
from tests.proposals.arrange import add_evidence, bring_to

pytestmark = pytest.mark.django_db


def _ask(world, proposal, **kwargs):
    return services.delegates_request(proposal_id=proposal.pk, actor=world.secretary, **kwargs)


def test_a_secretary_asks_naming_deputies_and_the_log_says_so(world):
    proposal = world.draft()
    request = _ask(world, proposal, delegates=[world.lead.delegate], note="王代表长期关注青少年心理健康。")
    assert list(request.wanted.all()) == [world.lead.delegate]
    logged = Transition.objects.filter(proposal=proposal, action=DELEGATE_REQUEST_ACTION).get()
    assert logged.actor == world.secretary and "王代表长期关注青少年心理健康。" in logged.note
    assert world.lead.display_name in logged.note


def test_one_open_request_per_proposal(world):
    proposal = world.draft()
    _ask(world, proposal)
    with pytest.raises(TransitionRefused) as refused:
        _ask(world, proposal)
    assert refused.value.code == "delegates_already_requested"
    assert DelegateRequest.objects.count() == 1


def test_assigning_a_lead_answers_the_request_and_a_new_one_may_follow(world):
    proposal = world.draft()
    request = _ask(world, proposal)
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=world.lead.delegate,
                             role="lead")  # fmt: skip
    request.refresh_from_db()
    assert request.answered_at is not None
    _ask(world, proposal, note="还需要两位联名代表。")  # e.g. co-signers for a motion
    assert DelegateRequest.objects.filter(answered_at__isnull=True).count() == 1


def test_a_co_signer_alone_does_not_answer_the_request(world):
    proposal = world.draft()
    request = _ask(world, proposal)
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator,
                             delegate=world.cosigners[0].delegate, role="cosigner")  # fmt: skip
    request.refresh_from_db()
    assert request.answered_at is None


def test_a_delegate_of_the_other_body_is_refused_and_nothing_is_saved(world):
    proposal = world.draft()  # for the congress
    with pytest.raises(ValidationError) as refused:
        _ask(world, proposal, delegates=[world.cppcc_member.delegate])
    assert "delegates" in refused.value.message_dict
    assert not DelegateRequest.objects.exists()


@pytest.mark.parametrize("who", ["lead", "other_secretary"])
def test_only_those_who_steer_the_proposal_ask(world, who):
    proposal = world.draft()
    with pytest.raises(PermissionDenied):
        services.delegates_request(proposal_id=proposal.pk, actor=getattr(world, who))


def test_no_request_after_submission(world):
    proposal = bring_to(world, State.SUBMITTED)
    with pytest.raises(TransitionRefused):
        _ask(world, proposal)


def test_a_long_note_is_refused(world):
    proposal = world.draft()
    with pytest.raises(ValidationError):
        _ask(world, proposal, note="长" * 1001)


def test_the_research_reminder_says_what_is_really_missing(world):
    proposal = world.draft()
    services.transition_apply(proposal_id=proposal.pk, actor=world.secretary, action="start_research")
    reminder = Reminder.objects.filter(proposal=proposal, stage="research").first() or Reminder(
        proposal=proposal, stage="research", kind=Reminder.Kind.BEFORE, due_at=timezone.now()
    )
    before = ReminderItem(reminder, world.secretary, timezone.now()).todo
    assert "调研情况" in before and "佐证材料" in before and "申请指派代表委员" in before
    add_evidence(world, proposal)
    _ask(world, proposal)
    after = ReminderItem(reminder, world.secretary, timezone.now()).todo
    assert "佐证材料" not in after and "已于" in after  # the coordinators were asked on …


def test_the_page_offers_the_request_to_the_secretary_and_shows_it_to_the_coordinator(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    url = reverse("proposal-open", args=[proposal.pk])
    assert 'id="request-form"' in client.get(url).content.decode()
    response = client.post(reverse("proposal-request-delegates", args=[proposal.pk]),
                           {"request-delegates": [world.lead.delegate.pk], "request-note": "请尽快指派。"})  # fmt: skip
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'id="delegate-request"' in page and 'id="request-form"' not in page
    client.force_login(world.coordinator)
    page = client.get(url).content.decode()
    assert 'id="delegate-request"' in page and "请尽快指派。" in page and 'id="assign-form"' in page
    home = client.get(reverse("home")).content.decode()
    assert 'id="worklist-delegate_requests"' in home and f"/p/{proposal.pk}/#assign-form" in home


def test_a_bad_request_form_keeps_the_page_and_saves_nothing(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    response = client.post(reverse("proposal-request-delegates", args=[proposal.pk]),
                           {"request-delegates": ["999999"], "request-note": "x"})  # fmt: skip
    assert response.status_code == 400
    assert not DelegateRequest.objects.exists()
