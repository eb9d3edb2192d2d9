"""Readiness tells the truth with real processes (#17 item 7): gunicorn, a Celery worker and beat on a private
Redis; /healthz/ready is 200 while they all run, turns 503 naming beat when beat stops (no sweep for
HEALTH_BEAT_INTERVALS × REMINDER_SWEEP_SECONDS), and names the workers too once the worker stops."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.processes import BIN, RedisServer, http, production_env, start_gunicorn

pytestmark = pytest.mark.slow

SWEEP_SECONDS, INTERVALS = 5, 2  # beat counts as stopped 10 s after its last sweep


def wait_for_readiness(port: int, expected: dict[str, str], timeout: float) -> float:
    """Polls /healthz/ready until its checks are `expected`; returns when (time.monotonic())."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        answer = http(port, "GET", "/healthz/ready")
        seen = (answer.status, json.loads(answer.body))
        if seen[1]["checks"] == expected:
            assert seen[0] == (200 if set(expected.values()) == {"ok"} else 503), seen
            return time.monotonic()
        time.sleep(0.5)
    pytest.fail(f"/healthz/ready did not become {expected} within {timeout:.0f} s; last {seen}", pytrace=False)


def test_readiness_fails_when_beat_and_then_the_worker_stop(requires_postgresql, transactional_db, processes, tmp_path):
    redis = RedisServer(processes, tmp_path)
    redis.start()
    env = production_env(tmp_path, broker_url=redis.url)
    env.update(REMINDER_SWEEP_SECONDS=str(SWEEP_SECONDS), HEALTH_BEAT_INTERVALS=str(INTERVALS),
               HEALTH_WORKER_PING_MS="1000")  # fmt: skip
    celery = [str(BIN / "celery"), "-A", "tracker"]
    with processes.output_on_failure():
        port = start_gunicorn(processes, env)
        assert http(port, "HEAD", "/healthz/live").status == 200
        processes.start("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=1"], env)
        processes.start("beat", [*celery, "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat")], env)
        everything = {"database": "ok", "broker": "ok", "beat": "ok", "workers": "ok"}
        wait_for_readiness(port, everything, timeout=60)
        assert http(port, "HEAD", "/healthz/ready").status == 200

        processes.stop("beat")
        stopped = time.monotonic()
        noticed = wait_for_readiness(port, {**everything, "beat": "down"}, timeout=SWEEP_SECONDS * INTERVALS + 20)
        assert noticed - stopped <= SWEEP_SECONDS * (INTERVALS + 1) + 5
        assert http(port, "HEAD", "/healthz/ready").status == 503

        processes.stop("worker")
        wait_for_readiness(port, {**everything, "beat": "down", "workers": "down"}, timeout=20)
        # Liveness asks nothing of them: the web process itself is fine.
        assert http(port, "GET", "/healthz/live").status == 200
        body = http(port, "GET", "/healthz/ready").body.decode()
        for text in ("127.0.0.1", "redis", "sweep since", "ping within", "rror"):
            assert text not in body, body
