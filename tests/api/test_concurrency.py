"""Many clients write to one proposal at the same moment, each over its own database connection: one wins, the
others are told (409 or 412), and nothing is lost or merged silently."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from proposals.models import Proposal, Revision, Transition
from proposals.workflow import State
from tests.api.conftest import client_for as token_client_for
from tests.api.test_errors import assert_problem

PARALLEL = 20


def client_for(user) -> APIClient:
    client = token_client_for(user)
    client.raise_request_exception = False  # a 500 must show as a 500, not vanish in a thread
    return client


def etag_of(proposal: Proposal) -> str:
    proposal.refresh_from_db()
    return f'"{proposal.pk}-{proposal.version}"'


def at_once(requests) -> list:
    """Send every request from its own thread (and so its own database connection), all released together."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def run(index, request):
        try:
            barrier.wait(timeout=30)
            responses[index] = request()
        except Exception as error:  # the assertions show what each thread got
            responses[index] = error
        finally:
            connection.close()  # the thread's own connection; left open, the test database could not be dropped

    threads = [threading.Thread(target=run, args=(index, request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert not any(isinstance(response, Exception) for response in responses), responses
    return responses


def steering_clients(world, count: int) -> list[APIClient]:
    """Secretaries, coordinators and the admin, each request with its own client and token."""
    people = [world.secretary, world.coordinator, world.city_coordinator, world.admin]
    return [client_for(people[index % len(people)]) for index in range(count)]


def statuses(responses) -> Counter:
    return Counter(response.status_code for response in responses)


@pytest.mark.usefixtures("requires_postgresql")
def test_twenty_transitions_with_the_same_if_match_one_wins(committed_world):
    world = committed_world
    proposal = world.draft()
    version, etag = proposal.version, etag_of(proposal)
    url = f"/api/v1/proposals/{proposal.pk}/transitions/"
    requests = [
        lambda client=client: client.post(url, {"action": "start_research"}, format="json", HTTP_IF_MATCH=etag)
        for client in steering_clients(world, PARALLEL)
    ]

    responses = at_once(requests)

    counts = statuses(responses)
    assert counts[200] == 1, counts
    assert counts[409] + counts[412] == PARALLEL - 1, counts
    for response in responses:
        if response.status_code != 200:
            problem = assert_problem(response, response.status_code)
            assert problem["code"] in {"precondition_failed", "conflict", "wrong_state"}, problem
    winner = next(response for response in responses if response.status_code == 200)
    assert winner["ETag"].startswith(f'"{proposal.pk}-{version + 1}.')  # then what else the answer shows
    assert Transition.objects.filter(proposal=proposal).count() == 1
    proposal.refresh_from_db()
    assert (proposal.state, proposal.version) == (State.RESEARCH, version + 1)


@pytest.mark.usefixtures("requires_postgresql")
def test_twenty_transitions_without_if_match_one_wins_the_rest_are_told_wrong_state(committed_world):
    world = committed_world
    proposal = world.draft()
    url = f"/api/v1/proposals/{proposal.pk}/transitions/"
    requests = [
        lambda client=client: client.post(url, {"action": "start_research"}, format="json")
        for client in steering_clients(world, PARALLEL)
    ]

    responses = at_once(requests)

    assert statuses(responses) == Counter({200: 1, 409: PARALLEL - 1}), statuses(responses)
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "wrong_state")
    assert list(Transition.objects.filter(proposal=proposal).values_list("action", flat=True)) == ["start_research"]
    assert Proposal.objects.get(pk=proposal.pk).state == State.RESEARCH


@pytest.mark.usefixtures("requires_postgresql")
def test_twenty_different_actions_at_once_one_wins(committed_world):
    """Withdrawing and starting research race: exactly one of the two happens, and only once."""
    world = committed_world
    proposal = world.draft()
    etag = etag_of(proposal)
    url = f"/api/v1/proposals/{proposal.pk}/transitions/"
    bodies = [{"action": "start_research"}, {"action": "withdraw", "note": "选题重复"}]
    requests = [
        lambda client=client, body=bodies[index % 2]: client.post(url, body, format="json", HTTP_IF_MATCH=etag)
        for index, client in enumerate(steering_clients(world, PARALLEL))
    ]

    responses = at_once(requests)

    counts = statuses(responses)
    assert counts[200] == 1 and counts[412] + counts[409] == PARALLEL - 1, counts
    assert Transition.objects.filter(proposal=proposal).count() == 1
    transition = Transition.objects.get(proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).state == transition.to_state


@pytest.mark.usefixtures("requires_postgresql")
def test_two_edits_with_the_same_if_match_one_wins_and_nothing_is_merged(committed_world):
    world = committed_world
    for round_ in range(5):
        proposal = world.draft()
        etag = etag_of(proposal)
        original = {"background": proposal.background, "recommendations": proposal.recommendations}
        url = f"/api/v1/proposals/{proposal.pk}/"
        edits = [{"background": f"甲的背景（第{round_}轮）"}, {"recommendations": f"乙的建议（第{round_}轮）"}]
        clients = [client_for(world.secretary), client_for(world.coordinator)]
        requests = [
            lambda client=client, edit=edit, url=url, etag=etag: client.patch(
                url, edit, format="json", HTTP_IF_MATCH=etag
            )
            for client, edit in zip(clients, edits, strict=True)
        ]

        responses = at_once(requests)

        assert sorted(response.status_code for response in responses) == [200, 412], responses
        winner = next(index for index, response in enumerate(responses) if response.status_code == 200)
        assert_problem(responses[1 - winner], 412, "precondition_failed")
        proposal.refresh_from_db()
        expected = original | edits[winner]
        assert {field: getattr(proposal, field) for field in expected} == expected, "merged or lost"
        revisions = list(Revision.objects.filter(proposal=proposal).order_by("number"))
        assert [revision.number for revision in revisions] == [1, 2]
        assert {field: getattr(revisions[-1], field) for field in expected} == expected
        loser_text = next(iter(edits[1 - winner].values()))
        assert not Revision.objects.filter(proposal=proposal, **edits[1 - winner]).exists(), loser_text
        assert responses[winner].json()["version"] == proposal.version


def test_a_stale_etag_on_an_edit_is_412_and_the_earlier_edit_survives(world):
    """Two people read version 1; the second to save is told to reload instead of overwriting the first."""
    proposal = world.draft()
    url = f"/api/v1/proposals/{proposal.pk}/"
    seen = etag_of(proposal)
    first, second = client_for(world.secretary), client_for(world.coordinator)

    response = first.patch(url, {"background": "第一位的修改"}, format="json", HTTP_IF_MATCH=seen)
    assert response.status_code == 200
    fresh = response["ETag"]
    assert fresh != seen

    response = second.patch(url, {"background": "第二位的修改"}, format="json", HTTP_IF_MATCH=seen)
    assert_problem(response, 412, "precondition_failed")
    proposal.refresh_from_db()
    assert proposal.background == "第一位的修改"
    assert proposal.revision_number == 2
    assert Revision.objects.filter(proposal=proposal).count() == 2

    # Having read it again, the second person saves on top of the first: both are kept, as revisions. Their
    # answer is another person's (its ETag's digest differs), of the same version, which is what If-Match compares.
    assert second.get(url)["ETag"].partition(".")[0] == fresh.partition(".")[0]
    response = second.patch(url, {"recommendations": "第二位的建议"}, format="json", HTTP_IF_MATCH=fresh)
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert (proposal.background, proposal.recommendations) == ("第一位的修改", "第二位的建议")
    assert list(Revision.objects.filter(proposal=proposal).values_list("number", flat=True).order_by("number")) == [
        1, 2, 3,
    ]  # fmt: skip


def test_a_stale_etag_on_a_transition_leaves_the_state_alone(world):
    proposal = world.draft()
    url = f"/api/v1/proposals/{proposal.pk}/"
    seen = etag_of(proposal)
    client = client_for(world.secretary)
    assert client.patch(url, {"background": "补充背景"}, format="json", HTTP_IF_MATCH=seen).status_code == 200
    response = client.post(f"{url}transitions/", {"action": "withdraw", "note": "撤回"}, format="json",
                           HTTP_IF_MATCH=seen)  # fmt: skip
    assert_problem(response, 412, "precondition_failed")
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT
    assert not Transition.objects.filter(proposal=proposal).exists()
