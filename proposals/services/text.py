"""A proposal's drafting and its text: each saved change is a new revision."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import permissions, reminders
from proposals.models import Deadline, Organisation, Proposal, Revision, Session, User
from proposals.selectors import organisations_in_scope, proposal_roles
from proposals.services.checks import check_due, check_version, lock_proposal, raise_if_errors, touch
from proposals.services.deadlines import CONSULTATION_LEAD_TIME, RESEARCH_LEAD_TIME, check_nudge
from proposals.validators import clean_text
from proposals.workflow import TextConflict


def _clean_proposal_text(changes: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, str]:
    cleaned = {}
    for field in Revision.TEXT_FIELDS:
        if field in changes:
            limit = settings.PROPOSAL_TITLE_MAX_CHARS if field == "title" else settings.PROPOSAL_TEXT_MAX_CHARS
            cleaned[field] = clean_text(
                field, changes[field], max_chars=limit, required=field == "title", errors=errors,
                single_line=field == "title",
            )  # fmt: skip
    return cleaned


def proposal_create(
    *,
    author: User,
    organisation: Organisation,
    session: Session,
    kind: str,
    topic: str,
    title: str,
    background: str = "",
    research_findings: str = "",
    recommendations: str = "",
    research_due: dt.datetime | None = None,
    consultation_due: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Proposal:
    """Draft a new proposal for an organisation the author steers, with its first revision and deadlines."""
    errors: dict[str, list[str]] = {}
    now = now or timezone.now()
    _check_new_proposal(author, organisation, session, kind, topic, timezone.localdate(now), errors)
    text = _clean_proposal_text(
        {"title": title, "background": background, "research_findings": research_findings,
         "recommendations": recommendations},
        errors,
    )  # fmt: skip
    research_due, consultation_due = _clean_first_dues(research_due, consultation_due, session, errors)
    raise_if_errors(errors)

    with transaction.atomic():
        proposal = Proposal.objects.create(
            organisation=organisation, session=session, kind=kind, topic=topic, author=author,
            created_at=now, updated_at=now, **text,
        )  # fmt: skip
        Revision.objects.create(proposal=proposal, number=1, author=author, created_at=now, **text)
        Deadline.objects.bulk_create(
            [
                Deadline(proposal=proposal, stage=Deadline.Stage.RESEARCH, due_at=research_due, set_by=author),
                Deadline(proposal=proposal, stage=Deadline.Stage.CONSULTATION, due_at=consultation_due, set_by=author),
            ]
        )
        reminders.follow_state(proposal, now)
    return proposal


def _check_new_proposal(
    author: User, organisation: Organisation, session: Session, kind: str, topic: str, today: dt.date,
    errors: dict[str, list[str]],
) -> None:  # fmt: skip
    """Whether the author may draft for the organisation, for a session not yet closed, of a kind and topic the
    session takes."""
    if not organisations_in_scope(author).filter(pk=organisation.pk).exists():
        errors["organisation"] = [
            _("You cannot draft proposals for “%(organisation)s”.") % {"organisation": organisation.name}
        ]
    if session.closing_date < today:
        errors["session"] = [
            _("“%(session)s” closed on %(date)s: a new draft goes to a session still to come.")
            % {"session": session.name, "date": session.closing_date}
        ]
    if kind not in Proposal.Kind.values:
        errors["kind"] = [_("Choose a valid kind.")]
    elif kind not in Proposal.KINDS_BY_BODY[session.body]:
        errors["kind"] = [
            _("A %(kind)s cannot go to a session of the %(body)s.")
            % {"kind": Proposal.Kind(kind).label, "body": session.get_body_display()}
        ]
    if topic not in Proposal.Topic.values:
        errors["topic"] = [_("Choose a valid topic.")]


def _clean_first_dues(
    research_due: dt.datetime | None,
    consultation_due: dt.datetime | None,
    session: Session,
    errors: dict[str, list[str]],
) -> tuple[dt.datetime, dt.datetime]:
    """A new draft's due dates: those given, checked, else the session's lead times before its deadline."""
    research_due = check_due("research_due", research_due, session, errors)
    consultation_due = check_due("consultation_due", consultation_due, session, errors)
    for field, due in (("research_due", research_due), ("consultation_due", consultation_due)):
        if due is not None and field not in errors:  # as deadline_set allows a secretary: no override here
            check_nudge(field, due, session, errors)
    if research_due is None:
        research_due = session.submission_deadline - RESEARCH_LEAD_TIME
    if consultation_due is None:
        consultation_due = session.submission_deadline - CONSULTATION_LEAD_TIME
    if "research_due" not in errors and "consultation_due" not in errors and research_due > consultation_due:
        errors["consultation_due"] = [_("Consultation cannot be due before research is.")]
    return research_due, consultation_due


def merge_text(
    base: dict[str, str], mine: dict[str, str], theirs: dict[str, str]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Field by field, against the text both sides started from: a field only one side changed takes that side's
    text; one both changed alike is kept; one both changed differently is a conflict. Returns the merged text of
    `mine`'s fields and the conflicting fields, in the text's order."""
    merged, conflicts = {}, []
    for field in Revision.TEXT_FIELDS:
        if field not in mine:
            continue
        if mine[field] == base[field] or mine[field] == theirs[field]:
            merged[field] = theirs[field]
        elif theirs[field] == base[field]:
            merged[field] = mine[field]
        else:
            merged[field] = mine[field]
            conflicts.append(field)
    return merged, tuple(conflicts)


