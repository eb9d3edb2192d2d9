"""Filters, search, ordering and pages of the proposal list, and that none of them leaks what is out of scope.

An organisation or a delegate outside the caller's view is, to a filter, exactly like one that does not
exist: the same 400, the same body. The choices the browsable API offers come from the same scope.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proposals import services
from proposals.models import Proposal, User
from tests.api.conftest import client_for
from tests.conftest import World
from tests.proposals.arrange import assign_all

LIST = "/api/v1/proposals/"
MISSING_ID = 999_999_999


@dataclass
class Office:
    world: World
    mental: Proposal  # the branch's, NPC session, research overdue
    jobs: Proposal  # the branch's, NPC session, with the lead delegate and co-signers
    cppcc: Proposal  # the branch's, CPPCC session
    other: Proposal  # the other county's branch's, with the same title as `jobs`

    def ids(self, *names: str) -> set[int]:
        return {getattr(self, name).pk for name in names}


@pytest.fixture
def office(world) -> Office:
    mental = world.draft()
    jobs = world.draft(
        title="关于支持青年返乡创业的建议",
        topic=Proposal.Topic.JOBS,
        background="返乡青年创业面临融资难、场地贵等问题。",
        recommendations="设立青年创业担保贷款。",
    )
    cppcc = world.draft(kind=Proposal.Kind.CPPCC_PROPOSAL, session=world.cppcc_session,
                        title="关于建设青年友好型城市的提案", topic=Proposal.Topic.YOUTH_FRIENDLY_CITY,
                        background="青年人才外流。", research_findings="问卷显示七成青年希望留在本市。",
                        recommendations="建设青年人才公寓。")  # fmt: skip
    other = world.draft(author=world.other_secretary, organisation=world.other_branch,
                        title="关于支持青年返乡创业的建议", background="小额贷款难申请。")  # fmt: skip
    assign_all(world, jobs)
    # Drafted a month ago, so that its research may be due, and overdue, two days ago.
    Proposal.objects.filter(pk=mental.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    services.deadline_set(proposal_id=mental.pk, actor=world.secretary, stage="research",
                          due_at=timezone.now() - dt.timedelta(days=2), reason="调研提前")  # fmt: skip
    return Office(world, mental, jobs, cppcc, other)


def _ids(client, **params) -> set[int]:
    response = client.get(LIST, {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _problem(response, status: int, field: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status
    assert field in body["errors"], body
    return body


# --- Related ids from outside the scope are unknown ids ------------------------------------------------


@pytest.mark.parametrize(
    ("who", "outside"),
    [
        ("secretary", "other_branch"),
        ("secretary", "county"),  # the county above is not the secretary's either
        ("coordinator", "city"),  # nor the city above the county coordinator
        ("coordinator", "other_county"),
        ("other_coordinator", "branch"),
        ("lead", "other_branch"),
        ("outsider_delegate", "branch"),
    ],
)
def test_an_organisation_outside_the_scope_is_refused_like_a_missing_one(office, who, outside):
    client = client_for(getattr(office.world, who))
    hidden = client.get(LIST, {"organisation": getattr(office.world, outside).pk})
    missing = client.get(LIST, {"organisation": MISSING_ID})
    assert _problem(hidden, 400, "organisation") == _problem(missing, 400, "organisation")


@pytest.mark.parametrize(
    ("who", "organisation", "expected"),
    [
        ("secretary", "branch", {"mental", "jobs", "cppcc"}),
        ("coordinator", "county", {"mental", "jobs", "cppcc"}),  # the organisation and everything below it
        ("coordinator", "branch", {"mental", "jobs", "cppcc"}),
        ("city_coordinator", "city", {"mental", "jobs", "cppcc", "other"}),
        ("city_coordinator", "other_county", {"other"}),
        ("lead", "branch", {"jobs"}),  # still only what the delegate sees
    ],
)
def test_organisation_filter_within_the_scope(office, who, organisation, expected):
    client = client_for(getattr(office.world, who))
    assert _ids(client, organisation=getattr(office.world, organisation).pk) == office.ids(*expected)


def test_a_delegate_outside_a_delegates_view_is_refused_like_a_missing_one(office):
    world = office.world
    client = client_for(world.lead)
    for stranger in (world.outsider_delegate, world.cppcc_member):
        hidden = client.get(LIST, {"lead_delegate": stranger.delegate.pk})
        missing = client.get(LIST, {"lead_delegate": MISSING_ID})
        assert _problem(hidden, 400, "lead_delegate") == _problem(missing, 400, "lead_delegate")


@pytest.mark.parametrize("who", ["secretary", "coordinator", "lead", "cosigner"])
def test_lead_delegate_filter(office, who):
    world = office.world
    user = world.cosigners[0] if who == "cosigner" else getattr(world, who)
    assert _ids(client_for(user), lead_delegate=world.lead.delegate.pk) == office.ids("jobs")


def test_a_secretary_filtering_by_a_delegate_sees_only_their_own_organisations_proposals(office):
    world = office.world
    services.delegate_assign(proposal_id=office.other.pk, actor=world.other_coordinator,
                             delegate=world.lead.delegate, role="lead")  # fmt: skip
    assert _ids(client_for(world.secretary), lead_delegate=world.lead.delegate.pk) == office.ids("jobs")
    assert _ids(client_for(world.other_secretary), lead_delegate=world.lead.delegate.pk) == office.ids("other")


def test_session_filter(office):
    world = office.world
    client = client_for(world.secretary)
    assert _ids(client, session=world.cppcc_session.pk) == office.ids("cppcc")
    assert _ids(client, session=world.npc_session.pk) == office.ids("mental", "jobs")
    _problem(client.get(LIST, {"session": MISSING_ID}), 400, "session")


# --- Search ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("贷", {"jobs"}),  # one character, in the recommendations only (the other county's is out of scope)
        ("城", {"cppcc"}),  # one character, in the title
        ("创业", {"jobs"}),  # two characters, in the title
        ("心理", {"mental"}),
        ("外流", {"cppcc"}),  # two characters, in the background only
        ("融资难", {"jobs"}),  # three characters, in the background only
        ("七成青年", {"cppcc"}),  # in the research findings only
        ("家校社协同", {"mental"}),  # in the recommendations only
        ("友好型城市", {"cppcc"}),  # in the title
        ("的建议", {"mental", "jobs"}),
        ("  创业 ", {"jobs"}),  # surrounding spaces do not count
        ("不存在的词", set()),
    ],
)
def test_search_in_chinese(office, search, expected):
    assert _ids(client_for(office.world.secretary), search=search) == office.ids(*expected)


def test_search_stays_within_the_scope(office):
    world = office.world
    assert _ids(client_for(world.city_coordinator), search="创业") == office.ids("jobs", "other")
    assert _ids(client_for(world.other_secretary), search="贷") == office.ids("other")
    assert _ids(client_for(world.lead), search="的建议") == office.ids("jobs")
    assert _ids(client_for(world.outsider_delegate), search="的建议") == set()


def test_search_combines_with_the_other_filters(office):
    client = client_for(office.world.secretary)
    assert _ids(client, search="青年", session=office.world.npc_session.pk) == office.ids("jobs")
    assert _ids(client, search="青年", state="draft", topic="jobs") == office.ids("jobs")


# --- Mine, overdue, due dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "value", "expected"),
    [
        ("lead", "true", {"jobs"}),
        ("cosigner", "true", {"jobs"}),
        ("lead", "false", set()),  # a delegate sees nothing they are not assigned to
        ("outsider_delegate", "true", set()),
        ("secretary", "true", set()),
        ("secretary", "false", {"mental", "jobs", "cppcc"}),
        ("city_coordinator", "false", {"mental", "jobs", "cppcc", "other"}),
    ],
)
def test_assigned_to_me(office, who, value, expected):
    world = office.world
    user = world.cosigners[0] if who == "cosigner" else getattr(world, who)
    assert _ids(client_for(user), assigned_to_me=value) == office.ids(*expected)


def test_overdue_and_due_dates(office):
    client = client_for(office.world.secretary)
    now = timezone.now()
    assert _ids(client, overdue="true") == office.ids("mental")
    assert _ids(client, overdue="false") == office.ids("jobs", "cppcc")
    assert _ids(client, due_before=now.isoformat()) == office.ids("mental")
    assert _ids(client, due_after=now.isoformat()) == office.ids("jobs", "cppcc")
    # Research is due 28 days before the submission deadline: in 22 days (NPC) and in 20 days (CPPCC).
    between = (now + dt.timedelta(days=21)).isoformat()
    assert _ids(client, due_before=between) == office.ids("mental", "cppcc")
    assert _ids(client, due_after=between) == office.ids("jobs")
    assert _ids(client, due_after=now.isoformat(), due_before=between) == office.ids("cppcc")
    _problem(client.get(LIST, {"due_before": "tomorrow"}), 400, "due_before")


def test_a_proposal_without_a_running_stage_is_not_overdue(office):
    """Withdrawn (or submitted, closed, ...): no stage is due, so it is not overdue, and has no due date."""
    world = office.world
    services.transition_apply(proposal_id=office.cppcc.pk, actor=world.secretary, action="withdraw", note="合并")
    client = client_for(world.secretary)
    assert _ids(client, overdue="false") == office.ids("jobs", "cppcc")
    assert _ids(client, overdue="true") == office.ids("mental")
    far = timezone.now() + dt.timedelta(days=3650)
    assert _ids(client, due_before=far.isoformat()) == office.ids("mental", "jobs")
    assert _ids(client, due_after=(far - dt.timedelta(days=7300)).isoformat()) == office.ids("mental", "jobs")


def test_the_list_shows_the_current_due_date(office):
    rows = client_for(office.world.secretary).get(LIST).json()["results"]
    due = {row["id"]: row["current_due_at"] for row in rows}
    research = office.mental.deadlines.get(stage="research").due_at
    assert dt.datetime.fromisoformat(due[office.mental.pk]) == research


# --- Ordering and cursor pages -----------------------------------------------------------------------


@pytest.fixture
def many(office) -> list[int]:
    """Nine proposals of the branch, three of them with the same title, and two out of scope."""
    world = office.world
    for title in ("乙", "甲", "乙", "丙", "乙", "Alpha"):
        world.draft(title=title)
    world.draft(author=world.other_secretary, organisation=world.other_branch, title="乙")
    return list(Proposal.objects.filter(organisation=world.branch).values_list("pk", flat=True))


def _walk(client, link: str) -> list[int]:
    seen: list[int] = []
    pages = 0
    while link:
        response = client.get(link)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["results"]) <= 2
        seen += [row["id"] for row in page["results"]]
        link = page["next"]
        pages += 1
        assert pages < 50, "the pages do not end"
    return seen


def _delegates_share(world: World, many: list[int]) -> list[int]:
    """A co-signer on six of the branch's nine and on the other branch's: a delegate's scope is read from the
    assignments, where the page's cursor applies too (#18)."""
    delegate = world.cosigners[0].delegate
    mine = [*many[1:7], Proposal.objects.get(organisation=world.other_branch, title="乙").pk]
    for pk in mine:
        services.delegate_assign(proposal_id=pk, actor=world.city_coordinator, delegate=delegate, role="cosigner",
                                 notify=False)  # fmt: skip
    return list(Proposal.objects.filter(assignments__delegate=delegate).values_list("pk", flat=True))  # and `jobs`


