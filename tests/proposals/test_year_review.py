"""The year review: its figures equal counts made here from the database, and each links to exactly its list.

The independent counts are written out below with plain ORM filters (dates as explicit ranges, the county as
"its committee or a branch under it"), never through proposals.reporting.year_review or proposals.selectors.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from proposals.models import Answer, AnswerRating, Proposal
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire, rate_all

SHANGHAI = ZoneInfo("Asia/Shanghai")
MILESTONES = ("drafted", "submitted", "registered", "answered", "satisfied")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def earlier(world, state: str, *, organisation, topic: str, created: dt.datetime, submitted: dt.date | None = None,
            rating: str = "satisfied") -> Proposal:  # fmt: skip
    """A proposal brought to `state` through the services (closed: answered, then rated `rating` by every signer),
    then moved to an earlier day and another organisation, as if drafted and tabled there and then."""
    proposal = bring_to(world, State.ANSWERED if state == State.CLOSED else state, draft=world.draft())
    if state == State.CLOSED:
        rate_all(world, proposal, rating)
    Proposal.objects.filter(pk=proposal.pk).update(
        organisation=organisation, topic=topic, created_at=created, submitted_on=submitted
    )
    return Proposal.objects.get(pk=proposal.pk)


@pytest.fixture
def year(world) -> int:
    return timezone.localdate().year


@pytest.fixture
def history(world, year):
    """Proposals of this year and the last, in both counties (through the committee and its branch), at the
    city committee, in several topics and every outcome; one drafted just after midnight of 1 January."""
    last = year - 1
    # This year's, through the workflow (submitted today).
    registered = bring_to(world, State.REGISTERED)
    answered = bring_to(world, State.ANSWERED)
    closed = bring_to(world, State.CLOSED)
    basically = bring_to(world, State.ANSWERED)
    rate_all(world, basically, "basically_satisfied")
    Proposal.objects.filter(pk=basically.pk).update(topic="jobs")
    unsatisfied = bring_to(world, State.ANSWERED)
    fire(world, unsatisfied, "rate", "lead", inputs={"rating": "unsatisfied"})  # answered, and handled again
    bring_to(world, State.NOT_REGISTERED)  # leaves a draft of its own too
    world.draft(title="县委自己的草稿", author=world.coordinator, organisation=world.county, topic="jobs")
    world.draft(title="市委的草稿", author=world.city_coordinator, organisation=world.city,
                session=world.cppcc_session, kind=Proposal.Kind.CPPCC_PROPOSAL, topic="volunteering")  # fmt: skip
    # Earlier ones, in the other county and at the city committee, across the turn of the year.
    earlier(world, State.CLOSED, organisation=world.other_branch, topic="jobs", created=at(last, 11, 2),
            submitted=dt.date(last, 12, 30))  # fmt: skip
    earlier(world, State.ANSWERED, organisation=world.other_county, topic="child_care",
            created=at(last, 12, 31, 23, 30), submitted=dt.date(year, 1, 1))  # fmt: skip
    earlier(world, State.REGISTERED, organisation=world.other_branch, topic="child_care",
            created=at(year, 1, 1, 0, 30), submitted=dt.date(year, 1, 2))  # fmt: skip
    earlier(world, State.CLOSED, organisation=world.city, topic="volunteering", rating="basically_satisfied",
            created=at(last, 3, 1), submitted=dt.date(last, 3, 5))  # fmt: skip
    earlier(world, State.WITHDRAWN, organisation=world.other_branch, topic="marriage", created=at(last, 6, 1))
    earlier(world, State.NOT_REGISTERED, organisation=world.branch, topic="marriage", created=at(last, 12, 1),
            submitted=dt.date(last, 12, 20))  # fmt: skip
    return {"registered": registered, "answered": answered, "closed": closed}


# --- Counting independently -------------------------------------------------------------------------


def counted(where: Q, year: int) -> dict[str, int]:
    """The five figures for proposals matching `where`, from the database, written out for the test."""
    proposals = Proposal.objects.filter(where)
    in_year = proposals.filter(created_at__gte=at(year, 1, 1, 0), created_at__lt=at(year + 1, 1, 1, 0))
    submitted = proposals.filter(submitted_on__gte=dt.date(year, 1, 1), submitted_on__lte=dt.date(year, 12, 31))
    registered = submitted.filter(state__in=["registered", "handling", "answered", "closed"])
    # Every unit (there is one each here) answered; closed with no final answer rated unsatisfied.
    answered = submitted.filter(handlings__answers__isnull=False).distinct()
    unsatisfied_in_the_end = AnswerRating.objects.filter(
        rating="unsatisfied", answer__round=F("answer__handling__round")
    ).values("answer__handling__proposal")
    satisfied = answered.filter(state="closed").exclude(pk__in=unsatisfied_in_the_end)
    return {
        "drafted": in_year.count(),
        "submitted": submitted.count(),
        "registered": registered.count(),
        "answered": answered.count(),
        "satisfied": satisfied.count(),
    }


def figures(row) -> dict[str, int]:
    return {cell.milestone: cell.count for cell in row.cells}


def review(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("year-review"), params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.context["review"]


@pytest.mark.parametrize("offset", [0, 1])
def test_the_figures_equal_counts_made_from_the_database(client, world, history, year, offset):
    chosen = year - offset
    result = review(client, world.city_coordinator, year=chosen, organisation=world.city.pk)
    units = {row.organisation.pk: figures(row) for row in result.units}
    # Each county counts its committee's own proposals and its branches'; the city committee's own stand apart.
    for county in (world.county, world.other_county):
        assert units[county.pk] == counted(Q(organisation=county) | Q(organisation__parent=county), chosen)
    assert units[world.city.pk] == counted(Q(organisation=world.city), chosen)
    assert [row.own for row in result.units] == [False, False, True]
    for row in result.topics:
        topic = row.key.removeprefix("topic-")
        assert figures(row) == counted(Q(topic=topic), chosen), topic
    assert figures(result.total) == counted(Q(), chosen)
    # The rows add up to the total, column by column.
    for milestone in MILESTONES:
        assert sum(units[pk][milestone] for pk in units) == result.total.count(milestone)
        assert sum(figures(row)[milestone] for row in result.topics) == result.total.count(milestone)


def test_the_figures_are_those_the_fixture_built(client, world, history, year):
    """A check on the check: the independent counts are not all zero, and the boundaries fall where they should."""
    this = figures(review(client, world.city_coordinator, year=year).total)
    # Drafted: the workflow's 9 (registered, answered, two closed, the unsatisfied one, the one not registered
    # and the extra draft bring_to leaves, the county's and the city's drafts), and the one moved to 00:30 on
    # 1 January (still 31 December in UTC). Submitted: the workflow's 6 and the two moved to 1 and 2 January.
    # Registered: 5 of the workflow's (not the one not registered) and both moved.
    assert this == {"drafted": 10, "submitted": 8, "registered": 7, "answered": 5, "satisfied": 2}
    last = figures(review(client, world.city_coordinator, year=year - 1).total)
    # Drafted at 23:30 on 31 December in Beijing: last year. Submitted on 30 December and answered since: it
    # counts for the year it was submitted in.
    assert last == {"drafted": 5, "submitted": 3, "registered": 2, "answered": 2, "satisfied": 2}


def test_every_figure_links_to_a_list_of_exactly_that_many_proposals(client, world, history, year):
    result = review(client, world.city_coordinator, year=year)
    cells = [cell for row in [*result.units, *result.topics, result.total] for cell in row.cells]
    page = client.get(reverse("year-review"), {"year": year}).content.decode()
    from web.templatetags.proposal_links import proposal_list_url

    for cell in cells:
        url = proposal_list_url(cell)
        assert f'href="{url.replace("&", "&amp;")}"' in page
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["form"].is_valid(), response.context["form"].errors
        assert response.context["page"].paginator.count == cell.count, (url, cell)


def test_a_link_lists_the_very_proposals_counted(client, world, history, year):
    result = review(client, world.city_coordinator, year=year)
    county = next(row for row in result.units if row.organisation == world.county)
    from web.templatetags.proposal_links import proposal_list_url

    response = client.get(proposal_list_url(county.cell("registered")))
    listed = {proposal.pk for proposal in response.context["page"].object_list}
    expected = set(
        Proposal.objects.filter(Q(organisation=world.county) | Q(organisation__parent=world.county))
        .filter(submitted_on__year=year, state__in=["registered", "handling", "answered", "closed"])
        .values_list("pk", flat=True)
    )
    assert listed == expected and len(expected) == 5


def test_a_county_coordinator_sees_their_branches_and_their_own(client, world, history, year):
    result = review(client, world.coordinator, year=year)
    assert result.organisation == world.county
    assert [(row.organisation, row.own) for row in result.units] == [(world.branch, False), (world.county, True)]
    assert figures(result.units[0]) == counted(Q(organisation=world.branch), year)
    assert figures(result.total) == counted(Q(organisation=world.county) | Q(organisation__parent=world.county), year)
    # Outside their scope the organisation is not a choice.
    client.force_login(world.coordinator)
    assert client.get(reverse("year-review"), {"organisation": world.city.pk}).status_code == 400


def test_an_administrator_chooses_any_organisation(client, world, history, year):
    assert review(client, world.admin, year=year).organisation == world.city
    other = review(client, world.admin, year=year, organisation=world.other_county.pk)
    expected = counted(Q(organisation=world.other_county) | Q(organisation__parent=world.other_county), year)
    assert figures(other.total) == expected


@pytest.mark.parametrize("name", ["secretary", "lead"])
def test_secretaries_and_delegates_are_refused_as_on_the_statistics_page(client, world, name):
    client.force_login(getattr(world, name))
    assert client.get(reverse("year-review")).status_code == 404
    assert client.get(reverse("year-review-xlsx")).status_code == 404
    assert reverse("year-review") not in client.get(reverse("home")).content.decode()


def test_it_asks_for_a_sign_in(client, db):
    response = client.get(reverse("year-review"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_coordinators_find_it_in_the_navigation(client, world):
    client.force_login(world.coordinator)
    assert f'href="{reverse("year-review")}"' in client.get(reverse("home")).content.decode()


def test_the_spreadsheet_has_the_same_figures_and_links(client, world, history, year):
    result = review(client, world.city_coordinator, year=year)
    response = client.get(reverse("year-review-xlsx"), {"year": year, "organisation": world.city.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    units, topics = book.worksheets[0], book.worksheets[1]
    table = list(units.iter_rows(min_row=4, values_only=True))
    assert [list(row[1:]) for row in table] == [
        [cell.count for cell in row.cells] for row in [*result.units, result.total]
    ]
    assert [row[1:] for row in topics.iter_rows(min_row=4, values_only=True)][-1] == tuple(
        cell.count for cell in result.total.cells
    )
    link = units.cell(row=4, column=3).hyperlink.target
    assert link.startswith("http://testserver/proposals/?") and "milestone=submitted" in link
    assert client.get(link.removeprefix("http://testserver")).context["page"].paginator.count == table[0][2]


def test_the_page_prints_on_a4_without_the_navigation_and_the_form(client, world, history, year):
    client.force_login(world.city_coordinator)
    html = client.get(reverse("year-review")).content.decode()
    assert 'class="filters no-print"' in html
    css = (settings.BASE_DIR / "web" / "static" / "web" / "site.css").read_text(encoding="utf-8")
    printed = css[css.index("/* The year review") :]
    assert "@media print" in printed and "size: A4" in printed
    assert re.search(r"@media print\s*{[^}]*\.no-print[^}]*display: none", css)


def test_a_milestone_without_a_year_is_refused_by_the_list(client, world, history):
    client.force_login(world.city_coordinator)
    response = client.get(reverse("proposal-list"), {"milestone": "submitted"})
    assert not response.context["form"].is_valid()
    assert response.context["page"].paginator.count == 0


def test_the_review_needs_the_same_queries_whatever_the_number_of_proposals(client, world, history, year):
    client.force_login(world.city_coordinator)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("year-review"), {"year": year}).status_code == 200
        with CaptureQueriesContext(connection) as spreadsheet:
            assert client.get(reverse("year-review-xlsx"), {"year": year}).status_code == 200
        return len(page), len(spreadsheet)

    few = queries()
    for n in range(40):
        organisation = [world.branch, world.other_branch, world.county][n % 3]
        author = [world.secretary, world.other_secretary, world.coordinator][n % 3]
        world.draft(author=author, organisation=organisation, topic=list(Proposal.Topic.values)[n % 9])
    for n in range(4):
        earlier(world, State.REGISTERED, organisation=world.other_branch, topic=list(Proposal.Topic.values)[n],
                created=at(year, 1, 5), submitted=dt.date(year, 1, 6))  # fmt: skip
    for _n in range(4):
        handled = bring_to(world, State.ANSWERED)
        fire(world, handled, "supervise", "coordinator")
        fire(world, handled, "assign_unit", "lead", inputs={"unit": world.other_unit.pk, "unit_role": "assisting"})
        rate_all(world, handled, "satisfied")
    fire(world, bring_to(world, State.NOT_REGISTERED), "carry_forward", "secretary")
    assert queries() == few
    # The session, the user and their committee, the years, the organisation chosen, the units, the figures, the
    # choices shown (twice: Django asks the first for the required attribute), the header's unread count, and
    # the seven of the handling (answers by class, satisfaction and timeliness with their units, supervision,
    # raised again), the four of the young people's needs (by county, the counties, by theme, by channel) and the
    # three of the meetings (per county, their young people, the counties), and the three of the transaction that
    # runs them without JIT (BEGIN, SET LOCAL jit, COMMIT).
    assert few[0] <= 27


# --- The handling of the year's submissions ------------------------------------------------------------


def test_the_handling_tables_count_the_years_submissions(client, world, history, year):
    fire(world, history["registered"], "supervise", "coordinator", note="群众反映强烈")
    not_registered = Proposal.objects.get(state=State.NOT_REGISTERED, submitted_on__year=year - 1)
    fire(world, not_registered, "carry_forward", "secretary")
    bring_to(world, State.SUBMITTED, draft=Proposal.objects.get(carried_from=not_registered))
    for chosen in (year, year - 1):
        handling = review(client, world.city_coordinator, year=chosen).handling
        submitted = Proposal.objects.filter(submitted_on__year=chosen)
        latest = Answer.objects.filter(handling__proposal__in=submitted).exclude(round=1, handling__answers__round=2)
        assert {figure.key: figure.count for figure in handling.answer_classes} == {
            klass: latest.filter(answer_class=klass).count() for klass in ("A", "B", "C", "")
        }
        ratings = AnswerRating.objects.filter(answer__handling__proposal__in=submitted)
        assert [(row.unit, row.cells) for row in handling.satisfaction] == [(world.unit, [
            ratings.filter(answer__round=round_, rating=rating).count()
            for round_ in (1, 2) for rating in ("satisfied", "basically_satisfied", "unsatisfied")
        ])]  # fmt: skip
        assert [(row.unit, row.handlings) for row in handling.timeliness] == [
            (world.unit, submitted.filter(handlings__unit=world.unit).count())
        ]
    this = review(client, world.city_coordinator, year=year).handling
    # This year: the answered, the two closed, the one answered again, the one moved to 1 January; last year's
    # two closed ones are last year's.
    assert [figure.count for figure in this.answer_classes] == [5, 0, 0, 0]
    assert (this.supervision.supervised, this.supervision.still) == (1, 1)
    # Raised again at the next session and submitted today, a year after the session it was not registered at.
    assert (this.carried.raised_again, this.carried.years_running) == (1, [(2, 1)])
    last = review(client, world.city_coordinator, year=year - 1).handling
    assert [figure.count for figure in last.answer_classes] == [2, 0, 0, 0]
    assert (last.supervision.supervised, last.carried.raised_again) == (0, 0)


def test_the_page_and_the_spreadsheet_show_the_handling_tables(client, world, history, year):
    result = review(client, world.city_coordinator, year=year)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("year-review"), {"year": year}).content.decode()
    for table in ("answer-classes", "satisfaction-by-unit", "overdue-by-unit", "supervised-and-raised-again"):
        assert f'id="{table}"' in page
    assert world.unit.name in page.split('id="satisfaction-by-unit"')[1].split("</table>")[0]
    book = load_workbook(io.BytesIO(client.get(reverse("year-review-xlsx"), {"year": year}).content))
    classes, satisfaction, timeliness, supervision = book.worksheets[2:6]
    assert [row[1] for row in classes.iter_rows(min_row=4, values_only=True)] == [
        figure.count for figure in result.handling.answer_classes
    ]
    assert [list(row) for row in satisfaction.iter_rows(min_row=4, values_only=True)] == [
        [row.unit.name, *row.cells] for row in result.handling.satisfaction
    ]
    assert [list(row) for row in timeliness.iter_rows(min_row=4, values_only=True)] == [
        [row.unit.name, *row.cells] for row in result.handling.timeliness
    ]
    assert [list(row) for row in supervision.iter_rows(min_row=4, values_only=True)] == [
        [label, count] for label, count in [*result.handling.supervision_rows, *result.handling.carried_rows]
    ]
    assert "Answers by class" in [row[0] for row in book.worksheets[-1].iter_rows(values_only=True)]
