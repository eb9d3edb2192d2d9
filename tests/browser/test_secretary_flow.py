"""A secretary's proposal from the first draft to the frozen text, in Chromium, as people click through it.

Written against the element contract the web UI's pages follow (ids, names and classes below). Every page the
tests open must render without console errors and load nothing from any host but the server (tests/browser/
conftest.py fails the test otherwise).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from proposals import services
from proposals.models import Assignment, Proposal
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CSV = "学校,心理健康教师,在校学生\n怀仁市第一中学,1,2300\n怀仁市第二中学,0,1800\n".encode()
PROPOSAL_URL = re.compile(r"/p/(\d+)/$")


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def submit(page, selector: str):
    """Click a button that posts a form, wait until the answer (usually a redirect) has loaded, return it."""
    with page.expect_navigation() as navigation:
        page.locator(selector).click()
    return navigation.value


def api_call(server_url: str, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    """A JSON request to the live server's API, as a delegate's client makes it: (status, body, ETag)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server_url + path, data=data, method=method, headers={
        "Content-Type": "application/json", "Accept": "application/json", **(headers or {})})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), response.headers.get("ETag")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), None


def sign_in(page, server_url: str, username: str) -> None:
    page.goto(f"{server_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    # The sign-in form's own button: the header's language switch has submit buttons too.
    submit(page, "form:has(#id_username) button[type=submit]")
    expect(page.locator("form.signout button")).to_be_visible()


def choose(page, selector: str, value: str) -> None:
    """Pick a value in a select, unless the page fixed it already (a secretary's only organisation, say)."""
    field = page.locator(selector)
    if field.evaluate("e => e.tagName") == "SELECT" and field.is_enabled():
        field.select_option(value)
    else:
        assert field.input_value() == value, f"{selector} is fixed to {field.input_value()!r}, expected {value!r}"


def action_button(page, action: str):
    return page.locator(f"button[name=action][value={action}]")


def refused(page, action: str):
    return page.locator(f"li.refused[data-action={action}]")


def fire(page, action: str, note: str | None = None) -> None:
    if note is not None:
        page.fill(f"textarea#id_note-{action}", note)
    submit(page, f"button[name=action][value={action}]")


def test_a_secretary_takes_a_draft_to_the_final_text(page, open_page, committed_world: World, server_url, shoot):
    world = committed_world
    sign_in(page, server_url, "secretary")
    shoot(page, "01-home")

    # The draft, written on /proposals/new/.
    page.goto(f"{server_url}/proposals/new/")
    page.fill("#id_title", "关于加强农村青少年心理健康服务的建议")
    # The session first: the kinds offered are those its body takes.
    choose(page, "#id_session", str(world.npc_session.pk))
    choose(page, "#id_kind", Proposal.Kind.SUGGESTION)
    choose(page, "#id_topic", Proposal.Topic.MENTAL_HEALTH)
    choose(page, "#id_organisation", str(world.branch.pk))
    page.fill("#id_background", "怀仁市农村中小学心理健康教师配备不足，留守儿童心理问题突出。")
    page.fill("#id_recommendations", "一、按师生比配齐心理健康教师；二、建立家校社协同的心理服务网络。")
    shoot(page, "02-create")
    submit(page, "button[name=save]")
    match = PROPOSAL_URL.search(page.url)
    assert match, f"saving the draft should lead to its page /p/<pk>/, not {page.url}"
    pk = int(match.group(1))
    proposal = Proposal.objects.get(pk=pk)
    assert (proposal.author, proposal.organisation, proposal.state) == (world.secretary, world.branch, "draft")
    expect(page.locator(".state")).to_have_text("草拟")
    shoot(page, "03-draft")

    # Evidence: a small survey as CSV.
    page.set_input_files("input#id_file", files=[{"name": "走访统计.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.fill("#id_description", "35所中小学走访统计")
    submit(page, "button[name=upload]")
    expect(page.locator("main")).to_contain_text("走访统计.csv")
    assert proposal.evidence.get().original_name == "走访统计.csv"

    fire(page, "start_research")
    expect(page.locator(".state")).to_have_text("调研")
    # Consultation waits for the research summary and the lead delegate: the page says so.
    expect(refused(page, "start_consultation")).to_contain_text("填写调研情况后，调研才能结束。")

    # The research summary, written on the edit page.
    page.goto(f"{server_url}/proposals/{pk}/edit/")
    page.fill("#id_research_findings", "走访35所中小学，心理健康教师缺口42人；问卷1200份。")
    shoot(page, "04-edit")
    submit(page, "button[name=save]")
    proposal.refresh_from_db()
    assert proposal.research_findings.startswith("走访35所中小学")

    # A coordinator assigns the lead delegate (their page for it is not part of this flow).
    services.delegate_assign(
        proposal_id=pk, actor=world.coordinator, delegate=world.lead.delegate, role=Assignment.Role.LEAD
    )

    page.goto(f"{server_url}/p/{pk}/")
    fire(page, "start_consultation")
    expect(page.locator(".state")).to_have_text("协商")
    expect(refused(page, "finalise")).to_contain_text("领衔代表尚未认可")
    expect(action_button(page, "finalise")).to_have_count(0)
    shoot(page, "05-consultation")

    # The lead delegate endorses through the REST API, as their office's client would.
    token = api_call(server_url, "POST", "/api/v1/auth/token/", {"username": "lead", "password": "pw-lead"})[1]
    headers = {"Authorization": f"Token {token['token']}"}
    status, detail, etag = api_call(server_url, "GET", f"/api/v1/proposals/{pk}/", headers=headers)
    assert status == 200 and {"action": "endorse", "allowed": True} in [
        {"action": option["action"], "allowed": option["allowed"]} for option in detail["allowed_actions"]
    ]
    status, endorsed, _etag = api_call(
        server_url, "POST", f"/api/v1/proposals/{pk}/transitions/", {"action": "endorse", "note": "同意，可以定稿。"},
        headers=headers | {"If-Match": etag},
    )  # fmt: skip
    assert status == 200, endorsed
    assert proposal.lead_assignment().endorsed_revision == Proposal.objects.get(pk=pk).revision_number

    # The secretary sees the endorsement: finalise is a button now, and finalises.
    page.reload()
    expect(refused(page, "finalise")).to_have_count(0)
    expect(action_button(page, "finalise")).to_be_visible()
    fire(page, "finalise")
    expect(page.locator(".state")).to_have_text("定稿")
    shoot(page, "07-ready")
    assert Proposal.objects.get(pk=pk).state == "ready"

    # A secretary of another organisation does not learn that the proposal exists.
    outsider = open_page("other-secretary")
    sign_in(outsider, server_url, "secretary-other")
    url = f"{server_url}/p/{pk}/"
    outsider.watched.expected_failures.add(url)
    response = outsider.goto(url)
    assert response.status == 404


def test_the_draft_form_offers_the_kinds_of_the_chosen_sessions_body(page, committed_world, server_url):
    world = committed_world
    sign_in(page, server_url, "secretary")
    page.goto(f"{server_url}/proposals/new/")
    kind = page.locator("#id_kind")
    enabled = "el => Array.from(el.options).filter(o => !o.disabled).map(o => o.value)"
    # The first session offered is the CPPCC's (its deadline comes first): a CPPCC proposal, nothing else.
    expect(page.locator("#id_session")).to_have_value(str(world.cppcc_session.pk))
    assert kind.evaluate(enabled) == [Proposal.Kind.CPPCC_PROPOSAL]
    expect(kind).to_have_value(Proposal.Kind.CPPCC_PROPOSAL)
    choose(page, "#id_session", str(world.npc_session.pk))
    assert kind.evaluate(enabled) == [Proposal.Kind.MOTION, Proposal.Kind.SUGGESTION]
    expect(kind).to_have_value(Proposal.Kind.SUGGESTION)  # not a motion, which needs co-signers


def test_withdrawing_asks_first_and_a_withdrawn_draft_is_restored(page, committed_world, server_url, shoot):
    proposal = committed_world.draft()
    sign_in(page, server_url, "secretary")
    page.goto(f"{server_url}/p/{proposal.pk}/")
    withdraw = page.locator("#confirm-withdraw button[value=withdraw]")
    expect(withdraw).to_be_hidden()  # behind its own disclosure, not beside the main actions
    page.click("#confirm-withdraw summary")
    page.fill("#id_note-withdraw", "与团市委宣传部的选题重复。")
    shoot(page, "withdraw-confirm")
    submit(page, "#confirm-withdraw button[value=withdraw]")
    expect(page.locator(".state")).to_have_text("已撤回")
    page.fill("#id_note-restore", "宣传部已调整选题，恢复起草。")
    submit(page, "button[value=restore]")
    expect(page.locator(".state")).to_have_text("草拟")
    shoot(page, "restored")
    assert Proposal.objects.get(pk=proposal.pk).state == "draft"


def test_two_tabs_editing_the_same_draft_keep_both_edits(page, open_page, committed_world, server_url, shoot):
    world = committed_world
    proposal = world.draft()
    sign_in(page, server_url, "secretary")
    second = open_page("second-tab", context=page.context)
    edit_url = f"{server_url}/proposals/{proposal.pk}/edit/"
    page.goto(edit_url)
    second.goto(edit_url)

    # Different fields: the later save merges, the earlier edit stays.
    page.fill("#id_title", "关于加强农村青少年心理健康服务的建议")
    submit(page, "button[name=save]")
    second.fill("#id_background", "第二个标签页的背景：全市心理健康教师缺口42人。")
    submit(second, "button[name=save]")
    expect(second.locator("main")).to_contain_text("关于加强农村青少年心理健康服务的建议")
    expect(second.locator("main")).to_contain_text("全市心理健康教师缺口42人")

    # The same field, changed differently in both tabs: shown side by side, the editor chooses.
    page.goto(edit_url)
    second.goto(edit_url)
    page.fill("#id_recommendations", "第一个标签页的建议。")
    submit(page, "button[name=save]")
    second.fill("#id_recommendations", "第二个标签页的建议。")
    # The conflict answers 409 Conflict, which Chromium logs as a failed load: expected here.
    second.watched.expected_failures.add(edit_url)
    response = submit(second, "button[name=save]")
    assert response.status == 409
    expect(second.locator("#conflict-recommendations")).to_contain_text("第一个标签页的建议。")
    expect(second.locator("#id_recommendations")).to_have_value("第二个标签页的建议。")  # nothing typed is lost
    shoot(second, "conflict")
    second.check("#conflict-recommendations input[value=theirs]")
    submit(second, "button[name=save]")
    proposal.refresh_from_db()
    assert proposal.recommendations == "第一个标签页的建议。"
    assert proposal.title == "关于加强农村青少年心理健康服务的建议"
    assert proposal.background == "第二个标签页的背景：全市心理健康教师缺口42人。"


def test_the_chosen_language_survives_a_reload_and_signing_in_again(page, committed_world, server_url, shoot):
    sign_in(page, server_url, "secretary")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    submit(page, "form.language-switch button[name=language][value=en]")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("form.signout button")).to_have_text("Sign out")
    shoot(page, "english")

    page.reload()
    expect(html).to_have_attribute("lang", "en")

    submit(page, "form.signout button")
    sign_in(page, server_url, "secretary")
    expect(html).to_have_attribute("lang", "en")

    submit(page, "form.language-switch button[name=language][value=zh-hans]")
    expect(html).to_have_attribute("lang", "zh-hans")


def test_every_main_page_renders_without_errors(page, committed_world, server_url, shoot):
    """Console errors and requests elsewhere fail the test in the page fixture; this visits each main page."""
    world = committed_world
    proposal = world.draft()
    page.goto(f"{server_url}/login/")
    shoot(page, "login")
    sign_in(page, server_url, "secretary")
    for step, path in [
        ("home", "/"),
        ("list", "/proposals/"),
        ("create", "/proposals/new/"),
        ("edit", f"/proposals/{proposal.pk}/edit/"),
        ("proposal", f"/p/{proposal.pk}/"),
        # The API's interactive docs: Swagger UI from the project's own static files, the schema from the server.
        ("api-docs", "/api/v1/docs/"),
    ]:
        response = page.goto(server_url + path)
        assert response.status == 200, f"{path} answered {response.status}"
        # The style sheet loaded and applies (a page without its CSS would still render).
        assert page.evaluate("() => [...document.styleSheets].some(s => s.href && s.cssRules.length > 0)"), path
        if step == "api-docs":
            expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        shoot(page, step)
