"""/api/v1/needs/ (#16 item 10): the organisation's secretaries and the coordinators above see its needs, with the
contact details, record them and triage them; nobody else sees a need at all, by any endpoint: not in the list,
not in the detail, not in a proposal's detail (which shows what the needs were, never who raised them), not in
the exports."""

from __future__ import annotations

import io

import openpyxl
import pytest

from proposals import services
from proposals.models import Need
from proposals.workflow import State
from tests.api.conftest import client_for
from tests.proposals.arrange import bring_to, fire

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/needs/"
CONTACT = {"contact_name": "王同学", "contact_phone": "13912345678", "contact_email": "wang@example.org",
           "contact_consent": True, "wants_reply": True}  # fmt: skip
SECRETS = ("王同学", "13912345678", "wang@example.org")


def body(world, **fields) -> dict:
    return {"organisation": world.branch.pk, "summary": "希望开展青年就业见习岗位对接", "topic": "jobs",
            "channel": "survey", "age_group": "18_24", "group": "job_seekers", "people_count": 126,
            "county": world.county.pk, **CONTACT, **fields}  # fmt: skip


def recorded(world, **fields) -> Need:
    data = body(world, **fields)
    return services.need_record(actor=world.secretary, organisation_id=data.pop("organisation"), **data)


def triage(client, need, **data):
    return client.post(f"{NEEDS}{need.pk}/triage/", data)


def test_a_secretary_records_a_need_with_its_contact_and_reads_it_back(world):
    client = client_for(world.secretary)
    response = client.post(NEEDS, body(world))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert response["Location"] == data["url"] and response["ETag"].startswith(f'"need-{data["id"]}-')
    assert (data["status"], data["channel"], data["people_count"], data["county"]["id"]) == (
        "pending", "survey", 126, world.county.pk)  # fmt: skip
    assert (data["contact_name"], data["contact_email"], data["wants_reply"]) == ("王同学", "wang@example.org", True)
    assert [event["action"] for event in data["events"]] == ["received"]
    assert data["recorded_by"]["id"] == world.secretary.pk and data["proposals"] == []


@pytest.mark.parametrize(("fields", "errors"), [
    ({"contact_consent": False}, {"contact_consent"}),
    ({"contact_email": "", "contact_phone": ""}, {"contact_email"}),  # a reply needs an address
    ({"people_count": 0, "topic": "weather"}, {"people_count", "topic"}),
    ({"birth_date": "2010-01-01"}, {"birth_date"}),
    ({"county": "branch"}, {"county"}),  # the branch is no county
])  # fmt: skip
def test_bad_input_is_a_problem_document_naming_each_field(world, fields, errors):
    if fields.get("county") == "branch":
        fields = {"county": world.branch.pk}
    response = client_for(world.secretary).post(NEEDS, body(world, **fields))
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"
    assert set(response.json()["errors"]) == errors
    assert not Need.objects.exists()


def test_a_delegate_or_another_organisations_secretary_cannot_record_for_the_branch(world):
    for person in (world.lead, world.other_secretary):
        response = client_for(person).post(NEEDS, body(world))
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not Need.objects.exists()


