"""Sign-in lockout (django-axes, tracker/signin.py): the web sign-in, the admin's and the API's token endpoint
share one count per account and one per client address. Past the limit even the right password is refused, with
the sign-in page (or a problem document) saying how long to wait; operators read every attempt in the admin."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.api.test_errors import assert_problem
from tracker.signin import locked_out

WEB, ADMIN, API = "/login/", "/admin/login/", "/api/v1/auth/token/"
GUESSER, OTHER_ADDRESS = "203.0.113.7", "192.0.2.44"
LOCKED_ZH = "登录失败次数过多，请 15 分钟后再试。"
LOCKED_EN = "Too many failed sign-ins. Try again in 15 minutes."


@pytest.fixture(autouse=True)
def _api_throttle_out_of_the_way(settings, monkeypatch):
    """The API's own login throttle (10 a minute per address, tests/api/test_auth.py) would answer before the
    lockout does; here it is raised so that the lockout is what is seen."""
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], login="1000/minute")
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"DEFAULT_THROTTLE_RATES": rates}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)  # DRF reads the rates once, at import
    cache.clear()
    yield
    cache.clear()


def sign_in(entry: str, username: str, password: str, *, address: str = GUESSER, language: str = "zh-hans", **extra):
    """One sign-in attempt at `entry` from `address`; returns (response, whether it signed in)."""
    if entry == API:
        client = APIClient(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
        response = client.post(API, {"username": username, "password": password}, format="json", **extra)
        return response, response.status_code == 200
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(entry, {"username": username, "password": password, "next": "/"}, **extra)
    return response, "_auth_user_id" in client.session


# The admin signs in staff only; each entry with a person it lets in.
ENTRIES = [(WEB, "lead"), (ADMIN, "admin"), (API, "lead")]


@pytest.mark.parametrize(("entry", "username"), ENTRIES)
def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in(world, entry, username):
    for attempt in range(30):
        _response, signed_in = sign_in(entry, username, f"guess-{attempt}")
        assert not signed_in
    response, signed_in = sign_in(entry, username, "pw-" + username)
    assert not signed_in
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 15 * 60
    assert not AuthToken.objects.exists()
    if entry == API:
        assert_problem(response, 429, "locked_out")
        assert response.json()["detail"] == LOCKED_ZH
    else:
        # The sign-in page itself, with its form and the message, not a bare error text.
        page = response.content.decode()
        assert LOCKED_ZH in page
        assert 'name="password"' in page


@pytest.mark.parametrize(("entry", "username"), ENTRIES)
def test_the_limit_is_five_failures(world, entry, username):
    for attempt in range(4):
        sign_in(entry, username, f"guess-{attempt}")
    assert sign_in(entry, username, "pw-" + username)[1]


@pytest.mark.parametrize(("entry", "username"), ENTRIES)
@pytest.mark.parametrize(("language", "message"), [("zh-hans", LOCKED_ZH), ("en", LOCKED_EN)])
def test_the_lockout_message_is_in_the_users_language(world, entry, username, language, message):
    for attempt in range(5):
        sign_in(entry, username, f"guess-{attempt}", language=language)
    response, _signed_in = sign_in(entry, username, "pw-" + username, language=language)
    assert response.status_code == 429
    assert message in response.content.decode()


def test_web_failures_lock_the_admin_and_the_api_too(world):
    for attempt in range(5):
        sign_in(WEB, "admin", f"guess-{attempt}")
    assert not sign_in(ADMIN, "admin", "pw-admin")[1]
    assert_problem(sign_in(API, "admin", "pw-admin")[0], 429, "locked_out")


def test_one_account_is_locked_from_every_address_and_one_address_for_every_account(world):
    for attempt in range(5):
        sign_in(WEB, "lead", f"guess-{attempt}")
    # The account, from another address: locked (a guesser may move; the account is what is guessed).
    assert not sign_in(WEB, "lead", "pw-lead", address=OTHER_ADDRESS)[1]
    # The guesser's address, for another account: locked (guessing one password for many accounts).
    assert not sign_in(WEB, "secretary", "pw-secretary")[1]
    # Another account from another address: unaffected.
    assert sign_in(WEB, "secretary", "pw-secretary", address=OTHER_ADDRESS)[1]
    assert sign_in(API, "coord-city", "pw-coord-city", address=OTHER_ADDRESS)[1]


def test_the_lockout_ends_after_the_cool_off(world, settings):
    for attempt in range(5):
        sign_in(WEB, "lead", f"guess-{attempt}")
    assert not sign_in(WEB, "lead", "pw-lead")[1]
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")
    assert sign_in(WEB, "lead", "pw-lead")[1]


def test_a_forged_x_forwarded_for_is_not_a_new_address_without_a_proxy(world):
    for attempt in range(5):
        sign_in(WEB, f"nobody-{attempt}", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
    assert not sign_in(WEB, "lead", "pw-lead", HTTP_X_FORWARDED_FOR="198.51.100.99")[1]


def test_behind_a_proxy_the_address_is_the_one_it_forwarded(world, settings):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    proxy = "10.0.0.2"
    for attempt in range(5):
        sign_in(WEB, f"nobody-{attempt}", "guess", address=proxy, HTTP_X_FORWARDED_FOR=GUESSER)
    assert not sign_in(WEB, "lead", "pw-lead", address=proxy, HTTP_X_FORWARDED_FOR=GUESSER)[1]
    # Everyone else comes through the same proxy and is not held back.
    assert sign_in(WEB, "lead", "pw-lead", address=proxy, HTTP_X_FORWARDED_FOR=OTHER_ADDRESS)[1]


def test_every_attempt_is_shown_to_operators_in_the_admin(world):
    sign_in(WEB, "lead", "guess", address=GUESSER)
    sign_in(API, "secretary", "guess", address="198.51.100.23")
    sign_in(WEB, "coord-city", "pw-coord-city", address=OTHER_ADDRESS)
    sign_in(API, "coord-county", "pw-coord-county", address="198.51.100.24")
    operator = Client()
    operator.force_login(world.admin)
    failures = operator.get("/admin/axes/accessfailurelog/").content.decode()
    assert "lead" in failures and GUESSER in failures
    assert "secretary" in failures and "198.51.100.23" in failures
    attempts = operator.get("/admin/axes/accessattempt/").content.decode()
    assert "lead" in attempts and GUESSER in attempts
    successes = operator.get("/admin/axes/accesslog/").content.decode()
    assert "coord-city" in successes and OTHER_ADDRESS in successes
    assert "coord-county" in successes and "198.51.100.24" in successes


def test_an_operator_lifts_a_lockout_with_the_reset_command(world):
    for attempt in range(5):
        sign_in(WEB, "lead", f"guess-{attempt}")
    assert not sign_in(WEB, "lead", "pw-lead")[1]
    call_command("axes_reset_username", "lead", stdout=io.StringIO())
    assert sign_in(WEB, "lead", "pw-lead")[1]


def test_a_lockout_elsewhere_than_a_sign_in_form_still_says_how_long_to_wait(db):
    # No such page exists today; one that calls authenticate() without a form gets the message as text.
    response = locked_out(RequestFactory().post("/somewhere/"), HttpResponse())
    assert (response.status_code, response["Retry-After"]) == (429, "900")
    assert response.content.decode() == LOCKED_ZH
