"""Every error the API can answer with is one RFC 9457 problem document, and no input makes it answer 500."""

from __future__ import annotations

import base64
import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from proposals.models import Proposal, Revision, Transition
from proposals.workflow import ACTIONS, State
from tests.proposals.arrange import assign_all, bring_to, fire

PROBLEM = "application/problem+json"
TYPE_PREFIX = "urn:youth-proposal-tracker:problem:"
LIST = "/api/v1/proposals/"


def detail_url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/"


def transitions_url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/transitions/"


def etag(proposal) -> str:
    proposal.refresh_from_db()
    return f'"{proposal.pk}-{proposal.version}"'


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The response is a problem document of this status (and code), served as application/problem+json."""
    assert response.status_code == status, (response.status_code, response.content[:1000])
    assert response["Content-Type"].split(";")[0].strip() == PROBLEM, response["Content-Type"]
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail", "code"} <= body.keys(), body
    assert body["status"] == status
    assert body["type"] == TYPE_PREFIX + body["code"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    if "errors" in body:
        assert isinstance(body["errors"], dict) and body["errors"]
        for field, messages in body["errors"].items():
            assert isinstance(field, str)
            assert messages and all(isinstance(message, str) and message for message in messages), body
    return body


def client_for(user, **headers) -> APIClient:
    client = APIClient(**headers)
    _instance, token = AuthToken.objects.create(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def secretary(world) -> APIClient:
    return client_for(world.secretary)


@pytest.fixture
def draft(world) -> Proposal:
    return world.draft()


# --- 400 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"action": "comment", "note": "x",}',
        b"NaN",
        b'{"action": "comment", "note": NaN}',
        b'{"action": "comment", "note": Infinity}',
        b"[" * 50_000 + b"]" * 50_000,
    ],
    ids=["truncated", "trailing-comma", "nan", "nan-in-object", "infinity", "deeply-nested"],
)
def test_bad_json_is_400(secretary, draft, body):
    response = secretary.generic("POST", transitions_url(draft), body, content_type="application/json")
    assert_problem(response, 400, "parse_error")


def test_an_empty_body_is_400(secretary, draft):
    response = secretary.generic("POST", transitions_url(draft), b"", content_type="application/json")
    assert "action" in assert_problem(response, 400, "validation_error")["errors"]


@pytest.mark.parametrize(
    "body", [b'{"action": "comment", "note": "\xff\xfe"}', b"\xc3\x28", b'{"note": "\xed\xa0\x80"}']
)
def test_invalid_utf8_is_400(secretary, draft, body):
    response = secretary.generic("POST", transitions_url(draft), body, content_type="application/json")
    problem = assert_problem(response, 400, "parse_error")
    assert "UTF-8" in problem["detail"]


def test_nul_in_a_text_field_is_400_and_nothing_is_saved(secretary, draft):
    response = secretary.patch(
        detail_url(draft), {"background": "前\u0000后"}, format="json", HTTP_IF_MATCH=etag(draft)
    )
    problem = assert_problem(response, 400, "validation_error")
    assert "background" in problem["errors"]
    assert Revision.objects.filter(proposal=draft).count() == 1


def test_nul_in_a_transition_note_is_400(secretary, draft):
    response = secretary.post(transitions_url(draft), {"action": "comment", "note": "\u0000"}, format="json")
    assert "note" in assert_problem(response, 400, "validation_error")["errors"]
    assert not Transition.objects.filter(proposal=draft).exists()


@pytest.mark.parametrize("field", ["title", "background", "note"])
def test_lone_surrogates_in_text_are_400(secretary, draft, field):
    """JSON may escape a lone UTF-16 surrogate (\\ud800); it is no character and cannot be stored."""
    url, body, headers = transitions_url(draft), {"action": "comment", "note": "x"}, {}
    if field != "note":
        url, body, headers = detail_url(draft), {}, {"HTTP_IF_MATCH": etag(draft)}
    body[field] = "前\ud800后"
    raw = json.dumps(body).encode()  # ensure_ascii: the surrogate travels as the escape \ud800
    response = secretary.generic("PATCH" if field != "note" else "POST", url, raw, content_type="application/json",
                                 **headers)  # fmt: skip
    assert_problem(response, 400)
    assert Revision.objects.filter(proposal=draft).count() == 1


def test_lone_surrogates_anywhere_in_the_body_are_400(secretary, draft):
    for raw in (
        rb'{"\ud800": 1, "action": "comment", "note": "x"}',
        rb'{"action": "\udfff"}',
        rb'{"action": "comment", "note": ["\ud83d"]}',
        rb'["\ud800"]',
    ):
        response = secretary.generic("POST", transitions_url(draft), raw, content_type="application/json")
        assert_problem(response, 400, "parse_error")
    # A proper pair is a character like any other.
    raw = json.dumps({"action": "comment", "note": "好\U0001f600"}).encode()
    assert b"\\ud83d\\ude00" in raw
    assert secretary.generic("POST", transitions_url(draft), raw, content_type="application/json").status_code == 200
    assert Transition.objects.get(proposal=draft).note == "好\U0001f600"


def test_digits_int_cannot_read_are_refused_not_crashed(secretary, draft):
    assert_problem(secretary.get(LIST, {"page_size": "²"}), 400, "validation_error")
    response = secretary.post(
        transitions_url(draft), {"action": "comment", "note": "x"}, format="json", HTTP_IF_MATCH=f'"{draft.pk}-²"'
    )
    assert_problem(response, 412, "precondition_failed")


@pytest.mark.parametrize(
    "query",
    ["search=%00", "search=a%00b", "state=%00", "page_size=%00", "due_before=%00", "session=%00", "kind=%00"],
)
def test_nul_in_a_query_parameter_is_400(secretary, draft, query):
    assert_problem(secretary.get(f"{LIST}?{query}"), 400, "validation_error")


def test_unknown_fields_are_named(secretary, draft):
    response = secretary.post(
        transitions_url(draft), {"action": "comment", "note": "好", "state": "closed", "version": 9}, format="json"
    )
    problem = assert_problem(response, 400, "validation_error")
    assert set(problem["errors"]) == {"state", "version"}
    response = secretary.patch(detail_url(draft), {"state": "ready"}, format="json", HTTP_IF_MATCH=etag(draft))
    assert set(assert_problem(response, 400, "validation_error")["errors"]) == {"state"}
    assert Proposal.objects.get(pk=draft.pk).state == State.DRAFT


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": 5}, "action"),
        ({"action": None}, "action"),
        ({"action": ["comment"]}, "action"),
        ({"action": "launch_rocket"}, "action"),
        ({"action": "comment", "note": ["a", "b"]}, "note"),
        ({"action": "comment", "note": {"text": "a"}}, "note"),
        ({"action": "submit", "reference_number": 12, "submitted_on": "2027-13-45"}, "submitted_on"),
        ({"action": "rate", "rating": "wonderful"}, "rating"),
        ([{"action": "comment"}], "non_field_errors"),
        ("comment", "non_field_errors"),
        (42, "non_field_errors"),
        (None, "non_field_errors"),
    ],
)
def test_wrong_types_are_400(secretary, draft, body, field):
    response = secretary.generic("POST", transitions_url(draft), json.dumps(body), content_type="application/json")
    assert field in assert_problem(response, 400, "validation_error")["errors"]


def test_wrong_types_when_drafting_are_400(secretary, world):
    for body in (
        {"session": "one", "kind": "suggestion", "topic": "employment", "title": "题"},
        {"session": 99999999999999999999, "kind": "suggestion", "topic": "employment", "title": "题"},
        {"session": -1, "kind": "suggestion", "topic": "employment", "title": "题"},
        {"session": world.npc_session.pk, "kind": "suggestion", "topic": "employment", "title": ["题"]},
        {"session": world.npc_session.pk, "kind": "suggestion", "topic": "employment", "title": "题",
         "research_due": "tomorrow"},
    ):  # fmt: skip
        assert_problem(secretary.post(LIST, body, format="json"), 400, "validation_error")
    assert not Proposal.objects.exists()


# A number that is not a JSON integer is no id, nor any other integer of a body (as raw JSON: 1e3 stays 1e3).
NOT_INTEGERS = ["{n}.5", "{n}.0", "{n}e0", "1e3", '"{n}"', '" {n}"', "true", "false", "[{n}]", '{{"id": {n}}}']
BODY_INTEGERS = [
    ("POST", LIST, "session", '{{"kind": "suggestion", "topic": "jobs", "title": "题", "session": {value}}}'),
    ("PATCH", "/api/v1/me/", "digest_hour", '{{"digest_hour": {value}}}'),
]


@pytest.mark.parametrize("value", NOT_INTEGERS)
@pytest.mark.parametrize(("method", "url", "field", "template"), BODY_INTEGERS, ids=[b[2] for b in BODY_INTEGERS])
def test_an_integer_of_a_body_must_be_a_json_integer(world, secretary, method, url, field, template, value):
    number = world.npc_session.pk if field == "session" else 7
    body = template.format(value=value.format(n=number))
    response = secretary.generic(method, url, body, content_type="application/json")
    assert field in assert_problem(response, 400, "validation_error")["errors"], body
    assert not Proposal.objects.exists()
    world.secretary.refresh_from_db()
    assert world.secretary.digest_hour != 7


@pytest.mark.parametrize("value", ["0", "1.5", "true", '["题"]', '{"text": "题"}'])
@pytest.mark.parametrize("field", ["title", "background", "recommendations"])
def test_text_of_a_body_must_be_a_json_string(world, secretary, field, value):
    body = {"session": world.npc_session.pk, "kind": "suggestion", "topic": "jobs", "title": "题"}
    raw = (
        json.dumps(body)[:-1] + f', "{field}": {value}}}'
        if field != "title"
        else json.dumps(body).replace('"title": "\\u9898"', f'"title": {value}')
    )
    response = secretary.generic("POST", LIST, raw, content_type="application/json")
    assert field in assert_problem(response, 400, "validation_error")["errors"], raw
    assert not Proposal.objects.exists()


def test_every_integer_of_every_body_is_strict():
    """The class, not the two fields above: every input serializer's integer and id fields refuse non-integers."""
    from api import serializers as s

    reading_text = {s.RevisionDiffQuerySerializer, s.EvidenceUploadSerializer}  # a query's, a form's numbers are text
    for serializer in s.StrictInputSerializer.__subclasses__():
        if serializer in reading_text:
            continue
        for name, field in serializer().fields.items():
            if isinstance(field, s.serializers.IntegerField):
                assert isinstance(field, s.StrictIntegerField), (serializer, name)
            if isinstance(field, s.serializers.RelatedField):
                assert isinstance(field, s.StrictPrimaryKeyRelatedField), (serializer, name)


