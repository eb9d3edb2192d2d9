"""Backup and restore: the database and the uploaded files together, in one timestamped .tar.gz (#17 item 5).

The archive holds
- manifest.json: when, how the database was dumped, the rows of every model's table and the sha256 of every
  file (the database dump's and each uploaded file's);
- the database: database.dump (pg_dump's custom format) on PostgreSQL when pg_dump is on PATH; otherwise
  database.json (Django's dumpdata), which works on any database Django supports, SQLite too, and restores
  onto a newly migrated one with loaddata;
- media/: every uploaded file, read through the media storage (STORAGES["default"]): MEDIA_ROOT, or the
  S3-compatible bucket when MEDIA_S3_BUCKET is set; a backup of one restores onto the other.

`restore` goes onto an empty database and an empty media storage only (unless forced), checks each file against
the manifest before it uses it, writes the files through the storage, and compares the restored rows and files
(read back from the storage) with the manifest afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

FORMAT = 1
PREFIX = "tracker-backup-"
SUFFIX = ".tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


CHUNK = 1024 * 1024


def sha256(path: Path) -> str:
    with path.open("rb") as file:
        return _sha256_of(file)


def _sha256_of(file) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def model_tables() -> list[str]:
    """Every table of an installed model (many-to-many tables too), sorted."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped:
            tables.add(meta.db_table)
    return sorted(tables)


def table_counts() -> dict[str, int]:
    existing = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in model_tables():
            if table in existing:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # our own table names
                counts[table] = cursor.fetchone()[0]
    return counts


def media_storage() -> Storage:
    """The storage the uploads live in (STORAGES["default"]): the file system, or the S3-compatible bucket."""
    return storages["default"]


def media_location(storage: Storage | None = None) -> str:
    """Where the media storage keeps its files, for the operator's messages."""
    storage = storage or media_storage()
    bucket = getattr(storage, "bucket_name", None)
    if bucket:
        return f"the bucket {bucket}" + (f" (under {storage.location}/)" if getattr(storage, "location", "") else "")
    return f"the media folder {storage.location}"


def media_names(storage: Storage | None = None) -> list[str]:
    """Every file's name in the media storage (relative, with /), sorted."""
    storage = storage or media_storage()
    names = []

    def walk(folder: str) -> None:
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:  # the file system's MEDIA_ROOT before the first upload
            return
        names.extend(f"{folder}{name}" for name in files)
        for name in folders:
            walk(f"{folder}{name}/")

    walk("")
    return sorted(names)


def _stored_sha256(storage: Storage, name: str) -> str:
    with storage.open(name, "rb") as file:
        return _sha256_of(file)


def media_files(storage: Storage | None = None) -> dict[str, str]:
    """{name in the media storage: sha256} of every file there."""
    storage = storage or media_storage()
    return {name: _stored_sha256(storage, name) for name in media_names(storage)}


class _Hashing:
    """A file read into the archive, hashed as it goes, so that each file is read from the storage once."""

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, amount: int = -1) -> bytes:
        data = self.file.read(amount)
        self.digest.update(data)
        self.size += len(data)
        return data


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """pg_dump's and pg_restore's connection options, the password in the environment (not on the command line)."""
    db = connection.settings_dict
    options = ["--no-password"]
    if db["HOST"]:
        options += ["--host", db["HOST"]]
    if db["PORT"]:
        options += ["--port", str(db["PORT"])]
    if db["USER"]:
        options += ["--username", db["USER"]]
    environ = dict(os.environ)
    if db["PASSWORD"]:
        environ["PGPASSWORD"] = db["PASSWORD"]
    return options, environ


def _run(argv: list[str], environ: dict[str, str]) -> None:
    result = subprocess.run(argv, env=environ, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def database_method() -> str:
    """pg_dump on PostgreSQL when the client tools are on PATH, else dumpdata (portable, slower)."""
    return "pg_dump" if _postgresql() and shutil.which("pg_dump") else "dumpdata"


def _dump_database(directory: Path, method: str) -> Path:
    if method == "pg_dump":
        target = directory / "database.dump"
        options, environ = _pg_environment()
        name = connection.settings_dict["NAME"]
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *options, "--file", str(target),
              "--dbname", name], environ)  # fmt: skip
        return target
    target = directory / "database.json"
    call_command("dumpdata", "--all", "--indent", "0", "--output", str(target), verbosity=0)
    return target


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict
    removed: list[Path]


