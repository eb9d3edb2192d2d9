"""Withdrawing asks first; a withdrawn proposal can be restored to draft, with a reason, or start a new draft
(#14 item 8)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from proposals import services
from proposals.models import Proposal, Transition
from proposals.workflow import State, TransitionRefused
from tests.proposals.arrange import bring_to, fire

pytestmark = pytest.mark.django_db


def test_a_secretary_restores_a_withdrawn_proposal_to_draft_and_the_log_keeps_why(world):
    proposal = bring_to(world, State.WITHDRAWN)
    fire(world, proposal, "restore", "secretary", note="与市委宣传部的选题不再重复，恢复起草。")
    proposal.refresh_from_db()
    assert proposal.state == State.DRAFT
    restored = Transition.objects.filter(proposal=proposal).latest("pk")
    assert (restored.action, restored.from_state, restored.to_state, restored.actor) == (
        "restore",
        State.WITHDRAWN,
        State.DRAFT,
        world.secretary,
    )
    assert restored.note == "与市委宣传部的选题不再重复，恢复起草。"


def test_restoring_needs_a_reason(world):
    proposal = bring_to(world, State.WITHDRAWN)
    with pytest.raises(Exception) as refused:
        services.transition_apply(proposal_id=proposal.pk, actor=world.secretary, action="restore", note="")
    assert "note" in refused.value.message_dict
    assert Proposal.objects.get(pk=proposal.pk).state == State.WITHDRAWN


@pytest.mark.parametrize("who", ["lead", "other_secretary"])
def test_only_those_who_steer_the_proposal_restore_it(world, who):
    proposal = bring_to(world, State.WITHDRAWN)
    with pytest.raises((PermissionDenied, TransitionRefused)):
        fire(world, proposal, "restore", who)
    assert Proposal.objects.get(pk=proposal.pk).state == State.WITHDRAWN


def test_restore_is_only_for_withdrawn_proposals(world):
    proposal = world.draft()
    with pytest.raises(TransitionRefused):
        fire(world, proposal, "restore", "secretary")


def test_the_page_asks_before_withdrawing_apart_from_the_main_actions(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    html = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    confirm = re.search(r'<details class="confirm-action" id="confirm-withdraw">(.*?)</details>', html, re.S)
    assert confirm, "withdraw should sit in its own confirmation"
    assert 'value="withdraw"' in confirm.group(1)
    assert "恢复为草拟" in confirm.group(1)  # the warning says it can be restored
    main = re.search(r'<div class="action-forms">(.*?)</div>\s*(?:<p class="help">|\{|<)', html, re.S).group(1)
    assert 'value="withdraw"' not in main and 'value="start_research"' in main


def test_a_withdrawn_proposals_page_offers_restore_and_a_new_draft_from_its_text(client, world):
    proposal = bring_to(world, State.WITHDRAWN)
    client.force_login(world.secretary)
    html = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    assert 'value="restore"' in html
    assert f"{reverse('proposal-create')}?from={proposal.pk}" in html


def test_a_new_draft_from_a_withdrawn_proposal_starts_with_its_text(client, world):
    proposal = bring_to(world, State.WITHDRAWN)
    client.force_login(world.secretary)
    html = client.get(reverse("proposal-create"), {"from": proposal.pk}).content.decode()
    assert f'value="{proposal.title}"' in html
    assert proposal.recommendations in html


@pytest.mark.parametrize("source", ["abc", "-1", "99999999999999999999", "１２", ""])
def test_a_new_draft_from_nothing_usable_is_a_blank_draft(client, world, source):
    client.force_login(world.secretary)
    response = client.get(reverse("proposal-create"), {"from": source})
    assert response.status_code == 200
    assert 'name="title"' in response.content.decode()


def test_a_new_draft_never_copies_a_proposal_the_person_may_not_see(client, world):
    hidden = world.draft(author=world.other_secretary, organisation=world.other_branch, title="应县青年就业调研的建议")
    client.force_login(world.secretary)
    html = client.get(reverse("proposal-create"), {"from": hidden.pk}).content.decode()
    assert "应县青年就业调研的建议" not in html
