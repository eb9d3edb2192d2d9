"""The live API against its own OpenAPI schema: schemathesis, every check on, as every demo role.

A fresh PostgreSQL database gets the migrations and `seed_demo`; gunicorn serves it with production settings
(throttling raised so the runs are not all 429s). The test logs in as each demo role and runs the schemathesis
CLI against /api/v1/schema/ with that role's token, `--checks all`, a fixed seed and a bounded number of cases:

- one run per role over every operation but logging in and out: the examples and fuzzing phases, positive and
  negative cases (what each role may see and do differs: scope, 403s, 404s, refused actions, response bodies);
- one run of the coverage phase over every operation, as the secretary (a role that drafts, so the bodies
  get past the permission checks): the boundary and invalid values of every parameter and field, methods the
  API does not allow (405), missing headers. It hardly depends on the role and costs as much as three role
  runs, so it runs once (SCHEMATHESIS_COVERAGE_ROLES=all runs it for every role);
- one run of logging in and out, as the delegate: the same for every role, and dear (a login hashes the
  password for about a second).

Any failure fails the test: a 5xx, a status code, content type, header or body the schema does not document,
schema-valid input refused or invalid input accepted, an undocumented method not answered with 405.
tests/e2e/schemathesis.toml and the `filter_failure` hook of tests/e2e/schemathesis_hooks.py narrow the few
checks that a documented business rule contradicts, each with its reason; the hook also supplies the token and
logs in again when a run revoked it by logging out.

The figures (operations, cases, failures per run, per role and in total) are printed and written to
test-artifacts/schemathesis.json; each run's CLI output, JSON report and JUnit report go to
test-artifacts/schemathesis/. The fuzzing writes through the API as it likes: the database is dropped after.

SCHEMATHESIS_MAX_EXAMPLES, SCHEMATHESIS_SEED and SCHEMATHESIS_COVERAGE_ROLES change the depth, the seed and the
coverage runs (e.g. a longer run by hand); the defaults keep the test within about three minutes on two cores.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.e2e.processes import BASE_DIR, BIN, Processes, free_port, fresh_database, production_env

pytestmark = pytest.mark.slow

ROLES = ("admin", "coordinator", "secretary", "secretary2", "delegate", "delegate2")
PASSWORD = settings.DEMO_PASSWORD_DEFAULT
HERE = Path(__file__).resolve().parent
CONFIG = HERE / "schemathesis.toml"
HOOKS = HERE / "schemathesis_hooks.py"
ARTIFACTS = BASE_DIR / "test-artifacts"
RESULTS = ARTIFACTS / "schemathesis.json"

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261127"))
_coverage = os.environ.get("SCHEMATHESIS_COVERAGE_ROLES", "secretary")
COVERAGE_ROLES = ROLES if _coverage == "all" else tuple(_coverage.split(","))
CONCURRENCY = 3  # runs side by side: each is one client thread, the server has as many workers
AUTH_PATHS = "^/api/v1/auth/"
RUN_TIMEOUT = 300  # seconds for one run; the whole test takes about three minutes on two cores
# The server sits behind a TLS-terminating proxy in production; its header keeps SECURE_SSL_REDIRECT quiet.
PROXY_HEADER = "X-Forwarded-Proto: https"


@dataclass(frozen=True)
class Run:
    name: str
    role: str
    phases: str
    selection: tuple[str, ...] = ()


RUNS = (
    # The longest first, so that the three lanes end together.
    *(Run(f"coverage-{role}", role, "examples,coverage") for role in COVERAGE_ROLES),
    *(Run(role, role, "examples,fuzzing", ("--exclude-path-regex", AUTH_PATHS)) for role in ROLES),
    Run("auth", "delegate", "examples,fuzzing", ("--include-path-regex", AUTH_PATHS)),
)


@dataclass
class Result:
    run: str
    role: str
    phases: str
    operations: int
    cases: int
    failures: int
    errors: int
    filtered: int  # failures dropped by the narrow rules of schemathesis_hooks.filter_failure
    exit_code: int
    seconds: float
    tested: set[str] = field(default_factory=set, repr=False)

    def line(self, key: str = "run") -> str:
        return (
            f"schemathesis: {key}={getattr(self, key)} operations={self.operations} cases={self.cases} "
            f"failures={self.failures} errors={self.errors} filtered={self.filtered} seconds={self.seconds:.0f}"
        )

    def figures(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "tested"}


def combined(key: str, value: str, results: list[Result], seconds: float | None = None) -> Result:
    tested = set().union(*(r.tested for r in results))
    return Result(
        run=value if key == "run" else "+".join(r.run for r in results), role=value if key == "role" else "all",
        phases=",".join(sorted({p for r in results for p in r.phases.split(",")})), operations=len(tested),
        cases=sum(r.cases for r in results), failures=sum(r.failures for r in results),
        errors=sum(r.errors for r in results), filtered=sum(r.filtered for r in results),
        exit_code=max(r.exit_code for r in results),
        seconds=seconds if seconds is not None else sum(r.seconds for r in results), tested=tested,
    )  # fmt: skip


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def token_for(origin: str, username: str) -> str:
    request = urllib.request.Request(
        f"{origin}/api/v1/auth/token/", data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https"}, method="POST",
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())["token"]


def operations_in(junit: Path) -> set[str]:
    """The operations a run tested: the JUnit report's test cases that were not skipped."""
    return {
        case.get("name") for case in ET.parse(junit).iter("testcase") if case.find("skipped") is None
    }  # fmt: skip


