"""Research evidence attached to a proposal: its type checked by content, the file kept only if the row is;
removed or replaced, with a reason, until the text is final (the file leaves the storage too)."""

import datetime as dt
import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import permissions
from proposals.models import Evidence, Transition, User
from proposals.selectors import proposal_roles
from proposals.services.checks import lock_proposal, raise_if_errors, touch
from proposals.services.handling import latest_answer
from proposals.validators import clean_text
from proposals.workflow import EVIDENCE_REMOVE_ACTION, EVIDENCE_REPLACE_ACTION

OLE2 = b"\xd0\xcf\x11\xe0"
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with entries, and an empty one
HEAD_BYTES = 16


@dataclass(frozen=True)
class FileType:
    """A type of evidence the office works with, and how its content shows it is one."""

    content_type: str
    matches: Callable[[bytes, UploadedFile], bool] | None = None  # None: plain text, any content

    def accepts(self, upload: UploadedFile) -> bool:
        if self.matches is None:
            return True
        head = upload.read(HEAD_BYTES)
        upload.seek(0)
        try:
            return self.matches(head, upload)
        finally:
            upload.seek(0)


def _starts(*signatures: bytes) -> Callable[[bytes, UploadedFile], bool]:
    return lambda head, upload: any(head.startswith(signature) for signature in signatures)


def _zip_holding(member: str) -> Callable[[bytes, UploadedFile], bool]:
    """A zip package with `member` inside: an OOXML document's [Content_Types].xml, an OFD's OFD.xml."""

    def matches(head: bytes, upload: UploadedFile) -> bool:
        if not head.startswith(ZIP[0]):
            return False
        try:
            with zipfile.ZipFile(upload) as package:
                return member in package.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False

    return matches


def _iso_media(*brands: bytes) -> Callable[[bytes, UploadedFile], bool]:
    """An ISO base media file (HEIC photos, M4A recordings): a `ftyp` box naming one of the brands."""
    return lambda head, upload: head[4:8] == b"ftyp" and head[8:12] in brands


def _mp3(head: bytes, upload: UploadedFile) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _wav(head: bytes, upload: UploadedFile) -> bool:
    return head.startswith(b"RIFF") and head[8:12] == b"WAVE"


OOXML = _zip_holding("[Content_Types].xml")
WPS = _starts(OLE2, ZIP[0])  # WPS Office writes both its old binary format and zip packages
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"mif1", b"msf1")

# Evidence the office works with: documents (Microsoft, WPS and the national OFD), spreadsheets, photos from a
# camera or a phone, interviews recorded on a phone, and a zip of them. Each is checked by its content.
EVIDENCE_TYPES: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", _starts(b"%PDF-")),
    ".ofd": FileType("application/ofd", _zip_holding("OFD.xml")),
    ".docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", OOXML),
    ".xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", OOXML),
    ".pptx": FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", OOXML),
    ".doc": FileType("application/msword", _starts(OLE2)),
    ".xls": FileType("application/vnd.ms-excel", _starts(OLE2)),
    ".wps": FileType("application/kswps", WPS),
    ".et": FileType("application/kset", WPS),
    ".dps": FileType("application/ksdps", WPS),
    ".jpg": FileType("image/jpeg", _starts(b"\xff\xd8\xff")),
    ".jpeg": FileType("image/jpeg", _starts(b"\xff\xd8\xff")),
    ".png": FileType("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    ".heic": FileType("image/heic", _iso_media(*HEIF_BRANDS)),
    ".heif": FileType("image/heif", _iso_media(*HEIF_BRANDS)),
    ".m4a": FileType("audio/mp4", _iso_media(b"M4A ", b"mp42", b"isom", b"M4B ")),
    ".mp3": FileType("audio/mpeg", _mp3),
    ".wav": FileType("audio/wav", _wav),
    ".amr": FileType("audio/amr", _starts(b"#!AMR")),
    ".zip": FileType("application/zip", _starts(*ZIP)),
    ".txt": FileType("text/plain"),
    ".csv": FileType("text/csv"),
}


# What an answer letter (答复函) may be: a document or a scan of one.
ANSWER_LETTER_TYPES = {
    ext: EVIDENCE_TYPES[ext]
    for ext in (".pdf", ".ofd", ".docx", ".doc", ".wps", ".jpg", ".jpeg", ".png", ".heic", ".heif")
}


def evidence_add(
    *,
    proposal_id: int,
    actor: User,
    upload: UploadedFile,
    description: str = "",
    unit_id: int | None = None,
    now: dt.datetime | None = None,
) -> Evidence:
    """Attach research evidence, or with `unit_id` that unit's answer letter to its latest answer (after
    submission the only evidence a proposal takes), after checking its size and that its content matches its
    type."""
    errors: dict[str, list[str]] = {}
    description = clean_text("description", description, max_chars=200, required=False, errors=errors,
                              single_line=True)  # fmt: skip
    accepted = EVIDENCE_TYPES if unit_id is None else ANSWER_LETTER_TYPES
    evidence, name = _checked_upload(upload, errors, actor=actor, now=now or timezone.now(), accepted=accepted)
    raise_if_errors(errors)
    evidence.description = description
    _evidence_store(evidence, proposal_id=proposal_id, upload=upload, name=name, unit_id=unit_id)
    return evidence


