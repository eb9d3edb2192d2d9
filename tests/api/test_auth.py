"""Tokens for delegates (stored hashed, expiring, revocable, throttled), sessions for the browsable API, and
the API's documentation served without the internet."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.api.test_errors import assert_problem

LOGIN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
LOGOUT_ALL = "/api/v1/auth/logout-all/"
ME = "/api/v1/me/"
LIST = "/api/v1/proposals/"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def log_in(user, client: APIClient | None = None, **extra) -> str:
    client = client or APIClient()
    response = client.post(LOGIN, {"username": user.username, "password": "pw-" + user.username}, **extra)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- Tokens -------------------------------------------------------------------------------------------


def test_logging_in_returns_a_token_and_its_expiry(world):
    response = APIClient().post(LOGIN, {"username": "lead", "password": "pw-lead"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert timezone.now() + dt.timedelta(days=6) < expiry <= timezone.now() + dt.timedelta(days=7)
    me = with_token(body["token"]).get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "lead"


def test_the_token_is_stored_hashed_and_appears_nowhere_in_the_database(world):
    token = log_in(world.lead)
    stored = AuthToken.objects.get(user=world.lead)
    assert stored.digest != token
    assert token not in stored.digest
    assert len(stored.token_key) < len(token) // 2, "only a short prefix, for the lookup, is kept as it is"
    # Every value of every table, as text: the token is in none of them.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                assert not any(token in str(value) for value in row), table


def test_an_expired_token_is_refused_and_removed(world):
    token = log_in(world.lead)
    client = with_token(token)
    assert client.get(ME).status_code == 200
    AuthToken.objects.filter(user=world.lead).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert_problem(client.get(ME), 401, "authentication_failed")
    assert not AuthToken.objects.filter(user=world.lead).exists()


def test_a_token_is_checked_with_its_person_and_organisation_in_one_query(world):
    """Authentication is the floor of every API request: one query finds the token, the person and the
    organisation the scope is read from; the person's other tokens are housekeeping's (#18)."""
    client = with_token(log_in(world.coordinator))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    token_queries = [q["sql"] for q in queries.captured_queries if "knox_authtoken" in q["sql"]]
    assert len(token_queries) == 1 and "proposals_organisation" in token_queries[0], token_queries
    assert not any('FROM "proposals_organisation"' in q["sql"] for q in queries.captured_queries
                   if "knox_authtoken" not in q["sql"])  # fmt: skip


def test_logging_out_revokes_only_that_token(world):
    phone, laptop = log_in(world.lead), log_in(world.lead)
    response = with_token(phone).post(LOGOUT)
    assert response.status_code == 204
    assert_problem(with_token(phone).get(ME), 401, "authentication_failed")
    assert with_token(laptop).get(ME).status_code == 200
    assert AuthToken.objects.filter(user=world.lead).count() == 1


def test_logging_out_everywhere_revokes_every_token_of_that_person_only(world):
    phone, laptop = log_in(world.lead), log_in(world.lead)
    someone_else = log_in(world.secretary)
    assert with_token(laptop).post(LOGOUT_ALL).status_code == 204
    for token in (phone, laptop):
        assert_problem(with_token(token).get(ME), 401, "authentication_failed")
    assert with_token(someone_else).get(ME).status_code == 200


def test_logging_out_needs_a_token(world):
    assert_problem(APIClient().post(LOGOUT), 401, "not_authenticated")
    assert_problem(with_token("f" * 64).post(LOGOUT_ALL), 401, "authentication_failed")
    assert_problem(with_token("é").post(LOGOUT), 401, "authentication_failed")


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "lead", "password": "wrong"},
        {"username": "nobody", "password": "pw-nobody"},
        {"username": "lead", "password": "PW-LEAD"},
        {"username": "lead", "password": " pw-lead"},
    ],
)
def test_wrong_credentials_are_401_wrong_credentials(world, credentials):
    response = APIClient().post(LOGIN, credentials, format="json")
    problem = assert_problem(response, 401, "wrong_credentials")
    assert "password" not in problem.get("errors", {})
    assert response["WWW-Authenticate"].startswith("Token")
    assert not AuthToken.objects.exists()


def test_an_inactive_person_cannot_log_in(world):
    world.lead.is_active = False
    world.lead.save(update_fields=["is_active"])
    response = APIClient().post(LOGIN, {"username": "lead", "password": "pw-lead"}, format="json")
    assert_problem(response, 401, "wrong_credentials")


