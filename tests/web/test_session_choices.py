"""The web's forms offer and accept the caller's sessions, exactly those the API offers and accepts.

Both read them from proposals.selectors.sessions_visible_to. Sessions are public today (anyone signed in sees
them all), so a session outside someone's view is made here by narrowing that selector: a session it leaves
out is then offered by neither the web nor the API, and refused by both like one that does not exist.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from proposals import selectors
from proposals.models import DocumentExport, Proposal, Session
from tests.api.conftest import client_for

API_LIST = "/api/v1/proposals/"


def _options(html: str, name: str) -> set[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} field in the page"
    return {value for value in re.findall(r'<option value="([^"]*)"', select.group(1)) if value}


def _ids(sessions) -> set[str]:
    return {str(pk) for pk in sessions.values_list("pk", flat=True)}


def _web_session_choices(client, user) -> dict[str, set[str]]:
    """The sessions each of the web's forms offers the user, by page."""
    client.force_login(user)
    pages = {"list": reverse("proposal-list")}
    if selectors.organisations_in_scope(user).exists():
        pages |= {"draft": reverse("proposal-create"), "exports": reverse("exports")}
    if user.is_superuser or user.role == user.Role.COORDINATOR:
        pages["statistics"] = reverse("statistics")
    return {name: _options(client.get(url).content.decode(), "session") for name, url in pages.items()}


@pytest.mark.parametrize("who", ["secretary", "coordinator", "city_coordinator", "lead", "admin"])
def test_every_web_form_offers_the_sessions_the_api_offers(client, world, who):
    user = getattr(world, who)
    api = client_for(user).get(API_LIST, HTTP_ACCEPT="text/html").content.decode()
    offered_by_api = _options(api, "session")
    assert offered_by_api == _ids(selectors.sessions_visible_to(user))
    for page, offered in _web_session_choices(client, user).items():
        assert offered == offered_by_api, page


@pytest.fixture
def cppcc_hidden(world, monkeypatch) -> Session:
    """The selector narrowed to leave the CPPCC session out of everyone's view; the session it hides."""
    monkeypatch.setattr(
        selectors, "sessions_visible_to", lambda user: Session.objects.exclude(pk=world.cppcc_session.pk)
    )
    return world.cppcc_session


def _draft(session: Session) -> dict:
    return {
        "title": "关于建设青年驿站的建议", "kind": Proposal.Kind.CPPCC_PROPOSAL, "topic": Proposal.Topic.JOBS,
        "session": session.pk, "organisation": "", "background": "", "research_findings": "", "recommendations": "",
    }  # fmt: skip


def test_a_session_outside_the_view_is_offered_by_no_form(client, world, cppcc_hidden):
    api = client_for(world.coordinator).get(API_LIST, HTTP_ACCEPT="text/html").content.decode()
    assert str(cppcc_hidden.pk) not in _options(api, "session")
    for page, offered in _web_session_choices(client, world.coordinator).items():
        assert offered == {str(world.npc_session.pk)}, page


def test_a_draft_for_a_session_outside_the_view_is_refused_by_the_web_as_by_the_api(client, world, cppcc_hidden):
    client.force_login(world.secretary)
    response = client.post(reverse("proposal-create"), _draft(cppcc_hidden) | {"organisation": world.branch.pk})
    assert response.status_code == 400
    assert "session" in response.context["form"].errors
    body = {key: value for key, value in _draft(cppcc_hidden).items() if key != "organisation"}
    api = client_for(world.secretary).post(API_LIST, body, format="json")
    assert api.status_code == 400 and "session" in api.json()["errors"]
    assert not Proposal.objects.exists()


def test_a_list_filtered_by_a_session_outside_the_view_is_refused_by_the_web_as_by_the_api(client, world, cppcc_hidden):
    world.draft(session=cppcc_hidden, kind=Proposal.Kind.CPPCC_PROPOSAL)
    client.force_login(world.secretary)
    web = client.get(reverse("proposal-list"), {"session": cppcc_hidden.pk})
    assert web.status_code == 400 and "session" in web.context["form"].errors
    assert not web.context["page"].object_list
    api = client_for(world.secretary).get(API_LIST, {"session": cppcc_hidden.pk})
    assert api.status_code == 400 and "session" in api.json()["errors"]


def test_an_export_of_a_session_outside_the_view_is_refused(client, world, cppcc_hidden):
    client.force_login(world.coordinator)
    response = client.post(reverse("exports"), {"session": cppcc_hidden.pk, "organisation": world.county.pk})
    assert response.status_code == 400 and "session" in response.context["form"].errors
    assert not DocumentExport.objects.exists()


def test_the_statistics_ignore_a_session_outside_the_view_like_a_missing_one(client, world, cppcc_hidden):
    world.draft(session=cppcc_hidden, kind=Proposal.Kind.CPPCC_PROPOSAL)
    world.draft()
    client.force_login(world.city_coordinator)
    hidden = client.get(reverse("statistics"), {"session": cppcc_hidden.pk})
    missing = client.get(reverse("statistics"), {"session": 999_999_999})
    assert hidden.context["chosen_session"] is None and hidden.context["total"] == missing.context["total"] == 2
    # The years offered are those of the sessions in view.
    years = {choice for choice, _label in hidden.context["form"].fields["year"].choices}
    assert years == {"", *selectors.session_years(Session.objects.exclude(pk=cppcc_hidden.pk))}
