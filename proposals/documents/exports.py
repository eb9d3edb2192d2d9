"""Batch exports: every proposal of a session and an organisation's subtree as one .zip of .docx files and an
index, built in the background while the page shows its progress (DESIGN §6).

The zip is written one proposal at a time into a temporary file, which the storage then copies in chunks: the
memory a run needs does not grow with the number of proposals (tests/web/test_exports.py measures it).
"""

from __future__ import annotations

import codecs
import csv
import functools
import gc
import io
import logging
import tempfile
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from proposals import selectors, task_queue
from proposals.documents import proposal_docx
from proposals.models import DocumentExport, Organisation, Session, User
from proposals.reporting import spreadsheets

logger = logging.getLogger(__name__)

# How often a run writes its progress, in proposals; the page polls every second or two.
PROGRESS_EVERY = 5
# Proposals read from the database at a time, with their delegates prefetched per chunk. What a run holds in
# memory is this many proposals and one document, whatever the number of proposals; a document takes far longer
# to write than a chunk to read, so small chunks cost nothing noticeable.
CHUNK_SIZE = 20
INDEX_NAME = "index.csv"
ERROR_MAX_CHARS = 2000
# A spreadsheet would run a cell that starts like this as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def document_export_request(*, actor: User, session: Session, organisation: Organisation) -> DocumentExport:
    """Ask for the documents of a session's proposals in an organisation's subtree; built after commit.

    Coordinators (their subtree), secretaries (their own organisation) and administrators may ask, for an
    organisation they steer. Asking again while the same export is still waiting or running returns that one.
    """
    if not selectors.organisations_in_scope(actor).filter(pk=organisation.pk).exists():
        raise ValidationError(
            {"organisation": [_("You cannot export the proposals of “%(organisation)s”.")
                              % {"organisation": organisation.name}]}
        )  # fmt: skip
    with transaction.atomic():
        running = (
            DocumentExport.objects.select_for_update()
            .filter(requested_by=actor, session=session, organisation=organisation)
            .filter(Q(status=DocumentExport.Status.PENDING) | Q(status=DocumentExport.Status.RUNNING))
            .first()
        )
        if running is not None:
            return running
        export = DocumentExport.objects.create(requested_by=actor, session=session, organisation=organisation)
        task_queue.after_commit(
            task_queue.BUILD_DOCUMENT_EXPORT, export.pk, on_failure=functools.partial(_fail_unqueued, export.pk)
        )
    return export


def _fail_unqueued(export_id: int, error: Exception) -> None:
    """A broker that is down fails the export visibly rather than leave it waiting."""
    DocumentExport.objects.filter(pk=export_id, status=DocumentExport.Status.PENDING).update(
        status=DocumentExport.Status.FAILED, error=str(error)[:ERROR_MAX_CHARS], finished_at=timezone.now()
    )


def _claim(export_id: int) -> bool:
    """Take the export for this run. A running one is taken again: its worker was lost and the task redelivered
    (acks_late); the rebuilt file replaces nothing until it is complete."""
    claimable = [DocumentExport.Status.PENDING, DocumentExport.Status.RUNNING]
    claimed = DocumentExport.objects.filter(pk=export_id, status__in=claimable).update(
        status=DocumentExport.Status.RUNNING, done=0, error=""
    )
    return claimed == 1


