"""`manage.py restore ARCHIVE`: a backup back onto an empty database and media folder (tracker/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from tracker import backup


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` onto an empty database and media storage (MEDIA_ROOT "
        "or the S3 bucket), checking every file against its manifest first and every table's rows and every "
        "file's hash afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The tracker-backup-*.tar.gz to restore.")
        parser.add_argument(
            "--force", action="store_true",
            help="Restore over a database that has rows and a media folder that has files (they are overwritten).",
        )  # fmt: skip

    def handle(self, *args, archive: str, force: bool, **options):
        try:
            manifest = backup.restore(archive, force=force)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {archive} (made {manifest['created_at']}): {sum(manifest['tables'].values())} rows in "
            f"{len(manifest['tables'])} tables and {len(manifest['media'])} files, all as the manifest records."
        )
