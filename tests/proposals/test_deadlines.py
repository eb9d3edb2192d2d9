"""Who may move which stage's due date in which state, and how far (issue 12, item 5; DESIGN §2, §5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import Deadline, Proposal, Transition
from proposals.workflow import DEADLINE_MOVE_ACTION, PRE_SUBMISSION, State, TransitionRefused
from tests.api.conftest import client_for
from tests.proposals.arrange import bring_to

STAGES = services.PROPOSAL_STAGES
STATES = [State.DRAFT, State.RESEARCH, State.CONSULTATION, State.READY, State.SUBMITTED, State.REGISTERED,
          State.NOT_REGISTERED, State.ANSWERED, State.CLOSED, State.WITHDRAWN]  # fmt: skip
MOVERS = ["secretary", "coordinator", "city_coordinator", "admin", "other_secretary", "other_coordinator", "lead"]


def expected(mover: str, stage: str, state: str) -> str:
    """The rule, said once more in the plainest terms: "moves", "needs a reason" or "refused"."""
    if mover in ("other_secretary", "other_coordinator", "lead"):
        return "refused"  # no part in steering this proposal
    if state == State.WITHDRAWN:
        return "withdrawn"  # nothing to move until it is restored (#14 item 8)
    nudge = stage != Deadline.Stage.ANSWER and state in PRE_SUBMISSION
    if mover == "secretary":
        return "moves" if nudge else "refused"
    return "moves" if nudge else "needs a reason"


def move(world, proposal, mover: str, stage: str, due_at: dt.datetime, reason: str = "") -> Deadline:
    return services.deadline_set(
        proposal_id=proposal.pk, actor=getattr(world, mover), stage=stage, due_at=due_at, reason=reason
    )


def due_of(proposal, stage: str) -> dt.datetime | None:
    return Deadline.objects.filter(proposal=proposal, stage=stage).values_list("due_at", flat=True).first()


@pytest.mark.parametrize("state", STATES)
def test_every_stage_by_every_mover_in_every_state(world, state):
    proposal = bring_to(world, state)
    for day, (stage, mover) in enumerate(((stage, mover) for stage in STAGES for mover in MOVERS), start=1):
        due_at = timezone.now().replace(microsecond=0) + dt.timedelta(days=1, hours=day)
        before, logged = due_of(proposal, stage), Transition.objects.filter(action=DEADLINE_MOVE_ACTION).count()
        outcome = expected(mover, stage, state)
        if outcome == "withdrawn":
            with pytest.raises(TransitionRefused) as refused:
                move(world, proposal, mover, stage, due_at, reason="想改就改")
            assert refused.value.code == "proposal_withdrawn" and due_of(proposal, stage) == before
            continue
        if outcome == "refused":
            with pytest.raises(PermissionDenied):
                move(world, proposal, mover, stage, due_at, reason="想改就改")
            assert due_of(proposal, stage) == before, (stage, mover)
            continue
        if outcome == "needs a reason":
            with pytest.raises(ValidationError) as refused:
                move(world, proposal, mover, stage, due_at)
            assert set(refused.value.message_dict) == {"reason"}, (stage, mover)
            assert due_of(proposal, stage) == before
        reason = "承办单位申请延期" if outcome == "needs a reason" else ""
        deadline = move(world, proposal, mover, stage, due_at, reason=reason)
        assert (deadline.due_at, deadline.set_by, deadline.reason) == (due_at, getattr(world, mover), reason)
        entry = Transition.objects.filter(action=DEADLINE_MOVE_ACTION).latest("pk")
        assert Transition.objects.filter(action=DEADLINE_MOVE_ACTION).count() == logged + 1
        assert (entry.proposal, entry.actor, entry.from_state, entry.to_state) == (
            proposal, getattr(world, mover), state, state,
        )  # fmt: skip
        assert f"{timezone.localtime(due_at):%Y-%m-%d %H:%M}" in entry.note and reason in entry.note


def test_the_attack_a_secretary_moving_the_answer_out_of_reach_is_refused(world):
    proposal = bring_to(world, State.SUBMITTED)
    answer_due = due_of(proposal, Deadline.Stage.ANSWER)
    far = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
    with pytest.raises(PermissionDenied, match="协调员"):
        move(world, proposal, "secretary", Deadline.Stage.ANSWER, far, reason="x")
    with pytest.raises(ValidationError) as refused:  # not even a coordinator, with a reason
        move(world, proposal, "coordinator", Deadline.Stage.ANSWER, far, reason="延期")
    assert "due_at" in refused.value.message_dict
    assert due_of(proposal, Deadline.Stage.ANSWER) == answer_due


def _session_end(session) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(session.closing_date, dt.time.max))


@pytest.mark.parametrize("stage", [Deadline.Stage.RESEARCH, Deadline.Stage.CONSULTATION])
def test_research_and_consultation_bounds_at_the_edges(world, stage):
    proposal = bring_to(world, State.RESEARCH)
    session = proposal.session
    submission = session.submission_deadline
    second = dt.timedelta(seconds=1)

    assert move(world, proposal, "secretary", stage, submission).due_at == submission
    with pytest.raises(ValidationError) as refused:
        move(world, proposal, "secretary", stage, submission + second, reason="晚一点")
    assert "提交截止时间" in " ".join(refused.value.message_dict["due_at"])
    with pytest.raises(ValidationError) as refused:  # a coordinator may, with a reason
        move(world, proposal, "coordinator", stage, submission + second)
    assert set(refused.value.message_dict) == {"reason"}
    assert move(world, proposal, "coordinator", stage, submission + second, reason="会期推迟").due_at > submission

    end = _session_end(session)
    assert move(world, proposal, "coordinator", stage, end, reason="会期推迟").due_at == end
    with pytest.raises(ValidationError) as refused:
        move(world, proposal, "coordinator", stage, end + second, reason="会期推迟")
    assert "due_at" in refused.value.message_dict

    created = proposal.created_at
    assert move(world, proposal, "secretary", stage, created).due_at == created
    for mover in ("secretary", "coordinator"):
        with pytest.raises(ValidationError) as refused:
            move(world, proposal, mover, stage, created - second, reason="补记")
        assert "due_at" in refused.value.message_dict


def test_answer_bounds_at_the_edges(world):
    proposal = bring_to(world, State.SUBMITTED)
    submitted = timezone.make_aware(dt.datetime.combine(proposal.submitted_on, dt.time.min))
    latest = _session_end(proposal.session) + services.ANSWER_LATEST_AFTER_CLOSE
    second = dt.timedelta(seconds=1)
    for edge in (submitted, latest):
        assert move(world, proposal, "coordinator", Deadline.Stage.ANSWER, edge, reason="调整").due_at == edge
    for beyond in (submitted - second, latest + second):
        with pytest.raises(ValidationError) as refused:
            move(world, proposal, "coordinator", Deadline.Stage.ANSWER, beyond, reason="调整")
        assert "due_at" in refused.value.message_dict


def _post_deadline(client, proposal, stage: str, due_at: dt.datetime, reason: str = ""):
    return client.post(
        reverse("proposal-deadline", args=[proposal.pk]),
        {"deadline-stage": stage, "deadline-due_at": f"{timezone.localtime(due_at):%Y-%m-%dT%H:%M}",
         "deadline-reason": reason},
    )  # fmt: skip


def test_the_web_form_refuses_with_the_reason_in_the_users_language(client, world):
    proposal = bring_to(world, State.SUBMITTED)
    answer_due = due_of(proposal, Deadline.Stage.ANSWER)
    later = answer_due + dt.timedelta(days=30)
    client.force_login(world.secretary)
    for language, message in (("en", "Only a coordinator may move the answer"), ("zh-hans", "只有协调员可以调整答复")):
        client.post(reverse("set-language"), {"language": language, "next": "/"})
        response = _post_deadline(client, proposal, Deadline.Stage.ANSWER, later, "x")
        assert response.status_code == 400 and message in response.content.decode()
    client.force_login(world.coordinator)
    client.post(reverse("set-language"), {"language": "en", "next": "/"})
    response = _post_deadline(client, proposal, Deadline.Stage.ANSWER, later)
    assert response.status_code == 400 and "override of a deadline needs a reason" in response.content.decode()
    assert due_of(proposal, Deadline.Stage.ANSWER) == answer_due
    assert _post_deadline(client, proposal, Deadline.Stage.ANSWER, later, "承办单位申请延期").status_code == 302
    assert due_of(proposal, Deadline.Stage.ANSWER) == later.replace(second=0, microsecond=0)
    timeline = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    assert "Due date moved" in timeline and "承办单位申请延期" in timeline


@pytest.mark.parametrize("field", ["research_due", "consultation_due"])
def test_a_new_proposal_cannot_be_due_past_the_submission_deadline(world, field):
    late = world.npc_session.submission_deadline + dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as refused:
        world.draft(**{field: late})
    assert set(refused.value.message_dict) == {field}

    body = {"session": world.npc_session.pk, "kind": "suggestion", "topic": "jobs", "title": "关于青年就业的建议",
            field: late.isoformat()}  # fmt: skip
    response = client_for(world.secretary).post("/api/v1/proposals/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Proposal.objects.exists()
