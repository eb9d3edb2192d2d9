"""/healthz tells a load balancer whether the database and the broker answer."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_health_is_ok_when_database_and_broker_answer(client, tmp_path, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_health_is_503_with_the_reason_when_the_broker_is_unreachable(client, monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] != "ok"
