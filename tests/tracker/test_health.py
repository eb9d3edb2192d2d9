"""/healthz tells a load balancer whether the database and the broker answer, and nobody why not."""

import logging

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_health_is_ok_when_database_and_broker_answer(client, tmp_path, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_an_unreachable_broker_is_down_in_the_answer_and_explained_only_in_the_log(client, monkeypatch, caplog):
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration. Nothing listens on port 1.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://:broker-secret@127.0.0.1:1/0")
    with caplog.at_level(logging.ERROR, logger="tracker.health"):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "down"}}
    for text in ("127.0.0.1", "broker-secret", "redis", "rror", "refused"):
        assert text not in response.content.decode()
    (record,) = [r for r in caplog.records if r.name == "tracker.health"]
    assert record.getMessage() == "Health check: the broker is down."
    assert "127.0.0.1:1" in caplog.text  # the exception and its traceback, for the operators
