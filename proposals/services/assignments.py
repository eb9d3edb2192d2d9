"""Delegates assigned to a proposal before it is submitted."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import permissions
from proposals.models import Assignment, Delegate, User
from proposals.selectors import proposal_roles
from proposals.services.checks import lock_proposal, touch


def delegate_assign(
    *, proposal_id: int, actor: User, delegate: Delegate, role: str, now: dt.datetime | None = None
) -> Assignment:
    """A coordinator assigns a lead delegate or a co-signer. The delegate must sit in the session's body."""
    if role not in Assignment.Role.values:
        raise ValidationError({"role": [_("Choose lead delegate or co-signer.")]})
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        permissions.assign_delegate(proposal, proposal_roles(user=actor, proposal=proposal)).enforce()
        if delegate.body != proposal.session.body:
            raise ValidationError(
                {"delegate": [_("%(delegate)s does not sit in the %(body)s.")
                              % {"delegate": delegate, "body": proposal.session.get_body_display()}]}
            )  # fmt: skip
        if proposal.assignment_of(delegate.user) is not None:
            raise ValidationError({"delegate": [_("%(delegate)s is already assigned.") % {"delegate": delegate}]})
        lead = proposal.lead_assignment()
        if role == Assignment.Role.LEAD and lead is not None:
            if lead.declined_at is None:
                raise ValidationError({"role": [_("The proposal already has a lead delegate.")]})
            lead.delete()  # A lead who declined makes way for the new one; the log keeps the decline.
        now = now or timezone.now()
        assignment = Assignment.objects.create(
            proposal=proposal, delegate=delegate, role=role, assigned_by=actor, assigned_at=now
        )
        touch(proposal, now)
    return assignment
