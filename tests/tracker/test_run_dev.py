"""`make run` on another port (or host) writes mails whose links reach that server: run_dev passes its own
address as SITE_URL to everything it starts, unless the environment names a public URL."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("run_dev", ROOT / "scripts" / "run_dev.py")
run_dev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_dev)


def test_make_run_hands_its_port_to_the_script():
    dry_run = subprocess.run(["make", "-n", "run", "PORT=8123", "HOST=0.0.0.0"], cwd=ROOT, capture_output=True,
                             text=True, check=True, timeout=30)  # fmt: skip
    assert "scripts/run_dev.py --host 0.0.0.0 --port 8123" in dry_run.stdout


def test_the_processes_link_mails_to_the_port_they_serve(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    env = run_dev.child_environment("http://127.0.0.1:8123/")
    assert env["SITE_URL"] == "http://127.0.0.1:8123"
    # As the web process, the worker and the seeding read it: the setting every mail's links start with.
    shell = "from django.conf import settings; print(settings.SITE_URL)"
    env = {key: value for key, value in env.items() if key != "DJANGO_SETTINGS_MODULE"}
    read = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", shell], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    assert read.stdout.strip() == "http://127.0.0.1:8123"


def test_a_public_url_in_the_environment_wins(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://tracker.example.org")
    assert run_dev.child_environment("http://127.0.0.1:8123/")["SITE_URL"] == "https://tracker.example.org"
    assert os.environ["SITE_URL"] == "https://tracker.example.org"  # and ours is left as it was
