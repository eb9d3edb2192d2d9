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


# --- Values that could only fail later stop the start instead (#17 item 8) ------------------------------------


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is not a log level"),
        ({"API_THROTTLE_LOGIN": "lots"}, "API_THROTTLE_LOGIN='lots' is not a rate"),
        ({"API_THROTTLE_ANON": "60/fortnight"}, "API_THROTTLE_ANON"),
        ({"API_THROTTLE_USER": "0/minute"}, "API_THROTTLE_USER"),
        ({"REMINDER_SEND_HOUR": "25"}, "REMINDER_SEND_HOUR=25 is above the maximum of 23"),
        ({"REMINDER_SEND_HOUR": "-1"}, "REMINDER_SEND_HOUR=-1 is below the minimum of 0"),
        ({"TIME_ZONE": "Beijing"}, "TIME_ZONE='Beijing' is not a time zone"),
        ({"SITE_URL": "tracker.example.org"}, "SITE_URL"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.smpt.EmailBackend"}, "EMAIL_BACKEND"),
        ({"CSRF_TRUSTED_ORIGINS": "tracker.example.org"}, "CSRF_TRUSTED_ORIGINS entry 'tracker.example.org'"),
        ({"DEFAULT_FROM_EMAIL": "青年提案助手 noreply"}, "DEFAULT_FROM_EMAIL"),
        ({"CACHE_URL": "memcached://cache.example.org:11211"}, "CACHE_URL must be a Redis URL"),
    ],
)
def test_a_value_that_would_fail_later_stops_the_start_with_one_line_naming_it(override, complaint):
    result = manage("check", **{**PRODUCTION, **override})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: ") and complaint in last, result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("debug", "DEBUG"), ("Warning", "WARNING")])
def test_log_levels_are_read_in_any_case(monkeypatch, raw, expected):
    monkeypatch.setenv("LOG_LEVEL", raw)
    assert env.env_log_level("LOG_LEVEL", "INFO") == expected


@pytest.mark.parametrize("rate", ["10/minute", "100/h", "5/s", "1000/day"])
def test_rates_as_drf_reads_them_pass(monkeypatch, rate):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setenv("API_THROTTLE_LOGIN", rate)
    assert env.env_rate("API_THROTTLE_LOGIN", "10/minute") == rate
    SimpleRateThrottle.parse_rate(SimpleRateThrottle.__new__(SimpleRateThrottle), rate)  # DRF reads it too


def test_a_time_zone_can_be_chosen():
    assert (
        production_setting("(s.TIME_ZONE, s.CELERY_TIMEZONE)", TIME_ZONE="Asia/Urumqi")
        == "('Asia/Urumqi', 'Asia/Urumqi')"
    )


# --- Secrets from files: NAME_FILE names a file whose content is the value -------------------------------------

SECRETS = ["SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL",
           "EMAIL_HOST_PASSWORD"]  # fmt: skip


