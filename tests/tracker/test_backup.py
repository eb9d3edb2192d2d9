"""Backups: one archive of the database and the uploaded files, restored onto an empty database and media folder
(tracker/backup.py, `manage.py backup` and `manage.py restore`). The PostgreSQL round trip of the demo is in
tests/e2e/test_backup_restore.py."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from proposals import tasks
from proposals.models import Organisation
from tests.tracker.test_settings import PRODUCTION, production_setting
from tracker import backup

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    """manage.py on the development defaults (SQLite, no broker) with these variables."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_", "DJANGO_", "MEDIA_"))}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**keep, **environ},
                          capture_output=True, text=True, timeout=180)  # fmt: skip


def sqlite_site(tmp_path: Path, name: str) -> dict[str, str]:
    return {"TRACKER_VAR_DIR": str(tmp_path / name), "DATABASE_URL": f"sqlite:///{tmp_path / name}.sqlite3",
            "MEDIA_ROOT": str(tmp_path / name / "media"), "BACKUP_DIR": str(tmp_path / "backups")}  # fmt: skip


SEED = (
    "from proposals.models import User, Organisation; from pathlib import Path; from django.conf import settings; "
    "o = Organisation.objects.create(name='朔州团市委', level='city', region='朔州'); "
    "User.objects.create_user('secretary', password='x', first_name='李', organisation=o); "
    "f = Path(settings.MEDIA_ROOT) / 'evidence' / '2026' / '调研.pdf'; f.parent.mkdir(parents=True); "
    "f.write_bytes(b'%PDF-1.4 ' + bytes(range(256)))"
)
COUNT = (
    "from tracker import backup; from django.conf import settings; from pathlib import Path; import json; "
    "print(json.dumps([backup.table_counts(), backup.media_files()]))"
)


def test_the_portable_fallback_round_trips_on_sqlite(tmp_path):
    """Without PostgreSQL (or without pg_dump) the database goes into the archive as dumpdata's JSON."""
    source, target = sqlite_site(tmp_path, "source"), sqlite_site(tmp_path, "target")
    assert manage("migrate", "-v0", **source).returncode == 0
    seeded = manage("shell", "--no-imports", "-c", SEED, **source)
    assert seeded.returncode == 0, seeded.stderr
    made = manage("backup", **source)
    assert made.returncode == 0, made.stderr
    assert "(dumpdata)" in made.stdout
    (archive,) = (tmp_path / "backups").glob("tracker-backup-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "database.json", "media/evidence/2026/调研.pdf"} <= set(names)
    assert manifest["database"]["method"] == "dumpdata"
    assert manifest["tables"]["proposals_user"] == 1 and manifest["tables"]["proposals_organisation"] == 1

    restored = manage("restore", str(archive), **target)  # a database file that does not exist yet
    assert restored.returncode == 0, restored.stderr
    assert "all as the manifest records" in restored.stdout
    before, after = (
        json.loads(manage("shell", "--no-imports", "-c", COUNT, **site).stdout) for site in (source, target)
    )
    assert before == after
    assert before[1] == {"evidence/2026/调研.pdf": manifest["media"]["evidence/2026/调研.pdf"]}

    again = manage("restore", str(archive), **target)
    assert again.returncode != 0 and "The database is not empty" in again.stderr and "--force" in again.stderr
    forced = manage("restore", "--force", str(archive), **target)
    assert forced.returncode == 0, forced.stderr
    assert json.loads(manage("shell", "--no-imports", "-c", COUNT, **target).stdout) == before


@pytest.mark.django_db
def test_backup_keeps_the_newest_archives_only(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    written = [backup.backup(tmp_path / "b", keep=2).path for _ in range(3)]
    assert backup.archives(tmp_path / "b") == written[1:]
    call_command("backup", "--dir", str(tmp_path / "b"), "--keep", "1")
    assert len(backup.archives(tmp_path / "b")) == 1


@pytest.mark.django_db
def test_restore_refuses_a_database_with_rows(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    Organisation.objects.create(name="朔州团市委", level="city", region="朔州")
    archive = backup.backup(tmp_path / "b").path
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(archive))


@pytest.mark.django_db
def test_restore_refuses_a_media_folder_with_files(tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = backup.backup(tmp_path / "b").path
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "left.txt").write_text("x")
    monkeypatch.setattr(backup, "_database_is_empty", lambda: True)
    with pytest.raises(CommandError, match=r"The media folder .* holds files"):
        call_command("restore", str(archive))


@pytest.mark.django_db
def test_a_damaged_archive_is_refused_before_anything_is_restored(tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.txt").write_text("original")
    archive = backup.backup(tmp_path / "b").path
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as tar, tarfile.open(damaged, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "media/a.txt":
                data = b"changed!"
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    (tmp_path / "media" / "a.txt").unlink()
    monkeypatch.setattr(backup, "_database_is_empty", lambda: True)
    loaded = []
    monkeypatch.setattr(backup, "_load_pg_dump", lambda *a, **k: loaded.append(a))
    monkeypatch.setattr(backup, "_load_dumpdata", lambda *a, **k: loaded.append(a))
    with pytest.raises(backup.BackupError, match=r"damaged: 1 files differ from its manifest, a\.txt first"):
        backup.restore(damaged)
    assert loaded == [] and not (tmp_path / "media" / "a.txt").exists()


def test_the_daily_backup_is_scheduled_only_when_backup_dir_is_set(tmp_path):
    schedule = "sorted(s.CELERY_BEAT_SCHEDULE)"
    assert "'daily-backup'" not in production_setting(schedule)
    entry = production_setting(
        "(s.CELERY_BEAT_SCHEDULE['daily-backup']['task'], str(s.BACKUP_DIR), s.BACKUP_KEEP)",
        BACKUP_DIR=str(tmp_path), BACKUP_KEEP="3",
    )  # fmt: skip
    assert entry == repr(("proposals.tasks.make_backup", str(tmp_path), 3))
    assert PRODUCTION  # the same production settings as the settings tests


def test_the_backup_task_calls_the_service(monkeypatch):
    calls = []
    monkeypatch.setattr(backup, "backup", lambda: calls.append("backup"))
    tasks.make_backup()
    assert calls == ["backup"]
