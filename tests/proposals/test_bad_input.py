"""Bad input gets a clear validation error on the field at fault, and nothing is saved."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from proposals import services
from proposals.models import Deadline, Evidence, Proposal, Revision
from proposals.workflow import State
from tests.proposals.arrange import bring_to


def refused_fields(call) -> set[str]:
    counts = (Proposal.objects.count(), Revision.objects.count(), Deadline.objects.count())
    with pytest.raises(ValidationError) as error:
        call()
    assert (Proposal.objects.count(), Revision.objects.count(), Deadline.objects.count()) == counts
    return set(error.value.message_dict)


def test_a_motion_cannot_go_to_a_cppcc_session(world):
    assert refused_fields(lambda: world.draft(kind=Proposal.Kind.MOTION, session=world.cppcc_session)) == {"kind"}


def test_a_cppcc_proposal_cannot_go_to_a_peoples_congress(world):
    assert refused_fields(lambda: world.draft(kind=Proposal.Kind.CPPCC_PROPOSAL, session=world.npc_session)) == {"kind"}


def test_a_deadline_after_the_session_closes_is_refused(world):
    closing = world.npc_session.closing_date
    too_late = dt.datetime.combine(closing + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)
    assert refused_fields(lambda: world.draft(research_due=too_late)) == {"research_due"}


def test_a_naive_deadline_is_refused(world):
    assert refused_fields(lambda: world.draft(consultation_due=dt.datetime(2026, 12, 1, 9))) == {  # noqa: DTZ001
        "consultation_due"
    }


def test_consultation_cannot_be_due_before_research(world):
    start = world.npc_session.submission_deadline
    assert refused_fields(
        lambda: world.draft(research_due=start - dt.timedelta(days=2), consultation_due=start - dt.timedelta(days=5))
    ) == {"consultation_due"}


@override_settings(PROPOSAL_TEXT_MAX_CHARS=1000)
def test_text_over_the_size_limits_is_refused(world):
    fields = refused_fields(lambda: world.draft(title="青" * 201, background="年" * 1001))
    assert fields == {"title", "background"}


def test_a_nul_byte_in_the_text_is_refused(world):
    assert refused_fields(lambda: world.draft(recommendations="一、\x00二、")) == {"recommendations"}


def test_a_blank_title_is_refused(world):
    assert refused_fields(lambda: world.draft(title="   ")) == {"title"}


def test_a_secretary_cannot_draft_for_another_organisation(world):
    assert refused_fields(lambda: world.draft(author=world.other_secretary)) == {"organisation"}


def test_a_coordinator_drafts_for_organisations_below_but_not_beside(world):
    assert world.draft(author=world.coordinator).organisation == world.branch
    beside = lambda: world.draft(author=world.coordinator, organisation=world.other_branch)  # noqa: E731
    assert refused_fields(beside) == {"organisation"}


def test_a_secretary_of_another_organisation_cannot_edit_the_text(world):
    proposal = world.draft()
    with pytest.raises(PermissionDenied):
        services.proposal_update_text(proposal_id=proposal.pk, actor=world.other_secretary, title="改")
    assert Proposal.objects.get(pk=proposal.pk).title == proposal.title
    assert proposal.revisions.count() == 1


def test_unknown_fields_of_an_edit_are_refused(world):
    proposal = world.draft()
    with pytest.raises(ValidationError) as error:
        services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, state="closed")
    assert set(error.value.message_dict) == {"state"}
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT


def test_action_inputs_are_validated_before_anything_changes(world):
    proposal = bring_to(world, State.READY)
    with pytest.raises(ValidationError) as error:
        services.transition_apply(
            proposal_id=proposal.pk, actor=world.lead, action="submit",
            inputs={"reference_number": "", "submitted_on": "2026-13-45", "colour": "red"},
        )  # fmt: skip
    assert set(error.value.message_dict) == {"reference_number", "submitted_on", "colour"}
    assert Proposal.objects.get(pk=proposal.pk).state == State.READY


def test_a_delegate_of_the_wrong_body_cannot_be_assigned(world):
    proposal = world.draft()
    with pytest.raises(ValidationError) as error:
        services.delegate_assign(
            proposal_id=proposal.pk, actor=world.coordinator, delegate=world.cppcc_member.delegate, role="lead"
        )
    assert set(error.value.message_dict) == {"delegate"}
    assert not proposal.assignments.exists()


@override_settings(EVIDENCE_MAX_BYTES=1024)
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("调研.pdf", b"%PDF-" + b"x" * 2000),  # too large
        ("脚本.exe", b"MZ\x90\x00"),  # type not accepted
        ("照片.png", b"%PDF-1.4 not a picture"),  # content does not match the type
        ("空.csv", b""),  # empty
    ],
)
def test_evidence_of_the_wrong_size_or_type_is_refused_and_not_stored(world, settings, name, content):
    proposal = world.draft()
    with pytest.raises(ValidationError) as error:
        services.evidence_add(proposal_id=proposal.pk, actor=world.secretary, upload=SimpleUploadedFile(name, content))
    assert set(error.value.message_dict) == {"file"}
    assert not Evidence.objects.exists()
    media = settings.MEDIA_ROOT
    assert not any(media.rglob("*")) if media.exists() else True


def test_evidence_is_stored_under_a_generated_name_with_its_digest(world):
    proposal = world.draft()
    evidence = services.evidence_add(
        proposal_id=proposal.pk, actor=world.secretary, upload=SimpleUploadedFile("../../访谈记录.txt", "访谈".encode())
    )
    assert evidence.original_name == "访谈记录.txt"
    assert evidence.file.name.startswith(f"evidence/{proposal.pk}/") and ".." not in evidence.file.name
    assert evidence.file.read() == "访谈".encode()
    assert len(evidence.sha256) == 64
