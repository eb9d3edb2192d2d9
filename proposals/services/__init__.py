"""Every write that matters: the only code that changes a proposal's state, its text or its parts.

Each service locks what it changes, checks who is asking, validates input (errors in the user's language,
nothing saved on error) and schedules side effects only after the transaction commits. One module per thing
changed; callers import the services from here.
"""

from proposals.services.assignments import delegate_assign, delegate_unassign, delegates_request
from proposals.services.bulk_import import ImportedProposal, proposals_import
from proposals.services.deadlines import (
    ANSWER_LATEST_AFTER_CLOSE,
    PROPOSAL_STAGES,
    deadline_set,
)
from proposals.services.evidence import EVIDENCE_TYPES, evidence_add, evidence_remove, evidence_replace
from proposals.services.handling_units import handling_unit_save
from proposals.services.meetings import meeting_file_add, meeting_minutes_record, meeting_save
from proposals.services.needs import (
    need_accept,
    need_contacts_remove_expired,
    need_decline,
    need_forward,
    need_link,
    need_merge,
    need_record,
    need_submit,
)
from proposals.services.notices import notice_mark_read, notices_mark_all_read
from proposals.services.people import calendar_token_regenerate, user_password_changed, user_update_preferences
from proposals.services.text import proposal_create, proposal_update_text
from proposals.services.transitions import comment_add, transition_apply

__all__ = [
    "ANSWER_LATEST_AFTER_CLOSE",
    "EVIDENCE_TYPES",
    "PROPOSAL_STAGES",
    "ImportedProposal",
    "calendar_token_regenerate",
    "comment_add",
    "deadline_set",
    "delegate_assign",
    "delegate_unassign",
    "delegates_request",
    "evidence_add",
    "evidence_remove",
    "evidence_replace",
    "handling_unit_save",
    "meeting_file_add",
    "meeting_minutes_record",
    "meeting_save",
    "need_accept",
    "need_contacts_remove_expired",
    "need_decline",
    "need_forward",
    "need_link",
    "need_merge",
    "need_record",
    "need_submit",
    "notice_mark_read",
    "notices_mark_all_read",
    "proposal_create",
    "proposal_update_text",
    "proposals_import",
    "transition_apply",
    "user_password_changed",
    "user_update_preferences",
]