@pytest.mark.parametrize("size", ["0", "-1", "101", "abc", "1.5", "99999999999999999999999", "", " 5", "５"])
def test_absurd_page_sizes_are_400(secretary, draft, size):
    problem = assert_problem(secretary.get(LIST, {"page_size": size}), 400, "validation_error")
    assert "page_size" in problem["errors"]


@pytest.mark.parametrize(
    "query",
    ["cursor=bm9wZQ", "cursor=cD0x%26cD0y", "state=flying", "session=99999999999999999999",
     "organisation=abc", "lead_delegate=-5", "due_after=yesterday", "page_size=%C2%B2"],
)  # fmt: skip
def test_bad_filters_are_400(secretary, draft, query):
    assert_problem(secretary.get(f"{LIST}?{query}"), 400, "validation_error")


@pytest.mark.parametrize("ordering", ["", "-id", "title", "-updated_at"])
@pytest.mark.parametrize("position", ["abc", "1.5", "99999999999999999999", "2026-13-01", "\u0000"])
def test_crafted_cursors_are_400_or_a_page(secretary, draft, ordering, position):
    """A cursor is opaque, not signed: whatever position one carries, the answer is a page or a 400."""
    cursor = base64.b64encode(urlencode({"p": position, "o": 0}).encode()).decode()
    response = secretary.get(LIST, {"cursor": cursor, "ordering": ordering})
    if response.status_code != 200:
        assert "cursor" in assert_problem(response, 400, "validation_error")["errors"]


