"""Delegates assigned to a proposal, or unassigned, before it is submitted; each logged and notified."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from proposals import notifications
from proposals.models import Assignment, Delegate, Proposal, Transition, User
from proposals.services.checks import lock_proposal, require_roles, touch
from proposals.workflow import ASSIGN_ACTION, PRE_SUBMISSION, UNASSIGN_ACTION, Role, TransitionRefused

ASSIGNING = frozenset({Role.COORDINATOR, Role.ADMIN})


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
        require_roles(proposal, actor, ASSIGNING)
        if proposal.state not in PRE_SUBMISSION:
            raise TransitionRefused("assignment_closed", _("Delegates can no longer be assigned after submission."))
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
        _log_assignment(proposal, actor, ASSIGN_ACTION, assignment, now, notify=notify)
    return assignment


def delegate_unassign(*, proposal_id: int, actor: User, assignment_id: int, now: dt.datetime | None = None) -> None:
    """A coordinator removes a delegate from a proposal before it is submitted (a wrong pick, a delegate who
    cannot take it on). What they endorsed or co-signed goes with the assignment; the log keeps that it was."""
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        require_roles(proposal, actor, ASSIGNING)
        if proposal.state not in PRE_SUBMISSION:
            raise TransitionRefused("assignment_closed", _("Delegates can no longer be unassigned after submission."))
        assignment = next((a for a in proposal.assignments_list() if a.pk == assignment_id), None)
        if assignment is None:
            raise ValidationError({"assignment": [_("This delegate is not assigned to the proposal.")]})
        now = now or timezone.now()
        assignment.delete()
        touch(proposal, now)
        _log_assignment(proposal, actor, UNASSIGN_ACTION, assignment, now, notify=True)
