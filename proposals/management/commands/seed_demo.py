"""`manage.py seed_demo`: the Shuozhou demo data of DESIGN §7, built through proposals.services.

Organisations, people, sessions and 40-odd proposals in every state of the workflow, with revisions,
evidence, assignments, comments and a transition log whose timestamps lie in the past. Everything that
touches a proposal goes through proposals.services, so the demo obeys the same guards as real users.

Idempotent: when the city committee already exists nothing is created; only the demo logins are made
sure to exist with the current password. Runs in one transaction: a failure leaves nothing behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import random
import re
import struct
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from proposals import demo_data as data
from proposals import services
from proposals.models import Delegate, Organisation, Proposal, Session, User
from proposals.workflow import State, reached

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMERALS = "一二三四五六七八九十"
REFERENCE_PREFIX = {"motion": "议案", "suggestion": "建议", "cppcc_proposal": "提案"}
REFERENCE_START = {"motion": 3, "suggestion": 100, "cppcc_proposal": 40}


def numbered(items: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"{NUMERALS[i]}、{item}" for i, item in enumerate(items))


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(1, width - display_width(text))


# --- Small, valid evidence files ----------------------------------------------------------------------


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a correct cross-reference table (ASCII text only: no embedded CJK font)."""
    text = " ".join(f"({line}) Tj 0 -18 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 770 Td {text} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def tiny_png(rng: random.Random, width: int = 48, height: int = 32) -> bytes:
    """A small RGB gradient, standing in for a photo of the research on site."""
    base = [rng.randrange(60, 200) for _ in range(3)]
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter: none
        for x in range(width):
            row += bytes((min(255, base[0] + x * 2), min(255, base[1] + y * 3), base[2]))
        rows.append(bytes(row))

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def survey_csv(spec: data.ProposalSpec, rng: random.Random) -> bytes:
    """The survey behind the findings, as the spreadsheet export a secretary would attach."""
    question, options = data.SURVEYS[spec.topic]
    match = re.search(r"回收有效问卷(\d+)份", spec.findings)
    total = int(match.group(1)) if match else rng.randrange(180, 900)
    weights = [share * rng.uniform(0.9, 1.1) for _, share in options]
    counts = [round(total * weight / sum(weights)) for weight in weights[:-1]]
    counts.append(total - sum(counts))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["题目", "选项", "人数", "占比(%)"])
    for (option, _), count in zip(options, counts, strict=True):
        writer.writerow([question, option, count, f"{100 * count / total:.1f}"])
    writer.writerow([question, "合计", total, "100.0"])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # with a BOM, so that Excel reads it as UTF-8


# --- Seeding ------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One thing that happens to a proposal. `run` gets the moment it happens (used where a service takes it)."""

    phase: str
    weight: float
    run: Callable[[dt.datetime], Any]


