"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

- `browser` (one for all tests of this package) is /usr/bin/chromium started by Playwright; no browser is ever
  downloaded.
- `open_page` opens a page in a fresh context (locale zh-CN, so the site answers in Chinese); `page` is the first
  one. Every page records each request it makes and each console error and uncaught exception. At teardown the
  test FAILS when any request went to a host other than the live server (no page may load anything from
  elsewhere: fonts, scripts, analytics) or when any page logged an error.
- `shoot(page, step)` writes test-artifacts/screenshots/<test>-<step>.png; a failing test gets a
  <test>-failure.png of each page it had open.

Without Chromium or Playwright the tests are skipped outside CI and fail in CI (CI=true), like the service
checks of tests/conftest.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home at start; on a closed network that only adds noise and delay.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Short timeouts: a missing element fails in seconds instead of Playwright's default 30 s.
ACTION_TIMEOUT_MS = 8_000
NAVIGATION_TIMEOUT_MS = 15_000


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message + " CI must run the browser tests.", pytrace=False)
    pytest.skip(message + " Skipped outside CI.")


# One browser for all the browser tests, which all live in this package. Package scope, not session scope, on
# purpose: see the comment on DJANGO_ALLOW_ASYNC_UNSAFE below.
@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (Debian's package `chromium`: apt-get install chromium fonts-noto-cjk).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("The Python package `playwright` is not installed (make venv installs the dev extras).")
    # Playwright's sync API keeps an asyncio loop marked as running in this thread for as long as it lives, and
    # Django refuses ORM calls when it sees a running loop (it takes them for calls from async code). The tests
    # call the ORM synchronously, as everywhere else in the suite, so the check is switched off while Playwright
    # runs. Both end with this package: a session-wide browser would leave the loop running for every later test
    # and the variable set for the processes they start (`check --deploy` refuses it: async.E001).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()
        finally:
            playwright.stop()


@dataclass
class Watched:
    """A page and what it did: every request, console errors and uncaught exceptions."""

    page: object
    name: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # URLs the test itself expects to fail (a 404 it asserts), whose "Failed to load resource" is no error.
    expected_failures: set[str] = field(default_factory=set)


def _host(url: str) -> str | None:
    """The host:port a request goes to, or None for URLs that never leave the browser (data:, blob:, about:)."""
    parts = urlsplit(url)
    if parts.scheme in {"http", "https", "ws", "wss", "ftp"}:
        return parts.netloc
    return None


@pytest.fixture
def server_url(live_server) -> str:
    return live_server.url.rstrip("/")


@pytest.fixture
def open_page(browser, server_url, request) -> Iterator[Callable[..., object]]:
    """open_page(name) -> a page in a new browser context (its own cookies: a second person, a second tab's
    owner). open_page(name, context=existing_page.context) opens a second tab beside an existing page."""
    server_host = _host(server_url)
    # Screenshots of an earlier run of this test (a failure's, say) would mislead next to this run's.
    for stale in SCREENSHOTS.glob(f"{_safe_name(request.node.name)}-*.png"):
        stale.unlink()
    watched: list[Watched] = []
    contexts = []

    def block_foreign(route, route_request):
        # Recorded by the request listener; aborted so a test never waits on a host it may not reach.
        if _host(route_request.url) not in (None, server_host):
            route.abort()
        else:
            route.continue_()

    def open_(name: str = "main", *, context=None):
        if context is None:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            context.set_default_timeout(ACTION_TIMEOUT_MS)
            context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
            context.route("**/*", block_foreign)
            contexts.append(context)
        page = context.new_page()
        entry = Watched(page=page, name=name)
        page.on("request", lambda r: entry.requests.append(r.url))

        def on_console(message):
            if message.type != "error":
                return
            url = (message.location or {}).get("url", "")
            if url in entry.expected_failures and "Failed to load resource" in message.text:
                return
            entry.errors.append(f"console error at {url or page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: entry.errors.append(f"uncaught exception at {page.url}: {error}"))
        page.watched = entry
        watched.append(entry)
        return page

    yield open_

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    problems = []
    for entry in watched:
        if failed and not entry.page.is_closed():
            try:
                shoot_page(entry.page, request.node.name, f"{entry.name}-failure")
            except Exception as error:  # A broken page must not hide the test's own failure.
                problems.append(f"no failure screenshot of page {entry.name!r}: {error}")
        foreign = sorted({url for url in entry.requests if _host(url) not in (None, server_host)})
        if foreign:
            problems.append(
                f"page {entry.name!r} made requests to hosts other than the server {server_host}:\n  "
                + "\n  ".join(foreign)
            )
        if entry.errors:
            problems.append(f"page {entry.name!r} logged errors:\n  " + "\n  ".join(entry.errors))
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def page(open_page):
    return open_page("main")


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def shoot_page(page, test_name: str, step: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_safe_name(test_name)}-{_safe_name(step)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def shoot(request) -> Callable[[object, str], Path]:
    """shoot(page, "step") saves test-artifacts/screenshots/<test>-<step>.png."""
    return lambda page, step: shoot_page(page, request.node.name, step)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Lets fixtures see at teardown whether the test itself failed (for the failure screenshots).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
