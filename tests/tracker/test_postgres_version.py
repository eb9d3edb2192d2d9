"""PostgreSQL older than 14 is refused when the database is checked (`migrate`, `check --database`)."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from tracker import postgres_version

pytestmark = pytest.mark.django_db


def test_the_real_server_is_new_enough(requires_postgresql):
    assert postgres_version.server_version_num(connection) >= 140000
    assert postgres_version.check_postgres_version(databases=["default"]) == []


def test_an_older_server_is_refused_with_one_line(requires_postgresql, monkeypatch):
    monkeypatch.setattr(postgres_version, "server_version_num", lambda connection: 130011)
    [error] = postgres_version.check_postgres_version(databases=["default"])
    assert error.id == "tracker.E014"
    assert error.msg.startswith("PostgreSQL 14 or newer is required; the server of database 'default' at ")
    assert error.msg.endswith(" is 13.11.")
    assert "\n" not in error.msg


def test_migrate_stops_before_migrating_on_an_older_server(requires_postgresql, monkeypatch):
    monkeypatch.setattr(postgres_version, "server_version_num", lambda connection: 120003)
    with pytest.raises(SystemCheckError, match=r"PostgreSQL 14 or newer is required; .* is 12\.3\."):
        call_command("migrate", "--check", verbosity=0, skip_checks=False)


def test_checks_without_a_database_do_not_connect(monkeypatch):
    def refuse(connection):
        raise AssertionError("connected")

    monkeypatch.setattr(postgres_version, "server_version_num", refuse)
    assert postgres_version.check_postgres_version(databases=None) == []
    call_command("check", verbosity=0)  # what `make check` and collectstatic at build time run


def test_sqlite_is_not_asked(monkeypatch, settings):
    monkeypatch.setattr(postgres_version.connections["default"], "vendor", "sqlite")
    assert postgres_version.check_postgres_version(databases=["default"]) == []


@pytest.mark.parametrize(("number", "text"), [(140000, "14.0"), (150019, "15.19"), (90624, "9.6.24")])
def test_readable_versions(number, text):
    assert postgres_version.readable(number) == text
