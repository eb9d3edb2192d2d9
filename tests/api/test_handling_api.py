"""The units' handling through the API (#15 item 8): the detail's handling_units, the actions through
transitions/ with their inputs and refusal codes, the answer letters, the supervised filter."""

from __future__ import annotations

import json

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from proposals.models import Evidence, Proposal, Transition
from proposals.workflow import State
from tests.api.conftest import client_for
from tests.api.test_errors import assert_problem, transitions_url
from tests.proposals.arrange import bring_to

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def post(world, person, proposal, action, **inputs):
    actor = getattr(world, person) if isinstance(person, str) else person
    client = client_for(actor)
    client.raise_request_exception = False
    return client.post(transitions_url(proposal), {"action": action, **inputs}, format="json")


def ok(world, person, proposal, action, **inputs) -> dict:
    response = post(world, person, proposal, action, **inputs)
    assert response.status_code == 200, response.content[:600]
    return response.json()


def units_of(world, proposal, person="secretary") -> list[dict]:
    return client_for(getattr(world, person)).get(f"/api/v1/proposals/{proposal.pk}/").json()["handling_units"]


def answer(world, proposal, unit, answer_class="A"):
    return ok(world, "secretary", proposal, "record_answer", unit=unit.pk, answer="已纳入2027年市政府民生实事项目。",
              answer_class=answer_class, answer_method="writing")  # fmt: skip


def rate_all(world, proposal, unit, rating="satisfied"):
    for signer in [*world.cosigners, world.lead]:
        body = ok(world, signer, proposal, "rate", unit=unit.pk, rating=rating)
    return body


@pytest.fixture
def registered(world):
    return bring_to(world, State.REGISTERED)


def test_two_units_answer_and_every_signer_rates_each_until_closed(world, registered):
    today = timezone.localdate()
    body = ok(world, "lead", registered, "assign_unit", unit=world.unit.pk, unit_role="lead")
    assert body["state"] == State.HANDLING
    ok(world, "lead", registered, "assign_unit", unit=world.other_unit.pk, unit_role="assisting")
    lead_unit, assisting = units_of(world, registered)
    assert lead_unit["unit"] == {"id": world.unit.pk, "name": world.unit.name, "short_name": world.unit.short_name,
                                 "level": world.unit.level}  # fmt: skip
    assert (lead_unit["role"], assisting["role"]) == ("lead", "assisting")
    assert lead_unit["assigned_on"] == today.isoformat()
    assert lead_unit["due_on"] == (today + relativedelta(months=3)).isoformat()
    assert (lead_unit["answer_class"], lead_unit["answered_on"], lead_unit["ratings"]) == (None, None, [])

    answer(world, registered, world.unit, "A")
    body = answer(world, registered, world.other_unit, "B")
    assert body["state"] == State.ANSWERED
    rate_all(world, registered, world.unit)
    body = rate_all(world, registered, world.other_unit, "basically_satisfied")
    assert body["state"] == State.CLOSED

    lead_unit, assisting = units_of(world, registered, "lead")
    assert (lead_unit["answer_class"], assisting["answer_class"]) == ("A", "B")
    assert lead_unit["answered_on"] == today.isoformat()
    ratings = {(r["who"]["name"], r["rating"], r["round"]) for r in assisting["ratings"]}
    signers = [*world.cosigners, world.lead]
    assert ratings == {(u.display_name, "basically_satisfied", 1) for u in signers}
    logged = Transition.objects.filter(proposal=registered).values_list("action", flat=True)
    assert [a for a in logged if a in {"assign_unit", "record_answer", "rate"}].count("rate") == 2 * len(signers)


def test_an_unsatisfied_rating_sends_the_unit_back_for_a_second_round(world, registered):
    ok(world, "lead", registered, "assign_unit", unit=world.unit.pk, unit_role="lead")
    answer(world, registered, world.unit, "C")
    body = ok(world, "lead", registered, "rate", unit=world.unit.pk, rating="unsatisfied")
    assert body["state"] == State.HANDLING
    (unit,) = units_of(world, registered)
    assert unit["round"] == 2 and unit["status"] == "open"
    assert unit["due_on"] == (timezone.localdate() + relativedelta(months=1)).isoformat()
    assert [(r["rating"], r["round"]) for r in unit["ratings"]] == [("unsatisfied", 1)]
    answer(world, registered, world.unit, "B")
    body = rate_all(world, registered, world.unit, "unsatisfied")
    assert body["state"] == State.CLOSED  # the second round closes whatever its rating
    (unit,) = units_of(world, registered)
    assert [r["round"] for r in unit["ratings"]].count(2) == 1 + len(world.cosigners)
    # Unsatisfied after the second round: it may be raised again at the next session.
    body = ok(world, "secretary", registered, "carry_forward", session=world.later_session().pk)
    registered.refresh_from_db()
    again = registered.raised_again.get()
    detail = client_for(world.secretary).get(f"/api/v1/proposals/{again.pk}/").json()
    assert detail["carried_from"]["id"] == registered.pk and detail["state"] == State.DRAFT