def _callers_scope(world: World, many: list[int], caller: str) -> tuple[User, list[int]]:
    """Who lists, and what they see: the branch's secretary, a co-signer (read from the assignments), the
    county's coordinator (read organisation by organisation) or the city's (down the proposals' key)."""
    if caller == "secretary":
        return world.secretary, many
    if caller == "delegate":
        return world.cosigners[0], _delegates_share(world, many)
    world.draft(author=world.coordinator, organisation=world.county, title="乙")  # the county's own
    coordinator = world.coordinator if caller == "county coordinator" else world.city_coordinator
    organisations = [world.county, world.branch] + ([] if caller == "county coordinator" else
                                                    [world.city, world.other_county, world.other_branch])  # fmt: skip
    return coordinator, list(Proposal.objects.filter(organisation__in=organisations).values_list("pk", flat=True))


@pytest.mark.parametrize("caller", ["secretary", "delegate", "county coordinator", "city coordinator"])
@pytest.mark.parametrize("ordering", ["title", "-title", None, "id", "-updated_at", "created_at"])
def test_cursor_pages_never_repeat_or_skip_a_row(office, many, ordering, caller):
    world = office.world
    user, scope = _callers_scope(world, many, caller)
    client = client_for(user)
    params = "?page_size=2" + (f"&ordering={ordering}" if ordering else "")
    forward = _walk(client, LIST + params)

    order = (ordering or "-id",)
    if order[0].lstrip("-") != "id":
        order += ("-id" if order[0].startswith("-") else "id",)
    expected = list(Proposal.objects.filter(pk__in=scope).order_by(*order).values_list("pk", flat=True))
    assert forward == expected
    assert len(set(forward)) == len(forward) == len(scope)

    # And back again, from the last page: the previous links give the same pages in the same order.
    response = client.get(LIST + params)
    while response.json()["next"]:
        response = client.get(response.json()["next"])
    pages: list[list[int]] = []
    while True:
        page = response.json()
        pages.insert(0, [row["id"] for row in page["results"]])
        if not page["previous"]:
            break
        response = client.get(page["previous"])
        assert response.status_code == 200
    assert [pk for page in pages for pk in page] == expected