def test_the_wrong_credentials_message_follows_accept_language(world):
    response = APIClient().post(LOGIN, {"username": "lead", "password": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert assert_problem(response, 401, "wrong_credentials")["detail"] == "Wrong username or password."


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "lead"}, {"username": "lead", "password": "pw-lead", "remember": True}, {"username": ["lead"]}],
)
def test_malformed_logins_are_400(world, body):
    assert_problem(APIClient().post(LOGIN, body, format="json"), 400, "validation_error")


def test_a_token_cannot_be_had_for_a_form_post(world):
    response = APIClient().post(LOGIN, {"username": "lead", "password": "pw-lead"}, format="multipart")
    assert_problem(response, 415, "unsupported_media_type")


# --- Login throttling ---------------------------------------------------------------------------------


def guess_until_throttled(guesser: APIClient, login_limit: int):
    """The guesser tries the lead's password up to the limit; then even the right password is not tried any more.
    Returns that last answer."""
    for attempt in range(login_limit):
        response = guesser.post(LOGIN, {"username": "lead", "password": f"guess-{attempt}"}, format="json")
        assert_problem(response, 401, "wrong_credentials")
    response = guesser.post(LOGIN, {"username": "lead", "password": "pw-lead"}, format="json")
    assert_problem(response, 429, "throttled")
    return response


