"""Counting reads for the dashboard and the statistics page (DESIGN §6), in the style of proposals.selectors.

Every function takes a queryset already scoped by proposals.selectors.proposals_visible_to and counts with
aggregate queries, so the number of queries stays the same whatever the number of proposals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, QuerySet, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from proposals.models import Comment, Organisation, Proposal, Stage, User
from proposals.selectors import (
    NOT_REGISTERED,
    OFFICIAL_ORDER,
    RATED,
    RATED_SATISFIED,
    REACHED_ANSWER,
    REACHED_REGISTRATION,
    current_due_dates_before,
)
from proposals.workflow import State

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
    proposals: QuerySet[Proposal], counties: QuerySet[Organisation], cities: QuerySet[Organisation] | None = None
) -> list[UnitRow]:
    """Proposals per county committee, counting the committee's own and its branches'. Two queries.

    The city committees in `cities` follow the counties with their own proposals (filed at city level), so the
    rows add up to the total.
    """
    unit_of = Case(
        When(organisation__level=Organisation.Level.BRANCH, then=F("organisation__parent_id")),
        default=F("organisation_id"),
        output_field=IntegerField(),
    )
    counts = dict(proposals.order_by().annotate(unit=unit_of).values_list("unit").annotate(n=Count("pk")))
    units = counties.order_by(*OFFICIAL_ORDER)
    if cities is not None:
        units = (counties | cities).order_by("-level", *OFFICIAL_ORDER)  # county before city
    rows = [(unit, counts.get(unit.pk, 0)) for unit in units]
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
    answer: answered or closed among registered or later; satisfaction: satisfied or basically satisfied
    among rated.
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
