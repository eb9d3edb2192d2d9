"""The year review (DESIGN §1: "at the end of the year nobody can say how many proposals went where").

For a year and an organisation with everything below it: how many proposals were drafted, submitted,
registered, answered and rated satisfied (the milestones of proposals.selectors.Milestone), per county or
district (a county counts its committee's own proposals and its branches'), per topic, and in all.

Every figure counts with proposals.selectors.milestone_filter and the organisation's subtree, the conditions the
proposal list applies when the figure's link is followed (the cell carries the list's filter arguments, those of
proposals.selectors.proposal_filter), so a figure and the list it links to cannot disagree. One grouped query for
all the figures, whatever the number of proposals.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import Organisation, Proposal
from proposals.reporting import statistics
from proposals.reporting.statistics import Rate, percent_of_largest
from proposals.selectors import Milestone, counting_unit, milestone_filter
from proposals.workflow import Rating

MILESTONES: tuple[Milestone, ...] = tuple(Milestone)


@dataclass(frozen=True)
class Cell:
    milestone: str
    count: int
    # The proposal list's filter arguments (proposals.selectors.proposal_filter): exactly what is counted.
    filters: dict
    percent: float = 0.0  # of the largest figure in the column, for the drawing only


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[Cell, ...]
    organisation: Organisation | None = None
    own: bool = False  # the chosen organisation's own proposals, without those of the organisations below it

    def cell(self, milestone: str) -> Cell:
        return next(cell for cell in self.cells if cell.milestone == milestone)

    def count(self, milestone: str) -> int:
        return self.cell(milestone).count


@dataclass(frozen=True)
class HandlingReview:
    """What became of the year's submissions at the handling units (issue #15), counted by
    proposals.reporting.statistics over the same proposals as the later milestones: those submitted in the year."""

    answer_classes: list[statistics.Figure]
    satisfaction: list[statistics.UnitSatisfaction]
    timeliness: list[statistics.UnitTimeliness]
    supervision: statistics.Supervision
    carried: statistics.CarriedForward

    @property
    def supervision_rows(self) -> list[tuple[str, int]]:
        return supervision_rows(self.supervision)

    @property
    def carried_rows(self) -> list[tuple[str, int]]:
        return carried_rows(self.carried)


@dataclass(frozen=True)
class YearReview:
    year: int
    organisation: Organisation
    units: list[Row]  # the organisations right below (cities of a province, counties of a city...), then its own
    topics: list[Row]
    total: Row
    funnel: list[Cell] = field(default_factory=list)  # the totals, each drawn against the largest
    handling: HandlingReview | None = None

    @property
    def unit_level(self) -> str:
        """The level of the unit rows: cities under a province, counties under a city, branches under a county
        (the highest, where a province has counties right below it too)."""
        levels = [row.organisation.level for row in self.units if row.organisation is not None and not row.own]
        return min(levels, key=lambda level: Organisation.RANK[level], default=Organisation.Level.BRANCH)

    @property
    def rates(self) -> dict[str, Rate]:
        """Each milestone of the year's submissions as a share of the one before it (drafted stands apart)."""
        count = self.total.count
        return {
            Milestone.REGISTERED: Rate("registration", count(Milestone.REGISTERED), count(Milestone.SUBMITTED)),
            Milestone.ANSWERED: Rate("answer", count(Milestone.ANSWERED), count(Milestone.REGISTERED)),
            Milestone.SATISFIED: Rate("satisfaction", count(Milestone.SATISFIED), count(Milestone.ANSWERED)),
        }

    @property
    def funnel_rows(self) -> list[tuple[Cell, str, Rate | None]]:
        """The totals for the chart: each figure, its label, and its share of the step before."""
        rates = self.rates
        labels = dict(Milestone.choices)
        return [(cell, str(labels[cell.milestone]), rates.get(cell.milestone)) for cell in self.funnel]


def review_years(proposals: QuerySet[Proposal], today: dt.date | None = None) -> list[int]:
    """The years a review can be asked for, latest first: from the first proposal's to this year (or the last
    submission's, if later). One query."""
    today = today or timezone.localdate()
    bounds = proposals.order_by().aggregate(
        first_created=Min("created_at"), first_submitted=Min("submitted_on"), last_submitted=Max("submitted_on")
    )
    first = [today.year]
    if bounds["first_created"] is not None:
        first.append(timezone.localtime(bounds["first_created"], timezone.get_default_timezone()).year)
    if bounds["first_submitted"] is not None:
        first.append(bounds["first_submitted"].year)
    last = max(today.year, bounds["last_submitted"].year if bounds["last_submitted"] else today.year)
    return list(range(last, min(first) - 1, -1))


