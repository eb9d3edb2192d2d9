"""7. HTTP under load: the delegates' list against a trivial JSON endpoint, both through gunicorn in one run.

gunicorn serves bench.settings with TRACKER_ENV=production on the bench PostgreSQL database and Redis db 14;
locust (headless, one process, bench/locustfile.py) drives it over loopback, first the list, then /bench/hello/,
each after an uncounted warm-up, with the same users and time. The machine has two cores, so the load generator
takes CPU from gunicorn: the ratio compares the two endpoints under the same handicap, not against another box.

Two switches differ from a real deployment, both for a plain-HTTP loopback run: SECURE_SSL_REDIRECT=false (the
proxy that terminates TLS is missing; HSTS is only sent on HTTPS requests, so it needs no switch) and the API
throttles raised to 1000000/minute (one user asking thousands of times a second is the point here).
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.databases import ROOT, Target
from bench.measure import Row, compared
from tests.e2e.processes import free_port, stop_group

BIN = Path(sys.executable).parent
LIST_PATH = "/api/v1/proposals/?state=closed&state=answered&page_size=50"  # as scenario 1 asks it
HELLO_PATH = "/bench/hello/"
HELLO_API_PATH = "/bench/hello-api/"  # as trivial, behind the API's token authentication and throttles
LOGIN = "demo-delegate"
PASSWORD = os.environ.get("DEMO_PASSWORD", "shuozhou-demo-2026")  # what seed_demo gave the demo logins
BROKER_URL = "redis://127.0.0.1:6379/14"
# Two cores shared with locust: two processes, each with a few threads for the time a request waits on PostgreSQL.
WORKERS = 2
THREADS = 4
WARMUP_SECONDS = 3
START_TIMEOUT = 30.0
SERIOUS = re.compile(r"ERROR|WARNING|Error\b|Exception\b")
TIMESTAMP = re.compile(r"^\[?\d{4}-\d\d-\d\d[ T][\d:,.]+( [+-]\d{4})?\]? ")


def http_load(target: Target, *, seconds: int = 20, users: int = 16) -> list[Row]:
    """Throughput, latency and errors of the list and of /bench/hello/ under `users` locust users for `seconds`."""
    load_before = os.getloadavg()[0]  # others' work on the machine takes CPU from both sides alike
    with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
        directory = Path(directory)
        port = free_port()
        server = _start_gunicorn(target, port, directory / "gunicorn.log")
        try:
            _wait_healthy(server, port, directory / "gunicorn.log")
            token = _token(port)
            stats = {}
            for name, path in (("list", LIST_PATH), ("hello", HELLO_PATH), ("hello_api", HELLO_API_PATH)):
                _locust(port, path, token, users, WARMUP_SECONDS, directory / f"warmup-{name}")
                stats[name] = _locust(port, path, token, users, seconds, directory / name)
        finally:
            stop_group(server)
        server_log = (directory / "gunicorn.log").read_text(errors="replace")
    listed, hello, hello_api = stats["list"], stats["hello"], stats["hello_api"]
    errors = sum(figures["failures"] for figures in stats.values())
    notes = {
        "list_p99_ms": listed["p99_ms"], "hello_p99_ms": hello["p99_ms"],
        "list_median_ms": listed["median_ms"], "hello_median_ms": hello["median_ms"],
        "errors_list": listed["failures"], "errors_hello": hello["failures"],
        "requests_list": listed["requests"], "requests_hello": hello["requests"],
        "users": users, "seconds": seconds, "gunicorn_workers": WORKERS, "gunicorn_threads": THREADS,
        "load_average_before": round(load_before, 2),
    }  # fmt: skip
    failure_notes = {f"failures_{name}": stats[name]["failure_messages"] for name in stats if stats[name]["failures"]}
    if errors:
        # The server's side of the failures: the first distinct warnings and errors it logged (to its console).
        failure_notes["gunicorn_errors"] = _distinct_errors(server_log)[:8]
    # #18's targets: the list at the run's largest size ≥ 0.2 × the trivial view, and the trivial view behind the
    # API's authentication and throttles (the floor of every API request) ≥ 0.5 × the trivial view.
    throughput = compared("7 HTTP load", "throughput list / trivial JSON", ours=listed["rps"], baseline=hello["rps"],
                          target=">= 0.2", unit="req/s", **notes, **failure_notes)  # fmt: skip
    floor = compared("7 HTTP load", "throughput trivial JSON behind the API's authentication / trivial JSON",
                     ours=hello_api["rps"], baseline=hello["rps"], target=">= 0.5", unit="req/s",
                     hello_api_p99_ms=hello_api["p99_ms"], hello_api_median_ms=hello_api["median_ms"],
                     requests_hello_api=hello_api["requests"])  # fmt: skip
    failed = Row("7 HTTP load", "errors under load", ours=errors, unit="errors", target="== 0", ratio=errors,
                 met=errors == 0, notes=failure_notes)  # fmt: skip
    return [throughput, floor, failed]


def _start_gunicorn(target: Target, port: int, log: Path) -> subprocess.Popen:
    env = target.env(
        TRACKER_ENV="production", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1,localhost",
        CELERY_BROKER_URL=BROKER_URL, SECURE_SSL_REDIRECT="false",
        API_THROTTLE_USER="1000000/minute", API_THROTTLE_ANON="1000000/minute", PYTHONUNBUFFERED="1",
    )  # fmt: skip
    env.pop("DEBUG", None)
    env.pop("CELERY_RESULT_BACKEND", None)
    argv = [str(BIN / "gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
            "--worker-class", "gthread", "--threads", str(THREADS)]  # fmt: skip
    with log.open("wb") as output:
        # Its own process group, so that stopping it stops its workers too.
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def _wait_healthy(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn was not healthy in {START_TIMEOUT:.0f} s:\n{log.read_text(errors='replace')[-4000:]}")


def _token(port: int) -> str:
    body = json.dumps({"username": LOGIN, "password": PASSWORD}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/token/", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.load(response)["token"]


def _locust(port: int, path: str, token: str, users: int, seconds: int, prefix: Path) -> dict:
    """One headless locust run; the figures of its "Aggregated" row and its first failure messages."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(BENCH_PATH=path, BENCH_TOKEN=token)
    argv = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(users),
            "-r", str(users), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
            "--only-summary", "--loglevel", "WARNING"]  # fmt: skip
    # Exit code 1 means "some requests failed": counted below, not an error of the run.
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stats_file = Path(f"{prefix}_stats.csv")
    if done.returncode not in (0, 1) or not stats_file.exists():
        raise RuntimeError(f"locust failed with {done.returncode}:\n{done.stdout[-4000:]}")
    with stats_file.open(newline="") as stats:
        aggregated = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    failures_file = Path(f"{prefix}_failures.csv")
    messages = []
    if failures_file.exists():
        with failures_file.open(newline="") as failures:
            messages = [f"{row['Occurrences']}x {row['Error']}" for row in csv.DictReader(failures)][:5]
    return {
        "requests": int(aggregated["Request Count"]), "failures": int(aggregated["Failure Count"]),
        "rps": _number(aggregated["Requests/s"]), "median_ms": _number(aggregated["Median Response Time"]),
        "p99_ms": _number(aggregated["99%"]), "failure_messages": messages,
    }  # fmt: skip


def _number(value: str) -> float:
    """A figure of locust's CSV: "N/A" where no request completed in the window (a starved warm-up, say)."""
    return float("nan") if value == "N/A" else float(value)


def _distinct_errors(log: str) -> list[str]:
    """The log's warnings, errors and exception lines, each once, without their timestamps."""
    lines = (TIMESTAMP.sub("", line) for line in log.splitlines() if SERIOUS.search(line))
    return list(dict.fromkeys(lines))


if __name__ == "__main__":
    started = time.perf_counter()
    rows = http_load(Target("postgresql", "10k"))
    print(json.dumps([row.to_dict() for row in rows], indent=2, ensure_ascii=False))
    print(f"took {time.perf_counter() - started:.1f} s", file=sys.stderr)
