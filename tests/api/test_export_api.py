"""GET /api/v1/proposals/export.csv and export.xlsx: the list's filters, the caller's scope, every row."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.models import Proposal
from proposals.workflow import State
from tests.api.conftest import client_for
from tests.proposals.arrange import bring_to

CSV_URL = "/api/v1/proposals/export.csv"
XLSX_URL = "/api/v1/proposals/export.xlsx"


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte order mark to read Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def proposals(world):
    jobs = world.draft(title="关于促进青年就业的建议", topic=Proposal.Topic.JOBS)
    health = world.draft()
    foreign = world.draft(author=world.other_secretary, organisation=world.other_branch, title="应县的提案")
    return jobs, health, foreign


def test_the_csv_holds_chinese_titles_after_a_bom(world, proposals):
    jobs, health, _foreign = proposals

    response = client_for(world.secretary).get(CSV_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response)
    assert header[1] == "案由"
    assert {row[0]: row[1] for row in rows} == {str(jobs.pk): jobs.title, str(health.pk): health.title}


def test_filters_and_ordering_apply(world, proposals):
    jobs, health, _foreign = proposals
    client = client_for(world.secretary)

    assert [r[0] for r in csv_rows(client.get(CSV_URL, {"topic": "jobs"}))[1:]] == [str(jobs.pk)]
    assert [r[0] for r in csv_rows(client.get(CSV_URL, {"search": "加强青少年"}))[1:]] == [str(health.pk)]
    assert [r[0] for r in xlsx_rows(client.get(XLSX_URL, {"ordering": "id"}))[1:]] == [jobs.pk, health.pk]
    assert [r[0] for r in xlsx_rows(client.get(XLSX_URL, {"ordering": "-id"}))[1:]] == [health.pk, jobs.pk]


def test_another_organisations_rows_never_appear(world, proposals):
    _jobs, _health, foreign = proposals

    rows = csv_rows(client_for(world.secretary).get(CSV_URL, {"search": "应县"}))[1:]
    assert rows == []
    rows = xlsx_rows(client_for(world.other_secretary).get(XLSX_URL))[1:]
    assert [row[0] for row in rows] == [foreign.pk]
    assert csv_rows(client_for(world.outsider_delegate).get(CSV_URL))[1:] == []


def test_an_organisation_outside_the_scope_is_refused(world, proposals):
    response = client_for(world.secretary).get(CSV_URL, {"organisation": world.other_branch.pk})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "organisation" in response.json()["errors"]


def test_the_xlsx_opens_with_openpyxl_and_holds_the_rows(world, proposals):
    jobs, health, _foreign = proposals

    response = client_for(world.coordinator).get(XLSX_URL, HTTP_ACCEPT=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ))  # fmt: skip

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = xlsx_rows(response)
    assert len(header) == 17
    assert {row[0]: row[1] for row in rows} == {jobs.pk: jobs.title, health.pk: health.title}


def test_the_headers_follow_the_callers_language(world, proposals):
    response = client_for(world.secretary).get(CSV_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert csv_rows(response)[0][1:3] == ["Title", "Kind"]


def test_anonymous_callers_get_a_problem(world):
    response = client_for(None).get(CSV_URL)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_the_query_count_does_not_grow_with_the_rows(world, url):
    client = client_for(world.city_coordinator)
    bring_to(world, State.CONSULTATION)
    world.draft()

    def export():
        with CaptureQueriesContext(connection) as captured:
            body = b"".join(client.get(url).streaming_content)
        return len(captured), body

    few, _body = export()
    for _n in range(4):
        bring_to(world, State.CONSULTATION)
        world.draft()
    many, body = export()
    assert many == few
    assert Proposal.objects.count() == 10 and body