def test_login_attempts_are_throttled_per_client(world, login_limit):
    guesser = APIClient(REMOTE_ADDR="203.0.113.7")
    response = guess_until_throttled(guesser, login_limit)
    assert 0 < int(response["Retry-After"]) <= 60
    # A forged X-Forwarded-For does not make a new client (no proxy is trusted outside production).
    response = guesser.post(
        LOGIN, {"username": "lead", "password": "pw-lead"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert_problem(response, 429, "throttled")
    # Another client is not held back by the guesser.
    log_in(world.lead, APIClient(REMOTE_ADDR="192.0.2.44"))
    assert AuthToken.objects.filter(user=world.lead).count() == 1


def test_successful_logins_count_too(world, login_limit):
    client = APIClient(REMOTE_ADDR="192.0.2.45")
    for _attempt in range(login_limit):
        log_in(world.lead, client)
    response = client.post(LOGIN, {"username": "lead", "password": "pw-lead"}, format="json")
    assert_problem(response, 429, "throttled")
    assert AuthToken.objects.filter(user=world.lead).count() == login_limit


# --- Which client a request comes from (NUM_PROXIES) ----------------------------------------------------

# Every header a client might write to pass for another address.
ADDRESS_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED", "HTTP_CLIENT_IP", "HTTP_TRUE_CLIENT_IP")


def posing_as(address: str) -> dict[str, str]:
    return {header: (f"for={address}" if header == "HTTP_FORWARDED" else address) for header in ADDRESS_HEADERS}


@pytest.fixture
def no_signin_lockout(settings):
    """The sign-in lockout (AXES_FAILURE_LIMIT, per account and address) would refuse these attempts before the
    throttle does; the throttle is what this test is about."""
    settings.AXES_FAILURE_LIMIT = 1000


def test_without_a_proxy_no_header_makes_a_guesser_a_new_client(world, no_signin_lockout):
    # The configured rate (10/minute unless API_THROTTLE_LOGIN says otherwise), not a test one.
    limit = int(SimpleRateThrottle.THROTTLE_RATES["login"].split("/")[0])
    guesser = APIClient(REMOTE_ADDR="203.0.113.8")
    for attempt in range(limit):
        response = guesser.post(LOGIN, {"username": "lead", "password": f"guess-{attempt}"}, format="json",
                                **posing_as(f"198.51.100.{attempt + 1}"))  # fmt: skip
        assert_problem(response, 401, "wrong_credentials")
    response = guesser.post(LOGIN, {"username": "lead", "password": "pw-lead"}, format="json",
                            **posing_as("198.51.100.200"))  # fmt: skip
    assert_problem(response, 429, "throttled")


@pytest.fixture
def one_proxy(settings, login_limit):
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    return login_limit


def test_behind_one_proxy_the_address_it_added_is_the_client(world, one_proxy):
    # The proxy (REMOTE_ADDR) appends the address it saw to whatever X-Forwarded-For the client sent.
    proxy = APIClient(REMOTE_ADDR="10.0.0.2")
    for attempt in range(one_proxy):
        forged = f"198.51.100.{attempt + 1}, 192.0.2.{attempt + 1}"
        response = proxy.post(LOGIN, {"username": "lead", "password": f"guess-{attempt}"}, format="json",
                              HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.9")  # fmt: skip
        assert_problem(response, 401, "wrong_credentials")
    response = proxy.post(LOGIN, {"username": "lead", "password": "pw-lead"}, format="json",
                          HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.9")  # fmt: skip
    assert_problem(response, 429, "throttled")
    # Another client behind the same proxy is another address.
    log_in(world.lead, proxy, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9, 203.0.113.10")


# --- Sessions for the browsable API -------------------------------------------------------------------


def test_a_signed_in_browser_gets_the_browsable_api(world):
    client = APIClient()
    client.force_login(world.secretary)
    response = client.get(LIST, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in response.content.lower()


def test_a_session_post_without_a_csrf_token_is_refused(world):
    proposal = world.draft()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.secretary)
    url = f"/api/v1/proposals/{proposal.pk}/transitions/"
    response = client.post(url, {"action": "comment", "note": "没有令牌"}, format="json")
    problem = assert_problem(response, 403, "permission_denied")
    assert "CSRF" in problem["detail"]
    assert not proposal.transitions.exists()
    # With the token from the cookie, the same request goes through.
    client.get(LIST, HTTP_ACCEPT="text/html")
    csrf = client.cookies["csrftoken"].value
    response = client.post(url, {"action": "comment", "note": "有令牌"}, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200, response.content
    assert proposal.transitions.count() == 1


def test_a_token_request_needs_no_csrf_token(world):
    proposal = world.draft()
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {log_in(world.secretary)}")
    response = client.post(f"/api/v1/proposals/{proposal.pk}/transitions/", {"action": "comment", "note": "好"},
                           format="json")  # fmt: skip
    assert response.status_code == 200, response.content


# --- Documentation without the internet ---------------------------------------------------------------

EXTERNAL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@pytest.fixture
def static_served(settings):
    """WhiteNoise serving straight from the apps' static folders, as under `runserver` (no collectstatic)."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_docs_pages_load_everything_from_this_server(db, static_served, page):
    response = APIClient().get(page)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not EXTERNAL.findall(html), "the docs must not reach other hosts"
    assets = ASSET.findall(html)
    assert any(asset.endswith(".js") or asset == page + "?script=" for asset in assets)
    for asset in assets:
        # A static file, or Swagger UI's start-up script, served by the docs' view (no inline script: the CSP).
        assert asset.startswith("/static/") or asset.startswith(page + "?script="), asset
        assert asset.startswith(page) or finders.find(asset.removeprefix("/static/")), asset
        served = APIClient().get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content if served.streaming else [served.content])


def test_swagger_ui_fetches_the_schema_from_this_server(db):
    html = APIClient().get("/api/v1/docs/?script=").content.decode()
    assert 'url: "/api/v1/schema/"' in html
    assert '"validatorUrl": null' in html


def test_the_schema_is_served_without_a_token(db):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/proposals/{id}/transitions/" in schema["paths"]
    assert "knoxApiToken" in schema["components"]["securitySchemes"]
    assert "Problem" in schema["components"]["schemas"]
    assert not EXTERNAL.findall(str(schema.get("servers", "")))


def test_the_redoc_bundle_loads_no_logo_from_outside(db):
    """Redoc's bundle would show its maker's logo from their host: the page's own copy names no image outside."""
    from api.docs import BUNDLE, OUTSIDE_LOGO

    assert OUTSIDE_LOGO.encode() in BUNDLE.read_bytes(), "a new Redoc bundle: check what it loads from outside"
    html = APIClient().get("/api/v1/redoc/").content.decode()
    assert '<script src="/api/v1/redoc/?script="></script>' in html
    served = APIClient().get("/api/v1/redoc/?script=")
    assert served.status_code == 200
    assert served["Content-Type"] == "text/javascript; charset=utf-8"
    assert b"Redoc" in served.content and len(served.content) > 500_000
    assert not re.findall(rb"""src:\s*["'](?:https?:)?//""", served.content)
    assert b"cdn.redoc.ly" not in served.content
