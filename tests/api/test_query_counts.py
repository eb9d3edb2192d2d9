"""The number of queries a request makes does not grow with the number of rows it shows.

Each test measures the same request over a small and a large set of rows, as the same caller, and asserts the
counts are equal (and modest): a list page of 5 and of 100 proposals, a proposal with 1 and with 20 comments,
pieces of evidence and delegates, and each sub-list with 1 and with 20 items.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals import reminders, services
from proposals.models import Deadline, Proposal, Reminder
from proposals.workflow import State
from tests.api.conftest import client_for
from tests.conftest import World, make_delegate
from tests.proposals.arrange import bring_to, fire

# A ceiling well above what the pages need today, so that a constant but wasteful count shows up too.
MOST_QUERIES = 20


def _count(client, path: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


def _plan_reminders() -> None:
    """The reminder sweep's planning, run three days before the drafts' research is due."""
    due = Deadline.objects.filter(stage="research").latest("due_at").due_at
    reminders.plan(now=due - dt.timedelta(days=3))


def _drafts(world: World, count: int) -> None:
    """`count` drafts of the branch in several states, each with the lead delegate assigned."""
    for n in range(count):
        proposal = world.draft(title=f"关于青年工作的建议（{n}）")
        services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=world.lead.delegate,
                                 role="lead")  # fmt: skip
        if n % 3 == 1:
            fire(world, proposal, "start_research", "secretary")
        elif n % 3 == 2:
            fire(world, proposal, "withdraw", "secretary")


LIST_REQUESTS = {
    "plain": {},
    "filtered": {"organisation": "branch", "session": "npc_session", "state": ["draft", "research", "withdrawn"]},
    "searched": {"search": "青年", "ordering": "title"},
    "by-lead": {"lead_delegate": "lead"},
    "not-overdue": {"overdue": "false", "ordering": "-updated_at"},
    "mine": {"assigned_to_me": "true"},
}
# Which requests each caller makes: every one that answers them all 100 rows.
ROLE_REQUESTS = {
    "admin": ["plain", "filtered", "searched", "by-lead", "not-overdue"],
    "city_coordinator": ["plain", "filtered", "searched", "by-lead", "not-overdue"],
    "secretary": ["plain", "filtered", "searched", "by-lead", "not-overdue"],
    "lead": ["plain", "searched", "by-lead", "not-overdue", "mine"],
}


def _params(world: World, request: dict) -> dict:
    params = {"page_size": 100}
    for name, value in request.items():
        if name in ("organisation", "session"):
            value = getattr(world, value).pk
        elif name == "lead_delegate":
            value = world.lead.delegate.pk
        params[name] = value
    return params


def test_list_of_5_and_of_100_proposals(world):
    """Every caller's list requests, and the secretary's reminders (planned for each draft), over 5 and 100."""
    clients = {role: client_for(getattr(world, role)) for role in ROLE_REQUESTS}
    requests = [(role, name, "/api/v1/proposals/", _params(world, LIST_REQUESTS[name]))
                for role, names in ROLE_REQUESTS.items() for name in names]  # fmt: skip
    requests.append(("secretary", "reminders", "/api/v1/me/reminders/", {"page_size": 100}))
    _drafts(world, 5)
    _plan_reminders()
    for client in clients.values():
        client.get("/api/v1/proposals/")  # warm up: content types, the token's user
    few = {(role, name): _count(clients[role], path, params) for role, name, path, params in requests}

    _drafts(world, 95)
    _plan_reminders()
    for role, name, path, params in requests:
        rows = len(clients[role].get(path, params).json()["results"])
        if name == "reminders":  # one for each proposal still in research (not for the withdrawn)
            assert rows == Reminder.objects.filter(recipient=world.secretary).count() > 60
        else:
            assert rows == 100, (role, name)
    many = {(role, name): _count(clients[role], path, params) for role, name, path, params in requests}

    assert few == many, f"queries for 5 proposals: {few}; for 100: {many}"
    assert max(many.values()) <= MOST_QUERIES


def _grow(world: World, proposal: Proposal, count: int) -> None:
    """Give a proposal in consultation `count` delegates, comments, pieces of evidence and revisions in all."""
    assignments = proposal.assignments.count()
    for n in range(assignments, count):
        delegate = make_delegate(f"cosigner-extra-{proposal.pk}-{n}")
        services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=delegate.delegate,
                                 role="cosigner")  # fmt: skip
    for n in range(proposal.comments.count(), count):
        fire(world, proposal, "comment", "lead", note=f"意见{n}")
    for n in range(proposal.evidence.count(), count):
        services.evidence_add(
            proposal_id=proposal.pk,
            actor=world.secretary,
            description=f"材料{n}",
            upload=SimpleUploadedFile(f"材料{n}.csv", f"题目,人数\n问题{n},{n}\n".encode()),
        )
    for n in range(proposal.revisions.count(), count):
        services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary,
                                      recommendations=f"第{n}稿：一、配齐心理健康教师。")  # fmt: skip


@pytest.fixture
def small_and_large(world) -> tuple[Proposal, Proposal]:
    """Two proposals in consultation: one with a single delegate, comment, piece of evidence and revision,
    the other with twenty of each."""
    small = world.draft()
    services.delegate_assign(proposal_id=small.pk, actor=world.coordinator, delegate=world.lead.delegate,
                             role="lead")  # fmt: skip
    fire(world, small, "start_research", "secretary")
    services.proposal_update_text(proposal_id=small.pk, actor=world.secretary, research_findings="问卷2500份。")
    services.evidence_add(proposal_id=small.pk, actor=world.secretary,
                          upload=SimpleUploadedFile("问卷.csv", "题目,人数\n就业,812\n".encode()))  # fmt: skip
    fire(world, small, "start_consultation", "secretary")
    fire(world, small, "comment", "lead", note="同意。")
    small.refresh_from_db()
    assert (small.assignments.count(), small.comments.count(), small.evidence.count()) == (1, 1, 1)

    large = bring_to(world, State.CONSULTATION)
    _grow(world, large, 20)
    large.refresh_from_db()
    assert large.assignments.count() == large.comments.count() == large.evidence.count() == 20
    assert large.revisions.count() == 20 and large.transitions.count() >= 20
    return Proposal.objects.get(pk=small.pk), large


SUB_PATHS = ["", "comments/", "history/", "revisions/", "revisions/1/", "revisions/diff/?from=1&to=1", "evidence/"]


@pytest.mark.parametrize("role", ["admin", "coordinator", "secretary", "lead"])
def test_detail_and_sub_lists_with_1_and_with_20_items(world, small_and_large, role):
    small, large = small_and_large
    client = client_for(getattr(world, role))
    client.get(f"/api/v1/proposals/{small.pk}/")  # warm up
    few = {suffix: _count(client, f"/api/v1/proposals/{small.pk}/{suffix}") for suffix in SUB_PATHS}
    many = {suffix: _count(client, f"/api/v1/proposals/{large.pk}/{suffix}") for suffix in SUB_PATHS}
    assert few == many, f"queries with 1 item: {few}; with 20: {many}"
    assert max(many.values()) <= MOST_QUERIES


def test_the_large_proposal_really_shows_twenty_of_each(world, small_and_large):
    _small, large = small_and_large
    client = client_for(world.secretary)
    detail = client.get(f"/api/v1/proposals/{large.pk}/").json()
    assert len(detail["assignments"]) == 20
    for suffix in ("comments/", "revisions/", "evidence/"):
        assert len(client.get(f"/api/v1/proposals/{large.pk}/{suffix}").json()) == 20, suffix
