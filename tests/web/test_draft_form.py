"""A new draft goes to a session not yet closed, of a kind its body takes; delegates do not draft (#14 item 11)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from proposals import selectors
from proposals.models import Body, Proposal, Session
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_session(world) -> Session:
    today = timezone.localdate()
    return Session.objects.create(
        body=Body.NPC, level="city", region="朔州市", name="朔州市第五届人民代表大会第三次会议",
        opening_date=today - dt.timedelta(days=300), closing_date=today - dt.timedelta(days=1),
        submission_deadline=timezone.now() - dt.timedelta(days=310),
    )  # fmt: skip


def _options(html: str, name: str) -> list[tuple[str, str]]:
    """Each option of the select: its value and its whole tag."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} field in the page"
    return re.findall(r'(<option value="([^"]*)"[^>]*>)', select.group(1))


def test_the_service_refuses_a_draft_for_a_closed_session_and_saves_nothing(world, closed_session):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        world.draft(session=closed_session)
    assert "closed on" in refused.value.message_dict["session"][0]
    assert not Proposal.objects.exists()


def test_a_session_closing_today_still_takes_drafts(world, closed_session):
    closed_session.closing_date = timezone.localdate()
    closed_session.save()
    assert world.draft(session=closed_session).session == closed_session


def test_the_api_answers_a_closed_session_on_its_field(world, closed_session):
    response = client_for(world.secretary).post(
        "/api/v1/proposals/",
        {"session": closed_session.pk, "kind": "suggestion", "topic": "jobs",
         "title": "关于青年就业见习基地建设的建议"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "session" in str(response.json())
    assert not Proposal.objects.exists()


def test_the_draft_form_offers_only_open_sessions_soonest_deadline_first(client, world, closed_session):
    client.force_login(world.secretary)
    html = client.get(reverse("proposal-create")).content.decode()
    offered = [value for _tag, value in _options(html, "session")]
    # The CPPCC session's deadline comes two days before the congress's.
    assert offered == [str(world.cppcc_session.pk), str(world.npc_session.pk)]
    assert offered == [
        str(pk) for pk in selectors.sessions_open_for_drafting(world.secretary).values_list("pk", flat=True)
    ]


def test_the_kind_offered_first_fits_the_first_session_and_every_option_names_its_body(client, world):
    client.force_login(world.secretary)
    html = client.get(reverse("proposal-create")).content.decode()
    kinds = {value: tag for tag, value in _options(html, "kind")}
    assert "selected" in kinds["cppcc_proposal"]  # the first session is the CPPCC's
    assert 'data-body="npc"' in kinds["motion"] and 'data-body="npc"' in kinds["suggestion"]
    assert 'data-body="cppcc"' in kinds["cppcc_proposal"]
    sessions = {value: tag for tag, value in _options(html, "session")}
    assert 'data-default-kind="suggestion"' in sessions[str(world.npc_session.pk)]
    assert "draft_form.js" in html


def test_with_only_the_congress_open_a_suggestion_is_the_default_not_a_motion(client, world):
    world.cppcc_session.delete()
    client.force_login(world.secretary)
    html = client.get(reverse("proposal-create")).content.decode()
    kinds = {value: tag for tag, value in _options(html, "kind")}
    assert "selected" in kinds["suggestion"] and "selected" not in kinds["motion"]


def test_with_every_session_closed_the_form_says_so(client, world):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Session.objects.update(opening_date=yesterday, closing_date=yesterday)
    client.force_login(world.secretary)
    assert 'id="no-open-session"' in client.get(reverse("proposal-create")).content.decode()


@pytest.mark.parametrize("who", ["lead", "cppcc_member", "outsider_delegate"])
def test_delegates_are_not_offered_a_new_draft_and_the_page_refuses_them(client, world, who):
    client.force_login(getattr(world, who))
    home = client.get(reverse("home")).content.decode()
    assert reverse("proposal-create") not in home
    response = client.get(reverse("proposal-create"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    assert "您的账号无权打开此页面" in response.content.decode()
    assert client.post(reverse("proposal-create"), {"title": "x"}).status_code == 403
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("who", ["secretary", "coordinator", "admin"])
def test_those_who_steer_proposals_are_offered_a_new_draft(client, world, who):
    client.force_login(getattr(world, who))
    assert reverse("proposal-create") in client.get(reverse("home")).content.decode()
