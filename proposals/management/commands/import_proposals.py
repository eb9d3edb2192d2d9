"""`manage.py import_proposals FILE.xlsx`: past proposals from a spreadsheet, all or nothing.

Every row is checked first; if any is bad, nothing is imported and the report names each bad row and why.
The column layout is in docs/import.md; `--template FILE.xlsx` writes an empty file with an example row.
"""

from __future__ import annotations

import sys
import zipfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from openpyxl.utils.exceptions import InvalidFileException
from tqdm import tqdm

from proposals import imports, services
from proposals.models import User
from proposals.workflow import State


class _DryRun(Exception):
    """Rolls back the transaction of a dry run."""


class Command(BaseCommand):
    help = (
        "Import past proposals from an .xlsx file (layout: docs/import.md). Every row is checked first; if any "
        "row is bad nothing is imported and the errors are listed by row. --template FILE writes an empty file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx file to import (or to write, with --template).")
        parser.add_argument("--template", action="store_true", help="Write an empty import file with an example row.")
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Check everything and write it inside a transaction that is rolled back: nothing is kept.",
        )  # fmt: skip
        parser.add_argument(
            "--user", help="Username recorded as the author and in the log (default: the first active administrator)."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (none is shown off a terminal)."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if options["template"]:
            if path.exists():
                raise CommandError(f"{path} 已存在，未覆盖 / already exists; not overwritten.")
            imports.write_template(path)
            self.stdout.write(f"已写入导入模板 / Template written: {path}")
            return
        actor = self.actor(options["user"])
        show = not options["no_progress"] and sys.stderr.isatty()
        now = timezone.now()
        try:
            sheet = imports.read_sheet(path)
        except imports.ImportRefused as refused:
            raise self.refusal(refused) from None
        except FileNotFoundError:
            raise CommandError(f"{path}: 文件不存在 / no such file.") from None
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
            raise CommandError(
                f"{path}: 无法作为 .xlsx 读取 / cannot be read as an .xlsx workbook ({error})."
            ) from None
        try:
            with self.bar(len(sheet.rows), "检查 / checking", show) as update:
                items = imports.check_rows(sheet, actor=actor, now=now, progress=update)
        except imports.ImportRefused as refused:
            raise self.refusal(refused) from None
        if not items:
            raise CommandError(f"{path}: 没有数据行 / the file has no rows below its header.")
        try:
            with transaction.atomic(), self.bar(len(items), "导入 / importing", show) as update:
                proposals = services.proposals_import(
                    actor=actor, items=items, source=path.name, now=now, progress=update
                )
                if options["dry_run"]:
                    raise _DryRun
        except _DryRun:
            self.stdout.write(f"试运行：全部 {len(items)} 行均可导入，未保存。 / Dry run: every row can be imported "
                              f"({len(items)}); nothing was kept.")  # fmt: skip
            return
        self.report(proposals)

    @staticmethod
    def refusal(refused: imports.ImportRefused) -> CommandError:
        """Every error, one line each, under a summary: the command's message and its exit status 1."""
        report = "\n".join(str(error) for error in refused.errors)
        rows = len({error.row for error in refused.errors})
        return CommandError(
            f"{len(refused.errors)} 处错误，涉及 {rows} 行；未导入任何提案。 / "
            f"{len(refused.errors)} errors in {rows} rows; nothing was imported.\n{report}"
        )

    def actor(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"没有用户 {username} / no active user {username}.")
            return user
        user = User.objects.operators().filter(is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("没有管理员账号，请用 --user 指定 / no administrator; name a user with --user.")
        return user

    @contextmanager
    def bar(self, total: int, label: str, show: bool):
        with tqdm(total=total, desc=label, unit="行", file=sys.stderr, disable=not show, leave=True) as progress:
            yield progress.update

    def report(self, proposals) -> None:
        counts = Counter(proposal.state for proposal in proposals)
        self.stdout.write(
            self.style.SUCCESS(f"已导入提案 {len(proposals)} 条。 / Proposals imported: {len(proposals)}.")
        )
        for state in State:
            if counts.get(state.value):
                self.stdout.write(f"  {state.label}: {counts[state.value]}")
