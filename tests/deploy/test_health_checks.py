"""docker-compose.yml's health checks of the worker and of beat, run as Docker would run them, against real
processes: a private Redis, a Celery worker and a beat started with production settings (as tests/e2e/ does).

Docker runs a CMD-SHELL test with `sh -c` in the container, whose HOSTNAME is the worker's node name; compose
turns `$$` into `$` first. The paths of the image (/app/var/celery) become this test's folder.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e.processes import BIN, Processes, RedisServer, production_env

ROOT = Path(__file__).resolve().parents[2]
SERVICES = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]

pytestmark = pytest.mark.slow


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    manager = Processes(tmp_path)
    try:
        yield manager
    finally:
        manager.stop_all()


def run_check(service: str, env: dict[str, str], schedule_dir: Path | None = None) -> subprocess.CompletedProcess:
    test = SERVICES[service]["healthcheck"]["test"]
    if test[0] == "CMD-SHELL":
        argv = ["sh", "-c", test[1].replace("$$", "$")]
    else:
        argv = [test[1] if test[1] != "python" else str(BIN / "python"), *test[2:]]
    if schedule_dir is not None:
        argv = [part.replace("/app/var/celery", str(schedule_dir)) for part in argv]
    timeout = int(SERVICES[service]["healthcheck"]["timeout"].removesuffix("s"))
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout + 10)


def test_the_worker_check_passes_while_it_runs_and_fails_when_it_is_gone(requires_postgresql, processes, tmp_path):
    redis = RedisServer(processes, tmp_path)
    redis.start()
    env = production_env(tmp_path, broker_url=redis.url)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["HOSTNAME"] = "tracker-worker-1"  # the container's host name, as Docker sets it
    with processes.output_on_failure():
        processes.start("worker", [str(BIN / "celery"), "-A", "tracker", "worker", "--loglevel=INFO", "--concurrency=1",
                                   "-n", "celery@tracker-worker-1"], env)  # fmt: skip
        processes.wait_for_output("worker", "ready.")
        result = run_check("worker", env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "pong" in result.stdout
        # Another node's name (another container) does not answer for this one.
        other = run_check("worker", {**env, "HOSTNAME": "tracker-worker-2"})
        assert other.returncode != 0
        processes.stop("worker")
        gone = run_check("worker", env)
        assert gone.returncode != 0


def test_the_beat_check_passes_once_beat_has_written_its_schedule(requires_postgresql, processes, tmp_path):
    redis = RedisServer(processes, tmp_path)
    redis.start()
    env = production_env(tmp_path, broker_url=redis.url)
    schedule_dir = tmp_path / "celery"
    schedule_dir.mkdir()
    assert run_check("beat", env, schedule_dir).returncode != 0, "no schedule file yet"
    with processes.output_on_failure():
        processes.start("beat", [str(BIN / "celery"), "-A", "tracker", "beat", "--loglevel=INFO",
                                 "--schedule", str(schedule_dir / "beat-schedule")], env)  # fmt: skip
        processes.wait_for_output("beat", "beat: Starting...")
        deadline = time.monotonic() + 20
        while run_check("beat", env, schedule_dir).returncode != 0:
            assert time.monotonic() < deadline, f"beat wrote no schedule file: {list(schedule_dir.iterdir())}"
            time.sleep(0.5)
        assert processes.alive("beat")