class DemoSeeder:
    def __init__(self, *, password_hash: str, now: dt.datetime):
        self.password_hash = password_hash
        self.now = now
        self.today = timezone.localdate(now)
        self.orgs: dict[str, Organisation] = {}
        self.users: dict[str, User] = {}
        self.sessions: dict[str, Session] = {}
        self.steering: dict[str, User] = {}  # org key -> the user who drafts and steers its proposals
        self.references: dict[tuple[int, str], int] = {}
        self.stored_files: list[str] = []  # evidence written to storage, removed again if seeding fails

    # -- Organisations, people, sessions --

    def organisation(self, key: str) -> Organisation | None:
        if key not in self.orgs:
            if key == "city":
                name = data.CITY[1]
            elif key in data.COUNTIES:
                name = data.COUNTIES[key][0]
            else:
                name = data.BRANCHES[key][0]
            found = Organisation.objects.filter(name=name).first()
            if found is None:
                return None
            self.orgs[key] = found
        return self.orgs[key]

    def create_organisations(self) -> None:
        key, name, region = data.CITY
        city, _ = Organisation.objects.get_or_create(name=name, defaults={"level": "city", "region": region})
        self.orgs[key] = city
        for key, (name, region) in data.COUNTIES.items():
            self.orgs[key], _ = Organisation.objects.get_or_create(
                name=name, defaults={"level": "county", "parent": city, "region": region}
            )
        for key, (name, county) in data.BRANCHES.items():
            self.orgs[key], _ = Organisation.objects.get_or_create(
                name=name,
                defaults={"level": "branch", "parent": self.orgs[county], "region": data.COUNTIES[county][1]},
            )

    def person(self, username: str, last: str, first: str, *, role: str, org: str = "") -> User:
        """Someone in the demo who does not log in (no usable password)."""
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username, email=f"{username}@{data.EMAIL_DOMAIN}", password=None, first_name=first,
                last_name=last, role=role, organisation=self.orgs[org] if org else None,
            )  # fmt: skip
        self.users[username] = user
        return user

    def delegate_profile(self, user: User, *, body: str, level: str, region: str, constituency: str) -> None:
        Delegate.objects.get_or_create(
            user=user,
            defaults={"body": body, "level": level, "region": region, "constituency": constituency,
                      "contact_email": user.email},
        )  # fmt: skip

    def ensure_login(self, login: data.Login) -> User | None:
        """Create the demo login if it is missing; in any case give it the current password."""
        org = self.organisation(login.org) if login.org else None
        if login.org and org is None:
            return None  # its organisation is gone; the caller reports it
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(
                username=login.username, email=f"{login.username}@{data.EMAIL_DOMAIN}", first_name=login.first_name,
                last_name=login.last_name, role=login.role, organisation=org,
                is_superuser=login.role == User.Role.ADMIN, is_staff=login.role == User.Role.ADMIN,
            )  # fmt: skip
        user.password = self.password_hash
        user.is_active = True
        user.save()
        if login.body:
            self.delegate_profile(user, body=login.body, level="city", region="朔州市", constituency=login.constituency)
        self.users[login.username] = user
        return user

    def create_people(self) -> None:
        for login in data.LOGINS:
            self.ensure_login(login)
        for username, (last, first, county) in data.COUNTY_COORDINATORS.items():
            self.steering[county] = self.person(username, last, first, role=User.Role.COORDINATOR, org=county)
        for username, (last, first, branch) in data.BRANCH_SECRETARIES.items():
            self.steering[branch] = self.person(username, last, first, role=User.Role.SECRETARY, org=branch)
        for login in data.LOGINS:
            if login.org:
                self.steering.setdefault(login.org, self.users[login.username])
        groups = (
            (data.CITY_NPC_DEPUTIES, "npc", "city", "朔州市"),
            (data.CITY_CPPCC_MEMBERS, "cppcc", "city", "朔州市"),
            (data.HUAIREN_NPC_DEPUTIES, "npc", "county", "怀仁市"),
        )
        for people, body, level, region in groups:
            for username, (last, first, constituency) in people.items():
                user = self.person(username, last, first, role=User.Role.DELEGATE)
                self.delegate_profile(user, body=body, level=level, region=region, constituency=constituency)

    def create_sessions(self) -> None:
        for key, spec in data.SESSIONS.items():
            opening = self.today + dt.timedelta(days=spec.opening_in_days)
            deadline_day = opening - dt.timedelta(days=spec.deadline_days_before_opening)
            self.sessions[key], _ = Session.objects.get_or_create(
                name=spec.name,
                defaults={
                    "body": spec.body, "level": spec.level, "region": spec.region, "opening_date": opening,
                    "closing_date": opening + dt.timedelta(days=spec.closing_days_after_opening),
                    "submission_deadline": dt.datetime.combine(deadline_day, dt.time(18), tzinfo=SHANGHAI),
                },
            )  # fmt: skip

    # -- Proposals --

    def delegate_pool(self, session: Session) -> list[User]:
        if session.level == "county":
            names = data.HUAIREN_NPC_DEPUTIES
        else:
            names = data.CITY_NPC_DEPUTIES if session.body == "npc" else data.CITY_CPPCC_MEMBERS
        return [self.users[name] for name in names]

    def demo_delegate(self, session: Session) -> User:
        return self.users["demo-delegate" if session.body == "npc" else "demo-delegate2"]

    def pick_delegates(self, spec: data.ProposalSpec, session: Session, index: int) -> tuple[User, list[User]]:
        pool = self.delegate_pool(session)
        shift = index % len(pool)
        pool = pool[shift:] + pool[:shift]
        lead = self.users[spec.lead] if spec.lead else pool[0]
        others = [user for user in pool if user.pk != lead.pk]
        wanted = session.required_motion_cosigners + 1 if spec.kind == "motion" else 2 + index % 2
        if spec.demo_cosign and lead.pk != self.demo_delegate(session).pk:
            return lead, [self.demo_delegate(session), *others[: wanted - 1]]
        return lead, others[:wanted]

    def reference_number(self, session: Session, kind: str, rng: random.Random) -> str:
        key = (session.pk, kind)
        number = self.references.get(key, REFERENCE_START[kind]) + rng.randint(1, 9)
        self.references[key] = number
        return f"{REFERENCE_PREFIX[kind]}第{number:03d}号"

    def windows(self, session: Session, final: str, rng: random.Random) -> dict[str, tuple[dt.datetime, dt.datetime]]:
        """When each phase of the proposal's life happened."""
        if session.submission_deadline > self.now:  # the coming sessions: the weeks before today
            days = {"draft": (5, 14), "research": (12, 24), "consultation": (20, 32), "ready": (28, 42)}[final]
            end = self.now - dt.timedelta(hours=rng.uniform(3, 72))
            return {"prepare": (end - dt.timedelta(days=rng.uniform(*days)), end)}
        deadline = session.submission_deadline
        closing = dt.datetime.combine(session.closing_date, dt.time(18), tzinfo=SHANGHAI)
        prepare_end = deadline - dt.timedelta(days=rng.uniform(1.5, 8))
        return {
            "prepare": (prepare_end - dt.timedelta(days=rng.uniform(45, 70)), prepare_end),
            "late": (deadline + dt.timedelta(hours=16), deadline + dt.timedelta(days=3)),
            "decision": (closing + dt.timedelta(days=2), closing + dt.timedelta(days=20)),
            "answer": (closing + dt.timedelta(days=45), closing + dt.timedelta(days=85)),
            "rating": (closing + dt.timedelta(days=90), closing + dt.timedelta(days=120)),
        }

    @staticmethod
    def schedule(steps: list[Step], windows: dict[str, tuple[dt.datetime, dt.datetime]], rng: random.Random):
        """Spread the steps over their phases' windows, in office hours where possible, strictly increasing."""
        times: list[dt.datetime] = []
        previous: dt.datetime | None = None
        for phase, group in itertools.groupby(steps, key=lambda step: step.phase):
            start, end = windows[phase]
            gaps = [step.weight * rng.uniform(0.6, 1.4) for step in group]
            total = sum(gaps) + rng.uniform(0.2, 1.0)  # the phase goes on a little after its last step
            elapsed = 0.0
            for gap in gaps:
                elapsed += gap
                moment = (start + (end - start) * (elapsed / total)).replace(microsecond=0)
                local = timezone.localtime(moment, SHANGHAI)
                if local.hour < 8 or local.hour >= 21:  # people work by day: same day or the next, if it fits
                    for day in (0, 1):
                        office = local.replace(hour=rng.randint(8, 19), minute=rng.randrange(60))
                        office += dt.timedelta(days=day)
                        if (previous is None or office > previous) and start < office <= end:
                            moment = office
                            break
                if previous is not None and moment <= previous:
                    moment = previous + dt.timedelta(minutes=rng.randint(2, 9))
                if moment > end:
                    raise CommandError(f"The demo timeline overflows its {phase} window; fix proposals/demo_data.py.")
                times.append(moment)
                previous = moment
        return times

    def seed_proposal(self, index: int, spec: data.ProposalSpec) -> None:
        rng = random.Random(f"seed-demo:{index}")
        session = self.sessions[spec.session]
        author = self.steering[spec.org]
        coordinator = self.users["renxiaomin" if session.level == "county" else "demo-coordinator"]
        final = spec.withdraw_from or ("submitted" if spec.state == State.NOT_REGISTERED else spec.state)

        def reaches(stage: str) -> bool:
            return reached(final, stage)

        created: dict[str, int] = {}
        steps: list[Step] = []
        revision = 1

        def add(weight: float, run: Callable[[dt.datetime], Any], phase: str = "prepare") -> None:
            steps.append(Step(phase, weight, run))

        def act(actor: User, action: str, note: str = "", **inputs: Any) -> Callable[[dt.datetime], Any]:
            return lambda now: services.transition_apply(
                proposal_id=created["pk"], actor=actor, action=action, note=note, inputs=inputs or None, now=now,
                notify=False,
            )  # fmt: skip

        def edit(**changes: str) -> Callable[[dt.datetime], Any]:
            nonlocal revision
            if any(text[field] != value for field, value in changes.items()):
                revision += 1  # the service saves a revision only when the text changes
            text.update(changes)
            return lambda now: services.proposal_update_text(
                proposal_id=created["pk"], actor=author, now=now, **changes
            )

        def assign(delegate: User, role: str) -> Callable[[dt.datetime], Any]:
            return lambda now: services.delegate_assign(
                proposal_id=created["pk"], actor=coordinator, delegate=delegate.delegate, role=role, now=now
            )

        def attach(kind: str) -> Callable[[dt.datetime], Any]:
            org_name = self.orgs[spec.org].name
            if kind == "csv":
                name, description = "问卷调查结果.csv", f"{org_name}问卷调查结果（匿名汇总）"
                content = survey_csv(spec, rng)
            elif kind == "pdf":
                name, description = "座谈会纪要.pdf", "与代表、委员及青年代表座谈会纪要"
                content = tiny_pdf([
                    "Minutes of the consultation meeting (demo)",
                    f"Proposal {index + 1:02d}, session {session.pk}",
                    f"Participants: {rng.randint(8, 25)} young people, deputies and League staff",
                ])  # fmt: skip
            else:
                name, description, content = "调研现场照片.png", "调研现场照片", tiny_png(rng)

            def run(now: dt.datetime) -> None:
                evidence = services.evidence_add(
                    proposal_id=created["pk"], actor=author, upload=SimpleUploadedFile(name, content),
                    description=description, now=now,
                )  # fmt: skip
                self.stored_files.append(evidence.file.name)

            return run

        def create(now: dt.datetime) -> None:
            due = None
            if spec.research_due_days is not None:
                day = self.today + dt.timedelta(days=spec.research_due_days)
                due = dt.datetime.combine(day, dt.time(18), tzinfo=SHANGHAI)
            proposal = services.proposal_create(
                author=author, organisation=self.orgs[spec.org], session=session, kind=spec.kind, topic=spec.topic,
                research_due=due, now=now, **first_text,
            )  # fmt: skip
            created["pk"] = proposal.pk

        recommendations = list(spec.recommendations)
        first_text = {
            "title": spec.draft_title or spec.title,
            "background": spec.background.split("\n\n")[0],
            "research_findings": "",
            "recommendations": "",
        }
        text = dict(first_text)

        def withdraw() -> None:
            add(1.5, act(author, "withdraw", spec.note))

        # Drafting: a first sketch, then the full reasons and the first recommendations (a fresh draft
        # without a background has only its title so far).
        add(1, create)
        if spec.background:
            second = {"background": spec.background, "recommendations": numbered(recommendations[:2])}
            if spec.draft_title:
                second["title"] = spec.title
            add(1.5, edit(**second))
        if index % 2 == 0:
            add(0.7, act(coordinator, "comment", data.COORDINATOR_DRAFT_COMMENTS[index % 3]))
        if final == "draft":
            if index % 3 == 0 and len(recommendations) > 2:
                add(1, edit(recommendations=numbered(recommendations)))
            if spec.withdraw_from:
                withdraw()
            return self.run(steps, session, final, rng)

        # Research: evidence and the research summary; the lead may be named before consultation starts.
        add(2, act(author, "start_research"))
        if not spec.no_evidence:
            add(0.5, attach("csv"))
        if spec.findings:
            add(2, edit(research_findings=spec.findings))
        if final == "research" and not spec.changes:
            if spec.lead:
                add(0.5, assign(self.users[spec.lead], "lead"))
            note = data.EVIDENCE_PENDING_NOTE if spec.no_evidence else data.SECRETARY_RESEARCH_NOTES[index % 3]
            add(0.7, act(author, "comment", note))
            if spec.withdraw_from:
                withdraw()
            return self.run(steps, session, final, rng)

        # Consultation: the coordinator assigns delegates; they discuss, request changes, endorse, co-sign.
        lead, cosigners = self.pick_delegates(spec, session, index)
        add(0.5, assign(lead, "lead"))
        for cosigner in cosigners:
            add(0.1, assign(cosigner, "cosigner"))
        add(0.5, attach("pdf"))
        if index % 2:
            add(0.3, attach("png"))
        add(1, edit(recommendations=numbered(recommendations)))
        add(2, act(author, "start_consultation"))
        add(1, act(lead, "comment", data.LEAD_QUESTIONS[index % 4]))
        add(0.8, act(author, "comment", "收到，我们按意见进一步完善。"))
        if cosigners and index % 3 == 0:
            add(0.6, act(cosigners[-1], "comment", data.COSIGNER_COMMENTS[index % 3]))
        if spec.changes:
            request, field, addition = data.CHANGE_REQUESTS[index % 3]
            add(1.5, act(lead, "request_changes", request))
            if field == "recommendations":
                recommendations.append(addition)
                add(2, edit(recommendations=numbered(recommendations)))
            else:
                add(2, edit(research_findings=text["research_findings"] + "\n" + addition))
            if final == "research":
                return self.run(steps, session, final, rng)
            add(1.5, act(author, "start_consultation"))
            add(0.6, act(author, "comment", f"已按代表意见修改，请审阅第{revision}稿。"))
        signing = cosigners
        if spec.decline:
            add(1, act(cosigners[-1], "decline", data.DECLINE_NOTE))
            signing = cosigners[:-1]
        if final == "consultation":
            signed = max(1, len(signing) // 2) if spec.cosigned is None else spec.cosigned
            for cosigner in signing[:signed]:
                add(0.3, act(cosigner, "co_sign"))
            if spec.endorsed:
                add(1, act(lead, "endorse", data.ENDORSE_NOTE))
            if spec.withdraw_from:
                withdraw()
            return self.run(steps, session, final, rng)
        add(1.5, act(lead, "endorse", data.ENDORSE_NOTE))
        if final == "ready" and spec.kind == "motion":
            signing = signing[:-1]  # one co-signer has not signed yet; ten is enough to finalise
        for cosigner in signing:
            add(0.3, act(cosigner, "co_sign"))
        add(1.5, act(author, "finalise"))
        if spec.reopen:
            add(2, act(author, "reopen", data.REOPEN_NOTE))
            recommendations.append(data.REOPEN_ADDITION)
            add(1.5, edit(recommendations=numbered(recommendations)))
            add(1.2, act(lead, "endorse"))
            add(1, act(author, "finalise"))
        if final == "ready":
            if spec.withdraw_from:
                withdraw()
            return self.run(steps, session, final, rng)

        # Submission and what follows it: the session office's decision, the answer and the rating.
        reference = self.reference_number(session, spec.kind, rng)
        if spec.late:
            add(1, act(coordinator, "allow_late_submission", spec.note), phase="late")
            add(1, act(lead, "submit", reference_number=reference), phase="late")
        else:
            add(1, act(lead, "submit", reference_number=reference))
        if spec.state == State.NOT_REGISTERED:
            add(1, act(lead, "not_register", spec.note), phase="decision")
        elif reaches("registered"):
            add(1, act(lead, "register", data.REGISTER_NOTES[session.body]), phase="decision")
        if reaches("answered"):
            recorder = author if author.role == User.Role.SECRETARY else lead
            add(1, act(recorder, "record_answer", handling_units=spec.handling_units, answer=spec.answer), "answer")
        if reaches("closed"):
            add(1, act(lead, "rate", rating=spec.rating), phase="rating")
        return self.run(steps, session, final, rng)

    def run(self, steps: list[Step], session: Session, final: str, rng: random.Random) -> None:
        for step, moment in zip(steps, self.schedule(steps, self.windows(session, final, rng), rng), strict=True):
            step.run(moment)

    def seed(self) -> None:
        self.create_organisations()
        self.create_people()
        self.create_sessions()
        for index, spec in enumerate(data.PROPOSALS):
            self.seed_proposal(index, spec)

    def forget_files(self) -> None:
        for name in self.stored_files:
            default_storage.delete(name)


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