@pytest.mark.parametrize(
    ("caller", "driver"),
    [("delegate", r'"proposals_assignment"\."proposal_id" < \d+'),
     ("county coordinator",
      r'unnest\(ARRAY\(SELECT (\w+)\."id" .*\1\."id" < \d+ .*\1\."organisation_id" = \(\w+\."id"\).*LIMIT 3\)\)')],
)  # fmt: skip
def test_a_page_is_read_where_the_scope_is_driven_from(office, many, caller, driver):
    """The cursor bounds what the scope is read from, not only the proposals: a delegate's assignments by
    (delegate, proposal), a county's organisations each by (organisation, id), so that a deep page costs
    what page one does."""
    if caller == "county coordinator" and connection.vendor != "postgresql":
        pytest.skip("read organisation by organisation on PostgreSQL only")
    user, _scope = _callers_scope(office.world, many, caller)
    client = client_for(user)
    second = client.get(client.get(LIST + "?page_size=2").json()["next"])
    assert second.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(second.json()["next"]).status_code == 200
    page_query = next(q["sql"] for q in queries.captured_queries if 'FROM "proposals_proposal"' in q["sql"])
    assert re.search(driver, page_query), page_query


def test_the_title_ordering_pages_through_equal_titles(office, many):
    client = client_for(office.world.secretary)
    forward = _walk(client, LIST + "?page_size=2&ordering=title")
    titles = dict(Proposal.objects.values_list("pk", "title"))
    assert [titles[pk] for pk in forward].count("乙") == 3
    assert office.other.pk not in forward


