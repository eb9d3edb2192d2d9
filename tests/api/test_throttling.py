"""The API keeps answering while the cache's Redis cannot be reached, and its throttles keep counting in the
process (api.throttling). The cache here is a real Redis client pointed at a port where nothing listens."""

from __future__ import annotations

import logging

import pytest
from django.core.cache.backends.redis import RedisCache
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from api import throttling
from tests.api.test_auth import LIST, LOGIN, ME, guess_until_throttled, log_in, with_token
from tests.api.test_errors import assert_problem
from tests.e2e.processes import free_port


def fresh_counts() -> None:
    throttling.counts.local.clear()
    throttling.counts.shared_again_at = 0.0
    throttling.counts.last_warning = -throttling.WARN_EVERY_SECONDS


@pytest.fixture
def cache_down(settings):
    shared = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/1",
            "OPTIONS": settings.CACHES["default"].get("OPTIONS", {}),
        }
    }
    fresh_counts()
    yield
    fresh_counts()
    settings.CACHES = shared  # now, for the fixtures that clear the cache after each test


def api_views(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith("api/"):
            view = getattr(pattern.callback, "cls", None)
            if view is not None and issubclass(view, APIView):
                yield prefix + str(pattern.pattern), view


def test_every_api_view_counts_through_the_one_fail_safe_cache():
    views = list(api_views())
    assert len(views) > 10, views
    for route, view in views:
        for throttle in view().get_throttles():
            assert throttle.cache is throttling.counts, (route, type(throttle))


def test_the_api_answers_while_the_cache_is_down(world, cache_down, caplog):
    proposal = world.draft()
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        token = log_in(world.secretary, format="json")
        client = with_token(token)
        assert client.get(ME).status_code == 200
        listed = client.get(LIST)
        assert listed.status_code == 200
        assert [row["id"] for row in listed.json()["results"]] == [proposal.pk]
        assert client.get(f"{LIST}{proposal.pk}/").status_code == 200
        assert_problem(APIClient().get(LIST), 401, "not_authenticated")
        response = APIClient().post(LOGIN, {"username": "lead", "password": "wrong"}, format="json")
        assert_problem(response, 401, "wrong_credentials")
    warnings = [r for r in caplog.records if r.name == "api.throttling"]
    assert len(warnings) == 1, "one line while the cache is down, not one per request"
    assert "API throttles count in this process" in warnings[0].getMessage()


def test_the_login_throttle_holds_while_the_cache_is_down(world, cache_down, login_limit):
    guess_until_throttled(APIClient(REMOTE_ADDR="203.0.113.7"), login_limit)
    log_in(world.lead, APIClient(REMOTE_ADDR="192.0.2.44"), format="json")


# --- The sliding window: two counters per caller, the previous one weighted by what still lies in the period ---


@pytest.fixture(params=["redis", "process"])
def where(request, db):
    """The counts on the shared Redis (the Lua script), or in the process while it is down."""
    if request.param == "process":
        request.getfixturevalue("cache_down")
    else:
        from django.core.cache import caches

        assert isinstance(caches["default"], RedisCache), "the tests use Redis (CACHE_URL or the broker's neighbour)"
        fresh_counts()
    return request.param


def test_the_window_slides_and_a_refused_request_is_not_counted(where):
    take = throttling.counts.take
    limit, minute = 3, 60
    start = 1_000_000 * minute  # the start of a period
    at = lambda seconds: throttling.Window.at(start + seconds, minute)  # noqa: E731
    key = f"throttle_test_{where}"
    assert [take(key, at(s), limit, minute)[0] for s in (1, 2, 3, 4, 5)] == [True, True, True, False, False]
    assert take(key, at(6), limit, minute) == (False, 3, 0)  # the refusals left the count at the limit
    # Half-way through the next period, half of the previous three still count (1.5): one request fits, and a
    # second a second later (1.45 + 1 < 3), but not a third (1.43 + 2).
    assert take(key, at(minute + 30), limit, minute) == (True, 1, 3)
    assert take(key, at(minute + 31), limit, minute) == (True, 2, 3)
    assert take(key, at(minute + 32), limit, minute) == (False, 2, 3)
    # Two periods on, the first has slid out entirely.
    assert [take(key, at(3 * minute), limit, minute)[0] for _ in range(4)] == [True, True, True, False]


def test_retry_after_is_when_the_estimate_falls_below_the_limit():
    window = throttling.Window.at(30, 60)  # half-way through a minute
    # Three of three this minute: after this minute ends, and the whole of it has slid out of the next.
    assert window.wait(current=3, previous=0, limit=3, duration=60) == 30
    # One this minute, six the minute before (three still count): below the limit once fewer than two count,
    # when two thirds of the minute have passed, ten seconds on.
    assert window.wait(current=1, previous=6, limit=3, duration=60) == pytest.approx(10)
