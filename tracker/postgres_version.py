"""The oldest PostgreSQL the tracker runs on: 14 (the search migration, 0005, writes SQL-standard function bodies).

A system check on the database, so that `manage.py migrate` (docker-compose.yml's migrate service, the systemd
unit tracker-migrate.service, which web, worker and beat wait for) and `manage.py check --database default`
stop at once with one line instead of failing half-way through the migrations. Registered by web/apps.py.
"""

from __future__ import annotations

from django.core import checks
from django.db import connections

MINIMUM_SERVER_VERSION_NUM = 140000
MINIMUM_SERVER_VERSION = "14"


def server_version_num(connection) -> int:
    """The server's version as PostgreSQL numbers it (150019 for 15.19), read over the connection."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0])


def readable(version_num: int) -> str:
    major, rest = divmod(version_num, 10000)
    return f"{major}.{rest}" if major >= 10 else f"{major}.{rest // 100}.{rest % 100}"


@checks.register(checks.Tags.database)
def check_postgres_version(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        version_num = server_version_num(connection)
        if version_num < MINIMUM_SERVER_VERSION_NUM:
            host = connection.settings_dict.get("HOST") or "localhost"
            errors.append(
                checks.Error(
                    f"PostgreSQL {MINIMUM_SERVER_VERSION} or newer is required; the server of database "
                    f"'{alias}' at {host} is {readable(version_num)}.",
                    hint="Upgrade PostgreSQL (the README says which versions are supported).",
                    id="tracker.E014",
                )
            )
    return errors
