"""Every date, time or year the web pages take (the deadline form, the list's and the exports' query, the year
review's): what cannot be stored or read back is a 400 with the form's message, never a 500; an export with
invalid filters sends no file, and one whose query the database refuses fails before its first byte."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from proposals import services
from proposals.models import Deadline, Proposal, Session
from proposals.reporting import spreadsheets
from proposals.validators import PICKED_MOMENT_MESSAGE
from tests.api.test_datetime_inputs import MALFORMED_MOMENTS

# What a datetime-local input (or a hand-made request) may send: Beijing time, no offset.
MALFORMED_LOCAL_MOMENTS = [
    "0001-01-01T00:00",  # the year 0 in UTC
    "0001-01-01T07:59",
    "9999-12-31T23:59",  # beyond the last day every time zone can show
    "10000-01-01T00:00",
    "0000-01-01T00:00",
    "2026-02-30T08:00",
    "NaN",
    "1e308",
    "99999999999999999999",
    *MALFORMED_MOMENTS,
]
MALFORMED_YEARS = ["9999", "10000", "0", "-1", "NaN", "1e3", "1.5", "99999999999999999999999", "２０２６x"]


@pytest.fixture
def coordinator(client, world):
    client.force_login(world.coordinator)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("due_at", MALFORMED_LOCAL_MOMENTS)
def test_a_malformed_due_date_is_a_form_error_and_nothing_moves(coordinator, world, due_at):
    proposal = world.draft()
    before = Deadline.objects.get(proposal=proposal, stage="research").due_at
    response = coordinator.post(
        reverse("proposal-deadline", args=[proposal.pk]),
        {"deadline-stage": "research", "deadline-due_at": due_at, "deadline-reason": "调研点增加"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.context["deadline_form"].errors["due_at"], response.context["deadline_form"].errors
    assert Deadline.objects.get(proposal=proposal, stage="research").due_at == before


def test_the_form_error_names_the_range(coordinator, world):
    proposal = world.draft()
    response = coordinator.post(
        reverse("proposal-deadline", args=[proposal.pk]),
        {"deadline-stage": "research", "deadline-due_at": "0001-01-01T00:00", "deadline-reason": "x"},
    )
    assert response.context["deadline_form"].errors["due_at"] == [str(PICKED_MOMENT_MESSAGE)]
    assert "1 至 9999 年" in response.content.decode()


@pytest.mark.parametrize("year", MALFORMED_YEARS)
@pytest.mark.parametrize("page", ["proposal-list", "proposal-list-csv", "proposal-list-xlsx"])
def test_a_malformed_year_of_the_list_is_400_and_no_file(coordinator, world, page, year):
    world.draft()
    response = coordinator.get(reverse(page), {"year": year, "milestone": "drafted"})
    assert response.status_code == 400, response.content[:300]
    assert not response.streaming


@pytest.mark.parametrize("query", [{"state": "nonsense"}, {"session": "1.5"}, {"milestone": "drafted"}])
@pytest.mark.parametrize("page", ["proposal-list-csv", "proposal-list-xlsx"])
def test_an_export_with_invalid_filters_is_400_not_an_empty_file(coordinator, world, page, query):
    world.draft()
    response = coordinator.get(reverse(page), query)
    assert response.status_code == 400
    assert not response.streaming
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("筛选条件无效：")  # the user's language


@pytest.mark.parametrize("year", MALFORMED_YEARS)
@pytest.mark.parametrize("page", ["year-review", "year-review-xlsx"])
def test_a_malformed_year_of_the_year_review_is_400(coordinator, world, page, year):
    world.draft()
    response = coordinator.get(reverse(page), {"year": year})
    assert response.status_code == 400


@pytest.mark.parametrize("query", [{"year": "9999"}, {"x": "0001-01-01T00:00+05:00"}, {"due_before": "+99:00"}])
def test_the_calendar_feed_ignores_its_query(client, world, query):
    token = services.calendar_token_regenerate(user=world.secretary)
    response = client.get(reverse("calendar-feed", args=[token]), query)
    assert response.status_code == 200


@pytest.mark.parametrize("export", [spreadsheets.csv_response, spreadsheets.xlsx_response])
def test_an_export_whose_query_the_database_refuses_fails_before_its_first_byte(requires_postgresql, world, export):
    world.draft()
    # PostgreSQL refuses an offset beyond ±15:59: the query fails when it runs, not when it is built.
    beyond = dt.datetime(2026, 12, 1, tzinfo=dt.timezone(-dt.timedelta(hours=17, minutes=34)))
    proposals = Proposal.objects.filter(created_at__lt=beyond)
    with pytest.raises(Exception, match=r"displacement|out of range"):
        export(proposals)


@pytest.mark.parametrize(
    ("day", "time"), [("0001-01-01", "00:00:00"), ("9999-12-31", "23:59:59"), ("10000-01-01", "00:00")]
)
def test_the_admins_session_form_refuses_a_deadline_it_cannot_store(client, world, day, time):
    client.force_login(world.admin)
    client.raise_request_exception = False
    data = {"body": "npc", "level": "city", "region": "朔州市", "name": "朔州市第五届人民代表大会第五次会议",
            "opening_date": "2027-01-10", "closing_date": "2027-01-15", "submission_deadline_0": day,
            "submission_deadline_1": time, "required_motion_cosigners": "10"}  # fmt: skip
    response = client.post(reverse("admin:proposals_session_add"), data)
    assert response.status_code == 200, response.status_code  # the form again, with its error
    assert response.context["adminform"].form.errors["submission_deadline"]
    assert not Session.objects.filter(name=data["name"]).exists()