def test_an_unknown_media_type_in_accept_is_406(secretary, draft):
    response = secretary.get(LIST, HTTP_ACCEPT="text/csv")
    assert_problem(response, 406, "not_acceptable")


def test_bad_revision_numbers_in_a_comparison(secretary, draft):
    url = f"{detail_url(draft)}revisions/diff/"
    assert_problem(secretary.get(url, {"from": "x", "to": 1}), 400, "validation_error")
    assert_problem(secretary.get(url, {"from": 1}), 400, "validation_error")
    assert_problem(secretary.get(url, {"from": 1, "to": 99999999999999999999}), 400, "validation_error")
    assert_problem(secretary.get(url, {"from": 1, "to": 2}), 404, "not_found")


# --- 401 ----------------------------------------------------------------------------------------------


def test_no_token_is_401(draft):
    response = APIClient().get(detail_url(draft))
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize(
    "header",
    ["Token nonsense", "Token", "Token a b", "Token " + "f" * 64, "Token \u00e9\u00e9\u00e9", "Token " + "\u00ff" * 80],
    ids=["nonsense", "empty", "spaces", "hex", "latin1", "long-latin1"],
)
def test_bad_token_is_401(draft, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_problem(client.get(detail_url(draft)), 401, "authentication_failed")


def test_expired_token_is_401(world, draft):
    client = client_for(world.secretary)
    assert client.get(detail_url(draft)).status_code == 200
    AuthToken.objects.filter(user=world.secretary).update(expiry=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert_problem(client.get(detail_url(draft)), 401, "authentication_failed")


# --- 404, 405 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/proposals/{missing}/",
        "/api/v1/proposals/999999999999999999/",
        "/api/v1/proposals/99999999999999999999/",
        "/api/v1/proposals/99999999999999999999/transitions/",
        "/api/v1/proposals/-1/",
        "/api/v1/proposals/abc/",
        "/api/v1/sessions/99999999999999999999/",
        "/api/v1/nothing-here/",
        "/api/v1/proposals/{pk}/nothing/",
        "/api/v1/proposals/{pk}/revisions/99/",
        "/api/v1/proposals/{pk}/evidence/999999999999999999/",
    ],
)
def test_unknown_things_are_404(secretary, draft, path):
    path = path.format(missing=draft.pk + 1000, pk=draft.pk)
    assert_problem(secretary.get(path), 404, "not_found")


