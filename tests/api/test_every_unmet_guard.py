"""An action's every unmet condition at once, not only the first: in the API's allowed_actions and as the
proposal page's checklist (#14 item 2)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from proposals import services
from proposals.workflow import State
from tests.api.conftest import client_for
from tests.proposals.arrange import add_evidence, bring_to

pytestmark = pytest.mark.django_db

START_CONSULTATION_GUARDS = ["research_summary_missing", "evidence_missing", "lead_delegate_missing"]


def _research_without_anything(world):
    proposal = world.draft()
    services.transition_apply(proposal_id=proposal.pk, actor=world.secretary, action="start_research")
    return proposal


def _option(client, proposal, action):
    detail = client.get(f"/api/v1/proposals/{proposal.pk}/").json()
    return next(option for option in detail["allowed_actions"] if option["action"] == action)


def test_the_api_lists_every_failing_guard_with_its_code_and_reason(world):
    proposal = _research_without_anything(world)
    option = _option(client_for(world.secretary), proposal, "start_consultation")
    assert option["allowed"] is False
    assert [unmet["code"] for unmet in option["unmet"]] == START_CONSULTATION_GUARDS
    assert all(unmet["reason"] for unmet in option["unmet"])
    assert option["code"] == START_CONSULTATION_GUARDS[0]  # the first, as before
    assert [(check["code"], check["met"]) for check in option["checklist"]] == [
        (code, False) for code in START_CONSULTATION_GUARDS
    ]


def test_what_is_done_leaves_the_unmet_list_and_shows_as_met(world):
    proposal = _research_without_anything(world)
    add_evidence(world, proposal)
    option = _option(client_for(world.secretary), proposal, "start_consultation")
    assert [unmet["code"] for unmet in option["unmet"]] == ["research_summary_missing", "lead_delegate_missing"]
    evidence = next(check for check in option["checklist"] if check["code"] == "evidence_missing")
    assert evidence["met"] is True and evidence["reason"] is None and evidence["label"]


def test_an_allowed_action_has_no_unmet_guard_and_every_check_met(world):
    proposal = bring_to(world, State.RESEARCH)
    option = _option(client_for(world.secretary), proposal, "start_consultation")
    assert option["allowed"] is True and option["unmet"] == []
    assert all(check["met"] for check in option["checklist"])


def test_the_page_shows_the_checklist_with_what_is_done(client, world):
    proposal = _research_without_anything(world)
    add_evidence(world, proposal)
    client.force_login(world.secretary)
    html = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    item = re.search(r'<li class="refused" data-action="start_consultation">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'<li class="(met|unmet)" data-guard="([a-z_]+)"', item) == [
        ("unmet", "research_summary_missing"), ("met", "evidence_missing"), ("unmet", "lead_delegate_missing"),
    ]  # fmt: skip
    assert "已上传佐证材料" in item  # what is done, said as done
