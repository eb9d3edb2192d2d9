"""Two people fire at the same proposal at the same moment, from two database connections."""

import threading
import time

import pytest
from django.db import connection, transaction

from proposals import services
from proposals.models import Proposal, Transition
from proposals.workflow import ProposalChanged, State, TransitionRefused

pytestmark = pytest.mark.usefixtures("requires_postgresql")


def in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as error:  # the assertions look at what each side got
            results[key] = error
        finally:
            connection.close()  # each thread has its own connection; close it so the test database can be dropped

    return threading.Thread(target=run)


def test_two_simultaneous_transitions_one_wins_the_other_is_refused(committed_world):
    world = committed_world
    proposal = world.draft()
    barrier = threading.Barrier(2)
    results = {}

    def start_research(actor):
        def call():
            barrier.wait()
            return services.transition_apply(proposal_id=proposal.pk, actor=actor, action="start_research")

        return call

    threads = [
        in_thread(start_research(world.secretary), results, "secretary"),
        in_thread(start_research(world.coordinator), results, "coordinator"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    outcomes = sorted(type(result).__name__ for result in results.values())
    assert outcomes == ["Transition", "TransitionRefused"], results
    loser = next(result for result in results.values() if isinstance(result, TransitionRefused))
    assert loser.code == "wrong_state"
    assert Transition.objects.filter(proposal=proposal).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).state == State.RESEARCH


def test_the_second_writer_waits_for_the_lock_and_then_gets_a_conflict(committed_world):
    """The first writer holds the row lock; the second blocks, then sees the new version and is refused."""
    world = committed_world
    proposal = world.draft()
    seen_version = proposal.version
    locked, results = threading.Event(), {}

    def first():
        with transaction.atomic():
            Proposal.objects.select_for_update().get(pk=proposal.pk)
            locked.set()
            time.sleep(0.5)  # the second writer is now waiting on the lock
            return services.transition_apply(
                proposal_id=proposal.pk, actor=world.secretary, action="start_research", expected_version=seen_version
            )

    def second():
        locked.wait(timeout=10)
        started = time.monotonic()
        try:
            services.transition_apply(
                proposal_id=proposal.pk, actor=world.coordinator, action="withdraw", note="重复选题，撤回。",
                expected_version=seen_version,
            )  # fmt: skip
        except ProposalChanged as conflict:
            return conflict, time.monotonic() - started
        return None, time.monotonic() - started

    threads = [in_thread(first, results, "first"), in_thread(second, results, "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert isinstance(results["first"], Transition), results
    conflict, waited = results["second"]
    assert isinstance(conflict, ProposalChanged)
    assert conflict.code == "conflict"
    assert waited >= 0.3, "the second writer must have waited for the first one's lock"
    assert list(Transition.objects.filter(proposal=proposal).values_list("action", flat=True)) == ["start_research"]
    assert Proposal.objects.get(pk=proposal.pk).state == State.RESEARCH
