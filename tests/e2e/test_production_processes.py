"""The production processes, started for real: gunicorn, a Celery worker and Celery beat.

They run with TRACKER_ENV=production against the test session's PostgreSQL database and the Redis broker of
the environment, as separate processes, the way docker-compose.yml runs them. Outside CI these tests skip
unless DATABASE_URL and CELERY_BROKER_URL name a PostgreSQL and a Redis; in CI they fail instead.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from celery.result import AsyncResult, EagerResult

from proposals.tasks import ping
from tests.e2e.processes import BIN, Processes, free_port, production_env

pytestmark = pytest.mark.slow

CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def start_gunicorn(processes: Processes, env: dict[str, str]) -> int:
    port = free_port()
    argv = [str(BIN / "gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    processes.start("gunicorn", argv, env)
    processes.wait_for_port("gunicorn", port)
    return port


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_gunicorn_worker_and_beat_run_with_production_settings(
    requires_postgresql, requires_redis, transactional_db, processes, tmp_path, settings, eager_off
):
    env = production_env(tmp_path, broker_url=requires_redis)
    # The test process sends through the same broker and reads the same result backend as the worker.
    env["CELERY_RESULT_BACKEND"] = settings.CELERY_RESULT_BACKEND
    queue = f"e2e-{uuid.uuid4().hex[:12]}"  # ours alone: no other worker on this Redis can answer for ours
    celery = [str(BIN / "celery"), "-A", "tracker"]

    with processes.output_on_failure():
        port = start_gunicorn(processes, env)
        processes.start(
            "worker",
            [*celery, "worker", "--loglevel=INFO", "--concurrency=1", "-Q", f"{queue},celery", "-n", f"{queue}@%h"],
            env,
        )
        beat_started = time.monotonic()
        processes.start(
            "beat", [*celery, "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")], env
        )

        status, headers, body = get(port, "/healthz")
        assert status == 200, body
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}

        # Production settings are really on: everything but /healthz is sent to HTTPS.
        status, headers, _ = get(port, "/admin/")
        assert status == 301
        assert headers["Location"].startswith("https://")

        processes.wait_for_output("worker", "ready.")
        result = ping.apply_async(queue=queue)
        assert not isinstance(result, EagerResult), "the task ran in the test process, not in the worker"
        assert isinstance(result, AsyncResult)
        assert result.get(timeout=30) == "pong"

        processes.wait_for_output("beat", "beat: Starting...")
        time.sleep(max(0.0, 5.0 - (time.monotonic() - beat_started)))
        assert processes.alive("beat"), "Celery beat stopped"
        assert processes.alive("worker"), "the Celery worker stopped"
        assert processes.alive("gunicorn"), "gunicorn stopped"


def test_healthz_answers_503_when_the_broker_is_down(requires_postgresql, transactional_db, processes, tmp_path):
    env = production_env(tmp_path, broker_url=CLOSED_BROKER)

    with processes.output_on_failure():
        port = start_gunicorn(processes, env)
        status, headers, body = get(port, "/healthz")

    assert status == 503, body
    assert headers["Content-Type"] == "application/json"
    answer = json.loads(body)
    assert answer["status"] == "unavailable"
    assert answer["checks"]["database"] == "ok"
    assert answer["checks"]["broker"] != "ok"
