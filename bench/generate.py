"""The benchmark data: ten years of a province's proposals at 10k, 100k or 1M, in PostgreSQL (COPY) or SQLite
(bulk inserts).

The world starts from the demo's (Shuozhou, its logins and coming sessions, made by `seed_demo`) and becomes the
province of Shanxi (bench.province: 11 cities, 117 counties and districts, about 5,000 branches, their secretaries
and coordinators, ten years of sessions at province, city and county level). On top of it come a pool of
delegates and the proposals, most at branches (AT_BRANCHES), each to a session of its county, its city or the
province (SESSION_SHARE), with their revisions, assignments,
comments, transition log, deadlines, sent reminders, and after registration the handling units' handling, their
answers and the signers' ratings (the units are the demo's directory). Texts are sentences of the demo proposals
(shared/seed-article-zh.txt's figures), shuffled and recombined.

Most proposals belong to past sessions and are closed, answered, withdrawn or waiting for an answer due
weeks or months ahead; a tenth are being written for the coming sessions, their stages due weeks ahead. Exactly
DUE_NOW of them, whatever the size, are in consultation with their due date within the reminder window
of `generated_at`, each with a lead delegate of its own: the reminder sweep's work is the same at every size.

Rows are written in one pass per table, ids chosen here; indexes (but those of constraints) are dropped
before and rebuilt after on PostgreSQL, where foreign-key triggers are off while loading (the rows are
consistent by construction; the tests of proposals/ keep the rules).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from bench import province
from demo import data
from proposals import tree
from proposals.models import (
    Answer,
    AnswerRating,
    Assignment,
    Comment,
    Deadline,
    Delegate,
    Handling,
    HandlingUnit,
    Organisation,
    Proposal,
    Reminder,
    Revision,
    Session,
    Transition,
    User,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2: the handling units' handling, answers and ratings as records (issue #15); 3: the province of Shanxi (#18)
GENERATOR_VERSION = 3
AT_BRANCHES = 0.85  # the share of proposals written at branches; the rest at the committees
SESSION_SHARE = {"county": 0.5, "city": 0.3, "province": 0.2}  # which level's session a proposal goes to
DUE_NOW = 1_000  # consultation stages due within the reminder window, at every size
EXTRA_DELEGATES = 1_200  # so that DUE_NOW proposals each have a lead of their own (and 1,000 mails go out)
PAST_YEARS = 10

# The final states of past sessions' proposals, with their shares (what a city's archive looks like).
PAST_STATES = (
    ("closed", 0.56), ("answered", 0.05), ("handling", 0.03), ("registered", 0.06), ("submitted", 0.03),
    ("not_registered", 0.07), ("withdrawn", 0.10),
)  # fmt: skip
COMING_STATES = (("draft", 0.30), ("research", 0.25), ("consultation", 0.30), ("ready", 0.15))
PATH = ("draft", "research", "consultation", "ready", "submitted", "registered", "handling", "answered", "closed")
ACTIONS = {  # the action that enters each state along the path
    "research": "start_research", "consultation": "start_consultation", "ready": "finalise",
    "submitted": "submit", "registered": "register", "handling": "assign_unit", "answered": "record_answer",
    "closed": "rate", "not_registered": "not_register", "withdrawn": "withdraw",
}  # fmt: skip
# How far the units' handling got in each state after registration (workflow.handling_state agrees).
HANDLING_STATUS = {"handling": "open", "answered": "answered", "closed": "settled"}
DECISION_NOTES = {"registered": "已立案，交有关部门办理。", "not_registered": "不予立案，转为意见建议。"}
REFERENCE_PREFIX = {"motion": "议案", "suggestion": "建议", "cppcc_proposal": "提案"}
TOPICS = [value for value, _label in Proposal.Topic.choices]
# Ratings of a settled first round: an unsatisfied one would have sent the unit back to a second.
RATINGS = ("satisfied", "satisfied", "basically_satisfied")
ANSWER_CLASSES = ("A", "A", "B", "B", "B", "C")
ANSWER_METHODS = ("writing", "writing", "in_person", "phone")
VILLAGE_CHARS, VILLAGE_SPAN = 0x5C71, 256  # 山 and the characters after it
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏宇浩晨欣悦思远嘉怡子涵梓轩"


def sentences(text: str) -> list[str]:
    return [s + "。" for s in re.split(r"[。\n]+", text) if len(s) > 8]


@dataclass
class Corpus:
    """Sentences of the demo proposals, by the field they come from."""

    titles: list[str]
    background: list[str]
    findings: list[str]
    recommendations: list[str]
    comments: list[str]

    @classmethod
    def from_demo(cls) -> Corpus:
        specs = data.PROPOSALS
        subjects = [re.sub(r"^关于|的(议案|建议|提案)$", "", s.title) for s in specs]
        return cls(
            titles=subjects,
            background=[x for s in specs for x in sentences(s.background)],
            findings=[x for s in specs if s.findings for x in sentences(s.findings)],
            recommendations=[x for s in specs for x in s.recommendations],
            comments=[*data.LEAD_QUESTIONS, *data.COSIGNER_COMMENTS, *data.COORDINATOR_DRAFT_COMMENTS],
        )

    def title(self, rng: random.Random, kind: str, region: str) -> str:
        suffix = {"motion": "的议案", "suggestion": "的建议", "cppcc_proposal": "的提案"}[kind]
        subject = rng.choice(self.titles)
        if rng.random() < 0.3:  # a county's variant of a city-wide subject
            subject = f"{region}{subject}"
        return f"关于{subject}{suffix}"[:200]

    def text(self, rng: random.Random, pool: list[str], low: int, high: int) -> str:
        return "".join(rng.sample(pool, min(len(pool), rng.randint(low, high))))

    def visit(self, rng: random.Random, region: str) -> str:
        """Where the research went: a village of two characters of the mountain radical (峪, 岭, 崖 ...), so
        that searching for one place finds few proposals, as searching an archive for a specific case does."""
        village = chr(VILLAGE_CHARS + rng.randrange(VILLAGE_SPAN)) + chr(VILLAGE_CHARS + rng.randrange(VILLAGE_SPAN))
        return f"课题组到{region}{village}村走访青年{rng.randint(12, 180)}名。"

    def numbered(self, rng: random.Random) -> str:
        items = rng.sample(self.recommendations, rng.randint(2, 4))
        return "\n".join(f"{'一二三四'[i]}、{item}" for i, item in enumerate(items))


class Writer:
    """Rows of one table, in the model's column order, into PostgreSQL by COPY or SQLite by executemany."""

    def __init__(self, model, columns: tuple[str, ...]):
        self.model = model
        self.columns = columns
        self.rows: list[tuple] = []

    def add(self, *values) -> None:
        self.rows.append(values)
        if len(self.rows) >= 20_000:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                names = ", ".join(f'"{c}"' for c in self.columns)
                with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                names = ", ".join(f'"{c}"' for c in self.columns)
                marks = ", ".join("?" for _ in self.columns)
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', self.rows)
        self.rows = []


