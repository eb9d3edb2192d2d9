"""Deadline reminders (DESIGN §5): what is due for whom, the outbox, and sending it.

The rooms: policy (when a reminder is due, pure functions), recipients (who must act), planning (recording due
reminders in the outbox, once), mails (what a reminder mail says) and sending (the outbox sent, beat's sweep).
What the rest of the product calls is named here.
"""

from proposals.reminders.mails import PREFERENCES_SALT, build_mail, message_id, preferences_url, todo, unit_line
from proposals.reminders.planning import (
    PlanResult,
    cancel_moved,
    due_items,
    follow_state,
    plan,
    reschedule_for,
)
from proposals.reminders.policy import (
    Policy,
    digest_at,
    policy_for,
    proposal_policy,
    reminder_day,
    reminder_offset,
    send_after,
)
from proposals.reminders.recipients import People, recipients
from proposals.reminders.sending import claim, retry_failed, send_batch, send_claimed, send_due, sweep, sweep_outboxes

__all__ = [
    "PREFERENCES_SALT",
    "People",
    "PlanResult",
    "Policy",
    "build_mail",
    "cancel_moved",
    "claim",
    "digest_at",
    "due_items",
    "follow_state",
    "message_id",
    "plan",
    "policy_for",
    "preferences_url",
    "proposal_policy",
    "recipients",
    "reminder_day",
    "reminder_offset",
    "reschedule_for",
    "retry_failed",
    "send_after",
    "send_batch",
    "send_claimed",
    "send_due",
    "sweep",
    "sweep_outboxes",
    "todo",
    "unit_line",
]
