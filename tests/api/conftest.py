"""Fixtures for the API tests: clients signed in with real (hashed, expiring) knox tokens."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache, which outlives a test: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def login_limit(settings, monkeypatch) -> int:
    """Three login attempts a minute per client address, instead of the configured rate."""
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], login="3/minute")
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"DEFAULT_THROTTLE_RATES": rates}
    # DRF reads the rates once, when rest_framework.throttling is imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    return 3


def client_for(user) -> APIClient:
    """An API client holding a fresh token of `user`; anonymous when `user` is None."""
    client = APIClient()
    if user is not None:
        _instance, token = AuthToken.objects.create(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def api_client_for():
    return client_for
