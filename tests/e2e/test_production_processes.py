"""The production processes, started for real: gunicorn, a Celery worker and Celery beat.

They run with TRACKER_ENV=production against the test session's PostgreSQL database and the Redis broker of
the environment, as separate processes, the way docker-compose.yml runs them. Outside CI these tests skip
unless DATABASE_URL and CELERY_BROKER_URL name a PostgreSQL and a Redis; in CI they fail instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.result import AsyncResult, EagerResult
from django.db import connection

from proposals.tasks import ping

pytestmark = pytest.mark.slow

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0  # seconds for a process to start answering
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL
CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The URL of the database this test session really uses (pytest-django's test_ database)."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql", db["ENGINE"]
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{db['HOST'] or 'localhost'}{port}/{quote(db['NAME'], safe='')}"


def production_env(tmp_path: Path, *, broker_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings",
        TRACKER_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=broker_url,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        TRACKER_VAR_DIR=str(tmp_path / "var"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DEBUG", None)
    return env


class Processes:
    """Starts processes with their output in files, and stops every one of them, whatever happens."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: dict[str, tuple[subprocess.Popen, Path]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.directory / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                argv, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: gunicorn's and the worker's children stop with it
            )  # fmt: skip
        self.started[name] = (process, log)
        return process

    def output(self, name: str) -> str:
        return self.started[name][1].read_text(errors="replace")

    def report(self) -> str:
        parts = []
        for name, (process, log) in self.started.items():
            state = "running" if process.poll() is None else f"exited with {process.returncode}"
            parts.append(f"----- {name} ({state}): {log} -----\n{log.read_text(errors='replace')[-8000:]}")
        return "\n".join(parts)

    def alive(self, name: str) -> bool:
        return self.started[name][0].poll() is None

    def stop_all(self) -> None:
        for process, _log in self.started.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for process, _log in self.started.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process, _log in self.started.values():
            # The whole group: a leader that died may have left workers behind.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)

    @contextlib.contextmanager
    def output_on_failure(self) -> Iterator[None]:
        """Prints every process's output when the block fails, so the test report shows why."""
        try:
            yield
        except BaseException:
            print(self.report())
            raise

    def wait_for_port(self, name: str, port: int, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive(name):
                pytest.fail(f"{name} exited before it listened on port {port}.", pytrace=False)
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
            time.sleep(0.2)
        pytest.fail(f"{name} did not listen on port {port} within {timeout:.0f} s.", pytrace=False)

    def wait_for_output(self, name: str, text: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output(name):
                return
            if not self.alive(name):
                pytest.fail(f"{name} exited before it printed {text!r}.", pytrace=False)
            time.sleep(0.2)
        pytest.fail(f"{name} did not print {text!r} within {timeout:.0f} s.", pytrace=False)


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    manager = Processes(tmp_path)
    try:
        yield manager
    finally:
        manager.stop_all()


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
    requires_postgresql, requires_redis, transactional_db, processes, tmp_path, settings
):
    env = production_env(tmp_path, broker_url=requires_redis)
    # The test process sends through the same broker and reads the same result backend as the worker.
    env["CELERY_RESULT_BACKEND"] = settings.CELERY_RESULT_BACKEND
    settings.CELERY_TASK_ALWAYS_EAGER = False
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
