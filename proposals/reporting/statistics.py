"""Counting reads for the dashboard and the statistics page (DESIGN §6), in the style of proposals.selectors.

Every function takes a queryset already scoped by proposals.selectors.proposals_visible_to and counts with
aggregate queries, so the number of queries stays the same whatever the number of proposals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.functions import ExtractYear, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import (
    Answer,
    AnswerRating,
    Comment,
    Handling,
    HandlingUnit,
    Organisation,
    Proposal,
    Stage,
    Transition,
    User,
)
from proposals.selectors import (
    NOT_REGISTERED,
    RATED,
    RATED_SATISFIED,
    REACHED_ANSWER,
    REACHED_REGISTRATION,
    counting_unit_of_path,
    current_due_dates_before,
)
from proposals.workflow import ACTIONS_BY_NAME, AnswerClass, HandlingStatus, Rating, State

BOARD_CARDS_PER_STATE = 8
DEADLINE_HORIZON_DAYS = 30
DEADLINE_ROWS = 20
RECENT_COMMENTS = 10

# What counts as registered, answered and rated satisfied comes from proposals.selectors, where the list's
# milestone filters and the year review (proposals.reporting.year_review) use the same conditions.


def can_view_statistics(user: User) -> bool:
    """Coordinators (their subtree) and administrators (everything) see the statistics; nobody else."""
    if not user.is_authenticated:
        return False
    return user.is_operator or (user.role == User.Role.COORDINATOR and user.organisation_id is not None)


# --- Bars ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int
    percent: float  # of the largest bar, for the drawing only; the count is written out beside it


def percent_of_largest(count: int, largest: int) -> float:
    """A bar's length: the count as a percentage of the largest one drawn beside it (0 when all are 0)."""
    return round(100 * count / largest, 1) if largest else 0.0


def _bars(rows: list[tuple[str, str, int]]) -> list[Bar]:
    largest = max((count for _key, _label, count in rows), default=0)
    return [Bar(key, label, count, percent_of_largest(count, largest)) for key, label, count in rows]


def counts_by_state(proposals: QuerySet[Proposal]) -> list[Bar]:
    """One bar per workflow state, in workflow order, zero included. One query."""
    counts = dict(proposals.order_by().values_list("state").annotate(n=Count("pk")))
    return _bars([(state.value, str(state.label), counts.get(state.value, 0)) for state in State])


def counts_by_topic(proposals: QuerySet[Proposal]) -> list[Bar]:
    """One bar per topic, in the order topics are declared, zero included. One query."""
    counts = dict(proposals.order_by().values_list("topic").annotate(n=Count("pk")))
    return _bars([(topic.value, str(topic.label), counts.get(topic.value, 0)) for topic in Proposal.Topic])


def counts_by_session(proposals: QuerySet[Proposal]) -> list[Bar]:
    """One bar per session that has proposals in the set, the latest session first. One query."""
    rows = (
        proposals.order_by()
        .values_list("session_id", "session__name", "session__opening_date")
        .annotate(n=Count("pk"))
        .order_by("-session__opening_date", "session__name")
    )
    return _bars([(str(pk), name, n) for pk, name, _opening, n in rows])


# --- The board -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    state: str
    label: str
    count: int
    cards: list[Proposal]

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def board(proposals: QuerySet[Proposal], *, per_state: int = BOARD_CARDS_PER_STATE) -> list[Column]:
    """A column per state in workflow order, each with its count and its latest `per_state` proposals.

    Two queries: the counts, and the cards, ranked within their state by a window function.
    """
    counts = {bar.key: bar.count for bar in counts_by_state(proposals)}
    ranked = (
        proposals.order_by()
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("state")], order_by=[F("updated_at").desc(), F("id").desc()])
        )
        .filter(rank__lte=per_state)
        .only("pk", "title", "state", "updated_at")
        .order_by("state", "rank")
    )
    cards: dict[str, list[Proposal]] = {}
    for proposal in ranked:
        cards.setdefault(proposal.state, []).append(proposal)
    return [Column(state.value, str(state.label), counts[state.value], cards.get(state.value, [])) for state in State]


# --- Deadlines -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    proposal: Proposal
    stage: str
    stage_label: str
    due_at: dt.datetime
    days: int  # calendar days from today to the due date (local time); negative when overdue
    overdue: bool

    @property
    def days_overdue(self) -> int:
        return -self.days


