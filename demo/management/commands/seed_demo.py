"""`manage.py seed_demo`: the Shuozhou demo data of DESIGN §7, built through proposals.services.

Organisations, people, sessions and 40-odd proposals in every state of the workflow, with revisions,
evidence, assignments, comments and a transition log whose timestamps lie in the past. Everything that
touches a proposal goes through proposals.services, so the demo obeys the same guards as real users.

Idempotent: when the city committee already exists nothing is created; only the demo logins are made
sure to exist with the current password. Runs in one transaction: a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import unicodedata
from collections import Counter

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from demo import data
from demo.seeder import DemoSeeder
from proposals.models import Organisation, Proposal, User
from proposals.workflow import State


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(1, width - display_width(text))


class Command(BaseCommand):
    help = (
        "Create the Shuozhou demo data (organisations, delegates, sessions, 40-odd proposals in every state) "
        "and the demo logins. Running it again creates nothing new; it only resets the demo logins' password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password of the demo logins (default: $DEMO_PASSWORD, else settings.DEMO_PASSWORD_DEFAULT).",
        )
        parser.add_argument("--force", action="store_true", help="Seed even with TRACKER_ENV=production.")

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["force"]:
            raise CommandError(
                "seed_demo creates logins with a known password; it refuses to run with TRACKER_ENV=production "
                "unless you pass --force."
            )
        password = options["password"] or os.environ.get("DEMO_PASSWORD") or settings.DEMO_PASSWORD_DEFAULT
        if not password.strip():
            raise CommandError("The demo password cannot be empty.")
        seeder = DemoSeeder(password_hash=make_password(password), now=timezone.now())
        try:
            with transaction.atomic():
                seeded_before = Organisation.objects.filter(name=data.CITY[1]).exists()
                if seeded_before:
                    missing = [login.username for login in data.LOGINS if seeder.ensure_login(login) is None]
                else:
                    seeder.seed()
                    missing = []
        except BaseException:
            seeder.forget_files()
            raise
        self.report(seeded_before, password, missing)

    def report(self, seeded_before: bool, password: str, missing: list[str]) -> None:
        write = self.stdout.write
        if seeded_before:
            write("演示数据已存在，未新建数据；已确认演示账号及其密码。")
            write("Demo data already present: nothing new created; the demo logins exist with the password below.")
        else:
            write(self.style.SUCCESS("演示数据已创建。 / Demo data created."))
        counts = Counter(Proposal.objects.values_list("state", flat=True))
        write("")
        write(f"提案 / Proposals: {sum(counts.values())}")
        for state in State:
            with translation.override("zh-hans"):
                chinese = str(state.label)
            with translation.override("en"):
                label = f"{chinese} / {state.label}"
            write(f"  {pad(label, 32)}{counts.get(state.value, 0):>3}")
        write("")
        write(f"演示账号 / Demo logins (密码 / password: {password})")
        for login in data.LOGINS:
            user = User.objects.filter(username=login.username).select_related("organisation").first()
            if user is None:
                continue
            if user.organisation is not None:
                where = user.organisation.name
            elif login.body:
                profile = user.delegate_profile
                where = f"{profile.region} {profile.constituency}" if profile else ""
            else:
                where = "全部 / everything"
            write(f"  {pad(login.username, 18)}{pad(f'{login.role_zh} / {login.role_en}', 26)}{where}")
        for username in missing:
            self.stderr.write(f"{username}: 其组织已不存在，未创建 / its organisation no longer exists; not created.")