def year_review(proposals: QuerySet[Proposal], *, organisation: Organisation, year: int) -> YearReview:
    """The review of `year` for `organisation` and everything below it, within `proposals` (the viewer's scope).

    Two queries for the milestones (the organisations right below, and every figure in one grouped query), and a
    fixed few for the handling of the year's submissions (year_handling).
    """
    units = list(organisation.children.order_by("path"))
    everything = {"organisation_id": organisation.pk, "include_below": True}
    rows: list[tuple[str, str, dict, Organisation | None, bool]] = [
        (f"unit-{unit.pk}", unit.name, {"organisation_id": unit.pk, "include_below": True}, unit, False)
        for unit in units
    ]
    rows.append(
        (f"unit-{organisation.pk}", organisation.name, {"organisation_id": organisation.pk}, organisation, True)
    )
    topic_rows = [
        (f"topic-{topic.value}", str(topic.label), everything | {"topic": topic.value}, None, False)
        for topic in Proposal.Topic
    ]
    total_row = ("total", _("Total"), everything, organisation, False)

    # One grouped query: the milestones' conditional counts per unit right below (or the organisation's own) and
    # topic, which the rows, columns and total add up. Conditional counts per row and column instead would
    # evaluate each milestone's subqueries once per figure for every proposal.
    subtree = proposals.filter(organisation.subtree_filter("organisation__")).order_by()
    groups = (
        subtree.annotate(unit=counting_unit([*units, organisation]))
        .values("unit", "topic")
        .annotate(**{f"n_{m.value}": Count("pk", filter=milestone_filter(m, year)) for m in MILESTONES})
    )
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        for milestone in MILESTONES:
            n = group[f"n_{milestone.value}"]
            for key in (f"unit-{group['unit']}", f"topic-{group['topic']}", "total"):
                counts[f"{key}:{milestone.value}"] += n

    def table(specs) -> list[Row]:
        largest = {
            milestone: max((counts[f"{spec[0]}:{milestone.value}"] for spec in specs), default=0)
            for milestone in MILESTONES
        }
        return [_row(spec, counts, year, largest) for spec in specs]

    total = _row(total_row, counts, year, {})
    top = max((cell.count for cell in total.cells), default=0)
    funnel = [
        Cell(cell.milestone, cell.count, cell.filters, percent_of_largest(cell.count, top)) for cell in total.cells
    ]
    submitted = subtree.filter(milestone_filter(Milestone.SUBMITTED, year))
    return YearReview(year, organisation, table(rows), table(topic_rows), total, funnel, year_handling(submitted))


def year_handling(submitted: QuerySet[Proposal], *, today: dt.date | None = None) -> HandlingReview:
    """The handling units' answers to these proposals, their ratings, timeliness, supervision and carrying
    forward. Seven queries."""
    return HandlingReview(
        answer_classes=statistics.answers_by_class(submitted),
        satisfaction=statistics.satisfaction_by_unit(submitted),
        timeliness=statistics.overdue_by_unit(submitted, today=today),
        supervision=statistics.supervised_items(submitted),
        carried=statistics.carried_forward(submitted),
    )


def _row(spec, counts: dict[str, int], year: int, largest: dict) -> Row:
    key, label, filters, organisation, own = spec
    cells = []
    for milestone in MILESTONES:
        count = counts[f"{key}:{milestone.value}"]
        cells.append(
            Cell(milestone.value, count, filters | {"year": year, "milestone": milestone.value},
                 percent_of_largest(count, largest.get(milestone, 0)))
        )  # fmt: skip
    return Row(key, label, tuple(cells), organisation, own)


# --- The spreadsheet ----------------------------------------------------------------------------------


def unit_caption(review: YearReview) -> str:
    captions = {
        Organisation.Level.CITY: _("By city"),
        Organisation.Level.COUNTY: _("By county or district"),
    }
    return captions.get(review.unit_level, _("By branch"))


def row_label(row: Row) -> str:
    if row.own:
        return _("%(name)s (its own proposals)") % {"name": row.label}
    return row.label


def milestone_definitions() -> list[tuple[str, str]]:
    """What each column counts, in the reader's language (the page and the spreadsheet show the same)."""
    return [
        (str(Milestone.DRAFTED.label), _("Created in the year.")),
        (str(Milestone.SUBMITTED.label), _("Submitted to a session on a day of the year.")),
        (str(Milestone.REGISTERED.label), _("Submitted in the year, and registered (立案) since.")),
        (str(Milestone.ANSWERED.label),
         _("Submitted in the year, registered, and answered since by every handling unit assigned to it.")),
        (str(Milestone.SATISFIED.label),
         _("Submitted in the year, closed (every signer rated every unit's final answer), and no final answer "
           "rated unsatisfied.")),
    ]  # fmt: skip


def handling_definitions() -> list[tuple[str, str]]:
    """What the tables of the handling count (the page and the spreadsheet show the same)."""
    return [
        (_("Answers by class"), _("The latest answer of each handling unit to the proposals submitted in the year.")),
        (_("Satisfaction by handling unit"),
         _("Every signer's rating of each unit's answers, in the first round and in the second (after an "
           "unsatisfied first rating).")),
        (_("Overdue answers"),
         _("Overdue: the unit has yet to answer and its due date has passed. Late: the unit's current answer came "
           "after its due date.")),
        (_("Key supervised items"), _("Proposals marked as key supervised items, whether or not the supervision "
                                      "has ended.")),
        (_("Raised again"),
         _("Proposals that raise an earlier one again; N years running counts the years of the sessions along "
           "the chain, each step at most a year apart.")),
    ]  # fmt: skip