def test_a_proposal_outside_the_callers_scope_is_404(world, draft):
    assert_problem(client_for(world.other_secretary).get(detail_url(draft)), 404, "not_found")
    response = client_for(world.outsider_delegate).post(transitions_url(draft), {"action": "comment", "note": "?"})
    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("method", ["DELETE", "PUT"])
def test_methods_not_offered_are_405_with_allow(secretary, draft, method):
    response = secretary.generic(method, detail_url(draft), b"{}", content_type="application/json")
    assert_problem(response, 405, "method_not_allowed")
    allowed = {name.strip() for name in response["Allow"].split(",")}
    assert {"GET", "PATCH"} <= allowed
    assert method not in allowed
    assert Proposal.objects.filter(pk=draft.pk).exists()


def test_get_on_the_transitions_endpoint_is_405(secretary, draft):
    response = secretary.get(transitions_url(draft))
    assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


# --- 409: a refused action names its guard, in the caller's language -----------------------------------


@pytest.fixture
def in_consultation(world) -> Proposal:
    return bring_to(world, State.CONSULTATION)


def test_finalising_without_the_leads_endorsement_is_409_lead_not_endorsed_in_chinese(secretary, in_consultation):
    response = secretary.post(transitions_url(in_consultation), {"action": "finalise"}, format="json")
    problem = assert_problem(response, 409, "lead_not_endorsed")
    assert problem["action"] == "finalise"
    assert "领衔代表尚未认可" in problem["detail"]
    assert response["Content-Language"] == "zh-hans"
    assert Proposal.objects.get(pk=in_consultation.pk).state == State.CONSULTATION


