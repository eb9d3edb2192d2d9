"""ETags and If-Match: a proposal's ETag begins with its version (api.conditional), so no update can be lost
silently."""

from __future__ import annotations

from contextlib import contextmanager

from django.utils.translation import gettext as _

from api.problems import PreconditionFailed, PreconditionRequired
from proposals.models import Proposal
from proposals.workflow import ProposalChanged


def need_etag(need) -> str:
    """A need's ETag: it changes with every step of its log (services.needs stamps updated_at)."""
    return f'"need-{need.pk}-{int(need.updated_at.timestamp() * 1_000_000)}"'


def meeting_etag(meeting) -> str:
    """A meeting's ETag: it changes with every save (services.meetings stamps updated_at)."""
    return f'"meeting-{meeting.pk}-{int(meeting.updated_at.timestamp() * 1_000_000)}"'


def expected_version(request, proposal: Proposal, *, required: bool) -> int | None:
    """The version the caller last read, from If-Match; None when they sent none (or "*")."""
    header = request.headers.get("If-Match")
    if header is None:
        if required:
            raise PreconditionRequired()
        return None
    if header.strip() == "*":
        return None
    versions = set()
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            continue  # If-Match compares strongly (RFC 9110, 13.1.1): a weak tag matches nothing
        # "12-7" or the detail's "12-7.<digest>" (api.conditional): the proposal's id and version are compared.
        pk, _sep, version = tag.strip('"').partition("-")
        version = version.partition(".")[0]
        if pk == str(proposal.pk) and version.isascii() and version.isdigit():  # not "²", which int() refuses
            versions.add(int(version))
    if proposal.version in versions:
        return proposal.version  # still checked again under the row lock by the service
    raise PreconditionFailed(
        _("The proposal is at version %(now)d; your If-Match names another. Read it again and retry.")
        % {"now": proposal.version}
    )


@contextmanager
def version_checked(expected: int | None):
    """A service's "someone else changed it" becomes 412 when the caller sent If-Match."""
    try:
        yield
    except ProposalChanged as changed:
        if expected is None:
            raise
        raise PreconditionFailed(changed.message) from changed