def test_the_list_filters_by_status_channel_topic_county_organisation_and_summary(world):
    jobs = recorded(world)
    care = recorded(world, summary="希望增加暑期托管服务", topic="child_care", channel="hotline", county=None)
    services.need_accept(actor=world.secretary, need_id=care.pk, theme="暑期托管")
    client = client_for(world.coordinator)

    def ids(**query) -> set[int]:
        response = client.get(NEEDS, query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {jobs.pk, care.pk}
    assert ids(status="accepted") == {care.pk} and ids(status=["pending", "accepted"]) == {jobs.pk, care.pk}
    assert ids(channel="hotline") == {care.pk} and ids(topic="jobs") == {jobs.pk}
    assert ids(county=world.county.pk) == {jobs.pk}
    assert ids(organisation=world.county.pk) == {jobs.pk, care.pk}  # and below it
    assert ids(search="托管") == {care.pk}
    assert client.get(NEEDS, {"status": "lost"}).status_code == 400
    assert client.get(NEEDS, {"organisation": world.other_branch.pk}).status_code == 400  # not in scope


def test_the_list_is_paged_by_cursor_as_the_proposals_are(world):
    for number in range(3):
        recorded(world, summary=f"第{number}条诉求")
    client = client_for(world.secretary)
    first = client.get(NEEDS, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert client.get(NEEDS, {"page_size": 1000}).status_code == 400


def test_triage_accepts_merges_with_the_counts_added_declines_forwards_and_links(world):
    client = client_for(world.secretary)
    need, duplicate = recorded(world), recorded(world, people_count=4)
    response = triage(client, need, action="accept", theme="青年就业见习")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    response = triage(client, duplicate, action="merge", into=need.pk)
    assert response.status_code == 200 and response.json()["id"] == need.pk and response.json()["people_count"] == 130
    assert response.json()["merged"] == [duplicate.pk]
    assert triage(client, duplicate, action="accept", theme="x").status_code == 400  # merged: done with

    proposal = bring_to(world, State.DRAFT)
    response = triage(client, need, action="link", proposal=proposal.pk)
    linked = response.json()["proposals"]
    assert [(p["id"], p["session"]["id"], p["answers"]) for p in linked] == [(proposal.pk, proposal.session_id, [])]
    assert triage(client, need, action="unlink", proposal=proposal.pk).json()["proposals"] == []

    declined = recorded(world)
    assert triage(client, declined, action="decline", reason="已由民政部门解决。").json()["status"] == "declined"
    forwarded = recorded(world)
    response = triage(client, forwarded, action="forward", note="涉及全县")
    assert response.status_code == 200 and response.json()["organisation"]["id"] == world.county.pk
    assert triage(client, forwarded, action="accept", theme="x").status_code == 404  # the county's now
    actions = [event["action"] for event in client_for(world.coordinator).get(f"{NEEDS}{need.pk}/").json()["events"]]
    assert actions == ["received", "accepted", "merged", "linked", "unlinked"]


@pytest.mark.parametrize(("data", "field"), [
    ({"action": "accept"}, "theme"),
    ({"action": "accept", "theme": "x", "reason": "y"}, "reason"),
    ({"action": "merge", "into": 999999}, "into"),
    ({"action": "unlink", "proposal": 999999}, "proposal"),
    ({"action": "decline", "reason": " "}, "reason"),
    ({"action": "link", "proposal": "1"}, "proposal"),
])  # fmt: skip
def test_a_refused_triage_names_the_field_and_changes_nothing(world, data, field):
    need = recorded(world)
    before = Need.objects.filter(pk=need.pk).values().get()
    response = triage(client_for(world.secretary), need, **data)
    assert response.status_code == 400 and field in response.json()["errors"], response.json()
    assert Need.objects.filter(pk=need.pk).values().get() == before


def test_the_detail_shows_each_units_answer_class_of_the_proposals_it_led_to(world):
    need = recorded(world)
    proposal = bring_to(world, State.REGISTERED)
    services.need_accept(actor=world.secretary, need_id=need.pk, theme="青年就业见习")
    services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
    fire(world, proposal, "assign_unit", "lead", inputs={"unit": world.unit.pk, "unit_role": "lead"})
    answer = {"unit": world.unit.pk, "answer": "已开发见习岗位300个。", "answer_class": "B", "answer_method": "writing"}
    fire(world, proposal, "record_answer", "secretary", inputs=answer)
    response = client_for(world.secretary).get(f"{NEEDS}{need.pk}/")
    (outcome,) = response.json()["proposals"]
    (answer,) = outcome["answers"]
    assert (answer["unit"]["id"], answer["answer_class"]) == (world.unit.pk, "B")
    assert "reply_queued" in [event["action"] for event in response.json()["events"]]


def test_the_etag_changes_with_each_step_of_the_log(world):
    need = recorded(world)
    client = client_for(world.secretary)
    before = client.get(f"{NEEDS}{need.pk}/")["ETag"]
    assert client.get(f"{NEEDS}{need.pk}/")["ETag"] == before
    after = triage(client, need, action="accept", theme="青年就业见习")["ETag"]
    assert after != before and client.get(f"{NEEDS}{need.pk}/")["ETag"] == after


# --- Nobody else ever sees who raised a need -----------------------------------------------------------


def _answered_proposal_carrying(world, need):
    proposal = bring_to(world, State.CONSULTATION)
    services.need_accept(actor=world.secretary, need_id=need.pk, theme="青年就业见习")
    services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
    return proposal


@pytest.mark.parametrize("person", ["lead", "other_secretary", "other_coordinator"])
def test_a_delegate_or_another_organisations_people_never_see_the_contact_details_by_any_endpoint(world, person):
    need = recorded(world)
    proposal = _answered_proposal_carrying(world, need)
    other = world.draft(author=world.other_secretary, organisation=world.other_branch, title="关于县域职业教育的建议")
    client = client_for(getattr(world, person))
    listed = client.get(NEEDS)
    assert listed.status_code == 200 and listed.json()["results"] == []
    for path in (f"{NEEDS}{need.pk}/", f"{NEEDS}{need.pk}/triage/"):
        response = (
            client.get(path) if path.endswith(f"{need.pk}/") else client.post(path, {"action": "accept", "theme": "x"})
        )
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    seen = [listed.content]
    visible = proposal if person == "lead" else other
    detail = client.get(f"/api/v1/proposals/{visible.pk}/")
    assert detail.status_code == 200
    seen.append(detail.content)
    if person == "lead":  # the delegate reads what the proposal carries, never who raised it
        assert detail.json()["needs"] == [{"id": need.pk, "summary": need.summary, "people_count": 126,
                                           "theme": "青年就业见习"}]  # fmt: skip
    csv = client.get("/api/v1/proposals/export.csv")
    xlsx = client.get("/api/v1/proposals/export.xlsx")
    assert csv.status_code == xlsx.status_code == 200
    seen.append(b"".join(csv.streaming_content) if getattr(csv, "streaming", False) else csv.content)
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)
                                                if getattr(xlsx, "streaming", False) else xlsx.content))  # fmt: skip
    cells = " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)
    text = b"".join(seen).decode() + cells
    for secret in SECRETS:
        assert secret not in text and secret.encode("unicode_escape").decode() not in text, secret


def test_the_proposal_detail_shows_its_needs_without_contact_even_to_the_secretary(world):
    need = recorded(world)
    proposal = _answered_proposal_carrying(world, need)
    response = client_for(world.secretary).get(f"/api/v1/proposals/{proposal.pk}/")
    assert set(response.json()["needs"][0]) == {"id", "summary", "people_count", "theme"}
    assert not any(secret in response.content.decode() for secret in SECRETS)


def test_the_queries_of_the_list_and_the_detail_do_not_grow_with_the_rows(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.coordinator)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    need = recorded(world)
    services.need_accept(actor=world.secretary, need_id=need.pk, theme="青年就业见习")
    services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=world.draft().pk)
    few = (queries(NEEDS), queries(f"{NEEDS}{need.pk}/"))
    for number in range(10):
        services.need_merge(actor=world.secretary, need_id=recorded(world, summary=f"重复{number}").pk, into_id=need.pk)
    for _ in range(3):
        services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=world.draft().pk)
    many = (queries(NEEDS), queries(f"{NEEDS}{need.pk}/"))
    assert many == few and max(many) <= 20
