"""Conditional GETs of proposals (#18): If-None-Match answers 304, without building the body, exactly while the
body would be the same.

The property is tested as a class: for every kind of change the detail or a list page shows (each of
CHANGES, made the way the office makes it), the ETag held before answers 304 before the change and 200 with a
new ETag and another body after it; for every pair of readers (callers, languages) whose bodies differ, their
ETags differ. And a 304 reads one row of the proposals, where the full answer reads several tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proposals import selectors, services
from proposals.models import Organisation, Proposal, Session, User
from proposals.workflow import State
from tests.api.conftest import client_for
from tests.conftest import World, make_delegate
from tests.proposals.arrange import bring_to, fire

LIST = "/api/v1/proposals/"
NEED = {"summary": "希望增加暑期托管服务", "topic": "child_care", "channel": "survey", "people_count": 12,
        "details": "双职工家庭暑期无人看护孩子，希望社区开设托管班。"}  # fmt: skip


def detail(proposal: Proposal) -> str:
    return f"{LIST}{proposal.pk}/"


def _get(client, url: str, etag: str | None = None, **headers):
    if etag is not None:
        headers["HTTP_IF_NONE_MATCH"] = etag
    return client.get(url, **headers)


def _link_a_need(world: World, proposal: Proposal) -> None:
    need = services.need_record(actor=world.secretary, organisation_id=world.branch.pk, **NEED)
    services.need_accept(actor=world.secretary, need_id=need.pk, theme="暑期托管")
    services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)


def _carried_need_grows(world: World, proposal: Proposal) -> None:
    """Another need merged into one the proposal carries: its count of people, which the detail shows, grows."""
    carried = proposal.needs.get()
    other = services.need_record(actor=world.secretary, organisation_id=world.branch.pk, **NEED)
    services.need_merge(actor=world.secretary, need_id=other.pk, into_id=carried.pk)


def _raise_again(world: World, proposal: Proposal) -> None:
    fire(world, proposal, "carry_forward", "secretary")


def _retitle_the_later_one(world: World, proposal: Proposal) -> None:
    later = proposal.raised_again.get()
    services.proposal_update_text(proposal_id=later.pk, actor=world.secretary, title="关于再次呼吁的建议")


def _rename(model, pk: int, **fields) -> None:
    # What the admin does: these rows have no service of their own, and touch no proposal.
    model.objects.filter(pk=pk).update(**fields)


# Each kind of change a proposal's representation shows: (the state it needs, what it needs first, the change).
CHANGES: dict[str, tuple[str, Callable | None, Callable]] = {
    "text edit": (State.DRAFT, None, lambda w, p: services.proposal_update_text(
        proposal_id=p.pk, actor=w.secretary, background="补充了调研数据。")),
    "comment": (State.CONSULTATION, None, lambda w, p: fire(w, p, "comment", "lead", note="第二条可否写明责任单位？")),
    "assignment": (State.DRAFT, None, lambda w, p: services.delegate_assign(
        proposal_id=p.pk, actor=w.coordinator, delegate=make_delegate("new-cosigner").delegate, role="cosigner")),
    "transition": (State.DRAFT, None, lambda w, p: fire(w, p, "start_research", "secretary")),
    "deadline moved": (State.DRAFT, None, lambda w, p: services.deadline_set(
        proposal_id=p.pk, actor=w.coordinator, stage="research", due_at=timezone.now() + dt.timedelta(days=9),
        reason="调研延期")),
    "unit assigned": (State.REGISTERED, None, lambda w, p: fire(w, p, "assign_unit", "lead")),
    "handling answer": (State.HANDLING, None, lambda w, p: fire(w, p, "record_answer", "lead")),
    "answer rated": (State.ANSWERED, None, lambda w, p: fire(w, p, "rate", w.cosigners[0],
                                                            inputs={"rating": "satisfied"})),
    "need linked": (State.DRAFT, None, _link_a_need),
    "carried need grows": (State.DRAFT, _link_a_need, _carried_need_grows),
    "raised again": (State.NOT_REGISTERED, None, _raise_again),
    "later one retitled": (State.NOT_REGISTERED, _raise_again, _retitle_the_later_one),
    "unit renamed": (State.HANDLING, None, lambda w, p: services.handling_unit_save(
        actor=w.coordinator, unit_id=w.unit.pk, short_name="人社局")),
    "delegate renamed": (State.DRAFT, None, lambda w, p: _rename(User, w.lead.pk, first_name="晓明")),
    "author renamed": (State.DRAFT, None, lambda w, p: _rename(User, w.secretary.pk, last_name="李")),
    "organisation renamed": (State.DRAFT, None, lambda w, p: _rename(Organisation, w.branch.pk, name="陶瓷镇团委")),
    "session renamed": (State.DRAFT, None, lambda w, p: _rename(Session, w.npc_session.pk, name="五届四次会议")),
    "submission deadline passed": (State.READY, None, lambda w, p: _rename(
        Session, w.npc_session.pk, submission_deadline=timezone.now() - dt.timedelta(minutes=1))),
}  # fmt: skip


@pytest.mark.parametrize("change", CHANGES)
def test_the_detail_is_304_until_what_it_shows_changes(world, change):
    state, before, make_change = CHANGES[change]
    proposal = bring_to(world, state)
    if before is not None:
        before(world, proposal)
    client = client_for(world.lead)
    first = _get(client, detail(proposal))
    assert first.status_code == 200 and first["ETag"]
    etag = first["ETag"]

    again = _get(client, detail(proposal), etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert _get(client, detail(proposal), f"W/{etag}").status_code == 304  # If-None-Match compares weakly

    make_change(world, proposal)
    after = _get(client, detail(proposal), etag)
    assert after.status_code == 200, change
    assert after["ETag"] != etag
    assert after.json() != first.json(), f"{change}: the test's change shows nothing"
    assert _get(client, detail(proposal), after["ETag"]).status_code == 304


@pytest.mark.parametrize("change", CHANGES)
def test_a_list_page_is_304_until_what_it_shows_changes(world, change):
    """The page holding the proposal, with the filters and cursor a polling client sends."""
    state, before, make_change = CHANGES[change]
    bring_to(world, State.DRAFT)  # a row after it, for the page's link to the next
    proposal = bring_to(world, state)
    if before is not None:
        before(world, proposal)
    client = client_for(world.lead)
    params = {"page_size": 1, "ordering": "-id"}
    first = client.get(LIST, params)
    assert [row["id"] for row in first.json()["results"]] == [proposal.pk]
    etag = first["ETag"]
    assert client.get(LIST, params, HTTP_IF_NONE_MATCH=etag).status_code == 304

    make_change(world, proposal)
    after = client.get(LIST, params, HTTP_IF_NONE_MATCH=etag)
    if after.status_code == 304:
        # Some changes show only in the detail: then the page must be the same.
        assert client.get(LIST, params).json() == first.json(), f"{change}: the page changed but answered 304"
    else:
        assert after.status_code == 200 and after["ETag"] != etag
        assert after.json() != first.json(), f"{change}: a new ETag for the same page"


def test_each_reader_their_own_etag(world):
    """Callers with different capabilities, and another language (asked for, or the profile's), differ; the
    304 is given only for the caller's own ETag."""
    proposal = bring_to(world, State.CONSULTATION)
    readers = {
        "lead": (client_for(world.lead), {}),
        "cosigner": (client_for(world.cosigners[0]), {}),
        "secretary": (client_for(world.secretary), {}),
        "coordinator": (client_for(world.coordinator), {}),
        "city coordinator": (client_for(world.city_coordinator), {}),
        "admin": (client_for(world.admin), {}),
        "lead in English": (client_for(world.lead), {"HTTP_ACCEPT_LANGUAGE": "en"}),
        "lead in Chinese": (client_for(world.lead), {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}),
    }
    answers = {name: _get(client, detail(proposal), **headers) for name, (client, headers) in readers.items()}
    pages = {name: client.get(LIST, **headers) for name, (client, headers) in readers.items()}
    for found in (answers, pages):
        for name, answer in found.items():
            for other, other_answer in found.items():
                if other != name and answer.json() != other_answer.json():
                    assert answer["ETag"] != other_answer["ETag"], (name, other)
    assert answers["lead in English"].json() != answers["lead in Chinese"].json()
    assert answers["lead"].json() != answers["secretary"].json()

    client, _headers = readers["lead"]
    assert _get(client, detail(proposal), answers["secretary"]["ETag"]).status_code == 200
    assert _get(client, detail(proposal), answers["lead in English"]["ETag"]).status_code == 200
    # The profile's language, when the request names none: the same client, another answer.
    services.user_update_preferences(user=world.lead, language="en")
    assert _get(client, detail(proposal), answers["lead"]["ETag"]).status_code == 200


def test_the_deadline_passing_alone_changes_the_key(world):
    """The actions a proposal allows change when the session's deadline passes, with no row changed."""
    proposal = bring_to(world, State.READY)
    deadline = world.npc_session.submission_deadline
    before = selectors.proposal_representation_key(world.lead, proposal.pk, now=deadline)
    after = selectors.proposal_representation_key(world.lead, proposal.pk, now=deadline + dt.timedelta(seconds=1))
    assert before != after
    assert selectors.proposal_representation_key(world.other_secretary, proposal.pk) is None  # not in scope


def test_a_304_builds_no_body(world):
    """The 304 reads the key in one query of the proposals, where the full answer reads several; HEAD too."""
    proposal = bring_to(world, State.HANDLING)
    fire(world, proposal, "record_answer", "lead")
    client = client_for(world.lead)
    etag = _get(client, detail(proposal))["ETag"]
    page_etag = client.get(LIST)["ETag"]

    def queries(url: str, etag: str | None, method: str = "get") -> tuple[int, int]:
        headers = {} if etag is None else {"HTTP_IF_NONE_MATCH": etag}
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(url, **headers)
        assert response.status_code == (200 if etag is None else 304)
        return len(captured), sum('"proposals_proposal"' in query["sql"] for query in captured)

    full, full_proposal_reads = queries(detail(proposal), None)
    not_modified, proposal_reads = queries(detail(proposal), etag)
    assert proposal_reads == 1 and full_proposal_reads >= 2
    assert not_modified <= full - 5, (not_modified, full)  # the assignments, deadlines, handlings... unread
    assert queries(detail(proposal), etag, "head")[0] == not_modified
    head = client.head(detail(proposal), HTTP_IF_NONE_MATCH=etag)
    assert (head.status_code, head["ETag"]) == (304, etag)

    full, _reads = queries(LIST, None)
    not_modified, proposal_reads = queries(LIST, page_etag)
    assert proposal_reads == 1 and not_modified <= full
    assert queries(LIST, page_etag, "head")[0] == not_modified


def test_headers_of_a_conditional_answer(world):
    proposal = bring_to(world, State.DRAFT)
    client = client_for(world.lead)
    for url in (detail(proposal), LIST):
        full = client.get(url)
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=f'"other", {full["ETag"]}')
        assert not_modified.status_code == 304
        for response in (full, not_modified):
            vary = {name.strip().lower() for name in response["Vary"].split(",")}
            assert {"accept", "accept-language", "authorization", "cookie"} <= vary, url
            assert response["Cache-Control"] == "private, no-cache"
            assert response["ETag"] == full["ETag"] and response["Content-Language"] == full["Content-Language"]
        assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304  # "*": it exists
        assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_a_detail_etag_still_guards_a_write(world):
    """If-Match takes the ETag the detail gave (its id and version part), and refuses it once the proposal moved."""
    proposal = bring_to(world, State.DRAFT)
    client = client_for(world.secretary)
    etag = _get(client, detail(proposal))["ETag"]
    response = client.patch(detail(proposal), {"background": "改一"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    # The write's answer is the detail as a GET gives it, with the same ETag: a poll with it is a 304.
    assert _get(client, detail(proposal), response["ETag"]).status_code == 304
    response = client.patch(detail(proposal), {"background": "改二"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412


def test_a_cursor_page_has_its_own_etag(world):
    for _n in range(3):
        bring_to(world, State.DRAFT)
    client = client_for(world.lead)
    first = client.get(LIST, {"page_size": 2})
    second = client.get(first.json()["next"])
    assert second["ETag"] != first["ETag"]
    assert client.get(first.json()["next"], HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304
    assert client.get(LIST, {"page_size": 2}, HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 200
    # A new proposal moves page one (the newest first): its ETag changes.
    bring_to(world, State.DRAFT)
    assert client.get(LIST, {"page_size": 2}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
