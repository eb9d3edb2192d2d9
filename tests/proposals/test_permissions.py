"""permissions.capabilities answers what the services then do: each capability, for every role in every state, is
allowed exactly when its service accepts, and refused with the exception, code and message the service raises."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from proposals import permissions, services
from proposals.models import Evidence, Proposal
from proposals.selectors import proposals_with_workflow_data
from proposals.workflow import State, TransitionRefused
from tests.proposals.arrange import bring_to

# Everyone with a part in a proposal, and people with none.
ACTORS = ("secretary", "coordinator", "city_coordinator", "lead", "cosigner", "admin", "other_secretary",
          "other_coordinator", "outsider_delegate")  # fmt: skip


def person(world, name):
    return world.cosigners[0] if name == "cosigner" else getattr(world, name)


class _RolledBack(Exception):
    """Undoes a service's write once it succeeded, so that the next call sees the same proposal."""


def outcome(call) -> Exception | None:
    """None when the service accepts, else the refusal it raises; nothing it writes stays."""
    try:
        with transaction.atomic():
            call()
            raise _RolledBack
    except _RolledBack:
        return None
    except (PermissionDenied, TransitionRefused) as refused:
        return refused


def service_calls(world, proposal: Proposal, actor) -> dict:
    """Each capability's service, called with input it takes, so that only who asks and when can refuse it."""
    due = timezone.now() + dt.timedelta(days=1)
    calls = {
        "edit_text": lambda: services.proposal_update_text(proposal_id=proposal.pk, actor=actor, title="改过的标题"),
        "add_evidence": lambda: services.evidence_add(
            proposal_id=proposal.pk, actor=actor, upload=SimpleUploadedFile("访谈.txt", "访谈记录".encode())
        ),
        "assign_delegate": lambda: services.delegate_assign(
            proposal_id=proposal.pk, actor=actor, delegate=world.outsider_delegate.delegate, role="cosigner"
        ),
        "change_evidence": lambda: services.evidence_remove(
            evidence_id=_some_evidence(proposal, world).pk, actor=actor, reason="含受访者个人信息"
        ),
        "request_delegates": lambda: services.delegates_request(proposal_id=proposal.pk, actor=actor, note="请指派。"),
        "comment": lambda: services.comment_add(proposal_id=proposal.pk, actor=actor, body="请补充数据。"),
    }
    for stage in permissions.PROPOSAL_STAGES:
        calls[f"move_deadline_{stage}"] = lambda stage=stage: services.deadline_set(
            proposal_id=proposal.pk, actor=actor, stage=stage, due_at=due, reason="会议日程调整"
        )
    return calls


def _some_evidence(proposal: Proposal, world):
    """A piece of the proposal's evidence, written here when it has none (the call's savepoint undoes it)."""
    return proposal.evidence.first() or Evidence.objects.create(
        proposal=proposal,
        file=SimpleUploadedFile("访谈.txt", "访谈记录".encode()),
        original_name="访谈.txt",
        content_type="text/plain",
        size=12,
        sha256="0" * 64,
        uploaded_by=world.secretary,
    )


def assert_refused_alike(capability: permissions.Capability, refused: Exception | None) -> None:
    if capability.allowed:
        assert refused is None, refused
    elif capability.permission_denied:
        assert isinstance(refused, PermissionDenied)
        assert str(refused) == capability.reason
    else:
        assert isinstance(refused, TransitionRefused)
        assert (refused.code, refused.message) == (capability.code, capability.reason)


@pytest.mark.parametrize("state", list(State), ids=str)
def test_each_capability_is_allowed_exactly_when_its_service_accepts(world, state):
    proposal = proposals_with_workflow_data(Proposal.objects.all()).get(pk=bring_to(world, state).pk)
    for name in ACTORS:
        actor = person(world, name)
        answers = permissions.capabilities(actor, proposal).by_name()
        assert set(answers) == set(permissions.CAPABILITY_NAMES)
        for capability, call in service_calls(world, proposal, actor).items():
            assert_refused_alike(answers[capability], outcome(call))


def test_the_refusals_say_why(world):
    ready = bring_to(world, State.READY)
    secretary = permissions.capabilities(world.secretary, ready)
    assert secretary.edit_text.code == "text_frozen"
    assert secretary.add_evidence.allowed and secretary.move_deadline["research"].allowed
    assert secretary.assign_delegate.permission_denied
    assert secretary.move_deadline["answer"].permission_denied
    assert "协调员" in secretary.move_deadline["answer"].reason  # only a coordinator may move it
    stranger = permissions.capabilities(world.other_secretary, ready)
    assert not any(capability.allowed for capability in stranger.by_name().values())
    assert stranger.actions == []


def test_the_workflow_actions_are_the_tables_options(world):
    proposal = bring_to(world, State.CONSULTATION)
    answers = permissions.capabilities(world.lead, proposal)
    assert {option.action.name: option.allowed for option in answers.actions} == {
        "comment": True,
        "request_changes": True,
        "endorse": True,
        "decline": True,
    }
    assert answers.comment.allowed