def upcoming_deadlines(
    proposals: QuerySet[Proposal], *, now: dt.datetime | None = None, limit: int = DEADLINE_ROWS
) -> list[DueItem]:
    """The current stages' due dates within the next 30 days, and the overdue ones, most urgent first.

    Current stages only: the Deadline rows marked current, and the session's submission deadline for proposals
    that are ready. Two queries.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    dates = current_due_dates_before(now + dt.timedelta(days=DEADLINE_HORIZON_DAYS), proposals)[:limit]
    return [
        DueItem(
            proposal=proposal, stage=stage, stage_label=str(Stage(stage).label), due_at=due_at,
            days=(timezone.localdate(due_at) - today).days, overdue=due_at < now,
        )
        for proposal, stage, due_at in dates
    ]  # fmt: skip


def recent_delegate_comments(proposals: QuerySet[Proposal], *, limit: int = RECENT_COMMENTS) -> list[Comment]:
    """What delegates wrote lately on these proposals, newest first. One query."""
    return list(
        Comment.objects.filter(author__role=User.Role.DELEGATE, proposal__in=proposals.values("pk"))
        .select_related("author", "proposal")
        .order_by("-created_at", "-id")[:limit]
    )


# --- The statistics page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    organisation: Organisation
    count: int
    percent: float

    @property
    def is_county(self) -> bool:
        return self.organisation.level == Organisation.Level.COUNTY


def counts_by_county(
    proposals: QuerySet[Proposal], counties: QuerySet[Organisation], committees: QuerySet[Organisation] | None = None
) -> list[UnitRow]:
    """Proposals per county committee, counting the committee's own and everything below it. Two queries,
    whatever the depth of the tree.

    The province and city committees in `committees` follow the counties with their own proposals (filed above
    any county), so the rows add up to the total.
    """
    units = list(counties if committees is None else counties | committees)
    # Counted per organisation, then each organisation's count added to its unit's: a few thousand organisations
    # against a prefix lookup per unit (130 in a province) for each of a million proposals.
    unit_of = counting_unit_of_path(units)
    counts: dict[int | None, int] = defaultdict(int)
    for path, n in proposals.order_by().values_list("organisation__path").annotate(n=Count("pk")):
        counts[unit_of(path)] += n
    # Counties first, then the committees above them, each group in the tree's order.
    ordered = sorted(units, key=lambda unit: (unit.level != Organisation.Level.COUNTY, unit.path))
    rows = [(unit, counts.get(unit.pk, 0)) for unit in ordered]
    largest = max((n for _unit, n in rows), default=0)
    return [UnitRow(unit, n, percent_of_largest(n, largest)) for unit, n in rows]


@dataclass(frozen=True)
class Rate:
    key: str
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None


def rates(proposals: QuerySet[Proposal]) -> dict[str, Rate]:
    """Registration, answer and satisfaction rates with their numerators and denominators. One query.

    registration: registered or later among those the session office decided (registered or later, or not);
    answer: answered by every handling unit among registered or later; satisfaction: closed with no unit's final
    answer rated unsatisfied (every rating satisfied or basically satisfied) among closed.
    """
    totals = proposals.order_by().aggregate(
        registered=Count("pk", filter=REACHED_REGISTRATION),
        not_registered=Count("pk", filter=NOT_REGISTERED),
        answered=Count("pk", filter=REACHED_ANSWER),
        satisfied=Count("pk", filter=RATED_SATISFIED),
        rated=Count("pk", filter=RATED),
    )
    return {
        "registration": Rate("registration", totals["registered"], totals["registered"] + totals["not_registered"]),
        "answer": Rate("answer", totals["answered"], totals["registered"]),
        "satisfaction": Rate("satisfaction", totals["satisfied"], totals["rated"]),
    }


# --- The handling units' answers (issue #15) ------------------------------------------------------------
# Each takes the proposals to count (the statistics page's, or the year review's cohort) and counts in the
# database, in one or two queries whatever the number of proposals, units or answers.


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int


def answers_by_class(proposals: QuerySet[Proposal]) -> list[Figure]:
    """Each unit's latest answer by its class: A, B, C, and unclassified (answers recorded before answers had a
    class, by the migration from the free-text answer). One query."""
    later = Answer.objects.filter(handling=OuterRef("handling"), round__gt=OuterRef("round"))
    counts = dict(
        Answer.objects.filter(handling__proposal__in=proposals.values("pk"))
        .filter(~Exists(later))
        .order_by()
        .values_list("answer_class")
        .annotate(n=Count("pk"))
    )
    figures = [Figure(klass.value, str(klass.label), counts.get(klass.value, 0)) for klass in AnswerClass]
    return [*figures, Figure("", _("Unclassified (recorded before answers had a class)"), counts.get("", 0))]


ROUNDS = (1, 2)


@dataclass(frozen=True)
class UnitSatisfaction:
    """The signers' ratings of one handling unit's answers: (round, rating) → count."""

    unit: HandlingUnit
    counts: dict[tuple[int, str], int]

    def count(self, round_: int, rating: str) -> int:
        return self.counts.get((round_, rating), 0)

    @property
    def cells(self) -> list[int]:
        """The counts in the order of the table's columns: round 1 satisfied, basically, unsatisfied; round 2 …"""
        return [self.count(round_, rating) for round_ in ROUNDS for rating in Rating.values]


def satisfaction_by_unit(proposals: QuerySet[Proposal]) -> list[UnitSatisfaction]:
    """Per handling unit, how many ratings of its answers were satisfied, basically satisfied and unsatisfied, in
    the first round and in the second; the units by name. Two queries: the counts, and their units."""
    rows = (
        AnswerRating.objects.filter(answer__handling__proposal__in=proposals.values("pk"))
        .order_by()
        .values_list("answer__handling__unit", "answer__round", "rating")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[tuple[int, str], int]] = {}
    for unit_id, round_, rating, n in rows:
        counts.setdefault(unit_id, {})[(round_, rating)] = n
    units = HandlingUnit.objects.filter(pk__in=counts).order_by("name") if counts else []
    return [UnitSatisfaction(unit, counts[unit.pk]) for unit in units]


