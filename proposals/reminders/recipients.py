"""Who must act on a stage of a proposal, and so who is reminded of it, and who is told when it runs late."""

from __future__ import annotations

from collections.abc import Iterable

from proposals.models import Assignment, Organisation, Proposal, Reminder, Stage, User
from proposals.reminders.policy import Policy


def _coordinators_of(organisation: Organisation | None) -> list[User]:
    if organisation is None:
        return []
    return list(User.objects.filter(role=User.Role.COORDINATOR, organisation=organisation, is_active=True))


class People:
    """Who acts for an organisation, each read once: asking about many proposals touches the same few."""

    def __init__(self) -> None:
        self._secretaries: dict[int, list[User]] = {}
        self._coordinators: dict[int | None, list[User]] = {}

    def secretaries(self, organisation_id: int) -> list[User]:
        if organisation_id not in self._secretaries:
            self._secretaries[organisation_id] = list(
                User.objects.filter(role=User.Role.SECRETARY, organisation_id=organisation_id, is_active=True)
            )
        return self._secretaries[organisation_id]

    def read_secretaries(self, organisation_ids: Iterable[int]) -> None:
        """The secretaries of these organisations not read yet, in one query."""
        missing = set(organisation_ids) - self._secretaries.keys()
        if not missing:
            return
        for organisation_id in missing:
            self._secretaries[organisation_id] = []
        users = User.objects.filter(role=User.Role.SECRETARY, organisation_id__in=missing, is_active=True)
        for user in users:
            self._secretaries[user.organisation_id].append(user)

    def coordinators(self, organisation: Organisation | None) -> list[User]:
        key = organisation.pk if organisation is not None else None
        if key not in self._coordinators:
            self._coordinators[key] = _coordinators_of(organisation)
        return self._coordinators[key]


def committee_of(organisation: Organisation) -> Organisation:
    """The committee that steers a branch's work: the nearest committee above it; committees steer themselves.
    Free when the parent is loaded with the organisation, as the callers do; a branch of a branch walks up."""
    while not organisation.is_committee and organisation.parent_id is not None:
        organisation = organisation.parent
    return organisation


def _delegates_to_act(proposal: Proposal, stage: str) -> list[User]:
    """Assigned delegates who still have to act: in consultation, who has not endorsed or co-signed yet."""
    people = []
    for assignment in proposal.assignments_list():
        if assignment.declined_at is not None:
            continue
        is_lead = assignment.role == Assignment.Role.LEAD
        if stage == Stage.CONSULTATION:
            done = assignment.endorsed_revision == proposal.revision_number if is_lead else assignment.cosigned_at
            if not done:
                people.append(assignment.delegate.user)
        elif is_lead:
            people.append(assignment.delegate.user)
    return people


def recipients(
    proposal: Proposal,
    stage: str,
    offset_days: int,
    policy: Policy,
    directory: People | None = None,
    *,
    unit_answer: bool = False,
) -> list[tuple[User, str]]:
    """Who is reminded of this stage's due date, and as what (DESIGN §5). The calendar feed asks the same.

    `unit_answer`: the due date is one handling unit's answer (Reminder.handling), which the organisation's
    secretaries chase with the lead delegate until it is overdue. `directory` lets a caller that asks about many
    proposals read each organisation's people once.
    """
    directory = directory or People()
    overdue = offset_days < 0
    kind = Reminder.Kind.OVERDUE if overdue else Reminder.Kind.BEFORE
    if stage == Stage.RESEARCH:
        people = directory.secretaries(proposal.organisation_id)
    elif stage == Stage.ANSWER and overdue:
        people = directory.coordinators(committee_of(proposal.organisation))
    elif unit_answer:
        people = [*directory.secretaries(proposal.organisation_id), *_delegates_to_act(proposal, stage)]
    else:
        people = _delegates_to_act(proposal, stage)
    chosen = {user.pk: (user, kind) for user in people}
    if overdue and -offset_days >= policy.escalate_after_days:
        # The coordinators of the nearest organisation above that has some not reminded already: a branch's
        # overdue answer goes to its county committee, so it escalates to the city; a branch of a branch, or a
        # committee without coordinators, passes the escalation on up the tree.
        above = proposal.organisation.parent
        escalated: list[User] = []
        while above is not None and not escalated:
            escalated = [user for user in directory.coordinators(above) if user.pk not in chosen]
            above = above.parent
        for user in escalated:
            chosen.setdefault(user.pk, (user, Reminder.Kind.ESCALATION))
    return list(chosen.values())
