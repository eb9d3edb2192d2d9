"""Young people's needs in the year review (#16 item 9): per county or district and per theme, how many needs
were received (and by which channels), accepted, carried into proposals, answered, and replied to.

A need belongs to the county it names, or else to the county of the organisation that holds it; the city
committee's own needs without a county belong to none. A need counts in the year it was received. Merged
needs count as received (they were) but not as accepted: their people count in the need they were merged into.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from proposals.models import Answer, Need, NeedReply, Organisation
from proposals.selectors import OFFICIAL_ORDER, year_bounds

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
    area = Coalesce(
        "county_id",
        Case(
            When(organisation__level=Organisation.Level.COUNTY, then=F("organisation_id")),
            When(organisation__level=Organisation.Level.BRANCH, then=F("organisation__parent_id")),
        ),
    )
    by_area = {
        row.pop("area"): row for row in scoped.annotate(area=area).order_by().values("area").annotate(**_figures())
    }
    counties = Organisation.objects.filter(organisation.subtree_filter(), level=Organisation.Level.COUNTY)
    county_rows = [NeedsRow(county.name, **by_area.pop(county.pk, {})) for county in counties.order_by(*OFFICIAL_ORDER)]
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
