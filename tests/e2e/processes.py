"""Helpers for the end-to-end tests: real processes (gunicorn, Celery worker and beat, redis-server) as subprocesses.

They run against the test session's PostgreSQL database (`database_url`) with production-like settings
(`production_env`), each in its own process group with its output in a file, and are always stopped.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0  # seconds for a process to start answering
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM and wait, then SIGKILL the process group (started with start_new_session) if it is still there."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_GRACE)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


def database_url() -> str:
    """The URL of the database this test session really uses (pytest-django's test_ database)."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql", db["ENGINE"]
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{db['HOST'] or 'localhost'}{port}/{quote(db['NAME'], safe='')}"


@contextlib.contextmanager
def fresh_database(label: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the session database's server, dropped afterwards; yields its URL.

    For a server whose data the test cannot roll back (fuzzing writes through it): nothing it does reaches the
    session's database, and the database goes with the test whatever happened.
    """
    import psycopg
    from psycopg import sql

    session_url = database_url()
    db = connection.settings_dict
    name = f"{db['NAME'][:40]}_{label[:12]}_{secrets.token_hex(4)}"  # within PostgreSQL's 63 characters
    conninfo = {"host": db["HOST"] or "localhost", "port": db["PORT"] or None, "user": db["USER"] or None,
                "password": db["PASSWORD"] or None, "dbname": "postgres"}  # fmt: skip
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield session_url.rsplit("/", 1)[0] + "/" + quote(name, safe="")
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


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
        assert name not in self.started, f"a process named {name} was started already"
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

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
        """Sends `sig` to the whole process group at once (a worker and its pool processes), and reaps it."""
        process = self.started[name][0]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        process.wait(timeout=STOP_GRACE)

    def stop(self, name: str) -> None:
        stop_group(self.started[name][0])

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


class RedisServer:
    """A private redis-server on a free port, without persistence: stopping it loses every queued task."""

    def __init__(self, processes: Processes, directory: Path) -> None:
        self.processes = processes
        self.directory = directory
        self.port = free_port()
        self.runs = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.runs += 1
        name = f"redis-{self.runs}"
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.directory)]  # fmt: skip
        self.processes.start(name, argv, dict(os.environ))
        self.processes.wait_for_port(name, self.port)

    def stop(self) -> None:
        self.processes.stop(f"redis-{self.runs}")  # SIGTERM: redis-server exits without saving (--save "")

    def kill(self) -> None:
        """As a crash or an out-of-memory kill would: at once, open connections cut without a goodbye."""
        self.processes.kill(f"redis-{self.runs}")

    def pause(self, paused: bool = True) -> None:
        """SIGSTOP: a Redis that hangs (swapping, a network partition) accepts connections and never answers."""
        os.kill(self.processes.started[f"redis-{self.runs}"][0].pid, signal.SIGSTOP if paused else signal.SIGCONT)


def start_gunicorn(processes: Processes, env: dict[str, str], *, workers: int = 2) -> int:
    """gunicorn as docker-compose.yml runs it, on a free port of this machine; returns the port."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    processes.start("gunicorn", argv, env)
    processes.wait_for_port("gunicorn", port)
    return port


@dataclass
class Answer:
    status: int
    headers: Message  # case-insensitive; get_all("Set-Cookie") for repeated headers
    body: bytes


def http(
    port: int, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """One request to 127.0.0.1:port on a fresh connection, redirects not followed."""
    connection = HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def collect_web_static(env: dict[str, str]) -> None:
    """The pages' own static files only: the manifest storage of production refuses to render without them, and
    collecting the API docs' and the admin's takes minutes on a busy machine."""
    argv = [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0",
            "-i", "admin", "-i", "rest_framework", "-i", "drf_spectacular_sidecar"]  # fmt: skip
    result = subprocess.run(argv, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
