"""The inbox's unread count moving, in Chromium: a coordinator assigns a delegate in one browser, the secretary sees
the count rise in another, opens the notice (the count falls), and the page fits a phone's width."""

from __future__ import annotations

import pytest

from tests.browser.test_secretary_flow import expect, sign_in, submit
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_unread_count_moves_when_a_coordinator_assigns_a_delegate(open_page, committed_world: World, server_url,
                                                                        shoot):  # fmt: skip
    world = committed_world
    proposal = world.draft(title="关于加强农村青少年心理健康服务的建议")
    secretary = open_page("secretary")
    sign_in(secretary, server_url, "secretary")
    expect(secretary.locator("#inbox-link")).to_be_visible()
    expect(secretary.locator("#unread-count")).to_have_count(0)

    coordinator = open_page("coordinator")
    sign_in(coordinator, server_url, "coord-county")
    coordinator.goto(f"{server_url}/p/{proposal.pk}/")
    coordinator.select_option("#id_assign-delegate", str(world.lead.delegate.pk))
    coordinator.select_option("#id_assign-role", "lead")
    submit(coordinator, "button[name=assign]")
    expect(coordinator.locator("#timeline")).to_contain_text("指定代表")

    secretary.reload()
    expect(secretary.locator("#unread-count")).to_have_text("1")
    secretary.set_viewport_size({"width": 390, "height": 844})
    secretary.goto(f"{server_url}/inbox/")
    item = secretary.locator(".inbox-item--unread")
    expect(item).to_contain_text(f"为“{proposal.title}”的领衔代表")
    assert secretary.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"
    expect(secretary.locator("#menu-unread-count")).to_have_text("1")  # the menu folds the nav away on a phone
    expect(secretary.locator("#menu-unread-count")).to_be_visible()
    shoot(secretary, "inbox-390px")

    with secretary.expect_navigation():
        item.locator("a").first.click()
    assert secretary.url == f"{server_url}/p/{proposal.pk}/"
    expect(secretary.locator("#unread-count")).to_have_count(0)
    expect(secretary.locator("#menu-unread-count")).to_have_count(0)
    secretary.goto(f"{server_url}/inbox/")
    expect(secretary.locator(".inbox-item--unread")).to_have_count(0)
