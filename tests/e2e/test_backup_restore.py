"""The demo backed up and restored onto a fresh PostgreSQL database and media folder: every table has the same
rows and every file the same sha256 (#17 item 5). `manage.py` runs as an operator runs it, in its own process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.e2e.processes import BASE_DIR, fresh_database

pytestmark = pytest.mark.slow


def manage(*args: str, database: str, media: Path, backups: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DATABASE_URL=database, MEDIA_ROOT=str(media), BACKUP_DIR=str(backups), CELERY_TASK_ALWAYS_EAGER="1")
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def rows(url: str) -> dict[str, int]:
    """Every table of the public schema (django_migrations too) and its rows, read without Django."""
    with psycopg.connect(url) as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]  # fmt: skip
        return {table: conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def hashes(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in root.rglob("*") if path.is_file()}  # fmt: skip


def test_a_backup_of_the_demo_restores_every_row_and_every_file(requires_postgresql, tmp_path):
    backups = tmp_path / "backups"
    with fresh_database("source") as source, fresh_database("target") as target:
        site = {"database": source, "media": tmp_path / "media-source", "backups": backups}
        manage("migrate", "-v0", **site)
        manage("seed_demo", **site)
        made = manage("backup", **site)
        assert "(pg_dump)" in made.stdout
        (archive,) = backups.glob("tracker-backup-*.tar.gz")

        restored = manage("restore", str(archive), database=target, media=tmp_path / "media-target", backups=backups)
        assert "all as the manifest records" in restored.stdout

        before, after = rows(source), rows(target)
        assert before == after
        assert sum(before.values()) > 100 and before["proposals_proposal"] > 0
        files = hashes(tmp_path / "media-source")
        assert files, "the demo has uploaded files (evidence, answer letters)"
        assert hashes(tmp_path / "media-target") == files

        # Once more, over what is there now (--force): pg_restore cleans first, the same rows and files again.
        target_site = {"database": target, "media": tmp_path / "media-target", "backups": backups}
        manage("restore", "--force", str(archive), **target_site)
        assert rows(target) == before and hashes(tmp_path / "media-target") == files