def test_every_secret_can_come_from_a_file(tmp_path):
    values = {
        "SECRET_KEY": "f1le-" + "Zr!v2Lm#x7Tn$wq8" * 4,
        "DATABASE_URL": "postgres://tracker:from-a-file@db.example.org:5432/tracker",
        "CELERY_BROKER_URL": "redis://:file-pw@redis.example.org:6379/2",
        "CELERY_RESULT_BACKEND": "redis://:file-pw@redis.example.org:6379/4",
        "CACHE_URL": "redis://:file-pw@redis.example.org:6379/3",
        "EMAIL_HOST_PASSWORD": "smtp pass from a file",
    }
    environ = {key: value for key, value in PRODUCTION.items() if key not in values}
    for name, value in values.items():
        (tmp_path / name).write_text(value + "\n")  # the line end an editor adds is not part of the secret
        environ[f"{name}_FILE"] = str(tmp_path / name)
    code = (
        "from django.conf import settings as s; "
        "print(repr([s.SECRET_KEY, s.DATABASES['default']['PASSWORD'], s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND,"
        " s.CACHES['default']['LOCATION'], s.EMAIL_HOST_PASSWORD]))"
    )
    result = manage("shell", "--no-imports", "-c", code, **environ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([values["SECRET_KEY"], "from-a-file", *list(values.values())[2:]])


@pytest.mark.parametrize("name", SECRETS)
def test_a_secret_set_both_ways_stops_the_start(tmp_path, name):
    (tmp_path / "secret").write_text("redis://redis.example.org:6379/9")
    result = manage(
        "check", **{**PRODUCTION, name: "redis://redis.example.org:6379/9", f"{name}_FILE": str(tmp_path / "secret")}
    )
    assert result.returncode != 0
    assert f"{name} and {name}_FILE are both set" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(("content", "complaint"), [(None, "cannot be read"), ("", "is an empty file")])
def test_a_secret_file_that_is_missing_or_empty_stops_the_start(tmp_path, content, complaint):
    path = tmp_path / "secret_key"
    if content is not None:
        path.write_text(content)
    environ = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = manage("check", **environ, SECRET_KEY_FILE=str(path))
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "SECRET_KEY_FILE=" in last and complaint in last, result.stderr


def test_env_secret_reads_the_file_and_not_the_line_end(monkeypatch, tmp_path):
    (tmp_path / "pw").write_text("s3cret\r\n")
    monkeypatch.delenv("EMAIL_HOST_PASSWORD", raising=False)
    monkeypatch.setenv("EMAIL_HOST_PASSWORD_FILE", str(tmp_path / "pw"))
    assert env.env_secret("EMAIL_HOST_PASSWORD", "") == "s3cret"


# --- PgBouncer and Redis Sentinel (#17 item 10) ---------------------------------------------------------------

SHOW = "from django.conf import settings as s; print(s.{})"


def shown(*args, **environ) -> str:
    """The last line a `manage.py shell -c` printed (the shell says first what it imported)."""
    return manage(*args, **environ).stdout.strip().splitlines()[-1]


def test_a_sentinel_broker_names_its_master_for_the_broker_and_the_results():
    sentinel = "sentinel://10.0.0.1:26379;sentinel://10.0.0.2:26379"
    result = manage("shell", "-c", SHOW.format("CELERY_BROKER_TRANSPORT_OPTIONS, s.CELERY_RESULT_BACKEND, "
                                                 "s.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS"),
                    **(PRODUCTION | {"CELERY_BROKER_URL": sentinel, "CELERY_BROKER_SENTINEL_MASTER": "tracker",
                                     "CACHE_URL": "redis://cache.example.org:6379/1"}))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "'master_name': 'tracker'" in result.stdout and sentinel in result.stdout
    assert result.stdout.count("'master_name': 'tracker'") == 2  # the results' transport too


@pytest.mark.parametrize(("environ", "named"), [
    ({"CELERY_BROKER_URL": "sentinel://10.0.0.1:26379"}, "CELERY_BROKER_SENTINEL_MASTER"),
    ({"CELERY_BROKER_SENTINEL_MASTER": "tracker"}, "CELERY_BROKER_SENTINEL_MASTER"),
    ({"CELERY_BROKER_URL": "sentinel://10.0.0.1:26379", "CELERY_BROKER_SENTINEL_MASTER": "tracker"}, "CACHE_URL"),
])  # fmt: skip
def test_a_sentinel_half_configured_stops_the_start(environ, named):
    result = manage("check", **(PRODUCTION | environ))
    assert result.returncode != 0 and named in result.stderr.strip().splitlines()[-1], result.stderr[-500:]


def test_behind_pgbouncer_server_side_cursors_are_off():
    show = SHOW.format("DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS')")
    assert shown("shell", "-c", show, **PRODUCTION, DATABASE_PGBOUNCER="true") == "True"
    assert shown("shell", "-c", show, **PRODUCTION) == "False"


def test_behind_pgbouncer_connections_are_not_kept_and_no_statement_is_prepared():
    options = "s.DATABASES['default']['OPTIONS'].get('prepare_threshold', 'unset')"
    show = SHOW.format(f"DATABASES['default']['CONN_MAX_AGE'], {options}")
    assert shown("shell", "-c", show, **PRODUCTION, DATABASE_PGBOUNCER="true") == "0 None"
    assert shown("shell", "-c", show, **PRODUCTION) == "60 unset"  # Django's own default is None too
    # An operator's own DB_CONN_MAX_AGE still wins (persistent connections to PgBouncer are cheap, and allowed).
    assert shown("shell", "-c", show, **PRODUCTION, DATABASE_PGBOUNCER="true", DB_CONN_MAX_AGE="30") == "30 None"


@pytest.mark.parametrize(("environ", "named"), [
    ({"DATABASE_URL": "postgres://u@db.example.org/tracker?server_side_binding=true"}, "server_side_binding"),
    ({"DATABASE_URL": "postgres://u@db.example.org/tracker?prepare_threshold=5"}, "prepare_threshold"),
    ({"DATABASE_URL": "sqlite:////tmp/tracker.sqlite3"}, "PostgreSQL"),
])  # fmt: skip
def test_behind_pgbouncer_prepared_statements_or_another_database_stop_the_start(environ, named):
    result = manage("check", **(PRODUCTION | environ), DATABASE_PGBOUNCER="true")
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode != 0 and "DATABASE_PGBOUNCER" in last and named in last, result.stderr[-500:]
