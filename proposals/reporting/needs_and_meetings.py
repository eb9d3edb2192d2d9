"""Young people's needs and the face-to-face meetings in the year review (#16 item 9): per county or district
and per theme, how many needs were received (and by which channels), accepted, carried into proposals,
answered, and replied to; per county, the meetings held, the deputies and members met, and the counties that
held none (全覆盖).

A need belongs to the county it names, or else to the county of the organisation that holds it; the city
or province committee's own needs without a county belong to none. A need counts in the year it was received. Merged
needs count as received (they were) but not as accepted: their people count in the need they were merged into.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.models import Answer, Meeting, Need, NeedReply, Organisation
from proposals.reporting.statistics import percent_of_largest
from proposals.selectors import counties_under, counting_unit, year_bounds

FIGURES = ("received", "people", "accepted", "carried", "answered", "replied")
HEADINGS = {
    "received": _("Received"),
    "people": _("People who raised them"),
    "accepted": _("Accepted"),
    "carried": _("Carried into proposals"),
    "answered": _("Answered"),
    "replied": _("Replied to"),
}


@dataclass(frozen=True)
class NeedsRow:
    label: str
    received: int = 0
    people: int = 0
    accepted: int = 0
    carried: int = 0
    answered: int = 0
    replied: int = 0

    @property
    def figures(self) -> list[int]:
        return [getattr(self, name) for name in FIGURES]


@dataclass(frozen=True)
class NeedsReview:
    counties: list[NeedsRow]
    themes: list[NeedsRow]
    channels: list[tuple[str, int]]
    total: NeedsRow

    @property
    def headings(self) -> list[str]:
        return [str(HEADINGS[name]) for name in FIGURES]


def _figures() -> dict:
    carried = Need.proposals.through.objects.filter(need=OuterRef("pk"))
    answered = Answer.objects.filter(handling__proposal__needs=OuterRef("pk"))
    replied = NeedReply.objects.filter(need=OuterRef("pk"), status=NeedReply.Status.SENT)
    return {
        "received": Count("pk"),
        "people": Coalesce(Sum("people_count", filter=~Q(status=Need.Status.MERGED)), 0),
        "accepted": Count("pk", filter=Q(status=Need.Status.ACCEPTED)),
        "carried": Count("pk", filter=Q(Exists(carried))),
        "answered": Count("pk", filter=Q(Exists(answered))),
        "replied": Count("pk", filter=Q(Exists(replied))),
    }


def needs_review(needs: QuerySet[Need], *, organisation: Organisation, year: int) -> NeedsReview:
    """The needs of `organisation` and everything below it received in `year`, within `needs` (the viewer's
    scope). Three grouped queries and one for the counties' names, whatever the number of needs."""
    start, end = year_bounds(year)
    scoped = needs.filter(organisation.subtree_filter("organisation__"), created_at__gte=start, created_at__lt=end)
    counties = list(counties_under(organisation).order_by("path"))
    area = Coalesce("county_id", counting_unit(counties))
    by_area = {
        row.pop("area"): row for row in scoped.annotate(area=area).order_by().values("area").annotate(**_figures())
    }
    county_rows = [NeedsRow(county.name, **by_area.pop(county.pk, {})) for county in counties]
    rest = list(by_area.values())  # the city committee's own, or a county outside the organisation's subtree
    if rest:
        county_rows.append(NeedsRow(str(_("No county")), **{n: sum(r[n] for r in rest) for n in FIGURES}))
    themes = (
        scoped.filter(status=Need.Status.ACCEPTED).order_by().values("theme").annotate(**_figures()).order_by("theme")
    )
    theme_rows = [NeedsRow(row.pop("theme"), **row) for row in themes]
    channel_counts = dict(scoped.order_by().values_list("channel").annotate(Count("pk")))
    channels = [(str(label), channel_counts.get(value, 0)) for value, label in Need.Channel.choices]
    total = NeedsRow(str(_("Total")), **{name: sum(getattr(row, name) for row in county_rows) for name in FIGURES})
    return NeedsReview(county_rows, theme_rows, channels, total)


# --- Face-to-face meetings: coverage (全覆盖) -------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    label: str
    meetings: int
    delegates: int  # distinct deputies and members met
    young_people: int
    percent: float  # of the largest number of meetings, for the bar


@dataclass(frozen=True)
class Coverage:
    counties: list[CoverageRow]

    @property
    def without_meeting(self) -> list[str]:
        return [row.label for row in self.counties if not row.meetings]


def meetings_coverage(meetings: QuerySet[Meeting], *, organisation: Organisation, year: int) -> Coverage:
    """Per county or district of `organisation`, the face-to-face meetings held in `year` so far (by the county's
    committee or a branch under it), the deputies and members met, and the young people who came. Three
    queries."""
    start, end = year_bounds(year)
    counties = list(counties_under(organisation).order_by("path"))
    county = counting_unit(counties)
    held = meetings.filter(
        organisation.subtree_filter("organisation__"), starts_at__gte=start, starts_at__lt=min(end, timezone.now())
    )
    figures = {
        row["area"]: row
        for row in held.annotate(area=county).order_by().values("area").annotate(
            meetings=Count("pk", distinct=True), delegates=Count("delegates", distinct=True),
        )
    }  # fmt: skip
    # Summed apart: joined with the delegates, each meeting's young people would count once per delegate.
    people = dict(held.annotate(area=county).order_by().values_list("area").annotate(Sum("young_people")))
    largest = max((row["meetings"] for row in figures.values()), default=0)
    rows = [
        CoverageRow(c.name, figures.get(c.pk, {}).get("meetings", 0), figures.get(c.pk, {}).get("delegates", 0),
                    people.get(c.pk) or 0, percent_of_largest(figures.get(c.pk, {}).get("meetings", 0), largest))
        for c in counties
    ]  # fmt: skip
    return Coverage(rows)


@dataclass(frozen=True)
class YearSummary:
    """The dashboard's card of a coordinator: this year's needs and meetings at a glance."""

    year: int
    needs: NeedsRow
    meetings: int
    without_meeting: list[str]


def year_summary(
    needs: QuerySet[Need], meetings: QuerySet[Meeting], *, organisation: Organisation, year: int
) -> YearSummary:
    """The totals of needs_review and meetings_coverage for the dashboard, in three queries."""
    start, end = year_bounds(year)
    scoped = needs.filter(organisation.subtree_filter("organisation__"), created_at__gte=start, created_at__lt=end)
    totals = NeedsRow(str(_("Total")), **scoped.order_by().aggregate(**_figures()))
    held = meetings.filter(
        organisation.subtree_filter("organisation__"), starts_at__gte=start, starts_at__lt=min(end, timezone.now())
    )
    counties = list(counties_under(organisation).order_by("path"))
    by_county = dict(held.annotate(area=counting_unit(counties)).order_by().values_list("area").annotate(Count("pk")))
    return YearSummary(year, totals, sum(by_county.values()), [c.name for c in counties if c.pk not in by_county])