@pytest.mark.parametrize(("action", "person", "inputs", "code"), [
    ("rate", "lead", {"rating": "satisfied"}, "no_answer_to_rate"),
    ("extend_answer", "coordinator", {"extend_by": "2", "note": "需跨部门会商。"}, "extension_used"),
    ("supervise", "coordinator", {"note": "涉及面广。"}, "already_supervised"),
    ("end_supervision", "coordinator", {"note": "已办结。"}, "not_supervised"),
    ("carry_forward", "secretary", {"session": "NEXT"}, "not_unresolved"),
])  # fmt: skip
def test_each_new_action_is_refused_with_its_stable_code_and_nothing_changes(
    world, registered, action, person, inputs, code
):
    ok(world, "lead", registered, "assign_unit", unit=world.unit.pk, unit_role="lead")
    if code == "extension_used":
        ok(world, "coordinator", registered, "extend_answer", unit=world.unit.pk, extend_by="1", note="材料未齐。")
    if code == "already_supervised":
        ok(world, "coordinator", registered, "supervise", note="群众关注度高。")
    if code == "not_unresolved":
        answer(world, registered, world.unit)
        rate_all(world, registered, world.unit)
        inputs = {"session": world.later_session().pk}
    if action in {"rate", "extend_answer"}:
        inputs = inputs | {"unit": world.unit.pk}
    before = Proposal.objects.values_list("state", "version").get(pk=registered.pk)
    problem = assert_problem(post(world, person, registered, action, **inputs), 409, code)
    assert problem["action"] == action
    assert Proposal.objects.values_list("state", "version").get(pk=registered.pk) == before


def test_people_outside_an_action_are_refused_by_role(world, registered):
    ok(world, "lead", registered, "assign_unit", unit=world.unit.pk, unit_role="lead")
    assert_problem(post(world, "secretary", registered, "supervise", note="理由"), 409, "role_not_allowed")
    assert_problem(post(world, "secretary", registered, "extend_answer", unit=world.unit.pk, extend_by="1",
                        note="理由"), 409, "role_not_allowed")  # fmt: skip
    answer(world, registered, world.unit)
    assert_problem(post(world, "secretary", registered, "rate", unit=world.unit.pk, rating="satisfied"), 409,
                   "role_not_allowed")  # fmt: skip


@pytest.mark.parametrize(("action", "inputs", "fields"), [
    ("assign_unit", {"unit": 0, "unit_role": "lead"}, {"unit"}),
    ("assign_unit", {"unit": "市人社局", "unit_role": "主办"}, {"unit", "unit_role"}),
    ("assign_unit", {"unit_role": "lead", "assigned_on": "2999-01-01"}, {"unit", "assigned_on"}),
    ("register", {"urgent": "maybe"}, {"urgent"}),
])  # fmt: skip
def test_bad_inputs_are_400_naming_each_field(world, action, inputs, fields):
    proposal = bring_to(world, State.SUBMITTED if action == "register" else State.REGISTERED)
    response = post(world, "lead", proposal, action, **inputs)
    problem = assert_problem(response, 400, "validation_error")
    assert set(problem["errors"]) == fields
    assert Proposal.objects.get(pk=proposal.pk).state == proposal.state


def test_an_urgent_proposal_is_answered_within_a_month(world):
    proposal = bring_to(world, State.SUBMITTED)
    ok(world, "lead", proposal, "register", urgent=True)
    ok(world, "lead", proposal, "assign_unit", unit=world.unit.pk, unit_role="lead")
    detail = client_for(world.lead).get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert detail["urgent"] is True
    assert detail["handling_units"][0]["due_on"] == (timezone.localdate() + relativedelta(months=1)).isoformat()


