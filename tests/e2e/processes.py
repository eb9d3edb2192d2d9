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
    """A private redis-server on a free port, without persistence: stopping it loses every queued task.

    Several may run in one test under different names (a broker and a cache; a master and its replica, with
    `replica_of`)."""

    def __init__(
        self, processes: Processes, directory: Path, *, name: str = "redis", replica_of: RedisServer | None = None
    ) -> None:
        self.processes = processes
        self.directory = directory if name == "redis" else directory / name  # a replica writes its sync file there
        self.name = name
        self.replica_of = replica_of
        self.port = free_port()
        self.runs = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def process_name(self) -> str:
        return f"{self.name}-{self.runs}"

    def start(self) -> None:
        self.runs += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.directory)]  # fmt: skip
        if self.replica_of is not None:
            argv += ["--replicaof", "127.0.0.1", str(self.replica_of.port)]
        self.processes.start(self.process_name, argv, dict(os.environ))
        self.processes.wait_for_port(self.process_name, self.port)

    def stop(self) -> None:
        self.processes.stop(self.process_name)  # SIGTERM: redis-server exits without saving (--save "")

    def kill(self) -> None:
        """As a crash or an out-of-memory kill would: at once, open connections cut without a goodbye."""
        self.processes.kill(self.process_name)

    def pause(self, paused: bool = True) -> None:
        """SIGSTOP: a Redis that hangs (swapping, a network partition) accepts connections and never answers."""
        os.kill(self.processes.started[self.process_name][0].pid, signal.SIGSTOP if paused else signal.SIGCONT)

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, decode_responses=True)

    def role(self) -> str:
        """The role INFO replication names: "master" or "slave"."""
        return self.client().info("replication")["role"]


class RedisSentinel:
    """A Redis Sentinel (Debian's redis-server in sentinel mode) on a free port, monitoring `master` under
    `master_name` alone (a quorum of one), its configuration file (which Sentinel rewrites) in `directory`."""

    def __init__(self, processes: Processes, directory: Path, master: RedisServer, master_name: str) -> None:
        self.processes = processes
        self.directory = directory / "sentinel"
        self.master = master
        self.master_name = master_name
        self.port = free_port()

    def url(self, database: int) -> str:
        """CELERY_BROKER_URL through this Sentinel (kombu's and Celery's sentinel:// transport)."""
        return f"sentinel://127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "sentinel.conf"
        name = self.master_name
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndaemonize no\ndir {self.directory}\n"
            f"sentinel monitor {name} 127.0.0.1 {self.master.port} 1\n"
            f"sentinel down-after-milliseconds {name} 5000\n"
            f"sentinel failover-timeout {name} 20000\n"
        )
        self.processes.start("sentinel", ["redis-server", str(config), "--sentinel"], dict(os.environ))
        self.processes.wait_for_port("sentinel", self.port)

    def command(self, *args: str):
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, decode_responses=True)
        return client.execute_command("SENTINEL", *args)

    def master_port(self) -> int:
        _host, port = self.command("GET-MASTER-ADDR-BY-NAME", self.master_name)
        return int(port)

    def wait_for_replica(self, replica: RedisServer, timeout: float = 30.0) -> None:
        """Until Sentinel lists `replica` as a healthy replica of the master (it asks the master every 10 s)."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            seen = self.command("REPLICAS", self.master_name)
            for entry in seen:
                fields = entry if isinstance(entry, dict) else dict(zip(entry[::2], entry[1::2], strict=True))
                if int(fields["port"]) == replica.port and fields["flags"] == "slave" \
                        and fields.get("master-link-status") == "ok":  # fmt: skip
                    return
            time.sleep(0.5)
        pytest.fail(f"Sentinel did not see the replica on {replica.port} within {timeout:.0f} s: {seen}", pytrace=False)

    def fail_over(self, to: RedisServer, timeout: float = 40.0) -> tuple[float, float]:
        """SENTINEL FAILOVER to `to`; returns after how many seconds `to` was the master Sentinel names, and
        after how many the old master was a replica.

        Between the two, the old master still takes writes from the clients connected to it (Sentinel turns it
        into a replica at its next look, up to 10 s later, and closes their connections then): what they write
        meanwhile is lost with its data."""
        import redis

        old = self.master
        started = time.monotonic()
        deadline = started + timeout
        while True:  # "NOGOODSLAVE" while Sentinel's view of the replica is not fresh enough yet
            try:
                self.command("FAILOVER", self.master_name)
                break
            except redis.ResponseError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        promoted = demoted = None
        while time.monotonic() < deadline and demoted is None:
            if promoted is None and self.master_port() == to.port and to.role() == "master":
                promoted = time.monotonic() - started
            if promoted is not None and old.role() == "slave":
                demoted = time.monotonic() - started
            time.sleep(0.2)
        if demoted is None:
            pytest.fail(f"no failover to {to.port} within {timeout:.0f} s (promoted: {promoted})", pytrace=False)
        self.master = to
        return promoted, demoted


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


PGBOUNCER = "/usr/sbin/pgbouncer"  # Debian's pgbouncer package (.ci/debian-packages)


class PgBouncer:
    """A real PgBouncer on a free port in front of the session database's PostgreSQL server, every database
    passed through, in `pool_mode` (transaction pooling by default), trusting every client: its ini file and
    user list in `directory`. Server connections are reused most recently used first (PgBouncer's default)."""

    def __init__(
        self, processes: Processes, directory: Path, *, pool_mode: str = "transaction", pool_size: int = 4
    ) -> None:
        assert os.access(PGBOUNCER, os.X_OK), f"{PGBOUNCER} is missing: install Debian's pgbouncer package."
        self.processes = processes
        self.directory = directory / "pgbouncer"
        self.pool_mode = pool_mode
        self.pool_size = pool_size
        self.port = free_port()

    def url(self) -> str:
        """The session database's URL, through this PgBouncer."""
        db = connection.settings_dict
        user = quote(db["USER"] or "", safe="")
        password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
        credentials = f"{user}{password}@" if user else ""
        return f"postgres://{credentials}127.0.0.1:{self.port}/{quote(db['NAME'], safe='')}"

    def start(self) -> None:
        db = connection.settings_dict
        self.directory.mkdir(parents=True, exist_ok=True)
        users = self.directory / "userlist.txt"
        users.write_text(f'"{db["USER"] or "postgres"}" ""\n')
        password = f" password={db['PASSWORD']}" if db["PASSWORD"] else ""
        ini = self.directory / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}{password}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {users}\nadmin_users = {db['USER'] or 'postgres'}\n"
            f"pool_mode = {self.pool_mode}\ndefault_pool_size = {self.pool_size}\nmax_client_conn = 200\n"
        )
        # PgBouncer refuses to run as root; then it reads its files and switches to nobody (-u).
        argv = [PGBOUNCER, *(["-u", "nobody"] if os.geteuid() == 0 else []), str(ini)]
        self.processes.start("pgbouncer", argv, dict(os.environ))
        self.processes.wait_for_port("pgbouncer", self.port)

    def admin(self, command: str) -> list[dict]:
        """A SHOW command on PgBouncer's admin console (simple query protocol only: a client-side cursor)."""
        import psycopg
        from psycopg.rows import dict_row

        db = connection.settings_dict
        with psycopg.connect(host="127.0.0.1", port=self.port, dbname="pgbouncer", user=db["USER"] or "postgres",
                             autocommit=True) as console:  # fmt: skip
            cursor = psycopg.ClientCursor(console, row_factory=dict_row)
            cursor.execute(command)
            return cursor.fetchall()