def archive_name(now: dt.datetime) -> str:
    return f"{PREFIX}{now.astimezone(dt.UTC):%Y%m%dT%H%M%S.%f}Z{SUFFIX}"  # sorts by time


def archives(directory: Path) -> list[Path]:
    """The backups in `directory`, oldest first (their names sort by time)."""
    return sorted(directory.glob(f"{PREFIX}*{SUFFIX}"))


def backup(directory: Path | None = None, *, keep: int | None = None) -> Backup:
    """Writes one archive into `directory` (BACKUP_DIR) and removes all but the newest `keep` (BACKUP_KEEP)."""
    directory = Path(directory or settings.BACKUP_DIR)
    keep = settings.BACKUP_KEEP if keep is None else keep
    directory.mkdir(parents=True, exist_ok=True)
    storage = media_storage()
    now = timezone.now()
    method = database_method()
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as work:
        dump = _dump_database(Path(work), method)
        # Counted after the dump: rows written in between would make the manifest claim rows the dump lacks,
        # so a busy service is better backed up by the beat job at night (or with the processes stopped).
        tables = table_counts()
        target = directory / archive_name(now)
        partial = Path(work) / target.name
        files = {}
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(dump, arcname=dump.name)
            for name in media_names(storage):
                files[name] = _add_stored_file(tar, storage, name)
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "database": {
                    "vendor": connection.vendor,
                    "method": method,
                    "file": dump.name,
                    "sha256": sha256(dump),
                },
                "tables": tables,
                "media": files,
            }
            (Path(work) / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
            tar.add(Path(work) / MANIFEST, arcname=MANIFEST)
        partial.replace(target)  # whole or not at all: a half-written archive is never left under its name
    removed = [old for old in archives(directory)[:-keep] if old != target] if keep else []
    for old in removed:
        old.unlink()
    logger.info(
        "Backup %s written: %d tables, %d rows, %d files (%s); %d old backups removed.",
        target, len(manifest["tables"]), sum(manifest["tables"].values()), len(files), method, len(removed),
    )  # fmt: skip
    return Backup(target, manifest, removed)


# --- Restore -------------------------------------------------------------------------------------------------


def _database_is_empty() -> bool:
    """No tables at all, or tables (a migrated database) without a row in any model's table."""
    return not any(table_counts().values())


def _add_stored_file(tar: tarfile.TarFile, storage: Storage, name: str) -> str:
    """One file of the media storage into the archive, under media/NAME; returns its sha256."""
    member = tarfile.TarInfo(f"media/{name}")
    member.size = storage.size(name)
    member.mode = 0o644
    try:
        member.mtime = int(storage.get_modified_time(name).timestamp())
    except NotImplementedError:
        member.mtime = int(timezone.now().timestamp())
    with storage.open(name, "rb") as file:
        reading = _Hashing(file)
        tar.addfile(member, reading)
    if reading.size != member.size:
        raise BackupError(f"{name} changed while it was backed up ({member.size} bytes, then {reading.size}).")
    return reading.digest.hexdigest()


def _media_is_empty(storage: Storage) -> bool:
    return not media_names(storage)


def _store(storage: Storage, name: str, source: Path) -> None:
    """Writes `source` as `name` into the storage, replacing a file of that name (a forced restore)."""
    if storage.exists(name):
        storage.delete(name)
    with source.open("rb") as file:
        saved = storage.save(name, File(file, name=name))
    if saved != name:
        raise BackupError(f"The storage kept {name} as {saved}; restore into an empty media storage.")


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        parts = Path(member.name).parts
        if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"The archive holds {member.name!r}, which a backup never does.")
        members.append(member)
    return members


def extract_members(tar: tarfile.TarFile, work_dir: Path) -> None:
    """Extracts the archive's plain files and folders (_safe_members) into work_dir.

    tarfile's "data" filter came with Python 3.11.4; Debian 12's python3 is 3.11.2, which refuses the argument.
    There the same rules are applied by hand: the files belong to whoever restores, no special bits, no write bit
    for group and others.
    """
    members = _safe_members(tar)
    if hasattr(tarfile, "data_filter"):
        tar.extractall(work_dir, members=members, filter="data")
        return
    for member in members:
        member.mode &= 0o755
        member.uid, member.gid = os.getuid(), os.getgid()
        member.uname = member.gname = ""
    tar.extractall(work_dir, members=members, numeric_owner=True)