def rating_headings() -> list[str]:
    """The columns of the satisfaction table: each rating of the first round, then of the second."""
    return [_("Round %(round)d: %(rating)s") % {"round": round_, "rating": label}
            for round_ in statistics.ROUNDS for label in Rating.labels]  # fmt: skip


def timeliness_headings() -> list[str]:
    return [_("Proposals handled"), _("Overdue"), _("Answered late")]


def supervision_rows(supervision: statistics.Supervision) -> list[tuple[str, int]]:
    return [
        (_("Key supervised items"), supervision.supervised),
        (_("Still supervised"), supervision.still),
        (_("Answered by every unit"), supervision.answered),
        (_("Closed"), supervision.closed),
        (_("Closed, rated satisfied"), supervision.satisfied),
    ]


def carried_rows(carried: statistics.CarriedForward) -> list[tuple[str, int]]:
    rows = [(_("Raised again"), carried.raised_again)]
    rows += [(_("Raised %(years)d years running") % {"years": n}, count) for n, count in carried.years_running]
    return rows


def workbook(review: YearReview, *, link: Callable[[Cell], str] | None = None) -> bytes:
    """The review's tables as an .xlsx: one sheet per table, each figure a link to its list when `link` is given."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    bold = Font(bold=True)
    heading_fill = PatternFill("solid", fgColor="F2DCDB")
    title = _("Year review %(year)d: %(organisation)s") % {"year": review.year, "organisation": review.organisation}

    def sheet(ws, caption: str, first_heading: str, rows: list[Row]) -> None:
        ws.title = caption[:31]
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([caption])
        ws.append([first_heading, *(str(milestone.label) for milestone in MILESTONES)])
        for cell in ws[3]:
            cell.font, cell.fill = bold, heading_fill
        for row in [*rows, review.total]:
            ws.append([row_label(row), *(cell.count for cell in row.cells)])
            ws.cell(row=ws.max_row, column=1).data_type = "s"  # a name is text, even one that starts with "="
            if link is not None:
                for column, cell in enumerate(row.cells, start=2):
                    target = ws.cell(row=ws.max_row, column=column)
                    target.hyperlink = link(cell)
                    target.style = "Hyperlink"
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True, underline="single" if link and cell.column > 1 else None,
                             color="0563C1" if link and cell.column > 1 else None)  # fmt: skip
        ws.column_dimensions["A"].width = 36
        for column in range(2, len(MILESTONES) + 2):
            ws.column_dimensions[get_column_letter(column)].width = 12
        ws.freeze_panes = "B4"

    def plain_sheet(caption: str, headings: list[str], rows: list[list]) -> None:
        """A table of the handling: its caption, headings and rows of a label and figures."""
        ws = book.create_sheet(caption[:31])
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([caption])
        ws.append(headings)
        for cell in ws[3]:
            cell.font, cell.fill = bold, heading_fill
        for row in rows:
            ws.append(row)
            ws.cell(row=ws.max_row, column=1).data_type = "s"
        ws.column_dimensions["A"].width = 36
        for column in range(2, len(headings) + 1):
            ws.column_dimensions[get_column_letter(column)].width = 14
        ws.freeze_panes = "B4"

    sheet(book.active, unit_caption(review), _("Organisation"), review.units)
    sheet(book.create_sheet(), _("By topic"), _("Topic"), review.topics)
    handling = review.handling
    if handling is not None:
        plain_sheet(
            _("Answers by class"),
            [_("Class"), _("Answers")],
            [[figure.label, figure.count] for figure in handling.answer_classes],
        )
        plain_sheet(
            _("Satisfaction by handling unit"),
            [_("Handling unit"), *rating_headings()],
            [[row.unit.name, *row.cells] for row in handling.satisfaction],
        )
        plain_sheet(
            _("Overdue answers"),
            [_("Handling unit"), *timeliness_headings()],
            [[row.unit.name, *row.cells] for row in handling.timeliness],
        )
        plain_sheet(
            _("Supervised and raised again"),
            ["", _("Proposals")],
            [list(row) for row in [*handling.supervision_rows, *handling.carried_rows]],
        )
    notes = book.create_sheet(_("Definitions")[:31])
    notes.append([title])
    notes["A1"].font = Font(bold=True, size=14)
    for name, meaning in [*milestone_definitions(), *handling_definitions()]:
        notes.append([name, meaning])
        notes.cell(row=notes.max_row, column=1).font = bold
        notes.cell(row=notes.max_row, column=2).alignment = Alignment(wrap_text=True)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
