"""Research evidence attached to a proposal: its type checked by content, the file kept only if the row is."""

import datetime as dt
import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import permissions
from proposals.models import Evidence, User
from proposals.selectors import proposal_roles
from proposals.services.checks import lock_proposal, raise_if_errors, touch
from proposals.validators import clean_text

# Evidence the office works with: documents, spreadsheets, photos. The first bytes must match the type.
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
}


def evidence_add(
    *, proposal_id: int, actor: User, upload: UploadedFile, description: str = "", now: dt.datetime | None = None
) -> Evidence:
    """Attach research evidence after checking its size and that its content matches its type."""
    errors: dict[str, list[str]] = {}
    description = clean_text("description", description, max_chars=200, required=False, errors=errors,
                              single_line=True)  # fmt: skip
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    problem = _evidence_file_problem(upload, name, extension)
    if problem:
        errors["file"] = [problem]
    raise_if_errors(errors)
    evidence = Evidence(
        original_name=name[:255], content_type=EVIDENCE_TYPES[extension][0], size=upload.size,
        sha256=_sha256(upload), description=description, uploaded_by=actor, uploaded_at=now or timezone.now(),
    )  # fmt: skip
    _evidence_store(evidence, proposal_id=proposal_id, upload=upload, name=name)
    return evidence


def _evidence_file_problem(upload: UploadedFile, name: str, extension: str) -> str | None:
    """Why the file cannot be evidence (empty, too large, of a type not taken, not what its type says), if it
    cannot."""
    if upload.size is None or upload.size == 0:
        return _("The file is empty.")
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        return _("The file is %(size)s MB; at most %(max)s MB are allowed.") % {
            "size": round(upload.size / 1048576, 1), "max": round(settings.EVIDENCE_MAX_BYTES / 1048576, 1)
        }  # fmt: skip
    if extension not in EVIDENCE_TYPES:
        return _("Files of type “%(ext)s” are not accepted. Accepted: %(accepted)s.") % {
            "ext": extension or name, "accepted": ", ".join(EVIDENCE_TYPES)
        }  # fmt: skip
    signatures = EVIDENCE_TYPES[extension][1]
    head = upload.read(16)
    upload.seek(0)
    if signatures and not any(head.startswith(signature) for signature in signatures):
        return _("The file's content does not match its type “%(ext)s”.") % {"ext": extension}
    return None


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _evidence_store(evidence: Evidence, *, proposal_id: int, upload: UploadedFile, name: str) -> None:
    """Save the file and its row on the locked proposal, if its steering may still add evidence."""
    try:
        with transaction.atomic():
            proposal = lock_proposal(proposal_id)
            permissions.add_evidence(proposal, proposal_roles(user=evidence.uploaded_by, proposal=proposal)).enforce()
            evidence.proposal = proposal
            evidence.file.save(name, upload, save=True)
            touch(proposal, evidence.uploaded_at)
    except Exception:
        # The file reaches the disk before the row commits: a rolled-back upload must not leave it behind.
        if evidence.file.name:
            evidence.file.delete(save=False)
        raise
