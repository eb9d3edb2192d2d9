"""The production processes, started for real: gunicorn, a Celery worker and Celery beat.

They run with TRACKER_ENV=production against the test session's PostgreSQL database and the Redis broker of
the environment, as separate processes, the way docker-compose.yml runs them. Outside CI these tests skip
unless DATABASE_URL and CELERY_BROKER_URL name a PostgreSQL and a Redis; in CI they fail instead.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from celery.result import AsyncResult, EagerResult

from proposals.tasks import ping
from tests.e2e.processes import BIN, free_port, http, production_env, start_gunicorn

pytestmark = pytest.mark.slow


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

        answer = http(port, "GET", "/healthz")
        assert answer.status == 200, answer.body
        assert answer.headers["Content-Type"] == "application/json"
        assert json.loads(answer.body) == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}

        # Production settings are really on: everything but /healthz is sent to HTTPS.
        answer = http(port, "GET", "/admin/")
        assert answer.status == 301
        assert answer.headers["Location"].startswith("https://")

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


def test_healthz_says_which_part_is_down_and_only_the_log_says_why(requires_postgresql, processes, tmp_path):
    """Anyone may ask /healthz: the answer must not show the database's role, password, host, port or name,
    nor the broker's address, nor any error text. The operators find those in the log."""
    database_port, broker_port = free_port(), free_port()  # nothing listens on them
    secrets = ["health-role", "health-pw-3141", "health_db", "broker-pw-2718", str(database_port), str(broker_port)]
    env = production_env(tmp_path, broker_url=f"redis://:broker-pw-2718@127.0.0.1:{broker_port}/3") | {
        "DATABASE_URL": f"postgres://health-role:health-pw-3141@127.0.0.1:{database_port}/health_db",
    }

    with processes.output_on_failure():
        port = start_gunicorn(processes, env, workers=1)
        answer = http(port, "GET", "/healthz")

        assert answer.status == 503, answer.body
        assert answer.headers["Content-Type"] == "application/json"
        assert json.loads(answer.body) == {"status": "unavailable", "checks": {"database": "down", "broker": "down"}}
        body = answer.body.decode()
        for text in [*secrets, "127.0.0.1", "postgres", "redis", "://", "rror", "refused"]:
            assert text not in body, f"/healthz shows {text!r}: {body}"
        log = processes.output("gunicorn")
        for part, port_number in (("database", database_port), ("broker", broker_port)):
            assert f"Health check: the {part} is down." in log
            assert str(port_number) in log, f"the log does not say which {part} address failed"
