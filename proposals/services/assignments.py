"""Delegates assigned to a proposal, or unassigned, before it is submitted, and a secretary's request for them;
each logged and notified."""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from proposals import notifications, permissions
from proposals.models import Assignment, Delegate, DelegateRequest, Proposal, Transition, User
from proposals.selectors import proposal_roles
from proposals.services.checks import lock_proposal, raise_if_errors, touch
from proposals.validators import clean_text
from proposals.workflow import ASSIGN_ACTION, DELEGATE_REQUEST_ACTION, UNASSIGN_ACTION, TransitionRefused


def _log_assignment(proposal: Proposal, actor: User, action: str, assignment: Assignment, now: dt.datetime,
                    *, notify: bool) -> Transition:  # fmt: skip
    """The row of the log that shows an assignment or an unassignment in the timeline, and tells people."""
    delegate = assignment.delegate
    details = {"delegate_user": delegate.user_id, "delegate_name": delegate.user.display_name, "role": assignment.role}
    transition = Transition.objects.create(
        proposal=proposal, action=action, from_state=proposal.state, to_state=proposal.state, actor=actor,
        note=f"{assignment.get_role_display()}{pgettext('label', ': ')}{delegate}",
        revision_number=proposal.revision_number, created_at=now, details=details,
    )  # fmt: skip
    if notify:
        notifications.notify(transition)
    return transition


def delegate_assign(
    *, proposal_id: int, actor: User, delegate: Delegate, role: str, now: dt.datetime | None = None,
    notify: bool = True,
) -> Assignment:  # fmt: skip
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
        _log_assignment(proposal, actor, ASSIGN_ACTION, assignment, now, notify=notify)
    return assignment


def delegate_unassign(*, proposal_id: int, actor: User, assignment_id: int, now: dt.datetime | None = None) -> None:
    """A coordinator removes a delegate from a proposal before it is submitted (a wrong pick, a delegate who
    cannot take it on), as permissions.assign_delegate allows. What they endorsed or co-signed goes with the
    assignment; the log keeps that it was."""
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        permissions.assign_delegate(proposal, proposal_roles(user=actor, proposal=proposal)).enforce()
        assignment = next((a for a in proposal.assignments_list() if a.pk == assignment_id), None)
        if assignment is None:
            raise ValidationError({"assignment": [_("This delegate is not assigned to the proposal.")]})
        now = now or timezone.now()
        assignment.delete()
        touch(proposal, now)
        _log_assignment(proposal, actor, UNASSIGN_ACTION, assignment, now, notify=True)


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
        notifications.notify(Transition.objects.create(
            proposal=proposal, action=DELEGATE_REQUEST_ACTION, from_state=proposal.state, to_state=proposal.state,
            actor=actor, note="\n".join(part for part in (names, note) if part),
            revision_number=proposal.revision_number, created_at=now,
        ))  # fmt: skip
        touch(proposal, now)
    return request
