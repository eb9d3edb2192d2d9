"""Run a reminder sweep and send what it finds, in this process, through the same code as the Celery tasks."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from proposals import reminders
from proposals.models import Reminder
from proposals.validators import parse_moment


class Command(BaseCommand):
    help = (
        "Plan the reminders that are due and send them, without a worker or a broker. "
        "--dry-run shows what would be planned and sent; --at pretends it is another moment."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Plan and show, record and send nothing.")
        parser.add_argument("--at", help="The moment to sweep at, ISO 8601 (e.g. 2026-12-01T08:00+08:00).")

    def handle(self, *args, dry_run: bool, at: str | None, **options):
        now = self.moment(at)
        self.stdout.write(f"Sweep at {timezone.localtime(now):%Y-%m-%d %H:%M %Z}{' (dry run)' if dry_run else ''}")
        planned = reminders.plan(now, dry_run=dry_run)
        for reminder in planned.planned:
            self.stdout.write(
                f"  planned  {reminder.recipient.username:<20} {reminder.stage:<12} {reminder.offset_days:+d}d "
                f"{reminder.kind:<10} send after {timezone.localtime(reminder.send_after):%Y-%m-%d %H:%M}  "
                f"{reminder.proposal.title}"
            )
        self.stdout.write(f"Planned {len(planned.planned)}, cancelled {planned.cancelled} stale.")
        if dry_run:
            due = Reminder.objects.filter(status=Reminder.Status.PENDING, send_after__lte=now).count()
            self.stdout.write(f"Would send {due} pending reminder(s) recorded before.")
            return
        result = reminders.send_due(now)
        self.stdout.write(
            f"Sent {len(result.sent)} reminder(s) in {result.mails} mail(s); "
            f"{len(result.retried)} to retry, {len(result.failed)} failed, {len(result.cancelled)} cancelled."
        )
        if result.retried or result.failed:
            errors = Reminder.objects.filter(pk__in=result.retried + result.failed).values_list("last_error", flat=True)
            for error in sorted(set(errors)):
                self.stderr.write(f"  {error}")

    @staticmethod
    def moment(at: str | None) -> dt.datetime:
        if not at:
            return timezone.now()
        try:
            return parse_moment(at)
        except ValidationError:
            raise CommandError(
                f"--at {at!r} is not an ISO 8601 date and time between the years 1 and 9999, "
                "e.g. 2026-12-01T08:00+08:00."
            ) from None
