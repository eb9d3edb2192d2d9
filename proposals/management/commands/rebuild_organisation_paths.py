"""Recompute every organisation's path from the parent links, after writes that went around Organisation.save."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from proposals import tree
from proposals.models import Organisation


class Command(BaseCommand):
    help = (
        "Recompute the organisation tree's paths from the parent links and positions: needed only after organisations "
        "were changed in bulk SQL rather than through the admin or the application."
    )

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                changed = tree.rebuild_paths(Organisation)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{changed} of {Organisation.objects.count()} organisations had a stale path; all are right now."
        )
