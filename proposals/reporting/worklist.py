"""What is waiting for this person, by role (#14 item 3): the dashboard's first section. Each item links to the
place on the proposal page where the person acts.

- coordinators (and operators): requests for delegates, overdue stages of their subtree, the units' overdue
  answers (key supervised items first, and counted apart), ready proposals past the session's deadline that need
  a late submission allowed;
- delegates: proposals awaiting their endorsement or co-signature, with the consultation's due date, and the
  units' answers awaiting their rating;
- secretaries: changes requested by delegates, delegates' comments not answered, stages due within a week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from proposals.models import Assignment, Comment, Deadline, Handling, Proposal, Revision, Stage, Transition, User
from proposals.selectors import (
    current_due_dates_before,
    open_delegate_requests,
    proposals_visible_to,
    proposals_with_workflow_data,
)
from proposals.workflow import HANDLING_STATES, PRE_SUBMISSION, HandlingStatus, State

ITEMS_PER_LIST = 10
DUE_SOON = dt.timedelta(days=7)


@dataclass(frozen=True)
class WorkItem:
    proposal: Proposal
    detail: str  # what is waiting, or who asked
    due_at: dt.datetime | None
    anchor: str  # where on the proposal page to act
    supervised: bool = False  # a key supervised item (重点督办)


@dataclass(frozen=True)
class WorkList:
    key: str
    title: Promise
    items: list[WorkItem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def supervised_count(self) -> int:
        return sum(item.supervised for item in self.items)


def waiting_for(user: User, now: dt.datetime | None = None) -> list[WorkList]:
    """The lists that concern this person's role, each at most ITEMS_PER_LIST long, most urgent first."""
    now = now or timezone.now()
    proposals = proposals_visible_to(user)
    if user.is_superuser or user.role == User.Role.COORDINATOR:
        return [_delegate_requests(user), _overdue_answers(proposals, now), _overdue(proposals, now),
                _late_submissions(proposals, now)]  # fmt: skip
    if user.role == User.Role.DELEGATE:
        return [_awaiting_endorsement(user), _awaiting_cosignature(user), _answers_to_rate(user, proposals)]
    if user.role == User.Role.SECRETARY:
        return [_changes_requested(proposals), _unanswered_comments(proposals), _due_soon(proposals, now)]
    return []


def _delegate_requests(user: User) -> WorkList:
    items = [
        WorkItem(request.proposal, f"{request.requested_by.display_name}（{request.proposal.organisation.name}）",
                 None, "assign-form")
        for request in open_delegate_requests(user)[:ITEMS_PER_LIST]
    ]  # fmt: skip
    return WorkList("delegate_requests", _("Requests for delegates"), items)


def _overdue(proposals: QuerySet[Proposal], now: dt.datetime) -> WorkList:
    items = [
        WorkItem(proposal, str(Stage(stage).label), due_at, "deadlines")
        for proposal, stage, due_at in current_due_dates_before(now, proposals)[:ITEMS_PER_LIST]
    ]
    return WorkList("overdue", _("Overdue stages"), items)


def _overdue_answers(proposals: QuerySet[Proposal], now: dt.datetime) -> WorkList:
    """The units whose answer is awaited past its due date, key supervised items first, then the longest overdue."""
    overdue = (
        Handling.objects.filter(status=HandlingStatus.OPEN, due_on__lt=timezone.localdate(now),
                                proposal__in=proposals.values("pk"))
        .select_related("proposal", "unit")
        .order_by(F("proposal__supervised_at").asc(nulls_last=True), "due_on", "pk")[:ITEMS_PER_LIST]
    )  # fmt: skip
    items = [
        WorkItem(h.proposal, f"{h.unit.label}（{h.get_role_display()}）", h.due_at, f"handling-{h.unit_id}",
                 supervised=h.proposal.supervised_at is not None)
        for h in overdue
    ]  # fmt: skip
    return WorkList("overdue_answers", _("Overdue answers"), items)


def _late_submissions(proposals: QuerySet[Proposal], now: dt.datetime) -> WorkList:
    allowed = Transition.objects.filter(proposal=OuterRef("pk"), action="allow_late_submission")
    late = (
        proposals.filter(state=State.READY, session__submission_deadline__lt=now)
        .exclude(Exists(allowed))
        .select_related("session")
        .order_by("session__submission_deadline", "pk")[:ITEMS_PER_LIST]
    )
    items = [WorkItem(proposal, proposal.session.name, proposal.session.submission_deadline, "actions")
             for proposal in late]  # fmt: skip
    return WorkList("late_submissions", _("Late submissions to allow"), items)