def _cell(value: object) -> str:
    text = proposal_docx.xml_safe(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def _index_header() -> list[str]:
    return [_("No."), _("Title"), _("Kind"), _("State"), _("Organisation"), _("Lead delegate"),
            _("Reference number"), *(capfirst(str(column.header)) for column in spreadsheets.HANDLING_COLUMNS),
            capfirst(_("file name"))]  # fmt: skip


def _taken(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def _unique(archive: zipfile.ZipFile, name: str) -> str:
    """The name, or the name with -2, -3, ... if the zip holds it already (reference numbers are unique only per
    session, and one may look like another proposal's id)."""
    stem, dot, extension = name.rpartition(".")
    candidate, number = name, 1
    while _taken(archive, candidate):
        number += 1
        candidate = f"{stem}-{number}{dot}{extension}"
    return candidate


def export_filename(export: DocumentExport) -> str:
    """The name the download carries: the session, the organisation and the day."""
    day = timezone.localdate(export.finished_at or export.created_at)
    name = f"{export.session.name}-{export.organisation.name}-{day:%Y%m%d}"
    return proposal_docx.file_name_part(name) + ".zip"


def write_export_zip(export: DocumentExport, out, *, on_progress=None) -> int:
    """Write the zip into a seekable binary file: one .docx per proposal, then the index. Returns the count.

    One proposal's document is in memory at a time; the index goes to a temporary file as the run goes. What
    grows with the number of proposals is the zip's directory (its central directory, a few hundred bytes for
    each file), which zipfile keeps until it writes it at the end.
    """
    proposals = selectors.proposals_for_document_export(
        export.requested_by, session=export.session, organisation=export.organisation
    )
    today = timezone.localdate()
    done = 0
    with (
        tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="", dir=settings.FILE_UPLOAD_TEMP_DIR) as index,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        translation.override(export.requested_by.language),
    ):
        rows = csv.writer(index)
        rows.writerow(_index_header())
        for proposal in proposals.iterator(chunk_size=CHUNK_SIZE):
            name = _unique(archive, proposal_docx.document_filename(proposal))
            buffer = io.BytesIO()
            proposal_docx.write_proposal_docx(proposal, buffer, today=today)
            # A .docx is a zip already: stored as it is, not compressed twice.
            archive.writestr(name, buffer.getvalue(), compress_type=zipfile.ZIP_STORED)
            del buffer
            lead = proposal.lead_assignment()
            done += 1
            rows.writerow([_cell(value) for value in (
                done, proposal.title, proposal.get_kind_display(), proposal.get_state_display(),
                proposal.organisation.name, lead.delegate.user.display_name if lead else "",
                proposal.reference_number,
                *(spreadsheets.csv_value(column.value(proposal)) for column in spreadsheets.HANDLING_COLUMNS), name,
            )])  # fmt: skip
            if on_progress is not None and done % PROGRESS_EVERY == 0:
                on_progress(done)
            if done % CHUNK_SIZE == 0:
                # A python-docx document is a web of reference cycles (parts and their package), and so are
                # proposals with their prefetched delegates: only the cyclic collector frees them, and left to
                # itself it runs its full collection ever more rarely as the heap grows. Once a chunk, it
                # keeps the memory flat; it takes milliseconds, a document a tenth of a second.
                gc.collect()
        index.flush()
        index.seek(0)
        with archive.open(INDEX_NAME, "w") as entry:
            # The byte order mark lets Excel read the file as UTF-8; the rows follow in chunks.
            entry.write(codecs.BOM_UTF8)
            while chunk := index.read(64 * 1024):
                entry.write(chunk.encode("utf-8"))
    return done


def document_export_run(export_id: int) -> DocumentExport | None:
    """Build the zip of an export, updating its progress as it goes; at the end it is done or failed."""
    if not _claim(export_id):
        logger.info("Document export %s is not waiting; nothing to do", export_id)
        return None
    export = DocumentExport.objects.select_related("requested_by", "session", "organisation").get(pk=export_id)
    queryset = DocumentExport.objects.filter(pk=export_id)
    total = selectors.proposals_for_document_export(
        export.requested_by, session=export.session, organisation=export.organisation
    ).count()
    queryset.update(total=total)
    try:
        with tempfile.TemporaryFile(suffix=".zip", dir=settings.FILE_UPLOAD_TEMP_DIR) as archive:
            done = write_export_zip(export, archive, on_progress=lambda n: queryset.update(done=n))
            archive.seek(0)
            export.file.save(f"proposals-{export.pk}.zip", File(archive), save=False)
    except Exception as error:
        logger.exception("Document export %s failed", export_id)
        queryset.update(status=DocumentExport.Status.FAILED, error=str(error)[:ERROR_MAX_CHARS],
                        finished_at=timezone.now())  # fmt: skip
        return DocumentExport.objects.get(pk=export_id)
    # The count may differ from the one at the start if proposals were added or moved meanwhile.
    queryset.update(status=DocumentExport.Status.DONE, file=export.file.name, done=done, total=done,
                    finished_at=timezone.now())  # fmt: skip
    return DocumentExport.objects.get(pk=export_id)