def table_sizes() -> dict[str, int]:
    models = (Proposal, Revision, Assignment, Comment, Transition, Deadline, Reminder, Handling, Answer, AnswerRating,
              User, Organisation, Session)  # fmt: skip
    return {m._meta.db_table: m.objects.count() for m in models}


# --- Bookkeeping: which data a database holds ---------------------------------------------------------


def read_meta() -> dict | None:
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT size, seed, version, generated_at FROM bench_meta")
        except Exception:  # no such table: not a bench database (yet)
            return None
        row = cursor.fetchone()
    if row is None:
        return None
    generated_at = row[3] if isinstance(row[3], dt.datetime) else dt.datetime.fromisoformat(row[3])
    return {"size": row[0], "seed": row[1], "version": row[2], "generated_at": generated_at}


def write_meta(size: int, seed: int, generated_at: dt.datetime) -> None:
    with connection.cursor() as cursor:
        columns = "size integer, seed integer, version integer, generated_at timestamp with time zone"
        cursor.execute(f"CREATE TABLE IF NOT EXISTS bench_meta ({columns})")
        cursor.execute("DELETE FROM bench_meta")
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s, %s, %s)", [size, seed, GENERATOR_VERSION, generated_at])


# --- PostgreSQL: load without secondary indexes --------------------------------------------------------

