"""After registration, in Chromium (#15 "What must show"): the secretary records two units' answers, a co-signer
rates one unsatisfied and the unit handles it again with a new due date, the second answer is recorded, every
signer rates, and the proposal is closed (办结). Then the directory of handling units, at desktop and phone width."""

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from proposals import services
from proposals.models import Handling, Proposal
from proposals.workflow import State
from tests.browser.test_phone_width import PHONE, _no_sideways_scroll
from tests.browser.test_secretary_flow import expect, sign_in, submit
from tests.conftest import World
from tests.proposals.arrange import bring_to

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def record_answer(page, unit, text: str, answer_class: str, method: str = "writing") -> None:
    form = page.locator("#action-record_answer")
    form.locator("select[name=unit]").select_option(str(unit.pk))
    form.locator("textarea[name=answer]").fill(text)
    form.locator("select[name=answer_class]").select_option(answer_class)
    form.locator("select[name=answer_method]").select_option(method)
    submit(page, "#action-record_answer button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("答复")


def rate(page, unit_pk: int, rating: str, comment: str = "") -> None:
    form = page.locator("#action-rate")
    form.locator("select[name=unit]").select_option(str(unit_pk))
    form.locator("select[name=rating]").select_option(rating)
    if comment:
        form.locator("textarea[name=note]").fill(comment)
    submit(page, "#action-rate button[type=submit]")


def rate_everything_waiting(page, server_url: str, pk: int, username: str) -> int:
    """Sign in as a signer and rate, satisfied, every answer the rating form offers; how many were rated."""
    sign_in(page, server_url, username)
    page.goto(f"{server_url}/p/{pk}/")
    rated = 0
    while page.locator("#action-rate").count():
        unit_pk = page.locator("#action-rate select[name=unit] option:not([value=''])").first.get_attribute("value")
        rate(page, int(unit_pk), "satisfied")
        rated += 1
    page.context.clear_cookies()
    return rated


def test_two_answers_an_unsatisfied_rating_a_second_answer_and_closure(open_page, committed_world: World,
                                                                      server_url, shoot):  # fmt: skip
    world = committed_world
    proposal = bring_to(world, State.HANDLING)  # world.unit leads
    services.transition_apply(proposal_id=proposal.pk, actor=world.lead, action="assign_unit",
                              inputs={"unit": world.other_unit.pk, "unit_role": "assisting"})  # fmt: skip
    url = f"{server_url}/p/{proposal.pk}/"

    secretary = open_page("secretary")
    sign_in(secretary, server_url, "secretary")
    secretary.goto(url)
    record_answer(secretary, world.unit, "已将青少年心理健康服务纳入明年民生实事，正在筹备。", "B")
    record_answer(secretary, world.other_unit, "已为全市中小学配齐专职心理健康教师。", "A", method="in_person")
    expect(secretary.locator("#proposal-state")).to_have_text("已答复")
    expect(secretary.locator(f"#answer-{world.unit.pk}-1")).to_contain_text("正在筹备")

    # A co-signer is not satisfied with the lead unit's answer: it handles the proposal again, due a month on.
    cosigner = open_page("cosigner")
    sign_in(cosigner, server_url, "cosigner-0")
    cosigner.goto(url)
    rate(cosigner, world.unit.pk, "unsatisfied", "只有计划，没有时间表。")
    lead_unit = cosigner.locator(f"#handling-{world.unit.pk}")
    due = timezone.localdate() + relativedelta(months=proposal.session.second_round_months)
    expect(lead_unit.locator(".due")).to_contain_text(due.isoformat())
    expect(lead_unit.locator(".round")).not_to_have_text("")
    expect(lead_unit).to_have_attribute("data-status", "open")
    expect(lead_unit.locator(".ratings")).to_contain_text("只有计划，没有时间表。")
    assert Proposal.objects.get(pk=proposal.pk).state == State.HANDLING
    assert Handling.objects.get(proposal=proposal, unit=world.unit).round == 2
    shoot(cosigner, "sent-back")

    # The second answer.
    secretary.goto(url)
    record_answer(secretary, world.unit, "已印发实施方案，明年6月前建成市级青少年心理服务中心。", "A")
    expect(secretary.locator(f"#answer-{world.unit.pk}-2")).to_contain_text("实施方案")

    # Every signer rates what waits for them: the lead and three co-signers.
    cosigner.context.clear_cookies()
    rated = sum(
        rate_everything_waiting(cosigner, server_url, proposal.pk, username)
        for username in ("cosigner-0", "cosigner-1", "cosigner-2", "lead")
    )
    assert rated == 2 * 4  # the other unit's first answer and the lead unit's second, by each of the four

    secretary.goto(url)
    expect(secretary.locator("#proposal-state")).to_have_text("办结")
    assert Proposal.objects.get(pk=proposal.pk).state == State.CLOSED
    expect(secretary.locator(".to-rate")).to_have_count(0)
    secretary.locator("#handling").scroll_into_view_if_needed()
    shoot(secretary, "closed-desktop")
    secretary.set_viewport_size(PHONE)
    _no_sideways_scroll(secretary)
    shoot(secretary, "closed-phone")


def test_a_coordinator_keeps_the_directory_at_desktop_and_phone_width(page, committed_world: World, server_url,
                                                                      shoot):  # fmt: skip
    sign_in(page, server_url, "coord-county")
    page.click("#site-menu a[href='/handling-units/']")
    expect(page.locator("#unit-list")).to_contain_text(committed_world.unit.name)
    page.click("#new-unit")
    page.fill("#id_name", "朔州市卫生健康委员会")
    page.fill("#id_short_name", "市卫健委")
    page.fill("#id_contact_person", "李主任")
    submit(page, "#unit-form button[name=save]")
    expect(page.locator("#unit-list")).to_contain_text("朔州市卫生健康委员会")
    submit(page, f"#unit-{committed_world.other_unit.pk} .deactivate-form button")
    expect(page.locator(f"#unit-{committed_world.other_unit.pk}")).to_have_class("unit-item unit-item--inactive")
    shoot(page, "directory-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    _no_sideways_scroll(page)
    shoot(page, "directory-phone")