def upload(world, proposal, name="答复函.pdf", content=PDF, **fields):
    client = client_for(world.secretary)
    client.raise_request_exception = False
    file = SimpleUploadedFile(name, content)
    return client.post(f"/api/v1/proposals/{proposal.pk}/evidence/", {"file": file, **fields}, format="multipart")


def test_an_answer_letter_is_uploaded_with_its_unit_and_other_evidence_is_refused(world, registered):
    ok(world, "lead", registered, "assign_unit", unit=world.unit.pk, unit_role="lead")
    # Before the unit's answer a letter has nothing to belong to; without a unit it is evidence, frozen now.
    assert_problem(upload(world, registered, unit=world.unit.pk), 409, "no_answer_yet")
    assert_problem(upload(world, registered), 409, "evidence_closed")
    answer(world, registered, world.unit)
    response = upload(world, registered, unit=str(world.unit.pk), description="市人社局答复函")
    assert response.status_code == 201, response.content[:500]
    stored = Evidence.objects.get(pk=response.json()["id"])
    assert stored.answer.handling.unit == world.unit
    (unit,) = units_of(world, registered)
    assert [letter["id"] for letter in unit["answers"][0]["letters"]] == [stored.pk]
    # A letter of a kind no office sends, or of a unit not handling the proposal, is refused.
    assert_problem(upload(world, registered, "a.csv", b"a,b\n", unit=world.unit.pk), 400, "validation_error")
    assert_problem(upload(world, registered, unit=world.other_unit.pk), 400, "validation_error")
    assert list(Evidence.objects.filter(proposal=registered, answer__isnull=False)) == [stored]


def test_the_supervised_filter_lists_key_items_apart(world, registered):
    other = bring_to(world, State.REGISTERED)
    ok(world, "coordinator", registered, "supervise", note="群众关注度高。")
    client = client_for(world.coordinator)
    ids = lambda query: {p["id"] for p in client.get(f"/api/v1/proposals/?{query}").json()["results"]}  # noqa: E731
    assert registered.pk in ids("supervised=true") and other.pk not in ids("supervised=true")
    assert other.pk in ids("supervised=false") and registered.pk not in ids("supervised=false")
    detail = client.get(f"/api/v1/proposals/{registered.pk}/").json()
    assert detail["supervision"]["reason"] == "群众关注度高。"
    response = client.get("/api/v1/proposals/?supervised=perhaps")
    assert response.status_code == 400


def test_the_directory_is_kept_by_coordinators_and_read_by_everyone(world):
    coordinator = client_for(world.coordinator)
    response = coordinator.post("/api/v1/handling-units/", {"name": "朔州市民政局", "short_name": "市民政局",
                                                           "level": "city"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    unit = response.json()
    listed = client_for(world.lead).get("/api/v1/handling-units/?search=民政").json()["results"]
    assert [u["id"] for u in listed] == [unit["id"]]
    taken = coordinator.post("/api/v1/handling-units/", {"name": "朔州市民政局"}, format="json")
    assert set(assert_problem(taken, 400, "validation_error")["errors"]) == {"name"}
    bad = coordinator.post("/api/v1/handling-units/", {"name": "朔州市应急管理局", "contact_email": "x"}, format="json")
    assert set(assert_problem(bad, 400, "validation_error")["errors"]) == {"contact_email"}
    changed = coordinator.patch(f"/api/v1/handling-units/{unit['id']}/", {"is_active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert unit["id"] not in {u["id"] for u in coordinator.get("/api/v1/handling-units/?active=true").json()["results"]}
    secretary = client_for(world.secretary)
    secretary.raise_request_exception = False
    assert secretary.patch(f"/api/v1/handling-units/{unit['id']}/", {"name": "改名"}, format="json").status_code == 403
    assert (
        json.loads(coordinator.put(f"/api/v1/handling-units/{unit['id']}/", {}, format="json").content)["status"] == 405
    )


def test_an_inactive_unit_is_not_assigned(world, registered):
    coordinator = client_for(world.coordinator)
    coordinator.patch(f"/api/v1/handling-units/{world.other_unit.pk}/", {"is_active": False}, format="json")
    problem = assert_problem(post(world, "lead", registered, "assign_unit", unit=world.other_unit.pk,
                                  unit_role="lead"), 400, "validation_error")  # fmt: skip
    assert set(problem["errors"]) == {"unit"}
    assert units_of(world, registered) == []