@pytest.mark.parametrize("page_size", ["0", "101", "-1", "abc", str(10**30), "", "1.5", "²", "1e2", " 5"])
def test_a_page_size_out_of_bounds_is_refused(office, page_size):
    response = client_for(office.world.secretary).get(LIST, {"page_size": page_size})
    body = _problem(response, 400, "page_size")
    assert body["code"] == "validation_error"


@pytest.mark.parametrize("page_size", [1, 100])
def test_page_sizes_at_the_bounds(office, page_size):
    response = client_for(office.world.secretary).get(LIST, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, 3)


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    ("ordering", "cursor"),
    [
        (None, "abc"),
        (None, _cursor("o=-1")),
        (None, _cursor("o=x")),
        (None, _cursor("r=x")),
        (None, _cursor("p=abc")),  # a forged position that is not an id
        ("created_at", _cursor("p=abc")),
        ("title", _cursor("p=\x00")),  # PostgreSQL takes no NUL in a text value
        ("id", _cursor("p=关于支持青年返乡创业的建议")),  # a title ordering's cursor, sent with another ordering
    ],
)
def test_a_bad_cursor_is_refused(office, ordering, cursor):
    params = {"cursor": cursor} | ({"ordering": ordering} if ordering else {})
    response = client_for(office.world.secretary).get(LIST, params)
    body = _problem(response, 400, "cursor")
    assert body["code"] == "validation_error"


# --- The choices the browsable API offers --------------------------------------------------------------


def _options(html: str, name: str) -> set[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} filter in the page"
    return {value for value in re.findall(r'<option value="([^"]*)"', select.group(1)) if value}


@pytest.mark.parametrize(
    ("who", "organisations", "delegates"),
    [
        ("secretary", {"branch"}, {"lead", "cosigner-0", "cosigner-1", "cosigner-2", "unassigned", "cppcc-member"}),
        ("other_coordinator", {"other_county", "other_branch"}, None),
        ("lead", {"branch"}, {"lead", "cosigner-0", "cosigner-1", "cosigner-2"}),
        ("outsider_delegate", set(), set()),
    ],
)
def test_the_filter_forms_choices_come_from_the_scope(office, who, organisations, delegates):
    world = office.world
    response = client_for(getattr(world, who)).get(LIST, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert _options(html, "organisation") == {str(getattr(world, name).pk) for name in organisations}
    if delegates is not None:
        users = {u.username: u for u in [world.lead, *world.cosigners, world.outsider_delegate, world.cppcc_member]}
        assert _options(html, "lead_delegate") == {str(users[name].delegate.pk) for name in delegates}
    for name in {"city", "county", "other_county", "branch", "other_branch"} - set(organisations):
        assert getattr(world, name).name not in html


@pytest.mark.parametrize(
    "query",
    [{}, {"state": "draft"}, {"topic": "jobs"}, {"search": "返乡"}, {"search": "乙"}, {"overdue": "true"},
     {"due_before": "2099-01-01T00:00Z"}, {"due_after": "2000-01-01T00:00Z"}, {"assigned_to_me": "false"},
     {"kind": "suggestion", "ordering": "-id"}, {"ordering": "id"}],
)  # fmt: skip
def test_a_countys_page_read_by_organisation_is_the_citys_page_cut_to_the_county(office, many, query):
    """A county coordinator's page is read organisation by organisation, the city's down the proposals' key:
    with every filter, both show the county's proposals alike, page by page."""
    world = office.world
    _user, county_scope = _callers_scope(world, many, "county coordinator")

    def walked(user) -> list[int]:
        client, seen = client_for(user), []
        response = client.get(LIST, {**query, "page_size": 2})
        while True:
            assert response.status_code == 200, response.content
            seen += [row["id"] for row in response.json()["results"]]
            if not response.json()["next"]:
                return seen
            response = client.get(response.json()["next"])

    by_organisation = walked(world.coordinator)
    assert by_organisation == [pk for pk in walked(world.city_coordinator) if pk in set(county_scope)]
