"""The README's curl examples and scripts/api_walkthrough.sh run as written against a fresh demo: `make run`'s
own script (scripts/run_dev.py: migrate, the demo data, web, worker and beat) on the embedded defaults, on a
port of its own. Each works on a proposal it drafts and signs out only the tokens it made; the mails the worker
writes link to the port the server runs on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.processes import BASE_DIR, Processes, free_port, http

pytestmark = pytest.mark.slow

DEMO_PASSWORD = "shuozhou-demo-2026"
README_BASE = "http://127.0.0.1:8000"
# The settings `make run` leaves to their embedded defaults (SQLite, a file-system broker, mails as files).
NOT_INHERITED = ("DJANGO_", "DATABASE_URL", "CELERY_", "CACHE_URL", "EMAIL_", "SITE_URL", "TRACKER_", "DEBUG",
                 "SECRET_KEY", "ALLOWED_HOSTS", "DEMO_PASSWORD")  # fmt: skip


@dataclass
class Demo:
    port: int
    var: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, username: str) -> str:
        body = json.dumps({"username": username, "password": DEMO_PASSWORD}).encode()
        answer = http(self.port, "POST", "/api/v1/auth/token/", body=body,
                      headers={"Content-Type": "application/json"})  # fmt: skip
        assert answer.status == 200, answer.body
        return json.loads(answer.body)["token"]

    def me_status(self, token: str) -> int:
        return http(self.port, "GET", "/api/v1/me/", headers={"Authorization": f"Token {token}"}).status


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    directory = tmp_path_factory.mktemp("readme-demo")
    env = {key: value for key, value in os.environ.items() if not key.startswith(NOT_INHERITED)}
    env.update(TRACKER_VAR_DIR=str(directory / "var"), PYTHONUNBUFFERED="1")
    port = free_port()
    processes = Processes(directory)
    try:
        with processes.output_on_failure():
            processes.start("run_dev", [sys.executable, "scripts/run_dev.py", "--port", str(port)], env)
            processes.wait_for_output("run_dev", f"ready at http://127.0.0.1:{port}/", timeout=90)
        yield Demo(port, directory / "var")
    finally:
        processes.stop_all()


def readme_curl_blocks() -> list[str]:
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    return [block for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL) if "curl " in block]


def bash(script: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=BASE_DIR, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60)  # fmt: skip


def test_the_readme_has_curl_examples_for_the_demo():
    (block,) = readme_curl_blocks()
    assert README_BASE in block
    commands = [line for line in block.splitlines() if not line.lstrip().startswith("#")]
    assert not any("logout-all" in line for line in commands)  # other clients' tokens are not ours to end


def test_the_readmes_curl_examples_run_as_written_and_leave_other_tokens_alone(demo):
    others = [demo.token("demo-secretary"), demo.token("demo-delegate")]  # someone else, signed in meanwhile
    for block in readme_curl_blocks():
        run = bash(block.replace(README_BASE, demo.base))
        assert run.returncode == 0, f"{run.stderr}\n{run.stdout}"
        assert '"title":"关于扩大青年见习岗位的建议"' in run.stdout
        assert '"state":"research"' in run.stdout
    assert [demo.me_status(token) for token in others] == [200, 200]


def test_the_walkthrough_takes_a_proposal_of_its_own_to_closed_and_its_mails_link_to_this_port(demo):
    others = [demo.token("demo-secretary"), demo.token("demo-delegate"), demo.token("demo-coordinator")]
    started = time.monotonic()
    run = bash("bash scripts/api_walkthrough.sh", BASE=f"{demo.base}/api/v1")
    assert run.returncode == 0, f"{run.stderr}\n{run.stdout}"
    assert time.monotonic() - started < 30
    proposal = re.search(r"Done: proposal (\d+) is closed", run.stdout).group(1)
    assert [demo.me_status(token) for token in others] == [200, 200, 200]

    # The notices of its transitions, written by the worker as files under var/mail/.
    link = f"{demo.base}/p/{proposal}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mails = [path.read_text(errors="replace") for path in (demo.var / "mail").glob("*.log")]
        if any(link in mail for mail in mails):
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"No mail links to {link}.")
    assert not any("127.0.0.1:8000" in mail for mail in mails)