GENERATED = (Proposal, Revision, Assignment, Comment, Transition, Deadline, Reminder, Handling, Answer, AnswerRating)
BIG_TABLES = tuple(m._meta.db_table for m in GENERATED)


def drop_secondary_indexes() -> list[str]:
    """Drop the indexes that no constraint owns; return their definitions to rebuild them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [list(BIG_TABLES)],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes]


def rebuild(definitions: list[str], progress) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for definition in definitions:
            started = time.perf_counter()
            cursor.execute(definition)
            progress(f"  {definition.split(' ON ')[0].split()[-1]}: {time.perf_counter() - started:.1f} s")
        # The world's tables too: bulk-written organisations without statistics make the planner guess that a
        # subtree's path prefix matches a handful of them, and drive every coordinator's query from there.
        for table in (*BIG_TABLES, *(m._meta.db_table for m in (Organisation, User, Delegate, Session))):
            cursor.execute(f'ANALYZE "{table}"')
        cursor.execute("RESET maintenance_work_mem")


def reset_sequences() -> None:
    models = (*GENERATED, User, Delegate, Session)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


# --- The world ----------------------------------------------------------------------------------------


class World:
    """The province (bench.province) and what the proposals are drawn from: who writes for each organisation,
    the delegates, and the sessions each organisation's proposals may go to."""

    def __init__(self, rng: random.Random, now: dt.datetime):
        self.rng = rng
        self.now = now
        self.built = province.build(rng, now, PAST_YEARS)
        self.organisations = list(Organisation.objects.order_by("path"))
        by_pk = {o.pk: o for o in self.organisations}
        self.province = self.built.province
        self.author_of = {}
        staff = User.objects.filter(role__in=[User.Role.SECRETARY, User.Role.COORDINATOR]).exclude(organisation=None)
        for user_id, organisation_id in staff.order_by("pk").values_list("pk", "organisation_id"):
            self.author_of.setdefault(organisation_id, user_id)
        coordinator = User.objects.filter(role=User.Role.COORDINATOR, organisation__level=Organisation.Level.CITY)
        self.coordinator_id = coordinator.order_by("pk").values_list("pk", flat=True).first()
        for organisation in self.organisations:  # whoever steers the nearest committee above
            for key in reversed(tree.ancestor_keys(organisation.path)):
                if key in self.author_of:
                    self.author_of.setdefault(organisation.pk, self.author_of[key])
                    break
        self.branches = [o for o in self.organisations if o.level == Organisation.Level.BRANCH] or self.organisations
        self.committees = [o for o in self.organisations if o.level != Organisation.Level.BRANCH]
        # The regions whose sessions an organisation's proposals go to: its county's, its city's, the province's.
        self.regions_of = {}
        for organisation in self.organisations:
            chain = [by_pk[k] for k in tree.ancestor_keys(organisation.path) if k in by_pk]
            self.regions_of[organisation.pk] = [(o.level, o.region) for o in chain if o.level in SESSION_SHARE]
        self.add_delegates()
        self.pools = {
            body: list(
                Delegate.objects.filter(body=body)
                .exclude(user__username__startswith="bench-")
                .values_list("pk", "user_id")
            )
            for body in ("npc", "cppcc")
        }
        self.extra = list(
            Delegate.objects.filter(user__username__startswith="bench-").order_by("pk").values_list("pk", "user_id")
        )
        first_year = now.year - PAST_YEARS
        self.past_sessions: dict[int, dict[str, list[Session]]] = {}
        self.coming_sessions: dict[str, list[Session]] = {}
        for session in Session.objects.order_by("pk"):
            if session.submission_deadline > now + dt.timedelta(days=20):
                self.coming_sessions.setdefault(session.region, []).append(session)
            elif first_year <= session.opening_date.year < now.year and "年会议" in session.name:
                self.past_sessions.setdefault(session.opening_date.year, {}).setdefault(session.region, [])
                self.past_sessions[session.opening_date.year][session.region].append(session)
        self.units = list(HandlingUnit.objects.order_by("pk").values_list("pk", flat=True))

    def add_delegates(self) -> None:
        password = make_password(None)  # unusable: these people never log in
        users = [
            User(username=f"bench-delegate-{i:04d}", last_name=self.rng.choice(SURNAMES),
                 first_name="".join(self.rng.sample(GIVEN, 2)), email=f"bench-delegate-{i:04d}@{data.EMAIL_DOMAIN}",
                 role=User.Role.DELEGATE, password=password)
            for i in range(EXTRA_DELEGATES)
        ]  # fmt: skip
        User.objects.bulk_create(users, batch_size=500)
        users = User.objects.filter(username__startswith="bench-delegate-").order_by("pk")
        Delegate.objects.bulk_create(
            [Delegate(user=u, body="npc", level="city", region="朔州市", constituency="朔城区选区") for u in users],
            batch_size=500,
        )

    def session_for(self, organisation: Organisation, year: int | None) -> Session:
        """A session of the organisation's county, city or province (SESSION_SHARE), of that past year or coming;
        the next level up where a region holds none."""
        sessions = self.coming_sessions if year is None else self.past_sessions[year]
        chain = [(level, region) for level, region in self.regions_of[organisation.pk] if region in sessions]
        if not chain:  # an organisation of no region with sessions: the province's or any coming one
            regions = sessions.get(self.province.region) or next(iter(sessions.values()))
            return self.rng.choice(regions)
        weights = [SESSION_SHARE[level] for level, _region in chain]
        _level, region = self.rng.choices(chain, weights)[0]
        return self.rng.choice(sessions[region])


