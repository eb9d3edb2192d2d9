"""Past proposals from a spreadsheet (DESIGN §6, `manage.py import_proposals`): read, check every row, import.

The layout is documented in docs/import.md; `import_proposals --template FILE.xlsx` writes it with an example
row. The first sheet is read; its first row names the columns, in Chinese (案由, 类别, ...) or English (title,
kind, ...), in any order; the columns that are not needed may be left out.

Every row is checked before anything is written: types, choices, that the organisation, the session and the
lead delegate exist, that the kind suits the session's body, the fields each state needs, dates, and reference
numbers taken twice in the file or already in the database. Handling units are named as in the directory (full
or short name); a name the directory does not have is added to it on import. All errors are collected, each as
"第N行 / row N: column: message", N being the row number the spreadsheet shows. If there is one, nothing is
imported. Otherwise proposals.services.proposals_import writes every proposal in one transaction.

A fixed number of queries checks any number of rows: the organisations, sessions, delegates, handling units, and
the reference numbers and titles already taken are each read once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from proposals import services
from proposals.models import Delegate, HandlingUnit, Organisation, Proposal, Session, User
from proposals.selectors import organisations_in_scope
from proposals.validators import clean_text
from proposals.workflow import PRE_SUBMISSION, AnswerClass, Rating, State, UnitRole, reached

KIND_WORDS = {"议案": Proposal.Kind.MOTION, "建议": Proposal.Kind.SUGGESTION, "提案": Proposal.Kind.CPPCC_PROPOSAL}
STATE_WORDS = {"办理中": State.HANDLING}
CLASS_WORDS = {f"{value}类": value for value in AnswerClass.values}
# How people separate several units in one line: 、 as the office writes it, and ，, ; ；.
UNIT_SEPARATORS = re.compile(r"[、，,;；]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False  # the column must be there (its cells may still be empty where the state allows)
    note: str = ""  # for the template's notes sheet


COLUMNS: tuple[Column, ...] = (
    Column("title", "案由", "title", required=True, note="必填 / required"),
    Column("kind", "类别", "kind", required=True,
           note="议案、建议（人大）或提案（政协）；motion, suggestion, cppcc_proposal"),
    Column("topic", "主题", "topic", required=True,
           note="就业创业、心理健康……或代码 / or the code: jobs, mental_health …"),
    Column("organisation", "提出单位", "organisation", ("organization",), required=True,
           note="团组织的全称 / the organisation's full name"),
    Column("session", "会议", "session", required=True, note="会议的全称 / the session's full name"),
    Column("lead", "领衔代表", "lead delegate", ("lead",),
           note="用户名或姓名，须属于会议所在的人大或政协；协商及之后必填 / username or name; required from 协商 on"),
    Column("background", "理由", "background", note="调研及之后必填 / required from 调研 on"),
    Column("research_findings", "调研情况", "research findings", note="协商及之后必填 / required from 协商 on"),
    Column("recommendations", "具体建议", "recommendations", note="定稿及之后必填 / required from 定稿 on"),
    Column("state", "状态", "state", required=True,
           note="草拟、调研、协商、定稿、已提交、已立案、办理中、不予立案、已答复、办结、已撤回，或代码 / or the code"),
    Column("reference_number", "编号", "reference number",
           note="已提交及之后必填，同一会议内不得重复 / required from 已提交 on, unique within the session"),
    Column("submitted_on", "提交日期", "submitted on", note="已提交及之后必填 / required from 已提交 on"),
    Column("lead_units", "主办单位", "lead units", ("承办单位", "handling units"),
           note="办理中、已答复、办结必填；多个单位以“、”分隔；单位目录中没有的将被添加 / required from 办理中 on; "
                "several separated by 、; a unit the directory lacks is added to it"),
    Column("assisting_units", "协办单位", "assisting units",
           note="可选，多个单位以“、”分隔；仅办理中、已答复、办结 / optional, several separated by 、; "
                "only from 办理中 on"),
    Column("answer", "答复", "answer",
           note="已答复、办结必填，作为每个承办单位的第一次答复 / required when 已答复 or 办结: "
                "each unit's first answer"),
    Column("answer_class", "答复类别", "answer class",
           note="可选：A（已解决或基本解决）、B（正在解决或列入计划）、C（因条件限制暂不能解决）；仅已答复、办结 / "
                "optional: A, B or C; only when 已答复 or 办结"),
    Column("answered_on", "答复日期", "answered on", note="已答复、办结必填 / required when 已答复 or 办结"),
    Column("rating", "评价", "rating",
           note="满意、基本满意、不满意：领衔代表对各单位答复的评价；仅办结 / the lead delegate's rating of each "
                "unit's answer; only when 办结, then required"),
    Column("drafted_on", "起草日期", "drafted on",
           note="可选；缺省为提交日期 / optional; default: the day of submission"),
)  # fmt: skip
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
DATE_COLUMNS = ("submitted_on", "answered_on", "drafted_on")


def _normal(text: Any) -> str:
    return re.sub(r"[\s_]+", " ", str(text)).strip().lower() if text is not None else ""


HEADER_NAMES: dict[str, str] = {
    _normal(name): column.key for column in COLUMNS for name in (column.zh, column.en, column.key, *column.aliases)
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # as the file names it
    message: str
    order: int = 0  # the column's place in the layout, to list a row's errors from left to right

    def __str__(self) -> str:
        return f"第{self.row}行 / row {self.row}: {self.column}: {self.message}"


class ImportRefused(Exception):
    """The file cannot be imported; `errors` says where and why. Nothing was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


