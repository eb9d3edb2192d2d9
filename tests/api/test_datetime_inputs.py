"""Every date and time the API takes (list filters, the exports' filters, body fields): what the database cannot
store or read back is a 400 problem in the caller's language, never a 500, and an export never starts a file
it cannot finish."""

from __future__ import annotations

import json

import pytest

from proposals.models import Proposal
from proposals.workflow import State
from tests.api.test_errors import assert_problem, client_for, transitions_url
from tests.proposals.arrange import bring_to

LIST = "/api/v1/proposals/"
EXPORTS = ("/api/v1/proposals/export.csv", "/api/v1/proposals/export.xlsx")

# Texts that are no moment, or one outside what Python and the database hold once in UTC.
MALFORMED_MOMENTS = [
    "2026-12-01T00:00+99:00",  # an offset of 99 hours
    "2026-12-01T00:00+24:00",
    "2026-12-01T00:00-25:30",
    "0001-01-01T00:00+05:00",  # the year 0 in UTC
    "0001-01-01T00:00:00+00:01",
    "9999-12-31T23:00-10:00",  # the year 10000 in UTC
    "9999-12-31T23:59:59Z",  # the year 10000 in Beijing time
    "0000-01-01T00:00Z",
    "10000-01-01T00:00Z",
    "-2026-12-01T00:00Z",
    "2026-02-30T00:00Z",
    "2026-12-01T25:00Z",
    "2026-12-01T00:60Z",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "1e308",
    "99999999999999999999999999",
    "yesterday",
    "2026-12-01T00:00+08:00" + "0" * 50,
]
# Odd but storable: they must filter, not fail (PostgreSQL itself refuses offsets beyond ±15:59).
ODD_BUT_VALID_MOMENTS = [
    "2026-12-01T00:00-17:34",
    "2026-12-01T00:00+23:59",
    "2026-12-01T00:00+15:60",  # Django reads it as +16:00
    "0001-01-03T00:00Z",
    "9999-12-29T00:00Z",
    "2026-12-01",
    "2026-12-01T00:00:00." + "9" * 40 + "Z",  # Django keeps six digits
]
# JSON values a body's date and time field might get.
MALFORMED_JSON_MOMENTS = [*MALFORMED_MOMENTS, 1e308, 10**30, -1, True, [], {}]


@pytest.fixture
def coordinator(world):
    bring_to(world, State.RESEARCH)
    client = client_for(world.coordinator, HTTP_ACCEPT_LANGUAGE="en")
    client.raise_request_exception = False
    return client


def assert_refused_in_english(response) -> None:
    body = assert_problem(response, 400, "validation_error")
    assert "between the years 1 and 9999" in json.dumps(body["errors"]), body


@pytest.mark.parametrize("moment", MALFORMED_MOMENTS)
@pytest.mark.parametrize("name", ["due_before", "due_after"])
@pytest.mark.parametrize("path", [LIST, *EXPORTS])
def test_a_malformed_moment_in_a_filter_is_400_with_no_file(coordinator, path, name, moment):
    response = coordinator.get(path, {name: moment})
    assert not response.streaming, "an export started before its query was checked"
    assert_refused_in_english(response)


@pytest.mark.parametrize("moment", ODD_BUT_VALID_MOMENTS)
@pytest.mark.parametrize("path", [LIST, *EXPORTS])
def test_an_odd_but_storable_moment_filters(coordinator, path, moment):
    response = coordinator.get(path, {"due_before": moment})
    assert response.status_code == 200, response.content[:500]
    b"".join(response.streaming_content) if response.streaming else response.content


def test_the_refusal_is_in_chinese_by_default(world):
    client = client_for(world.coordinator)
    body = assert_problem(client.get(LIST, {"due_after": "2026-12-01T00:00+99:00"}), 400, "validation_error")
    assert "1 至 9999 年" in json.dumps(body["errors"], ensure_ascii=False), body


@pytest.mark.parametrize("moment", MALFORMED_JSON_MOMENTS, ids=repr)
@pytest.mark.parametrize("name", ["research_due", "consultation_due"])
def test_a_malformed_moment_in_a_draft_is_400_and_nothing_is_saved(world, name, moment):
    client = client_for(world.secretary)
    client.raise_request_exception = False
    before = Proposal.objects.count()
    body = {"session": world.npc_session.pk, "kind": "suggestion", "topic": "jobs", "title": "关于青年就业的建议"}
    response = client.post(LIST, body | {name: moment}, format="json")
    assert_problem(response, 400, "validation_error")
    assert name in json.loads(response.content)["errors"]
    assert Proposal.objects.count() == before


MALFORMED_DATES = ["0000-01-01", "10000-01-01", "2026-02-30", "NaN", "1e308", 10**30, 1.5, True, "2026-12-01T00:00"]


@pytest.mark.parametrize("date", MALFORMED_DATES, ids=repr)
@pytest.mark.parametrize(("state", "action", "inputs", "name", "actor"), [
    (State.READY, "submit", {"reference_number": "朔人大建〔2027〕1号"}, "submitted_on", "lead"),
    (State.REGISTERED, "assign_unit", {"unit_role": "lead"}, "assigned_on", "lead"),
    (State.HANDLING, "record_answer", {"answer": "已答复。", "answer_class": "A", "answer_method": "writing"},
     "answered_on", "secretary"),
])  # fmt: skip
def test_a_malformed_date_of_an_action_is_400(world, state, action, inputs, name, actor, date):
    proposal = bring_to(world, state)
    client = client_for(getattr(world, actor))
    client.raise_request_exception = False
    if action != "submit":
        inputs = inputs | {"unit": world.unit.pk}
    response = client.post(transitions_url(proposal), {"action": action, **inputs, name: date}, format="json")
    assert_problem(response, 400, "validation_error")
    assert set(json.loads(response.content)["errors"]) == {name}
    proposal.refresh_from_db()
    assert proposal.state == state
