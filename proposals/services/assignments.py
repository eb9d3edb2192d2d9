"""Delegates assigned to a proposal before it is submitted, and a secretary's request for them."""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import permissions
from proposals.models import Assignment, Delegate, DelegateRequest, Transition, User
from proposals.selectors import proposal_roles
from proposals.services.checks import lock_proposal, raise_if_errors, touch
from proposals.validators import clean_text
from proposals.workflow import DELEGATE_REQUEST_ACTION, TransitionRefused


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
        if role == Assignment.Role.LEAD:  # what a request for delegates waits for
            DelegateRequest.objects.filter(proposal=proposal, answered_at__isnull=True).update(answered_at=now)
        touch(proposal, now)
    return assignment


def delegates_request(
    *, proposal_id: int, actor: User, delegates: Sequence[Delegate] = (), note: str = "", now: dt.datetime | None = None
) -> DelegateRequest:
    """The secretary asks the coordinators above her organisation to assign delegates, naming those she has in
    mind if she likes. One open request per proposal; assigning a lead delegate answers it. Logged."""
    errors: dict[str, list[str]] = {}
    note = clean_text("note", note, max_chars=1000, required=False, errors=errors)
    raise_if_errors(errors)
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        permissions.request_delegates(proposal, proposal_roles(user=actor, proposal=proposal)).enforce()
        if proposal.delegate_requests.filter(answered_at__isnull=True).exists():
            raise TransitionRefused(
                "delegates_already_requested", _("Delegates are already requested; the coordinators have been told.")
            )
        elsewhere = [delegate for delegate in delegates if delegate.body != proposal.session.body]
        if elsewhere:
            body = proposal.session.get_body_display()
            message = _("%(delegate)s does not sit in the %(body)s.") % {"delegate": elsewhere[0], "body": body}
            raise ValidationError({"delegates": [message]})
        now = now or timezone.now()
        request = DelegateRequest.objects.create(proposal=proposal, requested_by=actor, note=note, created_at=now)
        request.wanted.set(delegates)
        names = "、".join(delegate.user.display_name for delegate in delegates)
        Transition.objects.create(
            proposal=proposal, action=DELEGATE_REQUEST_ACTION, from_state=proposal.state, to_state=proposal.state,
            actor=actor, note="\n".join(part for part in (names, note) if part),
            revision_number=proposal.revision_number, created_at=now,
        )  # fmt: skip
        touch(proposal, now)
    return request