# --- Reading ------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    headers: dict[str, str]  # column key -> the header as written in the file
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row number, column key -> cell value)


def read_sheet(path: str | Path) -> Sheet:
    """The first sheet's header and its non-empty rows. Raises ImportRefused for a header it cannot read,
    OSError or ValueError for a file that is not an .xlsx workbook."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        lines = book.worksheets[0].iter_rows(values_only=True)
        header = next(lines, ())
        headers, positions, errors = _read_header(header)
        rows = []
        for number, values in enumerate(lines, start=2):
            if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
                continue
            row = {key: values[index] if index < len(values) else None for key, index in positions.items()}
            extra = [value for index, value in enumerate(values) if index not in positions.values() and value]
            if extra:
                errors.append(RowError(number, "—", _("There are values in a column without a header.")))
            rows.append((number, row))
    finally:
        book.close()
    if errors:
        raise ImportRefused(errors)
    return Sheet(headers, rows)


def _read_header(header: Iterable[Any]) -> tuple[dict[str, str], dict[str, int], list[RowError]]:
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        written = str(cell).strip()
        # "案由 / title" is read as either half.
        key = next((HEADER_NAMES[name] for name in (_normal(written), *map(_normal, written.split("/")))
                    if name in HEADER_NAMES), None)  # fmt: skip
        if key is None:
            errors.append(RowError(1, written, _("Unknown column. See docs/import.md for the columns.")))
        elif key in positions:
            errors.append(RowError(1, written, _("The column “%(column)s” appears twice.") % {"column": headers[key]}))
        else:
            headers[key], positions[key] = written, index
    for column in COLUMNS:
        if column.required and column.key not in positions:
            errors.append(RowError(1, f"{column.zh} / {column.en}", _("This column is missing.")))
    return headers, positions, errors


# --- Checking -----------------------------------------------------------------------------------------


def _choices(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every way a value may be written: its code, its Chinese and its English label."""
    names: dict[str, str] = {}
    for value, label in choices:
        names[_normal(value)] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names[_normal(str(label))] = value
    for word, value in (extra or {}).items():
        names[_normal(word)] = value
    return names