# --- The proposals ------------------------------------------------------------------------------------


def _columns(model, *names: str) -> tuple[str, ...]:
    return tuple(model._meta.get_field(name).column for name in names)


def generate(size: int, seed: int, progress=print) -> dict:
    """Fill the current (migrated, empty) database. Returns the counts per table and the seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    # The moment the data is "now" for: today at 10:00 in Shanghai, after the morning's reminders are due to go.
    now = dt.datetime.combine(timezone.localdate(), dt.time(10), tzinfo=SHANGHAI)
    call_command("seed_demo", stdout=io.StringIO())
    with transaction.atomic():
        world = World(rng, now)
    corpus = Corpus.from_demo()
    definitions = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # no FK triggers while loading
            cursor.execute("SET synchronous_commit = off")
        definitions = drop_secondary_indexes()
    loader = Loader(world, corpus, rng, size)
    with transaction.atomic():
        loader.run(progress)
        write_meta(size, seed, now)
    loaded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        progress(f"Loaded in {loaded:.0f} s; rebuilding {len(definitions)} indexes")
        rebuild(definitions, progress)
        with connection.cursor() as cursor:
            cursor.execute("RESET session_replication_role")
            cursor.execute("RESET synchronous_commit")
    reset_sequences()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "tables": table_sizes(),
        "seconds": round(time.perf_counter() - started, 1),
        "load_seconds": round(loaded, 1),
    }


class Loader:
    def __init__(self, world: World, corpus: Corpus, rng: random.Random, size: int):
        self.world, self.corpus, self.rng, self.size = world, corpus, rng, size
        self.next_id = {m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
                        for m in GENERATED}  # fmt: skip
        self.references: dict[int, int] = {}
        self.proposals = Writer(Proposal, _columns(
            Proposal, "id", "title", "background", "research_findings", "recommendations", "revision_number", "kind",
            "topic", "organisation", "author", "session", "state", "version", "reference_number", "submitted_on",
            "decision_note", "urgent", "supervision_reason", "created_at", "updated_at"))  # fmt: skip
        self.revisions = Writer(Revision, _columns(
            Revision, "id", "proposal", "number", "title", "background", "research_findings", "recommendations",
            "author", "created_at"))  # fmt: skip
        self.assignments = Writer(Assignment, _columns(
            Assignment, "id", "proposal", "delegate", "role", "assigned_by", "assigned_at", "endorsed_revision",
            "cosigned_at", "declined_at"))  # fmt: skip
        self.comments = Writer(
            Comment, _columns(Comment, "id", "proposal", "revision", "author", "kind", "body", "created_at")
        )
        self.transitions = Writer(Transition, _columns(
            Transition, "id", "proposal", "action", "from_state", "to_state", "actor", "note", "revision_number",
            "created_at"))  # fmt: skip
        self.deadlines = Writer(Deadline, _columns(
            Deadline, "id", "proposal", "stage", "due_at", "is_current", "sequence", "set_by", "reason"))  # fmt: skip
        self.reminders = Writer(Reminder, _columns(
            Reminder, "id", "proposal", "stage", "due_at", "offset_days", "recipient", "kind", "send_after", "status",
            "attempts", "last_error", "sent_at", "message_id", "created_at"))  # fmt: skip
        self.handlings = Writer(Handling, _columns(
            Handling, "id", "proposal", "unit", "role", "assigned_on", "assigned_by", "due_on", "round", "status",
            "extension_reason"))  # fmt: skip
        self.answers = Writer(Answer, _columns(
            Answer, "id", "handling", "round", "answered_on", "method", "text", "answer_class", "recorded_by",
            "recorded_at"))  # fmt: skip
        self.ratings = Writer(
            AnswerRating, _columns(AnswerRating, "id", "answer", "rater", "rating", "comment", "rated_at")
        )
        self.writers = (self.proposals, self.revisions, self.assignments, self.comments, self.transitions,
                        self.deadlines, self.reminders, self.handlings, self.answers, self.ratings)  # fmt: skip

    def new_id(self, model) -> int:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        return pk

    def plan(self) -> Iterator[tuple[Organisation, Session, str, bool]]:
        """(organisation, session, final state, due now) for each proposal, oldest first (ids grow with time):
        most at branches, the rest at committees; each to a session of its county, city or province."""
        rng, world = self.rng, self.world
        coming = self.size // 10
        due = min(DUE_NOW, coming, len(world.extra))
        past = self.size - coming
        years = sorted(world.past_sessions)
        states, weights = zip(*PAST_STATES, strict=True)
        for i in range(past):
            organisation = self.organisation()
            session = world.session_for(organisation, years[i * len(years) // past])
            yield organisation, session, rng.choices(states, weights)[0], False
        states, weights = zip(*COMING_STATES, strict=True)
        due_at = set(rng.sample(range(coming), due))
        for i in range(coming):
            organisation = self.organisation()
            yield (
                organisation,
                world.session_for(organisation, None),
                ("consultation" if i in due_at else rng.choices(states, weights)[0]),
                i in due_at,
            )

    def organisation(self) -> Organisation:
        world = self.world
        return self.rng.choice(world.branches if self.rng.random() < AT_BRANCHES else world.committees)

    def run(self, progress) -> None:
        extra = iter(self.world.extra)
        step = max(1, self.size // 10)
        for n, (organisation, session, state, due_now) in enumerate(self.plan(), 1):
            self.proposal(organisation, session, state, next(extra) if due_now else None)
            if n % step == 0:
                progress(f"  {n:,} proposals")
        for writer in self.writers:
            writer.flush()

    def proposal(self, organisation: Organisation, session: Session, state: str,
                 due_lead: tuple[int, int] | None) -> None:  # fmt: skip
        rng, world, corpus = self.rng, self.world, self.corpus
        pk = self.new_id(Proposal)
        author = world.author_of[organisation.pk]
        kind = "cppcc_proposal" if session.body == "cppcc" else rng.choice(("motion", "suggestion", "suggestion"))
        deadline = session.submission_deadline
        coming = deadline > world.now
        # When its life began and how its steps spread over the weeks before the deadline (or before today).
        end = (
            world.now - dt.timedelta(hours=rng.uniform(2, 48))
            if coming
            else deadline - dt.timedelta(days=rng.uniform(1, 8))
        )
        begin = end - dt.timedelta(days=rng.uniform(20, 70))
        path = list(PATH[: PATH.index(state) + 1]) if state in PATH else self.branch_path(state)
        moments = sorted(begin + (end - begin) * rng.random() for _ in path)
        if not coming:  # after the deadline: the office's decision, the answer, the rating
            closing = dt.datetime.combine(session.closing_date, dt.time(18), tzinfo=SHANGHAI)
            after = {"registered": 10, "not_registered": 10, "handling": 20, "answered": 60, "closed": 100}
            moments = [closing + dt.timedelta(days=after[s] + rng.uniform(0, 20)) if s in after else m
                       for s, m in zip(path, moments, strict=True)]  # fmt: skip
        title = corpus.title(rng, kind, organisation.region)
        background = corpus.text(rng, corpus.background, 2, 4)
        findings = corpus.text(rng, corpus.findings, 1, 3) if state != "draft" else ""
        if findings and rng.random() < 0.3:
            findings += corpus.visit(rng, organisation.region)
        recommendations = corpus.numbered(rng)
        revisions = 1 + (rng.random() < 0.5) + (rng.random() < 0.15)
        submitted = "submitted" in path
        reference = ""
        if submitted:
            number = self.references[session.pk] = self.references.get(session.pk, 0) + 1
            reference = f"{REFERENCE_PREFIX[kind]}第{number:04d}号"
        self.proposals.add(
            pk, title, background, findings, recommendations, revisions, kind, rng.choice(TOPICS), organisation.pk,
            author, session.pk, state, len(path) + revisions, reference,
            moments[path.index("submitted")].date() if submitted else None,
            DECISION_NOTES.get(next((s for s in path if s in DECISION_NOTES), ""), ""), False, "",
            moments[0], moments[-1],
        )  # fmt: skip
        for number in range(1, revisions + 1):
            at = moments[0] + (moments[min(2, len(moments) - 1)] - moments[0]) * (number - 1) / revisions
            latest = self.new_id(Revision)
            self.revisions.add(latest, pk, number, title, background, findings, recommendations, author, at)
        lead, signers = self.assign(pk, session, path, moments, revisions, due_lead)
        if state in HANDLING_STATUS:
            self.handle(pk, state, path, moments, author, signers)
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):  # on the latest revision
            self.comments.add(self.new_id(Comment), pk, latest, lead or author, "comment", rng.choice(corpus.comments),
                              begin + (end - begin) * rng.random())  # fmt: skip
        for previous, current, at in zip(path, path[1:], moments[1:], strict=False):
            self.transitions.add(self.new_id(Transition), pk, ACTIONS[current], previous, current, author, "",
                                 revisions, at)  # fmt: skip
        self.stage_dates(pk, state, path, moments, due_lead is not None, author)

    @staticmethod
    def branch_path(state: str) -> list[str]:
        if state == "not_registered":
            return ["draft", "research", "consultation", "ready", "submitted", "not_registered"]
        return ["draft", "research", "withdrawn"]

    def assign(
        self, pk, session, path, moments, revisions, due_lead: tuple[int, int] | None
    ) -> tuple[int | None, list[int]]:
        """The lead and co-signers, once the proposal went to research; returns the lead's user id and the users
        who signed (the lead and the co-signers, once it is final)."""
        if "research" not in path and due_lead is None:
            return None, []
        rng = self.rng
        pool = self.world.pools[session.body]
        lead_delegate, lead_user = due_lead or rng.choice(pool)
        cosigners = [(d, user) for d, user in rng.sample(pool, min(len(pool), 3)) if d != lead_delegate]
        cosigners = cosigners[: rng.randint(1, 2)]
        endorsed = revisions if "ready" in path else None
        at = moments[1]
        self.assignments.add(self.new_id(Assignment), pk, lead_delegate, "lead", self.world.coordinator_id, at,
                             endorsed, None, None)  # fmt: skip
        for delegate, _user in cosigners:
            signed = at + dt.timedelta(days=rng.uniform(1, 9)) if "ready" in path else None
            self.assignments.add(self.new_id(Assignment), pk, delegate, "cosigner", self.world.coordinator_id, at,
                                 None, signed, None)  # fmt: skip
        return lead_user, [lead_user, *(user for _d, user in cosigners)] if "ready" in path else []

    def handle(self, pk, state, path, moments, recorder: int, signers: list[int]) -> None:
        """One lead unit, sometimes an assisting one too, assigned on entering "handling"; in "answered" each has
        answered, in "closed" every signer has rated each answer as well."""
        rng, world = self.rng, self.world
        assigned = moments[path.index("handling")]
        if state == "handling":  # still awaited: due weeks ahead, outside any reminder window (as the "answer" stage)
            due = (world.now + dt.timedelta(days=rng.uniform(20, 60))).date()
        else:
            due = assigned.date() + dt.timedelta(days=91)
        units = rng.sample(world.units, 2 if rng.random() < 0.35 else 1)
        for unit, role in zip(units, ("lead", "assisting"), strict=False):
            handling = self.new_id(Handling)
            self.handlings.add(handling, pk, unit, role, assigned.date(), recorder, due, 1, HANDLING_STATUS[state], "")
            if state == "handling":
                continue
            answer, answered = self.new_id(Answer), moments[path.index("answered")]
            self.answers.add(answer, handling, 1, answered.date(), rng.choice(ANSWER_METHODS),
                             self.corpus.text(rng, self.corpus.recommendations, 1, 2), rng.choice(ANSWER_CLASSES),
                             recorder, answered)  # fmt: skip
            if state == "closed":
                rated = moments[path.index("closed")]
                for rater in signers:
                    self.ratings.add(self.new_id(AnswerRating), answer, rater, rng.choice(RATINGS), "",
                                     rated - dt.timedelta(hours=rng.uniform(1, 200)))  # fmt: skip

    def stage_dates(self, pk, state, path, moments, due_now: bool, secretary: int) -> None:
        """Deadlines of the stages it went through (the current one marked), and the reminders sent for them."""
        rng, now = self.rng, self.world.now
        stages = [("research", "research"), ("consultation", "consultation"), ("answer", "registered")]
        current = {"draft": "research", "research": "research", "consultation": "consultation", "registered": "answer"}
        for stage, entered in stages:
            if entered not in path and stage != "research":
                continue
            is_current = current.get(state) == stage
            if is_current and due_now:
                due = now + dt.timedelta(days=rng.choice((7, 3, 1, 0, -1, -2)), hours=rng.uniform(-2, 2))
            elif is_current:  # weeks ahead, outside any reminder window
                due = now + dt.timedelta(days=rng.uniform(20, 60))
            else:  # a stage it has left: due around the time it left it
                index = min(path.index(entered) + 1 if entered in path else 1, len(moments) - 1)
                due = moments[index] + dt.timedelta(days=rng.uniform(-3, 5))
            self.deadlines.add(self.new_id(Deadline), pk, stage, due, is_current, 0, None, "")
            if not is_current and rng.random() < 0.5:  # the 3-days-before reminder went to the secretary
                sent = due - dt.timedelta(days=3)
                self.reminders.add(self.new_id(Reminder), pk, stage, due, 3, secretary, "before", sent, "sent", 1, "",
                                   sent, f"<reminder-{pk}-{stage}@bench>", sent)  # fmt: skip