def _load_pg_dump(dump: Path, *, force: bool) -> None:
    if not shutil.which("pg_restore"):
        raise BackupError("This archive holds a pg_dump of PostgreSQL; pg_restore must be on PATH to restore it.")
    if not _postgresql():
        raise BackupError("This archive holds a pg_dump of PostgreSQL; DATABASE_URL must name a PostgreSQL database.")
    options, environ = _pg_environment()
    # Tables without rows (a database that was migrated, then emptied) would collide with the dump's own.
    clean = ["--clean", "--if-exists"] if force or connection.introspection.table_names() else []
    connection.close()  # pg_restore works on its own connection; ours must not hold locks meanwhile
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *clean,
          *options, "--dbname", connection.settings_dict["NAME"], str(dump)], environ)  # fmt: skip


def _load_dumpdata(dump: Path, *, force: bool) -> None:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    call_command("migrate", interactive=False, verbosity=0)
    if force:
        call_command("flush", interactive=False, verbosity=0)
    # migrate creates the content types and permissions afresh, under other ids maybe: the archive's own ones
    # replace them, so that every reference to them stays right.
    Permission.objects.all().delete()
    ContentType.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)


def restore(archive: Path, *, force: bool = False) -> dict:
    """Restores `archive` onto this database and the media storage; returns its manifest. Refuses a database with rows
    or a media folder with files unless `force` (which then overwrites what the archive holds)."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file.")
    storage = media_storage()
    if not force:
        if not _database_is_empty():
            raise BackupError("The database is not empty; restore onto an empty one, or pass --force to overwrite it.")
        if not _media_is_empty(storage):
            where = media_location(storage)
            raise BackupError(
                f"{where[:1].upper()}{where[1:]} holds files; restore into an empty one, or pass --force to overwrite."
            )
    with tempfile.TemporaryDirectory(prefix="tracker-restore-") as work, tarfile.open(archive, "r:gz") as tar:
        work_dir = Path(work)
        extract_members(tar, work_dir)
        try:
            manifest = json.loads((work_dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise BackupError(f"{archive} has no readable {MANIFEST}: it is not a backup of this service.") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(
                f"{archive} is a backup in format {manifest.get('format')!r}; this version reads {FORMAT}."
            )
        database = manifest["database"]
        dump = work_dir / database["file"]
        problems = [] if dump.is_file() and sha256(dump) == database["sha256"] else [database["file"]]
        problems += [name for name, digest in manifest["media"].items() if not _same(work_dir / "media" / name, digest)]
        if problems:
            raise BackupError(
                f"The archive is damaged: {len(problems)} files differ from its manifest, {problems[0]} first."
            )
        if database["method"] == "pg_dump":
            _load_pg_dump(dump, force=force)
        else:
            _load_dumpdata(dump, force=force)
        for name in manifest["media"]:
            _store(storage, name, work_dir / "media" / name)
    verify(manifest)
    logger.info("Backup %s restored: %d rows, %d files.", archive, sum(manifest["tables"].values()),
                len(manifest["media"]))  # fmt: skip
    return manifest


def _same(path: Path, digest: str) -> bool:
    return path.is_file() and sha256(path) == digest


def _stored_same(storage: Storage, name: str, digest: str) -> bool:
    try:
        return _stored_sha256(storage, name) == digest
    except FileNotFoundError:
        return False


def verify(manifest: dict) -> None:
    """The rows of every table and the hash of every file as the manifest records them, or BackupError."""
    counts = table_counts()
    tables = [f"{table} ({counts.get(table)} rows, the backup has {rows})"
              for table, rows in manifest["tables"].items() if counts.get(table) != rows]  # fmt: skip
    storage = media_storage()
    files = [name for name, digest in manifest["media"].items() if not _stored_same(storage, name, digest)]
    if tables or files:
        raise BackupError(
            "The restore differs from the backup: " + "; ".join([*tables[:5], *(f"file {name}" for name in files[:5])])
        )