def proposal_update_text(
    *,
    proposal_id: int,
    actor: User,
    expected_version: int | None = None,
    base_revision: int | None = None,
    now: dt.datetime | None = None,
    **changes: Any,
) -> Proposal:
    """Save a change of the text as a new revision. The text is frozen from "ready" on.

    With `base_revision`, the revision the editor started from, text saved by others since is merged field by
    field (merge_text) rather than overwritten; fields both sides changed raise TextConflict and save nothing."""
    unknown = set(changes) - set(Revision.TEXT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    cleaned = _clean_proposal_text(changes, errors)
    raise_if_errors(errors)
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        may_edit = permissions.edit_text(proposal, proposal_roles(user=actor, proposal=proposal))
        if may_edit.permission_denied:  # who asks comes before which version they saw, as in every write
            may_edit.enforce()
        check_version(proposal, expected_version)
        may_edit.enforce()
        if base_revision is not None and base_revision != proposal.revision_number:
            cleaned = _merged_with_later_revisions(proposal, base_revision, cleaned)
        changed = {field: value for field, value in cleaned.items() if getattr(proposal, field) != value}
        if not changed:
            return proposal
        now = now or timezone.now()
        for field, value in changed.items():
            setattr(proposal, field, value)
        proposal.revision_number += 1
        Revision.objects.create(
            proposal=proposal, number=proposal.revision_number, author=actor, created_at=now,
            **{field: getattr(proposal, field) for field in Revision.TEXT_FIELDS},
        )  # fmt: skip
        touch(proposal, now, *changed, "revision_number")
    return proposal


def _merged_with_later_revisions(proposal: Proposal, base_revision: int, mine: dict[str, str]) -> dict[str, str]:
    """The editor's text merged with what was saved after `base_revision`, or TextConflict."""
    base = proposal.revisions.filter(number=base_revision).first()
    if base is None:
        raise ValidationError(
            {"base_revision": [_("This proposal has no revision %(number)s.") % {"number": base_revision}]}
        )
    theirs = {field: getattr(proposal, field) for field in Revision.TEXT_FIELDS}
    merged, conflicts = merge_text({field: getattr(base, field) for field in Revision.TEXT_FIELDS}, mine, theirs)
    if conflicts:
        later = proposal.revisions.filter(number__gt=base_revision).select_related("author").order_by("number")
        raise TextConflict(
            _("Since you started editing, revision %(number)d was saved with other changes to the same fields.")
            % {"number": proposal.revision_number},
            fields=conflicts, merged=merged, authors=[revision.author for revision in later],
            revision=proposal.revision_number,
        )  # fmt: skip
    return merged
