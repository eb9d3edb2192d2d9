"""Titles, names, reference numbers, handling units, reasons and evidence descriptions are one line: every path
in (API, web forms, the import, the services, the admin's model forms) refuses control characters and line
breaks; and mail subjects are flattened, so a title that already holds a newline still mails."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.urls import reverse
from django.utils import timezone

from proposals import reminders, services
from proposals.models import Evidence, Organisation, Proposal, Session, Stage
from proposals.validators import LINE_BREAKERS, SINGLE_LINE_MESSAGE, one_line, validate_single_line
from proposals.workflow import State
from tests.api.test_errors import assert_problem, client_for, etag, transitions_url
from tests.proposals.arrange import assign_all, bring_to, fire
from tests.proposals.test_import import closed_row, write
from tests.proposals.test_import import run as run_import
from tests.reminders.conftest import day_at, in_days, set_due

# Line breaks (Cc, and the two separators), tabs and other controls (Cc), invisible format characters (Cf).
BREAKERS = ["\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\x7f", "\x1b", "\u2028", "\u2029",
            "\u200b", "\u200e", "\u202e", "\u2066", "\ufeff"]  # fmt: skip
TITLE = "关于促进青年就业的建议"


def within(text: str, breaker: str) -> str:
    return text[:3] + breaker + text[3:]


@pytest.mark.parametrize("breaker", BREAKERS, ids=repr)
def test_the_validator_refuses_every_breaker(breaker):
    with pytest.raises(ValidationError):
        validate_single_line(within(TITLE, breaker))
    assert "\n" not in one_line(within(TITLE, breaker)) and "\r" not in one_line(within(TITLE, breaker))


def test_the_breakers_are_unicodes_cc_and_cf_and_the_two_separators_of_the_multilingual_plane():
    every = [chr(code) for code in range(0x10000)]
    expected = {c for c in every if unicodedata.category(c) in ("Cc", "Cf")} | {"\u2028", "\u2029"}
    breaker = re.compile(f"[{LINE_BREAKERS}]")
    assert {c for c in every if breaker.fullmatch(c)} == expected


def test_the_schema_states_the_rule_as_the_fields_pattern(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    title = schema["components"]["schemas"]["ProposalCreateRequest"]["properties"]["title"]
    assert title["pattern"].startswith("^[^") and title["pattern"].endswith("]+$"), title


@pytest.mark.parametrize(
    "text",
    [
        TITLE,
        "朔人大建〔2027〕第12号",
        "Café – “quotes” 😀 ⅱ",
        "a b",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    ],
)
def test_ordinary_one_line_texts_pass(text):
    validate_single_line(text)


# --- The API --------------------------------------------------------------------------------------------


def assert_refused(response, field: str) -> None:
    body = assert_problem(response, 400, "validation_error")
    assert field in body["errors"], body


@pytest.mark.parametrize("breaker", BREAKERS, ids=repr)
def test_the_api_refuses_a_title_that_breaks_when_drafting_and_editing(world, breaker):
    client = client_for(world.secretary)
    body = {"session": world.npc_session.pk, "kind": "suggestion", "topic": "jobs", "title": within(TITLE, breaker)}
    assert_refused(client.post("/api/v1/proposals/", body, format="json"), "title")
    proposal = world.draft()
    response = client.patch(
        f"/api/v1/proposals/{proposal.pk}/", {"title": within(TITLE, breaker)}, format="json",
        HTTP_IF_MATCH=etag(proposal),
    )  # fmt: skip
    assert_refused(response, "title")
    proposal.refresh_from_db()
    assert proposal.title == "关于加强青少年心理健康服务的建议"


@pytest.mark.parametrize("breaker", ["\n", "\t", "\u2028", "\u202e"], ids=repr)
@pytest.mark.parametrize(("state", "action", "inputs", "field"), [
    (State.READY, "submit", {"reference_number": "朔人大建〔2027〕1号"}, "reference_number"),
])  # fmt: skip
def test_the_api_refuses_outcome_fields_that_break(world, breaker, state, action, inputs, field):
    proposal = bring_to(world, state)
    inputs = inputs | {field: within(inputs[field], breaker)}
    response = client_for(world.lead).post(transitions_url(proposal), {"action": action, **inputs}, format="json")
    assert_refused(response, field)
    proposal.refresh_from_db()
    assert proposal.state == state


def test_the_api_refuses_an_evidence_description_that_breaks(world):
    proposal = world.draft()
    upload = SimpleUploadedFile("问卷.csv", "题目,人数\n就业,812\n".encode(), content_type="text/csv")
    response = client_for(world.secretary).post(
        f"/api/v1/proposals/{proposal.pk}/evidence/", {"file": upload, "description": "问卷\n结果"}, format="multipart"
    )
    assert_refused(response, "description")
    assert not Evidence.objects.exists()


def test_the_message_is_in_the_callers_language(world):
    body = {"session": world.npc_session.pk, "kind": "suggestion", "topic": "jobs", "title": "关于\n就业"}
    english = client_for(world.secretary, HTTP_ACCEPT_LANGUAGE="en").post("/api/v1/proposals/", body, format="json")
    assert json.loads(english.content)["errors"]["title"] == [str(SINGLE_LINE_MESSAGE)]
    chinese = client_for(world.secretary).post("/api/v1/proposals/", body, format="json")
    assert "请写成一行" in json.loads(chinese.content)["errors"]["title"][0]


# --- The web forms --------------------------------------------------------------------------------------


@pytest.fixture
def secretary(client, world):
    client.force_login(world.secretary)
    return client


@pytest.mark.parametrize("breaker", ["\n", "\r\n", "\t", "\x1b", "\u2029", "\u200b"], ids=repr)
def test_the_web_forms_refuse_a_title_that_breaks(secretary, world, breaker):
    data = {"title": within(TITLE, breaker), "kind": "suggestion", "topic": "jobs", "session": world.npc_session.pk,
            "organisation": world.branch.pk, "background": "第一段。\n第二段。"}  # fmt: skip
    response = secretary.post(reverse("proposal-create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["title"]
    assert not Proposal.objects.filter(title__startswith=TITLE[:3]).exists()

    proposal = world.draft()
    data = {"title": within(TITLE, breaker), "background": "x", "research_findings": "", "recommendations": "",
            "expected_version": proposal.version, "base_revision": proposal.revision_number}  # fmt: skip
    response = secretary.post(reverse("proposal-edit", args=[proposal.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["title"]


def test_the_web_forms_refuse_a_reason_or_description_that_breaks(client, world):
    proposal = world.draft()
    client.force_login(world.coordinator)
    due = timezone.localtime() + dt.timedelta(days=10)
    response = client.post(
        reverse("proposal-deadline", args=[proposal.pk]),
        {"deadline-stage": "research", "deadline-due_at": f"{due:%Y-%m-%dT%H:%M}", "deadline-reason": "调研\n延期"},
    )
    assert response.status_code == 400
    assert response.context["deadline_form"].errors["reason"]

    upload = SimpleUploadedFile("问卷.csv", "题目,人数\n就业,812\n".encode(), content_type="text/csv")
    response = client.post(
        reverse("proposal-evidence-add", args=[proposal.pk]), {"file": upload, "description": "a\tb"}
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_the_web_action_form_refuses_a_reference_number_that_breaks(client, world):
    proposal = bring_to(world, State.READY)
    client.force_login(world.lead)
    response = client.post(
        reverse("proposal-act", args=[proposal.pk]),
        {"action": "submit", "expected_version": proposal.version, "reference_number": "第1号\n第2号"},
    )
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.state == State.READY


# --- The services, the admin's model forms, the import ---------------------------------------------------


def test_the_services_refuse_it_whoever_calls_them(world):
    with pytest.raises(ValidationError) as refused:
        world.draft(title="关于\n就业")
    assert "title" in refused.value.message_dict
    proposal = world.draft()
    with pytest.raises(ValidationError) as refused:
        services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, title="关于\u2028就业")
    assert "title" in refused.value.message_dict


@pytest.mark.parametrize("model", [Organisation, Session])
def test_the_model_forms_of_the_admin_refuse_a_name_that_breaks(world, model):
    thing = model.objects.first()
    thing.name = "共青团\n朔州市委"
    with pytest.raises(ValidationError) as refused:
        thing.full_clean()
    assert "name" in refused.value.message_dict


@pytest.mark.parametrize(
    ("column", "value"), [(0, "关于青年\n就业的建议"), (10, "第\t1号"), (12, "市人社局\u2028市教育局")]
)
def test_the_import_names_the_row_of_a_text_that_breaks(world, tmp_path, column, value):
    rows = [closed_row(world, n) for n in range(1, 4)]
    rows[1][column] = value  # row 3 of the sheet
    with pytest.raises(CommandError) as refused:
        run_import(write(tmp_path / "bad.xlsx", rows))
    assert "第3行 / row 3" in str(refused.value) and "请写成一行" in str(refused.value)
    assert not Proposal.objects.exists()


# --- Mails of data that already holds line breaks -------------------------------------------------------


def break_the_title_in_the_database(proposal: Proposal) -> str:
    title = "关于促进青年就业的建议\r\n（第二稿）\t\u2028附件"
    Proposal.objects.filter(pk=proposal.pk).update(title=title)  # as data from before the rule
    return title


def test_a_transition_notice_of_a_title_with_a_newline_is_sent(world, django_capture_on_commit_callbacks):
    proposal = world.draft(kind="motion")  # a motion's co-signers hear every state change (notice_rules)
    assign_all(world, proposal)
    break_the_title_in_the_database(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        fire(world, proposal, "start_research", "secretary")
    assert {message.to[0] for message in mail.outbox} == {world.lead.email, *(c.email for c in world.cosigners)}
    for message in mail.outbox:
        message.message()  # the headers as they go out
        assert "关于促进青年就业的建议 （第二稿） 附件" in message.subject


def test_a_reminder_of_a_title_with_a_newline_is_sent(world):
    proposal = bring_to(world, State.CONSULTATION)
    break_the_title_in_the_database(proposal)
    due = in_days(30, hour=17)
    set_due(world, proposal, Stage.CONSULTATION, due)
    now = day_at(timezone.localdate(due) - dt.timedelta(days=3), 9)
    reminders.plan(now)
    result = reminders.send_due(now)
    assert result.mails == len(mail.outbox) > 0 and not result.retried and not result.failed
    lead = next(message for message in mail.outbox if message.to == [world.lead.email])
    assert lead.subject == "【青年提案】提醒：“关于促进青年就业的建议 （第二稿） 附件”（协商阶段）"
