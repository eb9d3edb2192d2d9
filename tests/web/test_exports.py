"""Word documents on the web: one proposal's .docx, and batch exports with their progress and download."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from docx import Document

from proposals import selectors
from proposals.documents import exports, proposal_docx
from proposals.models import DocumentExport, Proposal
from proposals.reporting import spreadsheets
from proposals.tasks import build_document_export
from proposals.workflow import State
from tests.proposals.arrange import bring_to


def read_zip(export: DocumentExport) -> zipfile.ZipFile:
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def index_rows(archive: zipfile.ZipFile) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(exports.INDEX_NAME).decode("utf-8-sig"))))


# --- One proposal -------------------------------------------------------------------------------------


def test_the_proposal_page_links_to_its_word_document(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    page = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    assert reverse("proposal-document", args=[proposal.pk]) in page


def test_the_owner_downloads_the_docx_with_its_type_and_name(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)

    response = client.get(reverse("proposal-document", args=[proposal.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == proposal_docx.DOCX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition  # RFC 5987, Chinese name
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert document.paragraphs[0].text == proposal.title


def test_another_organisations_secretary_gets_404_for_the_docx(client, world):
    proposal = world.draft()
    client.force_login(world.other_secretary)
    assert client.get(reverse("proposal-document", args=[proposal.pk])).status_code == 404
    client.force_login(world.other_coordinator)  # the other county's coordinator, likewise
    assert client.get(reverse("proposal-document", args=[proposal.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("proposal-document", args=[proposal.pk])).status_code == 302  # to sign in


# --- Batch exports ------------------------------------------------------------------------------------


def request_export(client, world, user, organisation, django_capture_on_commit_callbacks) -> DocumentExport:
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exports"), {"session": world.npc_session.pk, "organisation": organisation.pk})
    assert response.status_code == 302, response.content.decode()
    return DocumentExport.objects.filter(requested_by=user).latest("pk")


def test_an_export_that_cannot_be_queued_fails_visibly(
    client, world, monkeypatch, django_capture_on_commit_callbacks, caplog, eager_off
):
    """A broker that is down: the request goes on, and the export shows it failed rather than wait forever."""
    from tracker.celery import app

    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    export = request_export(client, world, world.coordinator, world.county, django_capture_on_commit_callbacks)
    assert export.status == DocumentExport.Status.FAILED and export.error and export.finished_at
    assert f"Could not queue document export {export.pk}" in caplog.text


def test_a_coordinator_exports_the_sessions_proposals_of_the_subtree_as_a_zip_with_an_index(
    client, world, django_capture_on_commit_callbacks
):
    branch = [world.draft(title=f"关于青年就业的建议{n}") for n in range(3)]
    county = world.draft(author=world.coordinator, organisation=world.county, title="怀仁市委的建议")
    submitted = bring_to(world, State.SUBMITTED)
    world.draft(kind=Proposal.Kind.CPPCC_PROPOSAL, session=world.cppcc_session, title="另一会议的提案")
    world.draft(author=world.other_secretary, organisation=world.other_branch, title="应县的建议")

    export = request_export(client, world, world.coordinator, world.county, django_capture_on_commit_callbacks)

    assert export.status == DocumentExport.Status.DONE, export.error
    assert (export.done, export.total) == (5, 5)
    archive = read_zip(export)
    assert archive.testzip() is None
    names = archive.namelist()
    assert names[-1] == "index.csv" and len(names) == 6
    expected = {proposal_docx.document_filename(p) for p in [*branch, county, submitted]}
    assert set(names[:-1]) == expected
    for name in names[:-1]:
        Document(io.BytesIO(archive.read(name)))  # each one opens
    rows = index_rows(archive)
    with translation.override("zh-hans"):
        handling = [capfirst(str(column.header)) for column in spreadsheets.HANDLING_COLUMNS]
    # In the requester's language.
    assert rows[0][1:] == ["案由", "类别", "状态", "团组织", "领衔代表", "案号", *handling, "文件名"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5"]
    by_title = {row[1]: row for row in rows[1:]}
    assert set(by_title) == {p.title for p in [*branch, county]} | {submitted.title}
    row = by_title[submitted.title]
    assert row[4] == world.branch.name and row[5] == "lead" and row[6] == submitted.reference_number
    assert row[-1] == proposal_docx.document_filename(submitted)


def test_the_index_is_in_the_requesters_language(client, world, django_capture_on_commit_callbacks):
    world.draft()
    world.secretary.language = "en"
    world.secretary.save(update_fields=["language"])
    export = request_export(client, world, world.secretary, world.branch, django_capture_on_commit_callbacks)
    rows = index_rows(read_zip(export))
    assert rows[0][1:4] == ["Title", "Kind", "State"]
    assert rows[1][2] == "Suggestion (建议)"


def test_a_secretary_cannot_export_another_organisation(client, world):
    client.force_login(world.secretary)
    response = client.post(reverse("exports"), {"session": world.npc_session.pk, "organisation": world.county.pk})
    assert response.status_code == 400 and "organisation" in response.context["form"].errors
    assert not DocumentExport.objects.exists()
    with pytest.raises(ValidationError):
        exports.document_export_request(actor=world.secretary, session=world.npc_session, organisation=world.county)
    with pytest.raises(ValidationError):
        exports.document_export_request(actor=world.lead, session=world.npc_session, organisation=world.branch)


def test_delegates_have_no_exports_page(client, world):
    client.force_login(world.lead)
    assert client.get(reverse("exports")).status_code == 404


def test_asking_twice_while_it_waits_gives_the_same_export(world):
    first = exports.document_export_request(actor=world.secretary, session=world.npc_session,
                                            organisation=world.branch)  # fmt: skip
    second = exports.document_export_request(actor=world.secretary, session=world.npc_session,
                                             organisation=world.branch)  # fmt: skip
    assert first.pk == second.pk and DocumentExport.objects.count() == 1


def test_the_status_endpoint_reports_progress_and_the_download(client, world):
    world.draft()
    export = DocumentExport.objects.create(requested_by=world.secretary, session=world.npc_session,
                                           organisation=world.branch)  # fmt: skip
    client.force_login(world.secretary)
    url = reverse("export-status", args=[export.pk])

    data = client.get(url).json()
    assert data["status"] == "pending" and not data["finished"] and data["download_url"] is None
    assert data["progress_value"] is None  # an indeterminate bar until the count is known

    build_document_export.delay(export.pk)

    response = client.get(url)
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["status"] == "done" and data["finished"]
    assert (data["done"], data["total"], data["progress_value"], data["progress_max"]) == (1, 1, 1, 1)
    assert data["download_url"] == reverse("export-download", args=[export.pk])
    page = client.get(reverse("exports")).content.decode()
    assert f'id="export-{export.pk}"' in page and "<progress" in page and "exports.js" in page


def test_only_the_requester_can_see_or_download_an_export(client, world):
    world.draft()
    export = DocumentExport.objects.create(requested_by=world.secretary, session=world.npc_session,
                                           organisation=world.branch)  # fmt: skip
    build_document_export.delay(export.pk)

    client.force_login(world.secretary)
    response = client.get(reverse("export-download", args=[export.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None

    for other in (world.coordinator, world.other_secretary, world.lead):  # even the coordinator above
        client.force_login(other)
        assert client.get(reverse("export-download", args=[export.pk])).status_code == 404
        assert client.get(reverse("export-status", args=[export.pk])).status_code == 404


def test_a_failing_export_is_marked_failed_and_says_so(client, world, monkeypatch):
    world.draft()
    export = DocumentExport.objects.create(requested_by=world.secretary, session=world.npc_session,
                                           organisation=world.branch)  # fmt: skip

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(proposal_docx, "write_proposal_docx", broken)
    build_document_export.delay(export.pk)

    export.refresh_from_db()
    assert export.status == DocumentExport.Status.FAILED and "disk full" in export.error
    assert export.finished_at is not None and not export.file
    client.force_login(world.secretary)
    data = client.get(reverse("export-status", args=[export.pk])).json()
    assert data["finished"] and data["error"] and data["download_url"] is None
    assert client.get(reverse("export-download", args=[export.pk])).status_code == 404


def test_a_finished_export_is_not_built_again(world):
    export = DocumentExport.objects.create(requested_by=world.secretary, session=world.npc_session,
                                           organisation=world.branch, status=DocumentExport.Status.DONE)  # fmt: skip
    assert exports.document_export_run(export.pk) is None


# --- Memory -------------------------------------------------------------------------------------------


def peak_memory_of_export(world, count: int) -> int:
    while Proposal.objects.filter(session=world.npc_session).count() < count:
        n = Proposal.objects.count()
        world.draft(title=f"关于青年发展的建议{n}", background="青年就业创业服务需要加强。\n" * 6,
                    recommendations="一、建立服务站；\n二、提供补贴。\n" * 3)  # fmt: skip
    export = DocumentExport.objects.create(requested_by=world.coordinator, session=world.npc_session,
                                           organisation=world.county)  # fmt: skip
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        exports.document_export_run(export.pk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    export.refresh_from_db()
    assert export.status == DocumentExport.Status.DONE and export.done == count
    assert len(read_zip(export).namelist()) == count + 1
    return peak


def test_the_memory_of_an_export_does_not_grow_with_the_number_of_proposals(world, capsys):
    # The layout's empty document is prepared once per process: prepare it first, so both runs measure the same.
    proposal_docx.proposal_docx_bytes(selectors.proposal_for_document(world.admin, world.draft().pk))
    peak_20 = peak_memory_of_export(world, 20)
    peak_200 = peak_memory_of_export(world, 200)
    with capsys.disabled():
        print(f"\nexport peak memory: 20 proposals {peak_20:,} B, 200 proposals {peak_200:,} B")
    assert peak_200 < 2 * peak_20
