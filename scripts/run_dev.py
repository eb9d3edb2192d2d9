"""Run the tracker locally: web server, Celery worker and Celery beat together (`make run`).

Prepares the database (migrate, collectstatic, the idempotent demo data, whose logins it prints), then
supervises the three processes: their output lines are prefixed with their names, and when one of them exits,
or on Ctrl-C / SIGTERM, all of them are stopped. Configuration comes from the environment as always; with
nothing set, that is the embedded default: SQLite and a file-system broker under var/, mails in var/mail/.

Usage: python scripts/run_dev.py [--host 127.0.0.1] [--port 8000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE = str(BASE_DIR / "manage.py")
PYTHON = sys.executable

# Seconds a process gets to stop after SIGINT, then after SIGTERM, before SIGKILL.
STOP_GRACE = (10.0, 5.0)

COLOURS = {"web": "36", "worker": "33", "beat": "35"}


class Output:
    """Writes whole lines from several threads, each prefixed with the process name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._colour = sys.stdout.isatty() and os.environ.get("NO_COLOR") is None

    def line(self, name: str, text: str) -> None:
        prefix = f"{name:<6} |"
        if self._colour and name in COLOURS:
            prefix = f"\033[{COLOURS[name]}m{prefix}\033[0m"
        with self._lock:
            sys.stdout.write(f"{prefix} {text}\n")
            sys.stdout.flush()

    def say(self, text: str = "") -> None:
        with self._lock:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], out: Output) -> None:
        self.name = name
        # A session of its own, so that a stop reaches the process's children too (runserver's reloader
        # child, the worker's pool) and the terminal's Ctrl-C reaches only the supervisor, which then stops
        # everything in order.
        self.process = subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._pump, args=(out,), daemon=True)
        self._reader.start()

    def _pump(self, out: Output) -> None:
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            out.line(self.name, raw.decode("utf-8", errors="replace").rstrip("\r\n"))

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def finish_output(self) -> None:
        self._reader.join(timeout=2)


def settings_summary() -> tuple[str, str, str]:
    """Where the database, the broker and the mails are, read from the project's own settings."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        where_db = f"SQLite {database['NAME']}"
    else:
        where_db = f"{database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or 'localhost'}/{database['NAME']}"

    broker = settings.CELERY_BROKER_URL
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    if broker.startswith("filesystem://"):
        broker = f"files in {options.get('data_folder_in', 'data_in')}"

    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        where_mail = f"written as files to {settings.EMAIL_FILE_PATH}{os.sep}"
    elif settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        where_mail = f"sent by SMTP to {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    else:
        where_mail = f"handled by {settings.EMAIL_BACKEND}"
    return where_db, broker, where_mail


def child_environment(url: str) -> dict[str, str]:
    """The environment of every command and process this runs: ours, unbuffered, with SITE_URL (where mails
    link) this server's own address unless the environment names a public one."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.setdefault("SITE_URL", url.rstrip("/"))
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    command = [PYTHON, MANAGE, *args]
    print(f"$ manage.py {' '.join(args)}", flush=True)
    result = subprocess.run(command, cwd=BASE_DIR, env=env, check=False)
    if result.returncode != 0:
        sys.exit(f"run_dev: `manage.py {' '.join(args)}` failed with exit code {result.returncode}.")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()

    if not port_is_free(args.host, args.port):
        sys.exit(f"run_dev: {args.host}:{args.port} is already in use. Stop what runs there or use PORT=8001.")

    host_in_url = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host_in_url}:{args.port}/"
    env = child_environment(url)
    where_db, broker, where_mail = settings_summary()

    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    # Idempotent: creates the demo data the first time, and prints the demo logins every time.
    manage("seed_demo", env=env)

    banner = [
        "",
        "=" * 78,
        f"  Youth proposal tracker: {url}  (operators: {url}admin/)",
        f"  Database: {where_db}",
        f"  Broker:   {broker}",
        f"  Mails:    {where_mail}, linking to {env['SITE_URL']}/",
        "  Ctrl-C stops the web server, the Celery worker and Celery beat together.",
        "=" * 78,
        "",
    ]
    print("\n".join(banner), flush=True)

    out = Output()
    celery = [PYTHON, "-m", "celery", "-A", "tracker"]
    commands = {
        "web": [PYTHON, MANAGE, "runserver", f"{args.host}:{args.port}"],
        "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=1"],
        "beat": [*celery, "beat", "--loglevel=INFO"],
    }

    stop_requested: list[int] = []

    def request_stop(signum: int, _frame) -> None:
        if stop_requested:
            # A second Ctrl-C: no more waiting.
            for child in children:
                child.signal_group(signal.SIGKILL)
        stop_requested.append(signum)

    children: list[Child] = []
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    exit_code = 0
    announced = False
    try:
        for name, argv in commands.items():
            children.append(Child(name, argv, env, out))
        while not stop_requested:
            exited = next((child for child in children if child.process.poll() is not None), None)
            if exited is not None:
                code = exited.process.returncode
                out.say(f"run_dev: {exited.name} exited with code {code}; stopping the others.")
                # A process that stops on its own is a failure, even with code 0; -N means killed by signal N.
                exit_code = 128 - code if code < 0 else code or 1
                break
            if not announced and port_answers(args.host, args.port):
                announced = True
                out.say(f"run_dev: ready at {url}")
            time.sleep(0.2)
    finally:
        stop_all(children, out)

    if stop_requested and exit_code == 0:
        out.say("run_dev: stopped.")
    return exit_code


def stop_all(children: list[Child], out: Output) -> None:
    for signum, grace in zip((signal.SIGINT, signal.SIGTERM), STOP_GRACE, strict=True):
        running = [child for child in children if child.group_alive()]
        if not running:
            break
        for child in running:
            # The same signal the terminal's Ctrl-C would have sent to every process of the group.
            child.signal_group(signum)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(child.group_alive() for child in running):
            for child in running:
                child.process.poll()
            time.sleep(0.1)
    for child in children:
        if child.group_alive():
            out.say(f"run_dev: {child.name} did not stop; killing it.")
            child.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=5)
        child.finish_output()


if __name__ == "__main__":
    sys.exit(main())
