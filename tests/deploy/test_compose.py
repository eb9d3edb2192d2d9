"""docker-compose.yml, checked without a Docker engine (none runs here).

The file must validate against the Compose specification's JSON schema, tests/deploy/compose-spec.json: the
file compose/config/compose_spec.json of the docker-compose 1.29.2 package on PyPI (the Compose Specification,
draft 2019-09 schema, Apache-2.0, as that release shipped it). Then what the schema cannot say: every service
named in depends_on exists, web, worker and beat wait for the one-shot migrate service, the database has no
default password, Mailpit is for development only, and .env.example names every variable the settings read.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
SCHEMA = json.loads((ROOT / "tests" / "deploy" / "compose-spec.json").read_text(encoding="utf-8"))
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
APP_SERVICES = ("web", "worker", "beat")


def env_example_names() -> set[str]:
    """Every variable .env.example names, set (NAME=...) or left at its default (# NAME=...)."""
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.MULTILINE))


def settings_variables() -> set[str]:
    """The variables tracker/settings.py reads through tracker.env, and the few read elsewhere."""
    text = (ROOT / "tracker" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"\benv_[a-z_]+\(\s*\"([A-Z][A-Z0-9_]*)\"", text))
    for path in ROOT.glob("*/management/commands/*.py"):
        names |= set(re.findall(r"os\.environ\.get\(\"([A-Z][A-Z0-9_]*)\"", path.read_text(encoding="utf-8")))
    return names


def test_the_compose_file_validates_against_the_compose_specification():
    # Its $schema says draft 2019-09 (with a trailing "#" that jsonschema does not look up by itself).
    assert SCHEMA["$schema"] == "http://json-schema.org/draft/2019-09/schema#"
    jsonschema.Draft201909Validator.check_schema(SCHEMA)
    errors = sorted(
        jsonschema.Draft201909Validator(SCHEMA).iter_errors(COMPOSE), key=lambda error: list(error.absolute_path)
    )
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_the_schema_refuses_what_compose_refuses():
    """The schema is really applied: a misspelt key and a wrong depends_on condition are errors."""
    validator = jsonschema.Draft201909Validator(SCHEMA)
    assert not validator.is_valid({"services": {"web": {"image": "x", "restart_policy": "always"}}})
    assert not validator.is_valid({"services": {"web": {"image": "x", "depends_on": {"db": {"condition": "up"}}}}})


def test_every_service_named_in_depends_on_exists():
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on {dependency}, which is not a service"


def test_web_worker_and_beat_wait_for_the_one_shot_migrate_service():
    migrate = SERVICES["migrate"]
    assert migrate["command"][-3:] == ["manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    for name in APP_SERVICES:
        depends_on = SERVICES[name]["depends_on"]
        assert depends_on["migrate"] == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in " ".join(SERVICES[name]["command"]), f"{name} must not migrate itself"


def test_static_files_are_collected_at_build_time_only():
    assert "collectstatic" not in COMPOSE_TEXT
    assert "manage.py collectstatic" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_worker_and_beat_have_health_checks():
    assert "celery -A tracker inspect ping" in SERVICES["worker"]["healthcheck"]["test"][1]
    assert SERVICES["beat"]["healthcheck"]["test"][:3] == ["CMD", "python", "-c"]
    assert SERVICES["web"]["healthcheck"]


def test_the_beat_health_check_fails_on_a_stale_schedule_file(tmp_path):
    """The beat health check, run as compose would run it, on a fresh and on a stale schedule file."""
    command = SERVICES["beat"]["healthcheck"]["test"][3].replace("/app/var/celery", str(tmp_path))

    def healthy() -> bool:
        return subprocess.run([sys.executable, "-c", command], timeout=30).returncode == 0

    assert not healthy(), "no schedule file at all"
    schedule = tmp_path / "beat-schedule"
    schedule.write_bytes(b"")
    assert healthy()
    stale = time.time() - 16 * 60
    os.utime(schedule, (stale, stale))
    assert not healthy()


def test_the_database_password_has_no_default():
    uses = re.findall(r"\$\{POSTGRES_PASSWORD([^}]*)\}", COMPOSE_TEXT)
    assert uses, "docker-compose.yml must take the password from POSTGRES_PASSWORD"
    for use in uses:
        assert use.startswith(":?") and len(use) > 10, f"${{POSTGRES_PASSWORD{use}}} must be required, with a message"
    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?" in COMPOSE_TEXT


def test_nginx_is_in_front_and_gunicorn_is_not_published():
    assert "ports" not in SERVICES["web"]
    assert SERVICES["web"]["environment"]["NUM_PROXIES"] == "1"
    nginx = SERVICES["nginx"]
    assert nginx["depends_on"]["web"] == {"condition": "service_healthy"}
    for volume in nginx["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./deploy/nginx/"):
            assert (ROOT / source).is_file(), source


def test_mailpit_is_development_only_and_never_without_a_login():
    mailpit = SERVICES["mailpit"]
    assert mailpit["profiles"] == ["dev"]
    for port in mailpit["ports"]:
        assert port.startswith("127.0.0.1:"), f"{port}: Mailpit's inbox must not be published beyond this host"
    assert "MP_UI_AUTH" in mailpit["environment"]
    assert 'test -n "$$MP_UI_AUTH" ||' in " ".join(mailpit["entrypoint"])
    for name in APP_SERVICES:
        assert "mailpit" not in SERVICES[name]["depends_on"], f"{name} must start without the dev profile"


def test_env_example_names_every_variable_the_settings_read():
    missing = settings_variables() - env_example_names()
    assert not missing, f".env.example does not name: {', '.join(sorted(missing))}"


def test_env_example_names_every_variable_the_compose_file_interpolates():
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))
    missing = interpolated - env_example_names()
    assert not missing, f".env.example does not name: {', '.join(sorted(missing))}"


def test_the_required_variables_are_set_in_env_example_not_left_commented():
    required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", COMPOSE_TEXT))
    assert required == {"SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"}
    for name in required:
        assert re.search(rf"^{name}=", ENV_EXAMPLE, flags=re.MULTILINE), name


@pytest.mark.parametrize("name", ["SECRET_KEY", "POSTGRES_PASSWORD"])
def test_env_example_ships_no_secret(name):
    assert re.search(rf"^{name}=$", ENV_EXAMPLE, flags=re.MULTILINE), f"{name} must be empty in .env.example"
