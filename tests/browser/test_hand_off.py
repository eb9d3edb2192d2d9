"""The hand-off from a new draft to consultation, with a secretary and a coordinator each in their own browser
(#14 "What must show"): she drafts, researches and asks for delegates; he sees the request on his dashboard and
assigns; she sees the checklist complete and starts the consultation."""

from __future__ import annotations

import pytest

from proposals.models import Proposal
from tests.browser.test_secretary_flow import CSV, PROPOSAL_URL, choose, expect, sign_in, submit
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_secretary_asks_a_coordinator_assigns_and_consultation_starts(open_page, committed_world: World,
                                                                        server_url, shoot):  # fmt: skip
    world = committed_world
    secretary = open_page("secretary")
    coordinator = open_page("coordinator")  # a second browser: his own cookies
    sign_in(secretary, server_url, "secretary")
    sign_in(coordinator, server_url, "coord-county")

    secretary.goto(f"{server_url}/proposals/new/")
    choose(secretary, "#id_session", str(world.npc_session.pk))
    secretary.fill("#id_title", "关于在陶瓷e镇建设青年人才公寓的建议")
    secretary.fill("#id_background", "陶瓷e镇引进青年人才住房难。")
    submit(secretary, "button[name=save]")
    pk = int(PROPOSAL_URL.search(secretary.url).group(1))
    submit(secretary, "button[value=start_research]")

    # Research: the checklist says everything the consultation still needs, at once.
    checklist = secretary.locator('li[data-action="start_consultation"] .checklist li')
    expect(checklist).to_have_count(3)
    expect(secretary.locator('li[data-guard="lead_delegate_missing"]')).to_have_class("unmet")
    secretary.set_input_files("input#id_file", files=[{"name": "走访统计.csv", "mimeType": "text/csv", "buffer": CSV}])
    submit(secretary, "#evidence-form button[type=submit]")
    expect(secretary.locator('li[data-guard="evidence_missing"]')).to_have_class("met")
    shoot(secretary, "checklist")

    # She asks for delegates, naming the deputy she has in mind.
    secretary.check(f"#request-form input[value='{world.lead.delegate.pk}']")
    secretary.fill("#id_request-note", "刘代表长期关注青年住房问题。")
    submit(secretary, "#request-form button[name=request]")
    expect(secretary.locator("#delegate-request")).to_be_visible()

    # He sees it on his dashboard, follows the link, and assigns the lead delegate.
    coordinator.goto(f"{server_url}/")
    request_list = coordinator.locator("#worklist-delegate_requests")
    expect(request_list).to_contain_text("关于在陶瓷e镇建设青年人才公寓的建议")
    shoot(coordinator, "dashboard")
    request_list.locator(f"a[href='/p/{pk}/#assign-form']").click()
    expect(coordinator.locator("#delegate-request")).to_contain_text("刘代表长期关注青年住房问题。")
    choose(coordinator, "#id_assign-delegate", str(world.lead.delegate.pk))
    choose(coordinator, "#id_assign-role", "lead")
    submit(coordinator, "#assign-form button[name=assign]")
    coordinator.goto(f"{server_url}/")
    expect(coordinator.locator("#worklist-delegate_requests")).to_have_count(0)  # answered

    # Back with her: the research summary, then the consultation starts.
    secretary.goto(f"{server_url}/proposals/{pk}/edit/")
    secretary.fill("#id_research_findings", "走访引进人才42名，其中31人租房居住。")
    submit(secretary, "button[name=save]")
    submit(secretary, "button[value=start_consultation]")
    expect(secretary.locator(".state")).to_have_text("协商")
    assert Proposal.objects.get(pk=pk).state == "consultation"
