"""/healthz tells a load balancer whether the database and the broker answer, and nobody why not."""

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals import tasks
from tracker import health


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


# --- Liveness and readiness (#17 item 7) ---------------------------------------------------------------------


@pytest.fixture
def workers(monkeypatch):
    """The names a ping reaches: a list the test sets (no worker runs in the test process)."""
    answering = ["celery@office-1"]
    monkeypatch.setattr(health.app.control, "ping", lambda timeout: [{name: {"ok": "pong"}} for name in answering])
    return answering


def test_liveness_needs_nothing_but_the_process(client, monkeypatch):
    def broken():
        raise RuntimeError("database gone")

    monkeypatch.setitem(health.READY_CHECKS, "database", broken)
    for method in (client.get, client.head):
        response = method(reverse("healthz-live"))
        assert response.status_code == 200
    assert client.get(reverse("healthz-live")).json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_when_database_broker_beat_and_a_worker_answer(client, workers):
    health.record_sweep()
    response = client.get(reverse("healthz-ready"))
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "beat": "ok", "workers": "ok"},
    }
    assert client.head(reverse("healthz-ready")).status_code == 200
    assert client.head(reverse("healthz")).status_code == 200


@pytest.mark.django_db
def test_no_sweep_for_three_intervals_means_beat_is_down(client, workers, settings, caplog):
    settings.REMINDER_SWEEP_SECONDS, settings.HEALTH_BEAT_INTERVALS = 300, 3
    health.record_sweep(timezone.now() - dt.timedelta(seconds=3 * 300 - 30))
    assert client.get(reverse("healthz-ready")).status_code == 200
    health.record_sweep(timezone.now() - dt.timedelta(seconds=3 * 300 + 1))
    with caplog.at_level(logging.ERROR, logger="tracker.health"):
        response = client.get(reverse("healthz-ready"))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "beat": "down", "workers": "ok"}
    assert "no outbox sweep since" not in response.content.decode()
    assert "Readiness check: the beat is down." in caplog.text and "no outbox sweep since" in caplog.text


@pytest.mark.django_db
def test_never_a_sweep_and_no_worker_are_both_down(client, workers):
    workers.clear()
    response = client.get(reverse("healthz-ready"))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "beat": "down", "workers": "down"}


@pytest.mark.django_db
def test_without_the_broker_the_workers_are_unknown_and_nothing_internal_shows(client, monkeypatch, workers):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://:broker-secret@127.0.0.1:1/0")
    health.record_sweep()
    response = client.get(reverse("healthz-ready"))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down", "beat": "ok", "workers": "unknown"}
    for text in ("127.0.0.1", "broker-secret", "redis", "rror", "refused"):
        assert text not in response.content.decode()


@pytest.mark.django_db
def test_the_sweep_task_records_its_run():
    assert health.last_sweep() is None
    before = timezone.now()
    tasks.sweep_outbox.delay()
    assert before <= health.last_sweep() <= timezone.now()


@pytest.mark.django_db
def test_the_status_page_is_for_staff_and_shows_sweep_outboxes_and_workers(client, workers, django_user_model):
    from proposals.models import Organisation

    url = reverse("operations-status")
    assert client.get(url).status_code == 302  # to the admin's sign-in
    city = Organisation.objects.create(name="朔州团市委", level="city", region="朔州")
    staff = django_user_model.objects.create_user("ops", password="x", is_staff=True, organisation=city,
                                              language="en")  # fmt: skip
    client.force_login(staff)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No sweep has run yet." in page and "Late" in page
    assert "celery@office-1" in page
    for outbox in ("Reminders", "Notices", "Replies to needs", "Meeting notices"):
        assert f"<td>{outbox}</td>" in page
    health.record_sweep()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Last sweep:" in page and "Late" not in page
