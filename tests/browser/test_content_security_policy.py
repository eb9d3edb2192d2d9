"""Every page works in Chromium under the site's Content-Security-Policy, with no violation: the web UI of a
secretary and a coordinator, the sign-in and its lockout, the admin, the browsable API and the API's docs.

Chromium reports each violation both as a console error (which tests/browser/conftest.py fails the test on) and
as a `securitypolicyviolation` event, which the page records here and the test reads after each page.
"""

from __future__ import annotations

import pytest

from proposals import services
from proposals.models import Proposal
from tests.browser.test_secretary_flow import expect, sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ` +
                              `${event.sourceFile}:${event.lineNumber}`);
});
"""


def watched_page(open_page, name: str):
    page = open_page(name)
    # Playwright's init scripts are not subject to the page's policy; this one runs before the page's own.
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def visit(page, url: str, ready: str = "main", allowed: list[str] = ()):
    """Open url, wait until `ready` is visible and the page is idle; fail on any CSP violation it caused but the
    `allowed` ones."""
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    violations = [violation for violation in page.evaluate("window.__cspViolations") if violation not in allowed]
    assert violations == [], f"{url}: {violations}"


def a_proposal_with_history(world: World) -> Proposal:
    proposal = world.draft()
    return services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary,
                                         background="全市中小学心理健康教师配备严重不足。")  # fmt: skip


def test_the_web_ui_runs_under_the_policy(open_page, committed_world: World, server_url):
    world = committed_world
    proposal = a_proposal_with_history(world)
    pages = {
        "secretary": ["/", "/proposals/", "/proposals/new/", f"/p/{proposal.pk}/", f"/proposals/{proposal.pk}/edit/",
                      f"/proposals/{proposal.pk}/compare/?from=1&to=2", "/preferences/", "/exports/"],
        "coord-city": ["/", "/statistics/", "/statistics/year/", f"/p/{proposal.pk}/"],
    }  # fmt: skip
    for username, urls in pages.items():
        page = watched_page(open_page, username)
        sign_in(page, server_url, username)
        for url in urls:
            visit(page, server_url + url)
            if url.startswith("/statistics/"):
                # The bars are drawn at their width without a style attribute: one proposal, a full bar.
                widest = page.eval_on_selector_all("svg.bar", "bars => Math.max(...bars.map(b => b.clientWidth))")
                assert widest > 50, url


def test_the_sign_in_and_its_lockout_run_under_the_policy(open_page, committed_world, server_url):
    page = watched_page(open_page, "guesser")
    visit(page, f"{server_url}/login/", "form")
    # The lockout answers 429; Chromium logs the status of the page itself as a failed resource.
    page.watched.expected_failures.add(f"{server_url}/login/")
    for attempt in range(5):
        page.fill("#id_username", "lead")
        page.fill("#id_password", f"guess-{attempt}")
        page.locator("form:has(#id_username) button[type=submit]").click()
        page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("登录失败次数过多")
    assert page.evaluate("window.__cspViolations") == []


def test_the_admin_runs_under_the_policy(open_page, committed_world: World, server_url):
    world = committed_world
    proposal = world.draft()
    page = watched_page(open_page, "operator")
    page.goto(f"{server_url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-admin")
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    proposal_admin, user_admin = "/admin/proposals/proposal/", "/admin/proposals/user/"
    for url in ["/admin/", proposal_admin, f"{proposal_admin}{proposal.pk}/change/",
                f"{proposal_admin}{proposal.pk}/workflow/", user_admin, f"{user_admin}add/",
                f"{user_admin}{world.lead.pk}/change/", f"{user_admin}{world.lead.pk}/password/",
                "/admin/axes/accessattempt/", "/admin/axes/accesslog/", "/admin/axes/accessfailurelog/"]:  # fmt: skip
        visit(page, server_url + url, "#content")
    # The admin's scripts run: the changelist's "select all" box ticks every row.
    page.goto(f"{server_url}/admin/proposals/user/")
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    assert page.evaluate("window.__cspViolations") == []


def test_the_browsable_api_runs_under_the_policy(open_page, committed_world: World, server_url):
    proposal = committed_world.draft()
    page = watched_page(open_page, "browsable")
    sign_in(page, server_url, "secretary")
    for url in ["/api/v1/proposals/", f"/api/v1/proposals/{proposal.pk}/", "/api/v1/me/"]:
        visit(page, server_url + url, ".response-info")
    # Its scripts run: the format menu (bootstrap.js) opens.
    page.goto(f"{server_url}/api/v1/proposals/")
    page.locator(".format-selection .dropdown-toggle").click()
    expect(page.locator(".format-selection .dropdown-menu")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []


def test_the_api_docs_render_their_operations_under_the_policy(open_page, db, server_url):
    page = watched_page(open_page, "docs")
    visit(page, f"{server_url}/api/v1/docs/", ".swagger-ui .opblock")
    # Swagger UI rendered the schema: an operation of every tag, one of them opened.
    assert page.locator(".opblock").count() > 20
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []

    redoc = watched_page(open_page, "redoc")
    visit(redoc, f"{server_url}/api/v1/redoc/", "[data-section-id^='tag/']")
    expect(redoc.locator("h2", has_text="Get a token").first).to_be_attached()
    # Its bundle, from the page's own URL, asks for no logo from its maker's host (api/docs.py): no violation, and
    # the fixture fails a page that made a request to any host but the server.
    assert redoc.evaluate("window.__cspViolations") == []