def test_the_refusal_is_in_english_when_asked(secretary, in_consultation):
    response = secretary.post(
        transitions_url(in_consultation), {"action": "finalise"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    problem = assert_problem(response, 409, "lead_not_endorsed")
    assert "lead delegate has not endorsed" in problem["detail"]
    assert problem["title"] == "Action refused"


def test_the_refusal_follows_the_profile_language_without_accept_language(world, in_consultation):
    world.secretary.language = "en"
    world.secretary.save(update_fields=["language"])
    client = client_for(world.secretary)
    response = client.post(transitions_url(in_consultation), {"action": "finalise"}, format="json")
    assert "lead delegate has not endorsed" in assert_problem(response, 409, "lead_not_endorsed")["detail"]
    assert response["Content-Language"] == "en"
    # An explicit Accept-Language still wins over the profile.
    response = client.post(
        transitions_url(in_consultation), {"action": "finalise"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "领衔代表尚未认可" in assert_problem(response, 409, "lead_not_endorsed")["detail"]


def test_ending_research_without_a_summary_is_409_research_summary_missing(world, secretary):
    proposal = world.draft()
    assign_all(world, proposal)
    fire(world, proposal, "start_research", "secretary")
    response = secretary.post(transitions_url(proposal), {"action": "start_consultation"}, format="json")
    assert "调研情况" in assert_problem(response, 409, "research_summary_missing")["detail"]
    response = secretary.post(
        transitions_url(proposal), {"action": "start_consultation"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "research summary" in assert_problem(response, 409, "research_summary_missing")["detail"]


def test_an_action_of_another_state_is_409_wrong_state(secretary, draft):
    response = secretary.post(transitions_url(draft), {"action": "finalise"}, format="json")
    problem = assert_problem(response, 409, "wrong_state")
    assert "草拟" in problem["detail"]
    response = secretary.post(transitions_url(draft), {"action": "finalise"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "Draft" in assert_problem(response, 409, "wrong_state")["detail"]


def test_an_action_of_another_role_is_409_role_not_allowed(world, in_consultation):
    response = client_for(world.lead).post(transitions_url(in_consultation), {"action": "finalise"}, format="json")
    assert_problem(response, 409, "role_not_allowed")


def test_editing_a_frozen_text_is_409(world):
    proposal = bring_to(world, State.READY)
    response = client_for(world.secretary).patch(
        detail_url(proposal), {"background": "改"}, format="json", HTTP_IF_MATCH=etag(proposal)
    )
    assert_problem(response, 409, "text_frozen")


# --- 412, 428 -----------------------------------------------------------------------------------------


def test_a_stale_if_match_is_412_on_transitions_and_edits(world, secretary, draft):
    stale = etag(draft)
    fire(world, draft, "comment", "secretary", note="先留个言")
    response = secretary.post(transitions_url(draft), {"action": "start_research"}, format="json", HTTP_IF_MATCH=stale)
    assert_problem(response, 412, "precondition_failed")
    response = secretary.patch(detail_url(draft), {"background": "新"}, format="json", HTTP_IF_MATCH=stale)
    assert_problem(response, 412, "precondition_failed")
    assert Proposal.objects.get(pk=draft.pk).state == State.DRAFT
    for header in ('"garbage"', f'"{draft.pk + 1}-{draft.version}"', "W/", ","):
        response = secretary.post(
            transitions_url(draft), {"action": "start_research"}, format="json", HTTP_IF_MATCH=header
        )
        assert_problem(response, 412, "precondition_failed")


def test_a_weak_tag_never_matches_if_match_compares_strongly(secretary, draft):
    current = etag(draft)
    for header in (f"W/{current}", f" W/{current} ", f'W/{current}, "garbage"'):
        response = secretary.post(transitions_url(draft), {"action": "comment", "note": "x"}, format="json",
                                  HTTP_IF_MATCH=header)  # fmt: skip
        assert_problem(response, 412, "precondition_failed")
        response = secretary.patch(detail_url(draft), {"background": "新"}, format="json", HTTP_IF_MATCH=header)
        assert_problem(response, 412, "precondition_failed")
    assert Proposal.objects.get(pk=draft.pk).background == "全市中小学心理健康教师配备不足。"
    response = secretary.patch(detail_url(draft), {"background": "新"}, format="json",
                               HTTP_IF_MATCH=f"W/{current}, {current}")  # fmt: skip
    assert response.status_code == 200, response.content


def test_patching_the_text_without_if_match_is_428(secretary, draft):
    response = secretary.patch(detail_url(draft), {"background": "无前提"}, format="json")
    assert_problem(response, 428, "precondition_required")
    assert Revision.objects.filter(proposal=draft).count() == 1


# --- 413 ----------------------------------------------------------------------------------------------


def test_an_oversized_json_body_is_413(settings, secretary, draft):
    settings.API_MAX_JSON_BYTES = 2048
    body = json.dumps({"action": "comment", "note": "长" * 2000}).encode()
    assert len(body) > 2048
    response = secretary.generic("POST", transitions_url(draft), body, content_type="application/json")
    assert_problem(response, 413, "payload_too_large")
    assert not Transition.objects.filter(proposal=draft).exists()


def test_a_body_larger_than_its_content_length_is_413(settings, secretary, draft):
    """A client that understates Content-Length cannot slip a big body past the limit."""
    settings.API_MAX_JSON_BYTES = 2048
    body = json.dumps({"action": "comment", "note": "x" * 5000}).encode()
    response = secretary.generic("POST", transitions_url(draft), body, content_type="application/json",
                                 CONTENT_LENGTH="100")  # fmt: skip
    assert response.status_code in (400, 413)
    assert_problem(response, response.status_code)
    assert not Transition.objects.filter(proposal=draft).exists()


def test_a_bad_content_length_is_400(secretary, draft):
    response = secretary.generic("POST", transitions_url(draft), b"{}", content_type="application/json",
                                 CONTENT_LENGTH="lots")  # fmt: skip
    assert response.status_code < 500
    assert_problem(response, response.status_code)


@pytest.mark.parametrize("overshoot", [1, 200 * 1024], ids=["just-over-the-file-limit", "over-the-body-limit"])
def test_an_oversized_evidence_upload_is_413(settings, secretary, draft, overshoot):
    settings.EVIDENCE_MAX_BYTES = 4096
    upload = SimpleUploadedFile("问卷.csv", b"a," * ((4096 + overshoot) // 2 + 1), content_type="text/csv")
    response = secretary.post(f"{detail_url(draft)}evidence/", {"file": upload}, format="multipart")
    assert_problem(response, 413, "payload_too_large")
    assert not draft.evidence.exists()


# --- 415 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/x-www-form-urlencoded", b"action=comment&note=hi"),
        ("text/plain", b'{"action": "comment", "note": "hi"}'),
        ("application/xml", b"<action>comment</action>"),
        ("multipart/form-data; boundary=xyz", b"--xyz--\r\n"),
    ],
)
def test_other_media_types_to_a_json_endpoint_are_415(secretary, draft, content_type, body):
    response = secretary.generic("POST", transitions_url(draft), body, content_type=content_type)
    assert_problem(response, 415, "unsupported_media_type")
    response = secretary.generic("PATCH", detail_url(draft), body, content_type=content_type,
                                 HTTP_IF_MATCH=etag(draft))  # fmt: skip
    assert_problem(response, 415, "unsupported_media_type")
    assert not Transition.objects.filter(proposal=draft).exists()


def test_json_to_the_evidence_upload_is_415(secretary, draft):
    response = secretary.post(f"{detail_url(draft)}evidence/", {"file": "aGVsbG8="}, format="json")
    assert_problem(response, 415, "unsupported_media_type")


# --- 429 ----------------------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings, monkeypatch):
    rates = {"anon": "2/minute", "user": "3/minute", "login": "2/minute"}
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"DEFAULT_THROTTLE_RATES": rates}
    # DRF reads the rates once, when rest_framework.throttling is imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    return rates


def test_too_many_requests_are_429_with_retry_after(low_rates, world, secretary, draft):
    for _attempt in range(3):
        assert secretary.get(detail_url(draft)).status_code == 200
    response = secretary.get(detail_url(draft))
    assert_problem(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    # Another person still gets through: the count is per user.
    assert client_for(world.coordinator).get(detail_url(draft)).status_code == 200


def test_anonymous_requests_are_throttled_too(low_rates):
    """On the public pages; a request to a protected one is refused with 401 before it is counted."""
    client = APIClient()
    for _attempt in range(2):
        assert client.get("/api/v1/docs/").status_code == 200
    response = client.get("/api/v1/docs/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


# --- Never a 500 --------------------------------------------------------------------------------------


def texts(max_size: int = 30):
    """Any text, sometimes with an unpaired surrogate (which JSON can carry as an escape)."""
    return st.text(st.characters() | st.characters(categories=["Cs"]), max_size=max_size) | st.text(max_size=max_size)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts(max_size=12), children, max_size=4),
    max_leaves=12,
)
action_names = st.sampled_from([action.name for action in ACTIONS]) | texts(max_size=20)
transition_bodies = st.fixed_dictionaries(
    {"action": action_names},
    optional={
        "note": texts(max_size=200) | json_values,
        "reference_number": texts(max_size=60) | st.integers(),
        "submitted_on": st.dates().map(str) | texts(max_size=12),
        "urgent": st.booleans() | json_values,
        "unit": st.integers() | json_values,
        "unit_role": st.sampled_from(["lead", "assisting"]) | texts(max_size=12),
        "assigned_on": st.dates().map(str) | json_values,
        "answer": texts(max_size=40),
        "answer_class": st.sampled_from(["A", "B", "C"]) | texts(max_size=4),
        "answer_method": st.sampled_from(["in_person", "phone", "writing"]) | texts(max_size=12),
        "answered_on": st.dates().map(str) | json_values,
        "rating": st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied"]) | texts(max_size=12),
        "extend_by": st.sampled_from([1, 2, 3, "3"]) | json_values,
        "session": st.integers() | json_values,
    },
)
proposal_bodies = st.fixed_dictionaries(
    {},
    optional={
        "session": st.integers() | json_values,
        "kind": st.sampled_from(["motion", "suggestion", "cppcc_proposal"]) | texts(max_size=12),
        "topic": texts(max_size=12),
        "title": texts(max_size=250) | json_values,
        "background": texts(max_size=200) | json_values,
        "research_findings": texts(max_size=50),
        "recommendations": texts(max_size=50),
        "research_due": st.datetimes().map(lambda d: d.isoformat()) | texts(max_size=30),
        "consultation_due": st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()),
    },
)


def _encoded(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _escaped(value) -> bytes:
    return json.dumps(value).encode()  # ensure_ascii: every surrogate travels as a \uXXXX escape


bodies = st.one_of(
    transition_bodies.map(_escaped),
    transition_bodies.map(_encoded),
    proposal_bodies.map(_escaped),
    proposal_bodies.map(_encoded),
    json_values.map(_escaped),
    st.text(max_size=200).map(lambda text: text.encode("utf-8")),
    st.binary(max_size=300),
)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
     "multipart/form-data; boundary=x", "application/octet-stream", ""]
)  # fmt: skip
targets = st.sampled_from(["transitions", "create", "patch", "comments", "me"])
# Header values reach Django as latin-1 text.
if_matches = st.none() | st.just("current") | st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30)


def test_no_body_makes_it_answer_500(world):
    proposal = bring_to(world, State.CONSULTATION)
    client = client_for(world.secretary)
    client.raise_request_exception = False
    urls = {
        "transitions": ("POST", transitions_url(proposal)),
        "create": ("POST", LIST),
        "patch": ("PATCH", detail_url(proposal)),
        "comments": ("POST", f"{detail_url(proposal)}comments/"),
        "me": ("PATCH", "/api/v1/me/"),
    }

    @hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(target=targets, body=bodies, content_type=content_types, if_match=if_matches)
    def post_anything(target, body, content_type, if_match):
        cache.clear()
        method, url = urls[target]
        headers = {}
        if if_match == "current":
            headers["HTTP_IF_MATCH"] = etag(proposal)
        elif if_match is not None:
            headers["HTTP_IF_MATCH"] = if_match
        response = client.generic(method, url, body, content_type=content_type, **headers)
        assert response.status_code < 500, (response.status_code, body, response.content[:500])
        if response.status_code >= 400:
            assert_problem(response, response.status_code)

    post_anything()


query_values = st.text(max_size=30) | st.integers().map(str) | st.sampled_from(["", "true", "draft", "-id", "title"])
queries = st.dictionaries(
    st.sampled_from(["state", "kind", "topic", "session", "organisation", "lead_delegate", "assigned_to_me",
                     "due_before", "due_after", "overdue", "search", "ordering", "page_size", "cursor"]),
    query_values | st.lists(query_values, min_size=2, max_size=3),
    max_size=4,
)  # fmt: skip


def test_no_query_makes_the_list_answer_500(world):
    bring_to(world, State.RESEARCH)
    client = client_for(world.coordinator)
    client.raise_request_exception = False

    @hypothesis_settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(query=queries)
    def list_with(query):
        cache.clear()
        response = client.get(LIST, query)
        assert response.status_code < 500, (query, response.content[:500])
        if response.status_code >= 400:
            assert_problem(response, response.status_code)

    list_with()