def _my_open_assignments(user: User, role: str, states: tuple[State, ...]) -> QuerySet[Assignment]:
    """The person's assignments in that role, not declined, on proposals in these states, oldest change first."""
    return (
        Assignment.objects.filter(delegate__user=user, role=role, declined_at__isnull=True, proposal__state__in=states)
        .select_related("proposal")
        .prefetch_related("proposal__deadlines")
        .order_by("proposal__updated_at")
    )


def _consultation_due(assignment: Assignment) -> dt.datetime | None:
    return next(
        (
            deadline.due_at
            for deadline in assignment.proposal.deadlines.all()
            if deadline.stage == Deadline.Stage.CONSULTATION
        ),
        None,
    )


def _awaiting_endorsement(user: User) -> WorkList:
    waiting = _my_open_assignments(user, Assignment.Role.LEAD, (State.CONSULTATION,)).exclude(
        endorsed_revision=F("proposal__revision_number")
    )[:ITEMS_PER_LIST]
    items = [WorkItem(a.proposal, str(_("Revision %(number)d") % {"number": a.proposal.revision_number}),
                      _consultation_due(a), "actions") for a in waiting]  # fmt: skip
    return WorkList("endorsement", _("Awaiting your endorsement"), items)


def _awaiting_cosignature(user: User) -> WorkList:
    waiting = _my_open_assignments(user, Assignment.Role.COSIGNER, (State.CONSULTATION, State.READY)).filter(
        cosigned_at__isnull=True
    )[:ITEMS_PER_LIST]
    items = [WorkItem(a.proposal, a.proposal.get_kind_display(), _consultation_due(a), "actions") for a in waiting]
    return WorkList("cosignature", _("Awaiting your co-signature"), items)


def _answers_to_rate(user: User, proposals: QuerySet[Proposal]) -> WorkList:
    """The units' answers that wait for this signer's rating, oldest answer first."""
    signed = Assignment.objects.filter(proposal=OuterRef("pk"), delegate__user=user, declined_at__isnull=True)
    answered = Handling.objects.filter(proposal=OuterRef("pk"), status=HandlingStatus.ANSWERED)
    proposals = proposals_with_workflow_data(
        proposals.filter(Exists(signed), Exists(answered), state__in=HANDLING_STATES)
    )
    waiting = [(proposal, handling) for proposal in proposals for handling in proposal.handlings_to_rate(user)]
    waiting.sort(key=lambda pair: (pair[1].current_answer().recorded_at, pair[1].pk))
    items = [WorkItem(proposal, str(_("Rate the answer of %(unit)s") % {"unit": handling.unit.label}), None,
                      "action-rate") for proposal, handling in waiting[:ITEMS_PER_LIST]]  # fmt: skip
    return WorkList("answers_to_rate", _("Answers awaiting your rating"), items)


def _changes_requested(proposals: QuerySet[Proposal]) -> WorkList:
    """Change requests newer than the proposal's latest revision: nobody has acted on them yet."""
    latest_revision = Revision.objects.filter(proposal=OuterRef("proposal")).order_by("-number").values("created_at")
    requests = (
        Comment.objects.filter(
            kind=Comment.Kind.CHANGE_REQUEST, proposal__in=proposals, proposal__state__in=PRE_SUBMISSION
        )
        .filter(created_at__gt=Subquery(latest_revision[:1]))
        .select_related("proposal", "author")
        .order_by("created_at", "pk")[:ITEMS_PER_LIST]
    )
    items = [WorkItem(c.proposal, f"{c.author.display_name}：{c.body[:80]}", None, "consultation") for c in requests]
    return WorkList("changes_requested", _("Changes requested"), items)


def _unanswered_comments(proposals: QuerySet[Proposal]) -> WorkList:
    """Proposals whose newest comment is a delegate's: the office has not answered it yet."""
    newest = Comment.objects.filter(proposal=OuterRef("proposal")).order_by("-created_at", "-pk").values("pk")[:1]
    comments = (
        Comment.objects.filter(
            proposal__in=proposals,
            proposal__state__in=PRE_SUBMISSION,
            kind=Comment.Kind.COMMENT,
            author__role=User.Role.DELEGATE,
            pk=Subquery(newest),
        )
        .select_related("proposal", "author")
        .order_by("created_at", "pk")[:ITEMS_PER_LIST]
    )
    items = [WorkItem(c.proposal, f"{c.author.display_name}：{c.body[:80]}", None, "consultation") for c in comments]
    return WorkList("unanswered_comments", _("Comments to answer"), items)


def _due_soon(proposals: QuerySet[Proposal], now: dt.datetime) -> WorkList:
    items = [
        WorkItem(proposal, str(Stage(stage).label), due_at, "deadlines")
        for proposal, stage, due_at in current_due_dates_before(now + DUE_SOON, proposals)[:ITEMS_PER_LIST]
    ]
    return WorkList("due_soon", _("Stages due within a week"), items)