def filtered_summary(out: Path) -> list[dict]:
    """What the narrow rules of schemathesis_hooks.filter_failure dropped, by operation and refused fields."""
    counts: Counter[tuple[str, int, tuple[str, ...]]] = Counter()
    for log in out.glob("*.filtered.jsonl"):
        for line in log.read_text().splitlines():
            entry = json.loads(line)
            counts[entry["operation"], entry["status"], tuple(entry["fields"])] += 1
    return [
        {"operation": operation, "status": status, "fields": list(fields), "count": count}
        for (operation, status, fields), count in sorted(counts.items())
    ]


def run_schemathesis(run: Run, origin: str, token: str, out: Path, workdir: Path, env: dict[str, str]) -> Result:
    report, junit = out / f"{run.name}.json", out / f"{run.name}.xml"
    argv = [
        str(BIN / "schemathesis"), "--config-file", str(CONFIG), "run", f"{origin}/api/v1/schema/", *run.selection,
        "--checks", "all", "--phases", run.phases, "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
        "--generation-database", "none", "--header", PROXY_HEADER, "--request-timeout", "60", "--no-color",
        # One worker: with more, hypothesis may parse source in two threads at once, which this CPython 3.11 can
        # fail ("SystemError: AST constructor recursion depth mismatch"). Whole runs go side by side instead.
        "--workers", "1",
        "--report", "json,junit", "--report-json-path", str(report), "--report-junit-path", str(junit),
    ]  # fmt: skip
    run_env = env | {
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "SCHEMATHESIS_API_URL": origin,
        "SCHEMATHESIS_USERNAME": f"demo-{run.role}",
        "SCHEMATHESIS_PASSWORD": PASSWORD,
        "SCHEMATHESIS_TOKEN": token,
        "SCHEMATHESIS_FILTERED_LOG": str(out / f"{run.name}.filtered.jsonl"),
    }
    (workdir / run.name).mkdir()  # schemathesis and hypothesis keep their files in the working directory
    started = time.monotonic()
    with (out / f"{run.name}.log").open("w") as log:
        log.write(f"$ {shlex.join(argv)}\n\n")
        log.flush()
        completed = subprocess.run(
            argv, cwd=workdir / run.name, env=run_env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT,
        )  # fmt: skip
    seconds = time.monotonic() - started
    assert report.exists() and junit.exists(), f"schemathesis wrote no report for {run.name}; see its log"
    document = json.loads(report.read_text())
    tested = operations_in(junit)
    return Result(
        run=run.name, role=run.role, phases=run.phases, operations=len(tested),
        cases=document["test_cases"]["generated"], failures=sum(group["count"] for group in document["failures"]),
        errors=sum(group["count"] for group in document["errors"]), filtered=document.get("filtered") or 0,
        exit_code=completed.returncode, seconds=seconds, tested=tested,
    )  # fmt: skip


def test_the_api_keeps_to_its_schema_for_every_role(requires_postgresql, processes: Processes, tmp_path):
    started = time.monotonic()
    out = ARTIFACTS / "schemathesis"
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.iterdir():
        if stale.is_file():
            stale.unlink()

    with fresh_database("schemathesis") as database, processes.output_on_failure():
        # The server's broker and cache are its own: a file-system queue in tmp_path and per-process memory.
        # The fuzzing fires transitions whose notices are queued; on the shared Redis another test's worker
        # could pick them up. Throttling and the sign-in lockout (the fuzzed logins fail, all from 127.0.0.1) are
        # raised far above what the runs send.
        env = production_env(tmp_path, broker_url="filesystem://localhost//") | {
            "DATABASE_URL": database,
            "CACHE_URL": "",
            "API_THROTTLE_USER": "100000/minute",
            "API_THROTTLE_ANON": "100000/minute",
            "API_THROTTLE_LOGIN": "100000/minute",
            "SIGNIN_FAILURE_LIMIT": "100000",
        }
        try:
            manage(env, "migrate", "--no-input", "-v", "0")
            manage(env, "seed_demo", "--force")
            port = free_port()
            gunicorn = [str(BIN / "gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{port}", "--timeout", "120"]
            processes.start("gunicorn", [*gunicorn, "--workers", str(CONCURRENCY)], env)
            processes.wait_for_port("gunicorn", port)
            origin = f"http://127.0.0.1:{port}"
            tokens = {role: token_for(origin, f"demo-{role}") for role in ROLES}

            with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
                futures = [
                    pool.submit(run_schemathesis, run, origin, tokens[run.role], out, tmp_path, env) for run in RUNS
                ]
                results = [future.result() for future in futures]
            assert processes.alive("gunicorn"), "gunicorn stopped during the runs"
        finally:
            if "gunicorn" in processes.started:
                processes.stop("gunicorn")  # before its database is dropped

    by_role = [combined("role", role, [r for r in results if r.role == role]) for role in ROLES]
    total = combined("role", "all", results, seconds=time.monotonic() - started)
    for line in (*(r.line("run") for r in results), *(r.line("role") for r in (*by_role, total))):
        print(line)
    RESULTS.write_text(json.dumps({
        "seed": SEED, "max_examples": MAX_EXAMPLES, "checks": "all",
        "runs": [r.figures() for r in results], "roles": [r.figures() for r in by_role], "total": total.figures(),
        "filtered": filtered_summary(out),
    }, indent=2, ensure_ascii=False) + "\n")  # fmt: skip

    problems = [
        f"{r.run}: {r.failures} failures, {r.errors} errors, exit code {r.exit_code} (see {out / f'{r.run}.log'})"
        for r in results
        if r.failures or r.errors or r.exit_code
    ]
    assert not problems, "schemathesis found problems:\n" + "\n".join(problems)
    for r in (*results, *by_role):
        assert r.operations > 0 and r.cases > 0, f"{r.run} ({r.role}): nothing was tested"
