"""A young person's need from the public page to a proposal (#16), in Chromium at phone width (390 px): submitted
without signing in, then accepted under a theme by the organisation's secretary and linked to a proposal, whose
page then shows it. The screenshots of docs/ (needs-public-phone.png, needs-triage.png) come from this test, run
with DOCS_SCREENSHOTS=1 (otherwise they stay in test-artifacts/screenshots/, leaving docs/ alone)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from proposals.models import Need
from tests.browser.test_secretary_flow import expect, sign_in, submit
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DOCS = Path(__file__).resolve().parents[2] / "docs"


def _to_docs(picture: Path, name: str) -> None:
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(picture, DOCS / name)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def test_a_need_sent_on_a_phone_is_accepted_linked_and_shown_on_the_proposal(
    open_page, committed_world: World, server_url, shoot
):
    world = committed_world
    proposal = world.draft(title="关于完善暑期青少年托管服务的建议")

    # The young person: no account, a phone, the page the QR code leads to.
    young = open_page("young")
    young.set_viewport_size(PHONE)
    young.goto(f"{server_url}/voice/{world.branch.pk}/")
    expect(young.locator("form.signout")).to_have_count(0)
    expect(young.locator("#id_website")).to_be_hidden()  # the honeypot no person sees
    young.fill("#id_summary", "希望社区开设暑期托管班")
    young.fill("#id_details", "父母都上班，暑假孩子一个人在家，希望社区能开设托管班。")
    young.select_option("#id_topic", "child_care")
    young.select_option("#id_county", str(world.county.pk))
    young.select_option("#id_age_group", "25_35")
    young.select_option("#id_group", "young_workers")
    young.fill("#id_contact_email", "parent@example.org")
    young.check("#id_contact_consent")
    young.check("#id_wants_reply")
    _fits(young)
    _to_docs(shoot(young, "public"), "needs-public-phone.png")
    submit(young, "#need-public-form button[name=send]")
    expect(young.locator("#need-thanks")).to_contain_text(world.branch.name)
    _fits(young)
    need = Need.objects.get()
    assert (need.channel, need.recorded_by, need.wants_reply) == ("online", None, True)

    # The secretary, on a phone too: the list, the need with its contact, accept, link.
    page = open_page("secretary")
    sign_in(page, server_url, "secretary")
    page.set_viewport_size(PHONE)
    page.goto(f"{server_url}/needs/")
    expect(page.locator(f"#need-{need.pk}")).to_contain_text("希望社区开设暑期托管班")
    _fits(page)
    page.click(f"#need-{need.pk} a")
    expect(page.locator("#need-contact")).to_contain_text("parent@example.org")
    page.fill("#id_accept-theme", "暑期托管服务")
    submit(page, "#accept-form button[type=submit]")
    expect(page.locator("#need-theme")).to_have_text("暑期托管服务")
    page.select_option("#id_link-proposal", str(proposal.pk))
    submit(page, "#link-form button[type=submit]")
    expect(page.locator(f"#outcome-{proposal.pk}")).to_contain_text(proposal.title)
    _fits(page)
    _to_docs(shoot(page, "triage"), "needs-triage.png")

    # The proposal's page carries it, without the contact.
    page.click(f"#outcome-{proposal.pk} h3 a")
    carried = page.locator(f"#carried-need-{need.pk}")
    expect(carried).to_contain_text("希望社区开设暑期托管班")
    expect(carried).to_contain_text("暑期托管服务")
    expect(page.locator("#needs")).not_to_contain_text("parent@example.org")
    _fits(page)

    # The QR code to print: drawn in the page (no outside service), leading to the public page.
    page.goto(f"{server_url}/needs/codes/{world.branch.pk}/")
    expect(page.locator("#qr-code svg")).to_be_visible()
    expect(page.locator(".qr-sheet__url")).to_have_text(f"{server_url}/voice/{world.branch.pk}/")
    box = page.locator("#qr-code svg").bounding_box()
    assert box["width"] >= 200, f"the QR code is {box['width']} px wide"
    _fits(page)
    shoot(page, "qr")
