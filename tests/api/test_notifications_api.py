"""me/notifications/: my notices, newest first, the unread ones alone, marking read; nobody else's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals import services
from proposals.models import Notice, NoticeKind
from proposals.workflow import ASSIGN_ACTION
from tests.api.conftest import client_for
from tests.api.test_errors import assert_problem
from tests.proposals.arrange import fire

LIST = "/api/v1/me/notifications/"


def comments_for_the_secretary(world, count: int) -> None:
    for n in range(count):
        fire(world, world.draft(title=f"关于青年工作的建议（{n}）"), "comment", "coordinator", note=f"意见{n}")


def test_my_notifications_newest_first_in_my_language(world):
    comments_for_the_secretary(world, 2)
    response = client_for(world.secretary).get(LIST)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["quote"] for row in rows] == ["意见1", "意见0"]
    first = rows[0]
    assert first["kind"] == NoticeKind.COMMENT and first["action"] == "comment" and first["read_at"] is None
    assert first["actor"]["name"] == world.coordinator.display_name
    assert first["headline"] == f"{world.coordinator.display_name}对“关于青年工作的建议（1）”（第 1 稿）提出了意见。"
    assert first["link"].endswith(f"/p/{first['proposal']['id']}/")
    english = client_for(world.secretary).get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert english["headline"].startswith(f"{world.coordinator.display_name} commented on")


def test_the_unread_filter_and_marking_one_and_all_read(world):
    comments_for_the_secretary(world, 3)
    client = client_for(world.secretary)
    first, second, _third = client.get(LIST).json()["results"]
    marked = client.post(f"{LIST}{first['id']}/read/")
    assert marked.status_code == 200 and marked.json()["read_at"] is not None
    unread = client.get(LIST, {"unread": "true"}).json()["results"]
    assert [row["id"] for row in unread] == [second["id"], _third["id"]]
    assert len(client.get(LIST, {"unread": "false"}).json()["results"]) == 3
    assert client.get("/api/v1/me/").json()["unread_notifications"] == 2
    assert client.post(f"{LIST}read-all/").json() == {"marked": 2}
    assert client.get(LIST, {"unread": "true"}).json()["results"] == []
    assert_problem(client.get(LIST, {"unread": "maybe"}), 400, "validation_error")


def test_the_notices_of_others_do_not_exist_for_me(world):
    comments_for_the_secretary(world, 1)
    notice = Notice.objects.get(recipient=world.secretary)
    other = client_for(world.other_secretary)
    assert other.get(LIST).json()["results"] == []
    assert_problem(other.post(f"{LIST}{notice.pk}/read/"), 404, "not_found")
    assert other.post(f"{LIST}read-all/").json() == {"marked": 0}
    notice.refresh_from_db()
    assert notice.read_at is None
    assert client_for(None).get(LIST).status_code == 401


def test_notice_preferences_are_read_and_changed_through_me(world):
    client = client_for(world.lead)
    assert client.get("/api/v1/me/").json()["notice_preferences"]["comment"] == "immediate"
    response = client.patch("/api/v1/me/", {"notice_preferences": {"comment": "digest"}}, format="json")
    assert response.status_code == 200 and response.json()["notice_preferences"]["comment"] == "digest"
    bad = client.patch("/api/v1/me/", {"notice_preferences": {"gossip": "inbox"}}, format="json")
    assert_problem(bad, 400, "validation_error")


def _count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, {"page_size": 100}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("unread", [False, True])
def test_the_list_costs_the_same_queries_for_few_and_many_notices(world, unread):
    client = client_for(world.secretary)
    comments_for_the_secretary(world, 2)
    few = _count(client)
    comments_for_the_secretary(world, 20)
    many = _count(client)
    assert few == many <= 10


def test_assignment_notices_and_the_schema(world):
    proposal = world.draft()
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=world.lead.delegate,
                             role="lead")  # fmt: skip
    (row,) = client_for(world.lead).get(LIST).json()["results"]
    assert (row["kind"], row["action"]) == (NoticeKind.ASSIGNMENT, ASSIGN_ACTION)
    assert "指定您为" in row["headline"]
    paths = client_for(None).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"/api/v1/me/notifications/", "/api/v1/me/notifications/{notice_id}/read/",
            "/api/v1/me/notifications/read-all/"} <= set(paths)  # fmt: skip


def test_a_coordinator_unassigns_a_delegate_through_the_api(world):
    proposal = world.draft()
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=world.lead.delegate,
                             role="lead")  # fmt: skip
    url = f"/api/v1/proposals/{proposal.pk}/delegates/{world.lead.delegate.pk}/unassign/"
    assert_problem(client_for(world.secretary).post(url), 403, "permission_denied")
    assert_problem(client_for(world.other_coordinator).post(url), 404, "not_found")
    response = client_for(world.coordinator).post(url)
    assert response.status_code == 200 and response.json()["assignments"] == []
    assert_problem(client_for(world.coordinator).post(url), 404, "not_found")
    unassigned = client_for(world.lead).get(LIST).json()["results"]  # the lead no longer sees the proposal
    assert [row["action"] for row in unassigned] == ["unassign_delegate", ASSIGN_ACTION]
    assert "撤销了您" in unassigned[0]["headline"]
