"""The main pages at phone width (390 px): no page scrolls sideways, the header is one line with a menu, the list
is cards with the state visible, its filters fold away, and the revision comparison stacks (#14 item 13)."""

from __future__ import annotations

import pytest

from proposals import services
from tests.browser.test_secretary_flow import expect, sign_in
from tests.conftest import World

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def test_the_main_pages_fit_a_phone(page, committed_world: World, server_url, shoot):
    world = committed_world
    proposal = world.draft()
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary,
                                  background="朔州市青年就业见习基地覆盖不足，" * 8)  # fmt: skip
    sign_in(page, server_url, "secretary")  # at desktop width, where the sign-out button shows
    page.set_viewport_size(PHONE)
    page.goto(f"{server_url}/")

    # The header: one line, the links behind the menu button.
    toggle = page.locator(".menu-toggle")
    expect(toggle).to_be_visible()
    expect(page.locator("#site-menu")).to_be_hidden()
    top = page.locator(".site-header__top").bounding_box()
    assert top["height"] < 60, f"the header's top row is {top['height']} px high"
    toggle.click()
    expect(page.locator("#site-menu a[href='/proposals/']")).to_be_visible()
    shoot(page, "menu-open")
    _no_sideways_scroll(page)

    # The list: cards, the state beside each title, the filters folded until asked for.
    page.goto(f"{server_url}/proposals/")
    expect(page.locator("#proposal-table thead")).to_have_css("position", "absolute")
    expect(page.locator("#proposal-table .state").first).to_be_visible()
    expect(page.locator("#id_q")).to_be_hidden()
    page.click("#filter-panel summary")
    expect(page.locator("#id_q")).to_be_visible()
    shoot(page, "list")
    _no_sideways_scroll(page)
    # Filters applied stay open.
    page.goto(f"{server_url}/proposals/?state=draft")
    expect(page.locator("#id_q")).to_be_visible()

    # The comparison: the two versions one above the other.
    page.goto(f"{server_url}/proposals/{proposal.pk}/compare/?a=1&b=2")
    old, new = page.locator("table.diff td.old").first, page.locator("table.diff td.new").first
    assert old.bounding_box()["y"] < new.bounding_box()["y"], "the two versions should stack"
    shoot(page, "compare")
    _no_sideways_scroll(page)

    for path in ("/", f"/p/{proposal.pk}/", f"/proposals/{proposal.pk}/edit/", "/proposals/new/", "/preferences/"):
        page.goto(f"{server_url}{path}")
        _no_sideways_scroll(page)
