"""Evidence removed or replaced with a reason, its file gone from storage; the types offices use, each checked by
its content (#14 item 9)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals import services
from proposals.models import Evidence, Transition
from proposals.workflow import EVIDENCE_REMOVE_ACTION, EVIDENCE_REPLACE_ACTION, State, TransitionRefused
from tests.proposals.arrange import add_evidence, bring_to

pytestmark = pytest.mark.django_db


def _zip(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for member in members:
            package.writestr(member, "<x/>")
    return buffer.getvalue()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
GOOD = {
    "调研报告.wps": OLE2,
    "调研报告（新版）.wps": _zip("word/document.xml"),
    "问卷统计.et": OLE2,
    "座谈会.dps": _zip("ppt/presentation.xml"),
    "红头文件.ofd": _zip("OFD.xml", "Doc_0/Document.xml"),
    "材料合集.zip": _zip("a.txt"),
    "空压缩包.zip": b"PK\x05\x06" + b"\0" * 18,
    "现场照片.heic": b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
    "访谈录音.m4a": b"\0\0\0\x20ftypM4A \0\0\0\0M4A mp42isom",
    "访谈录音.mp3": b"ID3\x04\0\0\0\0\0\0" + b"\xff\xfb" * 8,
    "访谈录音.wav": b"RIFF\x24\0\0\0WAVEfmt " + b"\0" * 16,
    "电话录音.amr": b"#!AMR\n" + b"\0" * 10,
    "数据.docx": _zip("[Content_Types].xml", "word/document.xml"),
}
BAD = {
    "伪装的.ofd": _zip("content.xml"),  # a zip, but not an OFD
    "伪装的.docx": _zip("a.txt"),  # a zip, but no Office package
    "改了扩展名.heic": b"\xff\xd8\xff\xe0" + b"\0" * 12,  # a JPEG
    "改了扩展名.wav": b"RIFF\x24\0\0\0AVI LIST" + b"\0" * 8,  # a video
    "改了扩展名.mp3": b"<html>not audio</html>",
    "改了扩展名.wps": b"%PDF-1.7\n",
    "改了扩展名.zip": b"Rar!\x1a\x07\x00" + b"\0" * 9,
}


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("name", GOOD)
def test_the_types_offices_use_are_taken_when_their_content_is_what_they_say(world, name):
    proposal = world.draft()
    evidence = services.evidence_add(proposal_id=proposal.pk, actor=world.secretary, upload=_upload(name, GOOD[name]))
    assert (
        evidence.original_name == name
        and evidence.content_type == services.EVIDENCE_TYPES[evidence.extension].content_type
    )


@pytest.mark.parametrize("name", BAD)
def test_a_file_whose_content_is_not_its_type_is_refused(world, name):
    proposal = world.draft()
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(proposal_id=proposal.pk, actor=world.secretary, upload=_upload(name, BAD[name]))
    assert "file" in refused.value.message_dict
    assert not Evidence.objects.exists()


def _remove(world, evidence, who="secretary", reason="问卷含受访者手机号"):
    services.evidence_remove(evidence_id=evidence.pk, actor=getattr(world, who), reason=reason)


def test_removing_evidence_deletes_its_file_and_logs_who_and_why(world, django_capture_on_commit_callbacks):
    proposal = bring_to(world, State.RESEARCH)
    evidence = proposal.evidence.get()
    stored = evidence.file.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        _remove(world, evidence)
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not default_storage.exists(stored)
    logged = Transition.objects.filter(proposal=proposal, action=EVIDENCE_REMOVE_ACTION).get()
    assert logged.actor == world.secretary and evidence.original_name in logged.note and "手机号" in logged.note


def test_replacing_evidence_keeps_its_description_and_deletes_the_old_file(world, django_capture_on_commit_callbacks):
    proposal = bring_to(world, State.RESEARCH)
    old = proposal.evidence.get()
    stored = old.file.name
    with django_capture_on_commit_callbacks(execute=True):
        upload = _upload("调研问卷（脱敏）.csv", "题目,人数\n就业,812\n".encode())
        new = services.evidence_replace(
            evidence_id=old.pk, actor=world.coordinator, reason="换成脱敏版本", upload=upload
        )
    assert list(proposal.evidence.all()) == [new]
    assert new.description == old.description and new.uploaded_by == world.coordinator
    assert not default_storage.exists(stored) and default_storage.exists(new.file.name)
    logged = Transition.objects.filter(proposal=proposal, action=EVIDENCE_REPLACE_ACTION).get()
    assert "调研问卷（脱敏）.csv" in logged.note and "换成脱敏版本" in logged.note


def test_a_refused_replacement_keeps_the_old_file_and_leaves_no_new_one(world, django_capture_on_commit_callbacks):
    proposal = bring_to(world, State.READY)  # the text is final
    old = proposal.evidence.get()
    before = set(default_storage.listdir(old.file.name.rsplit("/", 1)[0])[1])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionRefused) as refused:
        services.evidence_replace(evidence_id=old.pk, actor=world.secretary, reason="换文件",
                                  upload=_upload("新.csv", b"a,b\n"))  # fmt: skip
    assert refused.value.code == "evidence_frozen"
    assert default_storage.exists(old.file.name)
    assert set(default_storage.listdir(old.file.name.rsplit("/", 1)[0])[1]) == before


@pytest.mark.parametrize("reason", ["", "   ", "理" * 301, "两行\n理由"])
def test_a_removal_needs_a_reason_on_one_line(world, reason):
    proposal = world.draft()
    add_evidence(world, proposal)
    with pytest.raises(ValidationError):
        _remove(world, proposal.evidence.get(), reason=reason)
    assert proposal.evidence.exists()


@pytest.mark.parametrize("who", ["lead", "other_secretary", "other_coordinator"])
def test_only_those_who_steer_the_proposal_remove_evidence(world, who):
    proposal = world.draft()
    add_evidence(world, proposal)
    with pytest.raises(PermissionDenied):
        _remove(world, proposal.evidence.get(), who=who)
    assert proposal.evidence.exists()


def test_the_page_removes_and_replaces_through_the_service(client, world, django_capture_on_commit_callbacks):
    proposal = world.draft()
    add_evidence(world, proposal)
    evidence = proposal.evidence.get()
    client.force_login(world.secretary)
    page = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    assert f'id="evidence-change-{evidence.pk}"' in page
    url = reverse("evidence-change", args=[evidence.pk])
    response = client.post(url, {"reason": "换成新版", "change": "replace"})  # no file chosen
    assert response.status_code == 400 and proposal.evidence.get() == evidence
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "误传", "change": "remove"})
    assert response.status_code == 302 and not proposal.evidence.exists()


def test_the_page_offers_no_change_once_the_text_is_final_nor_to_delegates(client, world):
    ready = bring_to(world, State.READY)
    client.force_login(world.secretary)
    assert "evidence-change-" not in client.get(reverse("proposal-open", args=[ready.pk])).content.decode()
    draft = bring_to(world, State.CONSULTATION)
    client.force_login(world.lead)
    assert "evidence-change-" not in client.get(reverse("proposal-open", args=[draft.pk])).content.decode()
    response = client.post(
        reverse("evidence-change", args=[draft.evidence.get().pk]), {"reason": "x", "change": "remove"}
    )
    assert response.status_code == 400 and draft.evidence.exists()


def test_the_api_removes_evidence_with_a_reason_and_refuses_without_one(world, django_capture_on_commit_callbacks):
    from tests.api.conftest import client_for

    proposal = world.draft()
    add_evidence(world, proposal)
    evidence = proposal.evidence.get()
    client = client_for(world.secretary)
    url = f"/api/v1/proposals/{proposal.pk}/evidence/{evidence.pk}/"
    assert client.post(url + "remove/", {}, format="json").status_code == 400
    assert client_for(world.other_secretary).post(url + "remove/", {"reason": "x"}, format="json").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url + "remove/", {"reason": "误传的文件"}, format="json").status_code == 204
    assert not proposal.evidence.exists()
    assert client.get(url).status_code == 404
