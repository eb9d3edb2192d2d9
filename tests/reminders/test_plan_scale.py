"""Planning a sweep with more due stages than one SQL expression of the embedded database holds.

The benchmark found it: with 1,000+ consultations due, each with a lead of its own, reading their proposals
with their assignments in one query failed on SQLite ("Expression tree is too large (maximum depth 1000)").
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password

from proposals import reminders
from proposals.models import Assignment, Deadline, Delegate, Proposal, Reminder, Stage, User
from proposals.workflow import State
from tests.reminders.conftest import in_days

DUE = 1_100


def test_a_sweep_plans_more_than_a_thousand_due_consultations_with_leads_of_their_own(world):
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"lead-{n}", email=f"lead-{n}@example.org", role=User.Role.DELEGATE, password=password)
         for n in range(DUE)]
    )  # fmt: skip
    delegates = Delegate.objects.bulk_create(
        [Delegate(user=user, body="npc", level="city", region="朔州市") for user in users]
    )
    proposals = Proposal.objects.bulk_create(  # rows as the workflow leaves them (bulk_create skips its guards)
        [Proposal(title=f"关于青年工作的建议（{n}）", kind="suggestion", topic="jobs", organisation=world.branch,
                  author=world.secretary, session=world.npc_session, state=State.CONSULTATION)
         for n in range(DUE)]
    )  # fmt: skip
    Assignment.objects.bulk_create(
        [Assignment(proposal=proposal, delegate=delegate, role=Assignment.Role.LEAD, assigned_by=world.coordinator)
         for proposal, delegate in zip(proposals, delegates, strict=True)]
    )  # fmt: skip
    due = in_days(3)
    Deadline.objects.bulk_create(
        [Deadline(proposal=proposal, stage=Stage.CONSULTATION, due_at=due, is_current=True) for proposal in proposals]
    )

    result = reminders.plan(due - dt.timedelta(days=3))

    assert len(result.planned) == DUE
    leads = set(Reminder.objects.filter(stage=Stage.CONSULTATION, offset_days=3).values_list("recipient", flat=True))
    assert leads == {user.pk for user in users}
