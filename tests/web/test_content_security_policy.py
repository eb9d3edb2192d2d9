"""Every response carries the Content-Security-Policy: each named URL of the project (web pages, the admin, the
API, its docs, downloads, redirects, refusals), whatever its status, and the error pages. Chromium shows in
tests/browser/test_content_security_policy.py that the pages work under it."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from proposals import services
from proposals.reminders import PREFERENCES_SALT

POLICY = "Content-Security-Policy"
STRICT = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
          "frame-ancestors 'none'", "base-uri 'none'"]  # fmt: skip


def named_urls(resolver=None, namespace: str = ""):
    """(name, argument names) of every named URL pattern of the project, the admin's included."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from named_urls(pattern, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
        elif pattern.name:
            route = pattern.pattern
            arguments = list(getattr(route, "converters", {})) or list(route.regex.groupindex)
            yield namespace + pattern.name, tuple(arguments)


def assert_strict_policy(response, url: str) -> None:
    assert POLICY in response, f"{url} ({response.status_code}) has no {POLICY}"
    for directive in STRICT:
        assert directive in response[POLICY], f"{url}: {directive} missing from {response[POLICY]}"
    assert "unsafe-inline" not in response[POLICY], url


@pytest.fixture
def sample_arguments(world):
    proposal = world.draft()
    return {
        "pk": proposal.pk, "id": proposal.pk, "number": 1, "evidence_id": 1, "object_id": proposal.pk,
        "app_label": "proposals", "content_type_id": 1, "format": "json", "uidb64": "MQ", "notice_id": 1,
        "assignment_id": 1, "delegate_id": 1, "organisation_id": world.branch.pk,
        "token": services.calendar_token_regenerate(user=world.lead),
    }  # fmt: skip


def test_every_named_url_answers_with_the_policy(world, sample_arguments):
    reminder_link = signing.dumps(world.lead.pk, salt=PREFERENCES_SALT)
    clients = {"anonymous": Client(), "coordinator": Client(), "operator": Client()}
    clients["coordinator"].force_login(world.city_coordinator)
    clients["operator"].force_login(world.admin)
    checked = set()
    for name, arguments in sorted(set(named_urls())):
        kwargs = {argument: sample_arguments[argument] for argument in arguments}
        if name == "reminder-preferences":
            kwargs["token"] = reminder_link
        url = reverse(name, kwargs=kwargs)
        for who, client in clients.items():
            response = client.get(url, HTTP_ACCEPT="text/html" if who != "anonymous" else "*/*")
            assert_strict_policy(response, f"{url} as {who}")
        checked.add(name)
    # The walk saw the kinds of page there are: web, admin, API, docs.
    assert {"home", "proposal-open", "admin:index", "admin:proposals_proposal_changelist", "api:proposal-list",
            "api:docs", "api:redoc", "api:schema", "login", "healthz"} <= checked  # fmt: skip


def test_posts_and_error_pages_carry_it_too(world, client):
    for response, url in [
        (client.post("/login/", {"username": "lead", "password": "wrong"}), "POST /login/"),
        (client.get("/no-such-page/"), "/no-such-page/"),
        (client.get("/api/v1/no-such-thing/"), "/api/v1/no-such-thing/"),
        (client.post("/api/v1/auth/token/", {}, content_type="application/json"), "POST /api/v1/auth/token/"),
    ]:
        assert_strict_policy(response, url)


def test_the_docs_pages_have_no_inline_script(db, client):
    for url in ["/api/v1/docs/", "/api/v1/redoc/"]:
        html = client.get(url).content.decode()
        assert "<script>" not in html and "<style>" not in html, url