class Checker:
    """Checks rows against the database, read once for all rows."""

    def __init__(self, *, actor: User, headers: dict[str, str], now: dt.datetime):
        self.actor = actor
        self.headers = headers
        self.now = now
        self.today = timezone.localdate(now)
        self.kinds = _choices(Proposal.Kind.choices, KIND_WORDS)
        self.topics = _choices(Proposal.Topic.choices)
        self.states = _choices(State.choices, STATE_WORDS)
        self.ratings = _choices(Rating.choices)
        self.classes = _choices(AnswerClass.choices, CLASS_WORDS)
        self.labels = {
            key: [str(label) for label in choices.labels]
            for key, choices in (("kind", Proposal.Kind), ("topic", Proposal.Topic), ("state", State),
                                 ("rating", Rating))
        }  # fmt: skip
        self.labels["answer_class"] = list(AnswerClass.values)
        self.errors: list[RowError] = []

    def load(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        def names(key: str) -> set[str]:
            return {str(row[key]).strip() for _number, row in rows if row.get(key) is not None}

        self.organisations = {org.name: org for org in Organisation.objects.filter(name__in=names("organisation"))}
        self.in_scope = set(organisations_in_scope(self.actor).values_list("pk", flat=True))
        self.sessions = {session.name: session for session in Session.objects.filter(name__in=names("session"))}
        self.delegates: dict[str, list[Delegate]] = {}
        for delegate in Delegate.objects.select_related("user"):
            for name in {delegate.user.username, delegate.user.display_name}:
                self.delegates.setdefault(name, []).append(delegate)
        # A unit by its full name, or by its short name where only one unit has it.
        directory = list(HandlingUnit.objects.values_list("name", "short_name"))
        self.units: dict[str, set[str]] = {name: {name} for name, _short_name in directory}
        for name, short_name in directory:
            if short_name and short_name not in {full for full, _short in directory}:
                self.units.setdefault(short_name, set()).add(name)
        self.seen_references: dict[tuple[int, str], int] = {}
        self.seen_titles: dict[tuple[int, int, str], int] = {}

    def column_name(self, key: str) -> str:
        """The column as the file names it, or in both languages when the file has no such column."""
        column = COLUMNS_BY_KEY[key]
        return self.headers.get(key, f"{column.zh} / {column.en}")

    def error(self, row: int, key: str, message: str) -> None:
        self.errors.append(RowError(row, self.column_name(key), message, list(COLUMNS_BY_KEY).index(key)))

    def text(
        self, row: int, values: dict, key: str, *, max_chars: int, required: bool = False, single_line: bool = False
    ) -> str:
        value = values.get(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int | float):
            value = str(value)
        if isinstance(value, dt.date):
            self.error(row, key, _("Enter text, not a date."))
            return ""
        field_errors: dict[str, list[str]] = {}
        cleaned = clean_text(
            key, value, max_chars=max_chars, required=required, errors=field_errors, single_line=single_line
        )
        for message in field_errors.get(key, []):
            self.error(row, key, message)
        return cleaned

    def choice(self, row: int, values: dict, key: str, names: dict[str, str], *, required: bool = True) -> str:
        written = self.text(row, values, key, max_chars=100)
        if not written:
            if required:
                self.error(row, key, _("This field is required."))
            return ""
        value = names.get(_normal(written))
        if value is None:
            self.error(row, key, _("“%(value)s” is not one of: %(choices)s.")
                       % {"value": written, "choices": "、".join(self.labels[key])})  # fmt: skip
            return ""
        return value

    def date(self, row: int, values: dict, key: str) -> dt.date | None:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        elif isinstance(value, str):
            value = next((day for pattern in DATE_FORMATS if (day := _parse(value.strip(), pattern))), None)
        if not isinstance(value, dt.date):
            self.error(row, key, _("Enter a date such as 2026-03-05."))
            return None
        if value > self.today:
            self.error(row, key, _("The date cannot be in the future."))
        return value

    def check(self, row: int, values: dict) -> services.ImportedProposal | None:
        before = len(self.errors)
        title = self.text(
            row, values, "title", max_chars=settings.PROPOSAL_TITLE_MAX_CHARS, required=True, single_line=True
        )
        kind = self.choice(row, values, "kind", self.kinds)
        topic = self.choice(row, values, "topic", self.topics)
        state = self.choice(row, values, "state", self.states)
        organisation = self._organisation(row, values)
        session = self._session(row, values, kind)
        text_limit = settings.PROPOSAL_TEXT_MAX_CHARS
        text = {
            key: self.text(row, values, key, max_chars=text_limit, required=bool(state) and reached(state, milestone))
            for key, milestone in (("background", State.RESEARCH), ("research_findings", State.CONSULTATION),
                                   ("recommendations", State.READY))
        }  # fmt: skip
        lead = self._lead(row, values, session, required=bool(state) and reached(state, State.CONSULTATION))
        outcome = self._outcome(row, values, state)
        dates = {key: self.date(row, values, key) for key in DATE_COLUMNS}
        if state:
            self._dates_for_state(row, state, dates)
        if session is not None and state in PRE_SUBMISSION and session.submission_deadline < self.now:
            self.error(row, "state", _("The session's submission deadline has passed: a proposal of it can only be "
                                       "imported as submitted or later, or as withdrawn."))  # fmt: skip
        if session is not None and organisation is not None and title:
            self._unique(row, session, organisation, title, outcome["reference_number"])
        if len(self.errors) > before:
            return None
        created_at, updated_at = self._moments(session, dates)
        return services.ImportedProposal(
            row=row, organisation=organisation, session=session, kind=kind, topic=topic, state=state, title=title,
            lead=lead, submitted_on=dates["submitted_on"], answered_on=dates["answered_on"], created_at=created_at,
            updated_at=updated_at, **text, **outcome,
        )  # fmt: skip

    def _organisation(self, row: int, values: dict) -> Organisation | None:
        name = self.text(row, values, "organisation", max_chars=100, required=True)
        if not name:
            return None
        organisation = self.organisations.get(name)
        if organisation is None:
            self.error(row, "organisation", _("There is no organisation called “%(name)s”.") % {"name": name})
        elif organisation.pk not in self.in_scope:
            self.error(row, "organisation", _("You cannot import proposals for “%(name)s”.") % {"name": name})
            return None
        return organisation

    def _session(self, row: int, values: dict, kind: str) -> Session | None:
        name = self.text(row, values, "session", max_chars=100, required=True)
        if not name:
            return None
        session = self.sessions.get(name)
        if session is None:
            self.error(row, "session", _("There is no session called “%(name)s”.") % {"name": name})
        elif kind and kind not in Proposal.KINDS_BY_BODY[session.body]:
            self.error(row, "kind", _("A %(kind)s cannot go to a session of the %(body)s.")
                       % {"kind": Proposal.Kind(kind).label, "body": session.get_body_display()})  # fmt: skip
        return session

    def _lead(self, row: int, values: dict, session: Session | None, *, required: bool) -> Delegate | None:
        name = self.text(row, values, "lead", max_chars=150, required=required)
        if not name:
            return None
        found = self.delegates.get(name, [])
        if session is not None:
            found = [delegate for delegate in found if delegate.body == session.body] or found
        if not found:
            self.error(row, "lead", _("There is no delegate called “%(name)s”.") % {"name": name})
        elif len(found) > 1:
            self.error(row, "lead", _("Several delegates are called “%(name)s”; write the username.") % {"name": name})
        elif session is not None and found[0].body != session.body:
            self.error(row, "lead", _("%(delegate)s does not sit in the %(body)s.")
                       % {"delegate": found[0], "body": session.get_body_display()})  # fmt: skip
        else:
            return found[0]
        return None

    def _outcome(self, row: int, values: dict, state: str) -> dict[str, Any]:
        """The outcome fields: required once the state got that far, refused before it."""
        submitted = bool(state) and reached(state, State.SUBMITTED)
        handled = bool(state) and reached(state, State.HANDLING)
        answered = bool(state) and reached(state, State.ANSWERED)
        lead_units = self._units(row, values, "lead_units", required=handled)
        assisting_units = self._units(row, values, "assisting_units", required=False)
        for name in set(lead_units) & set(assisting_units):
            self.error(row, "assisting_units", _("“%(unit)s” is a lead unit already; name it once.") % {"unit": name})
        outcome = {
            "reference_number": self.text(
                row, values, "reference_number", max_chars=50, required=submitted, single_line=True
            ),
            "units": tuple((name, UnitRole.LEAD) for name in lead_units)
            + tuple((name, UnitRole.ASSISTING) for name in assisting_units if name not in lead_units),
            "answer": self.text(row, values, "answer", max_chars=settings.PROPOSAL_TEXT_MAX_CHARS, required=answered),
            "answer_class": self.choice(row, values, "answer_class", self.classes, required=False),
            "rating": self.choice(row, values, "rating", self.ratings, required=state == State.CLOSED),
        }
        if state:
            written = {**outcome, "lead_units": lead_units, "assisting_units": assisting_units}
            allowed_in_state = {
                "reference_number": submitted, "lead_units": handled, "assisting_units": handled, "answer": answered,
                "answer_class": answered, "rating": state == State.CLOSED,
            }  # fmt: skip
            for key, allowed in allowed_in_state.items():
                if written[key] and not allowed:
                    self._not_in_state(row, key, state)
        return outcome

    def _units(self, row: int, values: dict, key: str, *, required: bool) -> list[str]:
        """The units a cell names, each by its name in the directory (or as written, to be added to it)."""
        written = self.text(row, values, key, max_chars=1000, required=required, single_line=True)
        names = []
        for name in dict.fromkeys(part.strip() for part in UNIT_SEPARATORS.split(written) if part.strip()):
            found = self.units.get(name, {name})
            if len(found) > 1:
                self.error(row, key, _("Several handling units are called “%(name)s”; write the full name.")
                           % {"name": name})  # fmt: skip
            elif len(name) > HandlingUnit._meta.get_field("name").max_length:
                self.error(row, key, _("“%(name)s” is too long for the name of a handling unit.") % {"name": name})
            else:
                names.append(next(iter(found)))
        return names

    def _not_in_state(self, row: int, key: str, state: str) -> None:
        self.error(row, key, _("A proposal in state “%(state)s” has none; leave it empty.")
                   % {"state": State(state).label})  # fmt: skip

    def _dates_for_state(self, row: int, state: str, dates: dict[str, dt.date | None]) -> None:
        for key, milestone in (("submitted_on", State.SUBMITTED), ("answered_on", State.ANSWERED)):
            if reached(state, milestone) and dates[key] is None and not self._has_error(row, key):
                self.error(row, key, _("This field is required."))
            elif not reached(state, milestone) and dates[key] is not None:
                self._not_in_state(row, key, state)
        submitted, answered, drafted = dates["submitted_on"], dates["answered_on"], dates["drafted_on"]
        if submitted and answered and answered < submitted:
            self.error(row, "answered_on", _("The answer cannot come before the submission."))
        if submitted and drafted and drafted > submitted:
            self.error(row, "drafted_on", _("A proposal cannot be drafted after it was submitted."))

    def _has_error(self, row: int, key: str) -> bool:
        column = self.column_name(key)
        return any(error.row == row and error.column == column for error in self.errors)

    def _unique(self, row: int, session: Session, organisation: Organisation, title: str, reference: str) -> None:
        if reference:
            first = self.seen_references.setdefault((session.pk, reference), row)
            if first != row:
                self.error(row, "reference_number", _("Reference number %(number)s is also in row %(row)d.")
                           % {"number": reference, "row": first})  # fmt: skip
        first = self.seen_titles.setdefault((session.pk, organisation.pk, title), row)
        if first != row:
            self.error(row, "title", _("The same proposal (title, organisation and session) is also in row %(row)d.")
                       % {"row": first})  # fmt: skip

    def check_database(self, rows: dict[int, services.ImportedProposal]) -> None:
        """Reference numbers and proposals already in the database: two queries for all rows."""
        # Read a superset with IN lists (an OR of a thousand pairs is too deep for SQLite), then match exactly.
        sessions = {item.session.pk for item in rows.values()}
        numbers = {item.reference_number for item in rows.values() if item.reference_number}
        taken = set(
            Proposal.objects.filter(session_id__in=sessions, reference_number__in=numbers).values_list(
                "session_id", "reference_number"
            )
        ) if numbers else set()  # fmt: skip
        existing = set(
            Proposal.objects.filter(session_id__in=sessions, title__in={item.title for item in rows.values()})
            .values_list("session_id", "organisation_id", "title")
        ) if rows else set()  # fmt: skip
        for row, item in rows.items():
            if (item.session.pk, item.reference_number) in taken:
                self.error(row, "reference_number", _("Reference number %(number)s is already taken in this session.")
                           % {"number": item.reference_number})  # fmt: skip
            if (item.session.pk, item.organisation.pk, item.title) in existing:
                self.error(row, "title", _("This proposal is already in the tracker (same title, organisation "
                                           "and session)."))  # fmt: skip

    def _moments(self, session: Session, dates: dict[str, dt.date | None]) -> tuple[dt.datetime, dt.datetime]:
        """When it was drafted and last changed, as far as the row tells: the year review counts by them."""
        zone = timezone.get_default_timezone()
        deadline_day = timezone.localdate(session.submission_deadline)
        drafted = dates["drafted_on"] or dates["submitted_on"] or min(self.today, deadline_day)
        created_at = min(self.now, dt.datetime.combine(drafted, dt.time(9), tzinfo=zone))
        last = max(day for day in (drafted, dates["submitted_on"], dates["answered_on"]) if day is not None)
        updated_at = max(created_at, min(self.now, dt.datetime.combine(last, dt.time(17), tzinfo=zone)))
        return created_at, updated_at


def _parse(text: str, pattern: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day, not a moment
    except ValueError:
        return None


def check_rows(
    sheet: Sheet, *, actor: User, now: dt.datetime | None = None, progress: Callable[[int], None] | None = None
) -> list[services.ImportedProposal]:
    """Every row checked, in order; raises ImportRefused with all the errors if there is one."""
    checker = Checker(actor=actor, headers=sheet.headers, now=now or timezone.now())
    checker.load(sheet.rows)
    checked: dict[int, services.ImportedProposal] = {}
    for number, values in sheet.rows:
        item = checker.check(number, values)
        if item is not None:
            checked[number] = item
        if progress is not None:
            progress(1)
    checker.check_database(checked)
    if checker.errors:
        raise ImportRefused(sorted(checker.errors, key=lambda error: (error.row, error.order)))
    return list(checked.values())


# --- The template -------------------------------------------------------------------------------------


def example_row(today: dt.date) -> dict[str, Any]:
    """A closed suggestion of last year's session, as the demo data has it (demo/data.py)."""
    year = today.year - 1
    return {
        "title": "关于加强中小学心理健康教师配备的建议",
        "kind": "建议",
        "topic": "心理健康",
        "organisation": "共青团朔州市委",
        "session": "朔州市第五届人民代表大会第三次会议",
        "lead": "王海燕",
        "background": "全市中小学心理健康教师配备不足，部分学校由班主任兼任心理辅导工作。",
        "research_findings": "深入35所中小学为2500余名青少年开展团体心理辅导，回收有效问卷2380份。",
        "recommendations": "一、按师生比配齐专职心理健康教师；\n二、建立家校社协同的心理危机干预机制。",
        "state": "办结",
        "reference_number": "建议第901号",
        "submitted_on": dt.date(year, 1, 20),
        "lead_units": "朔州市教育局",
        "assisting_units": "朔州市卫生健康委员会",
        "answer": "已将心理健康教师配备纳入年度教育工作要点，分两年配齐专职心理健康教师。",
        "answer_class": "B",
        "answered_on": dt.date(year, 5, 15),
        "rating": "满意",
        "drafted_on": dt.date(year - 1, 12, 1),
    }


def write_template(path: str | Path, *, today: dt.date | None = None) -> None:
    """An empty import file: the header row, one example row, and a sheet that explains each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    today = today or timezone.localdate()
    book = Workbook()
    sheet = book.active
    sheet.title = "提案 proposals"
    sheet.append([column.zh for column in COLUMNS])
    example = example_row(today)
    sheet.append([example[column.key] for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 30 if column.key in ("title", "session", "background") else 16
        if column.key in DATE_COLUMNS:
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明 notes")
    notes.append(["列 / column", "English", "说明 / notes"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append([column.zh, column.en, column.note])
        notes.cell(row=notes.max_row, column=3).alignment = Alignment(wrap_text=True)
    notes.append([])
    notes.append(["第一个工作表的第一行为表头；第二行为示例，导入前请删除或替换。 / The first sheet's first row is "
                  "the header; row 2 is an example: delete or replace it."])  # fmt: skip
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 18
    notes.column_dimensions["C"].width = 90
    book.save(path)