@dataclass(frozen=True)
class UnitTimeliness:
    unit: HandlingUnit
    handlings: int  # proposals the unit handles
    overdue: int  # still to answer, and the due date has passed
    late: int  # answered, after the due date

    @property
    def cells(self) -> list[int]:
        return [self.handlings, self.overdue, self.late]


def overdue_by_unit(proposals: QuerySet[Proposal], *, today: dt.date | None = None) -> list[UnitTimeliness]:
    """Per handling unit: the proposals it handles, those whose answer is overdue (open, due before today), and
    the answers that came after their due date; the units with an overdue or a late answer first. Two queries:
    the counts, and their units.

    An answer is compared with the due date of its handling's current round (Handling.due_on): the first answer
    of a unit sent back to answer again is compared no more, its due date having been replaced by the second's.
    """
    today = today or timezone.localdate()
    current_answer = Q(answers__round=F("round"))
    rows = (
        Handling.objects.filter(proposal__in=proposals.values("pk"))
        .order_by()
        .values("unit")
        .annotate(
            handlings=Count("pk", distinct=True),
            overdue=Count("pk", filter=Q(status=HandlingStatus.OPEN, due_on__lt=today), distinct=True),
            late=Count("answers", filter=current_answer & Q(answers__answered_on__gt=F("due_on"))),
        )
    )
    rows = {row["unit"]: row for row in rows}
    units = HandlingUnit.objects.filter(pk__in=rows) if rows else []
    result = [UnitTimeliness(unit, rows[unit.pk]["handlings"], rows[unit.pk]["overdue"], rows[unit.pk]["late"])
              for unit in units]  # fmt: skip
    return sorted(result, key=lambda row: (-(row.overdue + row.late), row.unit.name))


@dataclass(frozen=True)
class Supervision:
    """The key supervised items (重点督办) and what became of them."""

    supervised: int  # marked supervised at some time (the log says so), ended or not
    still: int  # supervised now
    answered: int  # every unit has answered
    closed: int
    satisfied: int  # closed, and no final answer rated unsatisfied


def supervised_items(proposals: QuerySet[Proposal]) -> Supervision:
    """The proposals ever marked as key supervised items, and their outcome. One query."""
    supervise = ACTIONS_BY_NAME["supervise"].name
    # Filtered first: the outcomes' subqueries run for the supervised proposals only, the log's once per proposal.
    ever = Exists(Transition.objects.filter(proposal=OuterRef("pk"), action=supervise))
    totals = (
        proposals.filter(ever)
        .order_by()
        .aggregate(
            supervised=Count("pk"),
            still=Count("pk", filter=Q(supervised_at__isnull=False)),
            answered=Count("pk", filter=REACHED_ANSWER),
            closed=Count("pk", filter=RATED),
            satisfied=Count("pk", filter=RATED_SATISFIED),
        )
    )
    return Supervision(**totals)


# How far back the chain of proposals raised again is followed (A raised again as B, B as C, ...): further than
# any proposal has been raised in the years the tracker has run.
CARRY_CHAIN_DEPTH = 6


@dataclass(frozen=True)
class CarriedForward:
    raised_again: int  # proposals that raise an earlier one again
    years_running: list[tuple[int, int]]  # (N, proposals raised N years running), N from 2 up


def _years_running() -> tuple[dict, Case]:
    """The annotations of each proposal's session year and of its predecessors' (carried_from, its carried_from…),
    and the number of years running it is raised: its year back to the earliest predecessor reached by steps of
    at most one year (a county's proposal raised at the city's session of the same year adds no year)."""
    years = {f"carry_year_{depth}": ExtractYear("carried_from__" * depth + "session__opening_date")
             for depth in range(CARRY_CHAIN_DEPTH + 1)}  # fmt: skip

    def step(depth: int) -> Q:
        return Q(**{f"carry_year_{depth}__gte": F(f"carry_year_{depth - 1}") - 1})

    whens = []
    for depth in range(CARRY_CHAIN_DEPTH, 0, -1):
        unbroken = Q()
        for link in range(1, depth + 1):
            unbroken &= step(link)
        whens.append(When(unbroken, then=F("carry_year_0") - F(f"carry_year_{depth}") + 1))
    return years, Case(*whens, default=Value(1), output_field=IntegerField())


def carried_forward(proposals: QuerySet[Proposal]) -> CarriedForward:
    """The proposals raised again (持续呼吁: carried_from set), and how many are raised N years running, counted by
    the years of the sessions along the chain. One query."""
    years, running = _years_running()
    rows = (
        proposals.filter(carried_from__isnull=False)
        .order_by()
        .annotate(**years)
        .annotate(years_running=running)
        .values_list("years_running")
        .annotate(n=Count("pk"))
    )
    counts = dict(rows)
    return CarriedForward(sum(counts.values()), sorted((n, count) for n, count in counts.items() if n >= 2))