def _checked_upload(upload: UploadedFile, errors: dict[str, list[str]], *, actor: User, now: dt.datetime,
                    accepted: dict[str, FileType] = EVIDENCE_TYPES) -> tuple[Evidence, str]:  # fmt: skip
    """The evidence an upload would make (not saved), and the file's own name; its problem, if any, in errors."""
    checked = checked_file(upload, errors, accepted)
    if checked is None:
        return Evidence(), upload_name(upload)
    evidence = Evidence(**checked, uploaded_by=actor, uploaded_at=now)
    return evidence, checked["original_name"]


def upload_name(upload: UploadedFile) -> str:
    """The file's own name, without any path a client sent."""
    return (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


def checked_file(upload: UploadedFile, errors: dict[str, list[str]], accepted: dict[str, FileType]) -> dict | None:
    """What a stored upload records of its file (name, type, size, hash), once its size and content pass the
    checks of evidence; None, and its problem in errors["file"], when they do not. Evidence and the files of a
    meeting's minutes alike."""
    name = upload_name(upload)
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    problem = _evidence_file_problem(upload, name, extension, accepted)
    if problem:
        errors["file"] = [problem]
        return None
    return {"original_name": name[:255], "content_type": EVIDENCE_TYPES[extension].content_type,
            "size": upload.size, "sha256": _sha256(upload)}  # fmt: skip


def _evidence_file_problem(upload: UploadedFile, name: str, extension: str,
                           accepted: dict[str, FileType]) -> str | None:  # fmt: skip
    """Why the file cannot be evidence (empty, too large, of a type not taken, not what its type says), if it
    cannot."""
    if upload.size is None or upload.size == 0:
        return _("The file is empty.")
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        return _("The file is %(size)s MB; at most %(max)s MB are allowed.") % {
            "size": round(upload.size / 1048576, 1), "max": round(settings.EVIDENCE_MAX_BYTES / 1048576, 1)
        }  # fmt: skip
    if extension not in accepted:
        return _("Files of type “%(ext)s” are not accepted. Accepted: %(accepted)s.") % {
            "ext": extension or name, "accepted": ", ".join(accepted)
        }  # fmt: skip
    if not EVIDENCE_TYPES[extension].accepts(upload):
        return _("The file's content does not match its type “%(ext)s”.") % {"ext": extension}
    return None


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _evidence_store(evidence: Evidence, *, proposal_id: int, upload: UploadedFile, name: str,
                    unit_id: int | None) -> None:  # fmt: skip
    """Save the file and its row on the locked proposal, if its steering may still add evidence (or the person
    may add an answer letter to the unit's answer)."""
    try:
        with transaction.atomic():
            proposal = lock_proposal(proposal_id)
            roles = proposal_roles(user=evidence.uploaded_by, proposal=proposal)
            if unit_id is None:
                permissions.add_evidence(proposal, roles).enforce()
            else:
                permissions.add_answer_letter(proposal, roles).enforce()
                evidence.answer = latest_answer(proposal, unit_id)
            evidence.proposal = proposal
            evidence.file.save(name, upload, save=True)
            touch(proposal, evidence.uploaded_at)
    except Exception:
        # The file reaches the disk before the row commits: a rolled-back upload must not leave it behind.
        if evidence.file.name:
            evidence.file.delete(save=False)
        raise


def evidence_remove(*, evidence_id: int, actor: User, reason: str, now: dt.datetime | None = None) -> None:
    """Remove a piece of evidence and its file, with a reason, logged. The file leaves the storage once the
    removal commits: nothing of it stays behind (a survey with personal data, say)."""
    _evidence_change(evidence_id=evidence_id, actor=actor, reason=reason, now=now)


def evidence_replace(
    *, evidence_id: int, actor: User, upload: UploadedFile, reason: str, now: dt.datetime | None = None
) -> Evidence:
    """Put a new file in the place of a piece of evidence (its description kept), with a reason, logged; the old
    file leaves the storage once the change commits."""
    return _evidence_change(evidence_id=evidence_id, actor=actor, reason=reason, now=now, upload=upload)


def _evidence_change(*, evidence_id: int, actor: User, reason: str, now: dt.datetime | None,
                     upload: UploadedFile | None = None) -> Evidence | None:  # fmt: skip
    errors: dict[str, list[str]] = {}
    reason = clean_text("reason", reason, max_chars=300, required=True, errors=errors, single_line=True)
    now = now or timezone.now()
    replacement, name = _checked_upload(upload, errors, actor=actor, now=now) if upload is not None else (None, "")
    raise_if_errors(errors)
    try:
        with transaction.atomic():
            old = Evidence.objects.select_related("proposal").get(pk=evidence_id)
            proposal = lock_proposal(old.proposal_id)
            permissions.change_evidence(proposal, proposal_roles(user=actor, proposal=proposal)).enforce()
            note = f"{old.original_name}\n{reason}"
            if replacement is not None:
                replacement.proposal, replacement.description = proposal, old.description
                replacement.file.save(name, upload, save=True)
                note = f"{old.original_name} → {replacement.original_name}\n{reason}"
            old.delete()
            action = EVIDENCE_REPLACE_ACTION if replacement is not None else EVIDENCE_REMOVE_ACTION
            Transition.objects.create(
                proposal=proposal, action=action,
                from_state=proposal.state, to_state=proposal.state, actor=actor, note=note,
                revision_number=proposal.revision_number, created_at=now,
            )  # fmt: skip
            touch(proposal, now)
            # The old file leaves the storage only once its row is gone for good.
            transaction.on_commit(partial(old.file.storage.delete, old.file.name))
    except Exception:
        if replacement is not None and replacement.file.name:  # the new file must not outlive a rollback
            replacement.file.delete(save=False)
        raise
    return replacement
