"""`manage.py backup`: the database and the uploaded files into one timestamped archive (tracker/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker import backup


class Command(BaseCommand):
    help = (
        "Write one .tar.gz holding the database (pg_dump on PostgreSQL, else dumpdata), the uploaded files and a "
        "manifest into BACKUP_DIR, then keep only the newest BACKUP_KEEP archives there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help=f"Where to write the archive (default BACKUP_DIR, {settings.BACKUP_DIR}).")
        parser.add_argument("--keep", type=int, help=f"Archives to keep (default BACKUP_KEEP, {settings.BACKUP_KEEP}).")

    def handle(self, *args, dir: str | None, keep: int | None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be 1 or more.")
        try:
            result = backup.backup(Path(dir) if dir else None, keep=keep)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        self.stdout.write(
            f"{result.path}: {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
            f"{len(manifest['media'])} files ({manifest['database']['method']})."
        )
        for old in result.removed:
            self.stdout.write(f"Removed {old}")
