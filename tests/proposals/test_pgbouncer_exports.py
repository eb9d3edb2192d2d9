"""Behind PgBouncer (DATABASE_PGBOUNCER=true: no server-side cursors), the exports still read every row, in
chunks on the client; PostgreSQL only, where server-side cursors exist at all."""

import pytest
from django.db import connection

from proposals.models import Proposal
from proposals.reporting import spreadsheets

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(world, monkeypatch):
    """More proposals than a chunk holds (chunks of 5 here, so that a few rows make several)."""
    monkeypatch.setattr(spreadsheets, "CHUNK_SIZE", 5)
    for n in range(12):
        world.draft(title=f"关于第{n}项青年就业见习岗位的建议")
    return Proposal.objects.count()


def _open_cursors() -> int:
    """The server-side cursors open in this session now (PostgreSQL's pg_cursors)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        return cursor.fetchone()[0]


def _export_and_count_cursors() -> tuple[list, int]:
    exported = spreadsheets.rows(Proposal.objects.all())
    first = next(exported)  # the export is under way: its query is open
    during = _open_cursors()
    return [first[0], *(row[0] for row in exported)], during


def test_the_export_reads_every_row_with_server_side_cursors_off(requires_postgresql, many, monkeypatch):
    with_cursors, open_with = _export_and_count_cursors()
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    without, open_without = _export_and_count_cursors()
    assert without == with_cursors and len(without) == many
    assert (open_with, open_without) == (1, 0)  # the setting is what PgBouncer needs: no cursor held open
