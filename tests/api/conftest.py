"""Fixtures for the API tests: clients signed in with real (hashed, expiring) knox tokens."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache, which outlives a test: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


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
