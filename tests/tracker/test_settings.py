"""Settings come from the environment and refuse values that make no sense, loudly, at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tracker import env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "TRACKER_ENV": "production",
    "SECRET_KEY": "k3y-" + "q8Zr!v2Lm#x7Tn$w" * 4,
    "ALLOWED_HOSTS": "tracker.example.org",
    "DATABASE_URL": "postgres://tracker:secret@db.example.org:5432/tracker",
    "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
}


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **environ}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("raw", ["ture", "2", "enabled"])
def test_a_boolean_that_is_not_one_fails(monkeypatch, raw):
    monkeypatch.setenv("DEBUG", raw)
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env.env_bool("DEBUG", default=False)


@pytest.mark.parametrize(("raw", "expected"), [("yes", True), ("0", False), ("On", True), ("", False)])
def test_booleans_read_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env.env_bool("FLAG", default=not expected) is expected


def test_a_number_that_is_not_one_fails(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        env.env_int("EMAIL_PORT", 25)


def test_the_production_settings_pass_the_deploy_check_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": ""}, "CELERY_BROKER_URL"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"TRACKER_ENV": "prod"}, "TRACKER_ENV"),
        ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "EMAIL_USE_TLS"),
        ({"SUPERVISED_REMINDER_OFFSETS": "30,14,two"}, "SUPERVISED_REMINDER_OFFSETS"),
        # The broker's own database, however it is spelled: clearing the cache would wipe the task queue.
        ({"CACHE_URL": "redis://redis.example.org:6379/0"}, "CACHE_URL"),
        ({"CACHE_URL": "redis://:pw@redis.example.org:6379"}, "CACHE_URL"),
        ({"CACHE_URL": "redis://redis.example.org:6379/5?db=0"}, "CACHE_URL"),
    ],
)
def test_production_refuses_to_start_on_a_bad_value(override, complaint):
    result = manage("check", **{**PRODUCTION, **override})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and complaint in result.stderr


def test_the_embedded_defaults_need_no_configuration(tmp_path):
    result = manage("check", TRACKER_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr


def production_setting(expression: str, **environ: str) -> str:
    """repr() of a Python expression over the production settings `s` (with these variables set)."""
    code = f"from django.conf import settings as s; print(repr({expression}))"
    result = manage("shell", "--no-imports", "-c", code, **{**PRODUCTION, **environ})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_trusts_no_proxy_unless_told():
    both = "(s.NUM_PROXIES, s.REST_FRAMEWORK['NUM_PROXIES'])"
    assert production_setting(both) == "(0, 0)"
    assert production_setting(both, NUM_PROXIES="1") == "(1, 1)"


@pytest.mark.parametrize(
    ("broker", "cache"),
    [
        ("redis://redis.example.org:6379/0", "redis://redis.example.org:6379/1"),
        ("redis://redis.example.org:6379", "redis://redis.example.org:6379/1"),
        ("redis://:pw@redis.example.org:6379/6", "redis://:pw@redis.example.org:6379/7"),
        ("rediss://redis.example.org:6380/14", "rediss://redis.example.org:6380/15"),
        ("redis://redis.example.org:6379/15", "redis://redis.example.org:6379/14"),
        ("unix:///run/redis.sock?db=2", "unix:///run/redis.sock?db=3"),
    ],
)
def test_the_cache_defaults_to_the_brokers_next_redis_database(broker, cache):
    assert production_setting("s.CACHES['default']['LOCATION']", CELERY_BROKER_URL=broker) == repr(cache)


def test_the_demo_app_can_be_left_out_and_has_no_models():
    """An office's server may run without the demo: the app holds no tables, so leaving it out changes no schema."""
    without = manage("makemigrations", "--check", "--dry-run", TRACKER_DEMO="false")
    assert without.returncode == 0, without.stdout + without.stderr
    seed = manage("seed_demo", "--help", TRACKER_DEMO="false")
    assert seed.returncode != 0 and "Unknown command" in seed.stderr
    from django.apps import apps

    assert list(apps.get_app_config("demo").get_models()) == []
