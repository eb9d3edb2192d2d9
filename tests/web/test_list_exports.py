"""The proposal list as CSV and XLSX: the list page's filters, the user's scope, Chinese that Excel reads."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals.models import Proposal
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire, rate_all


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte order mark to read Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    body = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def proposals(world):
    jobs = world.draft(title="关于促进青年就业的建议", topic=Proposal.Topic.JOBS)
    health = world.draft(title='=HYPERLINK("http://example.org")关于心理健康的建议')
    foreign = world.draft(author=world.other_secretary, organisation=world.other_branch, title="应县的提案")
    return jobs, health, foreign


def test_the_csv_holds_the_users_proposals_in_chinese_with_a_bom(client, world, proposals):
    jobs, health, _foreign = proposals
    client.force_login(world.secretary)

    response = client.get(reverse("proposal-list-csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="proposals-')
    header, *rows = csv_rows(response)
    assert header[1:3] == ["案由", "类别"]  # in the language of the page
    assert len(header) == 17
    assert {row[0] for row in rows} == {str(jobs.pk), str(health.pk)}  # never the other county's
    by_id = {row[0]: row for row in rows}
    assert by_id[str(jobs.pk)][1] == "关于促进青年就业的建议"
    assert by_id[str(jobs.pk)][5] == world.branch.name
    # A title that starts like a formula stays text in a spreadsheet.
    assert by_id[str(health.pk)][1] == "'" + health.title


def test_the_exports_take_the_list_pages_filters(client, world, proposals):
    jobs, _health, _foreign = proposals
    client.force_login(world.secretary)

    rows = csv_rows(client.get(reverse("proposal-list-csv"), {"topic": "jobs", "filter": ""}))[1:]
    assert [row[0] for row in rows] == [str(jobs.pk)]
    rows = xlsx_rows(client.get(reverse("proposal-list-xlsx"), {"q": "就业"}))[1:]
    assert [row[0] for row in rows] == [jobs.pk]


def test_the_list_page_links_to_the_exports_with_its_filters(client, world, proposals):
    client.force_login(world.secretary)

    page = client.get(reverse("proposal-list"), {"topic": "jobs", "page": "1"}).content.decode()

    assert f'href="{reverse("proposal-list-csv")}?topic=jobs"' in page
    assert f'href="{reverse("proposal-list-xlsx")}?topic=jobs"' in page


def test_the_xlsx_opens_and_holds_the_rows(client, world, proposals):
    jobs, health, _foreign = proposals
    client.force_login(world.coordinator)

    response = client.get(reverse("proposal-list-xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = xlsx_rows(response)
    assert len(header) == 17
    by_id = {row[0]: row for row in rows}
    assert set(by_id) == {jobs.pk, health.pk}
    assert by_id[jobs.pk][1] == jobs.title
    assert by_id[health.pk][1] == health.title  # text, not a formula
    assert by_id[jobs.pk][8] is not None  # the research stage's due date, as a date


def test_a_delegate_exports_only_what_they_are_assigned_to(client, world, proposals):
    assigned = bring_to(world, State.CONSULTATION)
    client.force_login(world.lead)

    rows = csv_rows(client.get(reverse("proposal-list-csv")))[1:]

    assert [row[0] for row in rows] == [str(assigned.pk)]
    assert rows[0][7] == world.lead.display_name


def test_the_export_needs_a_login(client, world):
    response = client.get(reverse("proposal-list-csv"))
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["proposal-list-csv", "proposal-list-xlsx"])
def test_the_query_count_does_not_grow_with_the_rows(client, world, name):
    client.force_login(world.coordinator)
    bring_to(world, State.CONSULTATION)
    world.draft()

    def handled_and_raised_again() -> None:
        handled = bring_to(world, State.ANSWERED)
        fire(world, handled, "assign_unit", "lead", inputs={"unit": world.other_unit.pk, "unit_role": "assisting"})
        rate_all(world, handled, "satisfied")
        fire(world, bring_to(world, State.NOT_REGISTERED), "carry_forward", "secretary")

    handled_and_raised_again()

    def export():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name))
            body = b"".join(response.streaming_content)
        return len(captured), body

    few, _body = export()
    for _n in range(4):
        bring_to(world, State.CONSULTATION)
        world.draft()
    handled_and_raised_again()
    many, body = export()
    assert many == few
    assert Proposal.objects.count() == 18 and body


def test_the_handling_columns_show_the_units_answers_ratings_supervision_and_what_it_raises_again(client, world):
    """The columns after the reference number: units with their parts, the class of each unit's latest answer,
    the latest answer's date, the ratings of the latest answers, supervised since, the proposal raised again.
    Every signer rates both units' answers: three co-signers satisfied and the lead basically satisfied each."""
    today = timezone.localdate()
    handled = bring_to(world, State.ANSWERED)
    fire(world, handled, "assign_unit", "lead", inputs={"unit": world.other_unit.pk, "unit_role": "assisting"})
    fire(world, handled, "record_answer", "lead", inputs={"unit": world.other_unit.pk, "answer_class": "C"})
    fire(world, handled, "supervise", "coordinator")
    rate_all(world, handled, "satisfied", lead_rating="basically_satisfied")
    rate_all(world, handled, "satisfied", lead_rating="basically_satisfied", unit=world.other_unit)
    not_registered = bring_to(world, State.NOT_REGISTERED)
    fire(world, not_registered, "carry_forward", "secretary")
    raised = Proposal.objects.get(carried_from=not_registered)
    client.force_login(world.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    header, *rows = csv_rows(client.get(reverse("proposal-list-csv")))
    assert header[10:16] == ["Handling units", "Answer classes", "Latest answered on", "Ratings",
                             "Supervised since", "Raised again from"]  # fmt: skip
    by_id = {row[0]: row for row in rows}
    assert by_id[str(handled.pk)][10:14] == [
        f"{world.unit.name}（lead）, {world.other_unit.name}（assisting）", "A, C", today.isoformat(),
        "Satisfied 6, Basically satisfied 2",
    ]  # fmt: skip
    assert by_id[str(handled.pk)][14].startswith(today.isoformat())
    assert by_id[str(raised.pk)][15] == f"{not_registered.reference_number}（{world.npc_session.name}）"
    assert by_id[str(raised.pk)][10:15] == ["", "", "", "", ""]
    xlsx = {row[0]: row for row in xlsx_rows(client.get(reverse("proposal-list-xlsx")))[1:]}
    assert xlsx[handled.pk][12] == dt.datetime.combine(today, dt.time())  # a date Excel reads as one
