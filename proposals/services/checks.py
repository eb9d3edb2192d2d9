"""What every write does first: lock the proposal and check which version the caller saw (who may do what is
proposals.permissions), and the small checks and formats the services share."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import Proposal, Session
from proposals.selectors import HANDLING_PREFETCH
from proposals.workflow import ProposalChanged


def session_end(session: Session) -> dt.datetime:
    """The last moment of the session's closing day, in the project's time zone."""
    closing = dt.datetime.combine(session.closing_date + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(closing) - dt.timedelta(microseconds=1)


def check_due(field: str, due_at: Any, session: Session, errors: dict[str, list[str]]) -> dt.datetime | None:
    if due_at is None:
        return None
    if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
        errors.setdefault(field, []).append(_("Enter a date and time with a time zone."))
        return None
    if due_at > session_end(session):
        errors.setdefault(field, []).append(
            _("The deadline must not fall after the session closes on %(date)s.") % {"date": session.closing_date}
        )
    return due_at


def raise_if_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def lock_proposal(proposal_id: int) -> Proposal:
    """Load the proposal for a write, holding its row lock until the transaction ends."""
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("session", "organisation__parent__parent")
        .prefetch_related("assignments__delegate__user", *HANDLING_PREFETCH)
        .get(pk=proposal_id)
    )
    return proposal


def check_version(proposal: Proposal, expected_version: int | None, action: str | None = None) -> None:
    if expected_version is not None and expected_version != proposal.version:
        raise ProposalChanged(
            _("Someone else changed this proposal (now version %(now)d, you saw %(seen)d). Reload it and try again.")
            % {"now": proposal.version, "seen": expected_version},
            action=action,
        )


def touch(proposal: Proposal, now: dt.datetime, *fields: str) -> None:
    proposal.version += 1
    proposal.updated_at = now
    proposal.save(update_fields=[*fields, "version", "updated_at"])


def local_minute(moment: dt.datetime | None) -> str:
    return "—" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
