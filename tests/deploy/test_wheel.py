"""The built wheel, and the offline bundle installed with no index (docs/operations.md).

`pip wheel . --no-deps` must give a wheel with every template, static file and the compiled catalogue (an
installed tracker has no checkout beside it). `make offline-bundle` must give a folder that installs into a fresh
virtualenv with pip cut off from every index (`--no-index`, no configuration, no find-links but the bundle's), and
the installed tracker must then pass `check --deploy` and find its templates, static files and Chinese.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tracker", "proposals", "api", "web", "demo")
CATALOGUE = "share/youth-proposal-tracker/locale/zh_Hans/LC_MESSAGES/django.mo"


def files_in_checkout(folder: str) -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            relative = path.relative_to(ROOT)
            if path.is_file() and folder in relative.parts and "__pycache__" not in relative.parts:
                found.add(relative.as_posix())
    return found


def pip_env(tmp_path: Path) -> dict[str, str]:
    """pip with no configuration and no index: the bundle is all it has."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PIP_", "PYTHON", "DJANGO_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", HOME=str(tmp_path))
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(folder), str(ROOT)],
        check=True,
        timeout=300,
    )
    [path] = folder.glob("youth_proposal_tracker-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_carries_every_template_and_static_file(wheel):
    names = set(wheel.namelist())
    templates, static = files_in_checkout("templates"), files_in_checkout("static")
    assert len(templates) > 50 and len(static) > 5
    assert not templates - names, sorted(templates - names)
    assert not static - names, sorted(static - names)


def test_the_wheel_carries_the_compiled_catalogue_and_the_licence(wheel):
    names = wheel.namelist()
    [catalogue] = [name for name in names if name.endswith(CATALOGUE)]
    assert wheel.read(catalogue) == (ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").read_bytes()
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), names
    assert any(name.startswith("proposals/migrations/0001_") for name in names)


def test_the_wheel_carries_no_tests_nor_run_time_files(wheel):
    for name in wheel.namelist():
        assert not name.startswith(("tests/", "var/", "bench/", "scripts/", "deploy/")), name


@pytest.mark.slow
def test_the_offline_bundle_installs_with_no_network(tmp_path):
    bundle = tmp_path / "offline-bundle"
    made = subprocess.run(
        ["make", "--no-print-directory", "offline-bundle", f"OFFLINE_BUNDLE={bundle}"],
        cwd=ROOT,
        timeout=600,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    assert (tmp_path / "offline-bundle.tar.gz").is_file()
    wheels = sorted(path.name for path in (bundle / "wheels").glob("*.whl"))
    assert any(name.startswith("youth_proposal_tracker-") for name in wheels)
    # Run-time dependencies only: none of the dev tools of the lock.
    for dev_tool in ("pytest", "ruff", "playwright", "schemathesis", "locust", "hypothesis"):
        assert not any(name.lower().startswith(dev_tool + "-") for name in wheels), dev_tool
    for name in ("constraints.txt", "env.example", "INSTALL.txt", "deploy/systemd/tracker-web.service"):
        assert (bundle / name).is_file(), name
    # The wheelhouse holds what this Python release needs (redis wants async-timeout below 3.11.3 only): the bundle
    # names the release, and the server's python3 must be the same (docs/operations.md).
    built_for = f"{platform.python_version()} {platform.machine()}"
    assert (bundle / "python-version.txt").read_text(encoding="utf-8").strip() == built_for
    assert built_for in (bundle / "INSTALL.txt").read_text(encoding="utf-8")

    venv = tmp_path / "venv"
    env = pip_env(tmp_path)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120, env=env)
    python = venv / "bin" / "python"
    install = [python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", bundle / "wheels"]
    subprocess.run(
        [*install, "-c", bundle / "constraints.txt", "youth-proposal-tracker"],
        check=True,
        timeout=600,
        env=env,
        cwd=tmp_path,
    )

    # The installed tracker, far from the checkout: production settings, as the systemd units give them.
    var = tmp_path / "var"
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings",
        TRACKER_ENV="production",
        TRACKER_VAR_DIR=str(var),
        SECRET_KEY="offline-bundle-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="tracker.test",
        DATABASE_URL="postgres://tracker@127.0.0.1:9/tracker",  # `check` without --database does not connect
        CELERY_BROKER_URL="redis://127.0.0.1:9/0",
    )
    django = [venv / "bin" / "django-admin"]
    check = subprocess.run(
        [*django, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    collect = subprocess.run(
        [*django, "collectstatic", "--noinput"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert collect.returncode == 0, collect.stderr
    assert (var / "static" / "web" / "site.js").is_file()
    probe = """
import django, tracker
django.setup()
from django.template.loader import get_template
from django.utils import translation
get_template("base.html"); get_template("proposals/mail/reminder.txt")
translation.activate("zh-hans")
from django.conf import settings
print(tracker.__file__)
print(settings.LOCALE_PATHS[0])
print(translation.gettext("English"))
"""
    result = subprocess.run([python, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    location, catalogue, english = result.stdout.splitlines()
    assert location.startswith(str(venv)), location
    assert catalogue == str(venv / "share" / "youth-proposal-tracker" / "locale")
    assert english == "英文"
