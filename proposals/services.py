"""Every write that matters: the only code that changes a proposal's state, its text or its parts.

Each service locks what it changes, checks who is asking, validates input (errors in the user's language,
nothing saved on error) and schedules side effects only after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from proposals import notifications, reminders
from proposals.documents.calendar_feed import calendar_token_hash
from proposals.models import (
    Assignment,
    Comment,
    Deadline,
    Delegate,
    Evidence,
    Organisation,
    Proposal,
    Revision,
    Session,
    Transition,
    User,
    state_change_allowed,
)
from proposals.selectors import guard_context, organisations_in_scope, proposal_roles
from proposals.validators import clean_text
from proposals.workflow import (
    DEADLINE_MOVE_ACTION,
    EDITABLE_STATES,
    IMPORT_ACTION,
    PRE_SUBMISSION,
    STEERING,
    Action,
    ProposalChanged,
    Role,
    State,
    TransitionRefused,
    current_stage,
    get_action,
    reached,
    refusal,
)

# How long before the session's submission deadline research and consultation are due, by default.
RESEARCH_LEAD_TIME = dt.timedelta(days=28)
CONSULTATION_LEAD_TIME = dt.timedelta(days=7)
# The handling unit's answer is due three months after submission (DESIGN §5).
ANSWER_PERIOD = relativedelta(months=3)
# The stages whose due date is set per proposal; submission is due at the session's deadline.
PROPOSAL_STAGES = (Deadline.Stage.RESEARCH, Deadline.Stage.CONSULTATION, Deadline.Stage.ANSWER)
# Who may move which due date, and how far (DESIGN §2, §5; README "Deadlines"). The organisation's secretary
# moves its research and consultation due dates before submission, up to the session's submission deadline.
# Anything else (the answer's due date, any due date once submitted, research or consultation after the
# submission deadline) is an override: a coordinator's, with a reason. No due date falls before the proposal
# was created (the answer's: before its submission day), none after the session's end (the answer's: after
# ANSWER_LATEST_AFTER_CLOSE past it), so that no one can move a stage's reminders out of reach.
DEADLINE_OVERRIDE_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
ANSWER_LATEST_AFTER_CLOSE = relativedelta(years=1)

# Evidence the office works with: documents, spreadsheets, photos. The first bytes must match the type.
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
}


# --- Input checks -------------------------------------------------------------------------------------


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


def _session_end(session: Session) -> dt.datetime:
    """The last moment of the session's closing day, in the project's time zone."""
    closing = dt.datetime.combine(session.closing_date + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(closing) - dt.timedelta(microseconds=1)


def _check_due(field: str, due_at: Any, session: Session, errors: dict[str, list[str]]) -> dt.datetime | None:
    if due_at is None:
        return None
    if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
        errors.setdefault(field, []).append(_("Enter a date and time with a time zone."))
        return None
    if due_at > _session_end(session):
        errors.setdefault(field, []).append(
            _("The deadline must not fall after the session closes on %(date)s.") % {"date": session.closing_date}
        )
    return due_at


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _lock(proposal_id: int) -> Proposal:
    """Load the proposal for a write, holding its row lock until the transaction ends."""
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("session", "organisation__parent__parent")
        .prefetch_related("assignments__delegate__user")
        .get(pk=proposal_id)
    )
    return proposal


def _require_roles(proposal: Proposal, actor: User, allowed: frozenset[Role]) -> frozenset[Role]:
    roles = proposal_roles(user=actor, proposal=proposal)
    if not roles & allowed:
        raise PermissionDenied(_("You may not change this proposal."))
    return roles


def _check_version(proposal: Proposal, expected_version: int | None, action: str | None = None) -> None:
    if expected_version is not None and expected_version != proposal.version:
        raise ProposalChanged(
            _("Someone else changed this proposal (now version %(now)d, you saw %(seen)d). Reload it and try again.")
            % {"now": proposal.version, "seen": expected_version},
            action=action,
        )


def _touch(proposal: Proposal, now: dt.datetime, *fields: str) -> None:
    proposal.version += 1
    proposal.updated_at = now
    proposal.save(update_fields=[*fields, "version", "updated_at"])


# --- Proposals and their text -------------------------------------------------------------------------


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
    _check_new_proposal(author, organisation, session, kind, topic, errors)
    text = _clean_proposal_text(
        {"title": title, "background": background, "research_findings": research_findings,
         "recommendations": recommendations},
        errors,
    )  # fmt: skip
    research_due, consultation_due = _clean_first_dues(research_due, consultation_due, session, errors)
    _raise_if(errors)

    now = now or timezone.now()
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
    author: User, organisation: Organisation, session: Session, kind: str, topic: str, errors: dict[str, list[str]]
) -> None:
    """Whether the author may draft for the organisation, and the kind and topic are ones the session takes."""
    if not organisations_in_scope(author).filter(pk=organisation.pk).exists():
        errors["organisation"] = [
            _("You cannot draft proposals for “%(organisation)s”.") % {"organisation": organisation.name}
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
    research_due = _check_due("research_due", research_due, session, errors)
    consultation_due = _check_due("consultation_due", consultation_due, session, errors)
    for field, due in (("research_due", research_due), ("consultation_due", consultation_due)):
        if due is not None and field not in errors:  # as deadline_set allows a secretary: no override here
            _check_nudge(field, due, session, errors)
    if research_due is None:
        research_due = session.submission_deadline - RESEARCH_LEAD_TIME
    if consultation_due is None:
        consultation_due = session.submission_deadline - CONSULTATION_LEAD_TIME
    if "research_due" not in errors and "consultation_due" not in errors and research_due > consultation_due:
        errors["consultation_due"] = [_("Consultation cannot be due before research is.")]
    return research_due, consultation_due


def proposal_update_text(
    *,
    proposal_id: int,
    actor: User,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    **changes: Any,
) -> Proposal:
    """Save a change of the text as a new revision. The text is frozen from "ready" on."""
    unknown = set(changes) - set(Revision.TEXT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    cleaned = _clean_proposal_text(changes, errors)
    _raise_if(errors)
    with transaction.atomic():
        proposal = _lock(proposal_id)
        _require_roles(proposal, actor, STEERING)
        _check_version(proposal, expected_version)
        if proposal.state not in EDITABLE_STATES:
            raise TransitionRefused(
                "text_frozen",
                _("The text is frozen in state “%(state)s” and can no longer change.")
                % {"state": proposal.get_state_display()},
            )
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
        _touch(proposal, now, *changed, "revision_number")
    return proposal


def delegate_assign(
    *, proposal_id: int, actor: User, delegate: Delegate, role: str, now: dt.datetime | None = None
) -> Assignment:
    """A coordinator assigns a lead delegate or a co-signer. The delegate must sit in the session's body."""
    if role not in Assignment.Role.values:
        raise ValidationError({"role": [_("Choose lead delegate or co-signer.")]})
    with transaction.atomic():
        proposal = _lock(proposal_id)
        _require_roles(proposal, actor, frozenset({Role.COORDINATOR, Role.ADMIN}))
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
        _touch(proposal, now)
    return assignment


def _deadline_bounds(proposal: Proposal, stage: str) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and the latest due date of a stage of this proposal, for anyone (see DEADLINE_OVERRIDE_ROLES)."""
    session_end = _session_end(proposal.session)
    if stage != Deadline.Stage.ANSWER:
        return proposal.created_at, session_end
    start = proposal.created_at
    if proposal.submitted_on is not None:
        start = timezone.make_aware(dt.datetime.combine(proposal.submitted_on, dt.time.min))
    return start, session_end + ANSWER_LATEST_AFTER_CLOSE


def _check_deadline_move(proposal: Proposal, roles: frozenset[Role], stage: str, due_at: dt.datetime, reason: str,
                         errors: dict[str, list[str]]) -> None:  # fmt: skip
    """Refuse a move its mover may not make (PermissionDenied) or that leaves the bounds (errors)."""
    earliest, latest = _deadline_bounds(proposal, stage)
    if due_at < earliest:
        errors.setdefault("due_at", []).append(
            _("The deadline must not fall before %(date)s.") % {"date": _local_minute(earliest)}
        )
    elif due_at > latest and stage == Deadline.Stage.ANSWER:
        errors.setdefault("due_at", []).append(
            _("The answer must not be due after %(date)s, a year after the session closes.")
            % {"date": timezone.localdate(latest)}
        )
    elif due_at > latest:
        errors.setdefault("due_at", []).append(
            _("The deadline must not fall after the session closes on %(date)s.")
            % {"date": proposal.session.closing_date}
        )
    if roles & DEADLINE_OVERRIDE_ROLES:
        overriding = (
            stage == Deadline.Stage.ANSWER
            or proposal.state not in PRE_SUBMISSION
            or due_at > proposal.session.submission_deadline
        )
        if overriding and not reason:
            errors.setdefault("reason", []).append(_("A coordinator's override of a deadline needs a reason."))
    elif stage == Deadline.Stage.ANSWER:
        raise PermissionDenied(_("Only a coordinator may move the answer's due date."))
    elif proposal.state not in PRE_SUBMISSION:
        raise PermissionDenied(_("Once a proposal is submitted, only a coordinator may move its due dates."))
    else:
        _check_nudge("due_at", due_at, proposal.session, errors)


def _check_nudge(field: str, due_at: dt.datetime, session: Session, errors: dict[str, list[str]]) -> None:
    """A research or consultation due date set without an override is due by the submission deadline."""
    if due_at > session.submission_deadline:
        errors.setdefault(field, []).append(
            _("Research and consultation are due by the session's submission deadline, %(date)s; only a "
              "coordinator may set a later date.") % {"date": _local_minute(session.submission_deadline)}
        )  # fmt: skip


def deadline_set(*, proposal_id: int, actor: User, stage: str, due_at: dt.datetime, reason: str = "") -> Deadline:
    """Move a stage's due date, within the rules of DEADLINE_OVERRIDE_ROLES, and record the move in the log.

    Each move raises the deadline's sequence so subscribed calendars update."""
    errors: dict[str, list[str]] = {}
    if stage not in PROPOSAL_STAGES:
        errors["stage"] = [_("Choose a valid stage.")]
    reason = clean_text("reason", reason, max_chars=300, required=False, errors=errors, single_line=True)
    if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
        errors["due_at"] = [_("Enter a date and time with a time zone.")]
    with transaction.atomic():
        proposal = _lock(proposal_id)
        roles = _require_roles(proposal, actor, STEERING)
        _raise_if(errors)
        _check_deadline_move(proposal, roles, stage, due_at, reason, errors)
        _raise_if(errors)
        deadline, created = Deadline.objects.select_for_update().get_or_create(
            proposal=proposal, stage=stage,
            defaults={"due_at": due_at, "set_by": actor, "reason": reason,
                      "is_current": current_stage(proposal.state) == stage},
        )  # fmt: skip
        before = None if created else deadline.due_at
        if not created and deadline.due_at != due_at:
            deadline.due_at, deadline.set_by, deadline.reason = due_at, actor, reason
            deadline.sequence += 1
            deadline.save(update_fields=["due_at", "set_by", "reason", "sequence"])
            reminders.cancel_moved(proposal, stage, due_at)
        if before != due_at:
            moved = f"{Deadline.Stage(stage).label}: {_local_minute(before)} → {_local_minute(due_at)}"
            Transition.objects.create(
                proposal=proposal, action=DEADLINE_MOVE_ACTION, from_state=proposal.state, to_state=proposal.state,
                actor=actor, note=f"{moved}\n{reason}".strip(), revision_number=proposal.revision_number,
            )  # fmt: skip
        _touch(proposal, timezone.now())
    return deadline


def _local_minute(moment: dt.datetime | None) -> str:
    return "—" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def evidence_add(
    *, proposal_id: int, actor: User, upload: UploadedFile, description: str = "", now: dt.datetime | None = None
) -> Evidence:
    """Attach research evidence after checking its size and that its content matches its type."""
    errors: dict[str, list[str]] = {}
    description = clean_text("description", description, max_chars=200, required=False, errors=errors,
                              single_line=True)  # fmt: skip
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    problem = _evidence_file_problem(upload, name, extension)
    if problem:
        errors["file"] = [problem]
    _raise_if(errors)
    evidence = Evidence(
        original_name=name[:255], content_type=EVIDENCE_TYPES[extension][0], size=upload.size,
        sha256=_sha256(upload), description=description, uploaded_by=actor, uploaded_at=now or timezone.now(),
    )  # fmt: skip
    _evidence_store(evidence, proposal_id=proposal_id, upload=upload, name=name)
    return evidence


def _evidence_file_problem(upload: UploadedFile, name: str, extension: str) -> str | None:
    """Why the file cannot be evidence (empty, too large, of a type not taken, not what its type says), if it
    cannot."""
    if upload.size is None or upload.size == 0:
        return _("The file is empty.")
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        return _("The file is %(size)s MB; at most %(max)s MB are allowed.") % {
            "size": round(upload.size / 1048576, 1), "max": round(settings.EVIDENCE_MAX_BYTES / 1048576, 1)
        }  # fmt: skip
    if extension not in EVIDENCE_TYPES:
        return _("Files of type “%(ext)s” are not accepted. Accepted: %(accepted)s.") % {
            "ext": extension or name, "accepted": ", ".join(EVIDENCE_TYPES)
        }  # fmt: skip
    signatures = EVIDENCE_TYPES[extension][1]
    head = upload.read(16)
    upload.seek(0)
    if signatures and not any(head.startswith(signature) for signature in signatures):
        return _("The file's content does not match its type “%(ext)s”.") % {"ext": extension}
    return None


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _evidence_store(evidence: Evidence, *, proposal_id: int, upload: UploadedFile, name: str) -> None:
    """Save the file and its row on the locked proposal, if its steering may still add evidence."""
    try:
        with transaction.atomic():
            proposal = _lock(proposal_id)
            _require_roles(proposal, evidence.uploaded_by, STEERING)
            if proposal.state not in PRE_SUBMISSION:
                raise TransitionRefused("evidence_closed", _("Evidence can no longer be added after submission."))
            evidence.proposal = proposal
            evidence.file.save(name, upload, save=True)
            _touch(proposal, evidence.uploaded_at)
    except Exception:
        # The file reaches the disk before the row commits: a rolled-back upload must not leave it behind.
        if evidence.file.name:
            evidence.file.delete(save=False)
        raise


# --- Workflow -----------------------------------------------------------------------------------------


def _parse_day(field: str, value: Any, default: dt.date, errors: dict[str, list[str]], today: dt.date) -> dt.date:
    if value in (None, ""):
        return default
    try:
        day = value if isinstance(value, dt.date) else parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well-formed but impossible, such as 2026-13-45
        day = None
    if day is None:
        errors.setdefault(field, []).append(_("Enter a valid date (YYYY-MM-DD)."))
        return default
    if day > today:
        errors.setdefault(field, []).append(_("The date cannot be in the future."))
    return day


def _clean_inputs(action: Action, inputs: dict[str, Any], today: dt.date) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    unknown = set(inputs) - set(action.inputs)
    for name in sorted(unknown):
        errors[name] = [_("“%(action)s” takes no field “%(field)s”.") % {"action": action.label, "field": name}]
    for name, required in action.inputs.items():
        if required and inputs.get(name) in (None, ""):
            errors.setdefault(name, []).append(_("This field is required."))
    cleaned: dict[str, Any] = {}
    if "reference_number" in action.inputs:
        cleaned["reference_number"] = clean_text("reference_number", inputs.get("reference_number"), max_chars=50,
                                                  required=True, errors=errors, single_line=True)  # fmt: skip
        cleaned["submitted_on"] = _parse_day("submitted_on", inputs.get("submitted_on"), today, errors, today)
    if "answer" in action.inputs:
        cleaned["handling_units"] = clean_text("handling_units", inputs.get("handling_units"), max_chars=300,
                                                required=True, errors=errors, single_line=True)  # fmt: skip
        cleaned["answer"] = clean_text("answer", inputs.get("answer"), max_chars=settings.PROPOSAL_TEXT_MAX_CHARS,
                                        required=True, errors=errors)  # fmt: skip
        cleaned["answered_on"] = _parse_day("answered_on", inputs.get("answered_on"), today, errors, today)
    if "rating" in action.inputs:
        rating = inputs.get("rating")
        if rating not in Proposal.Rating.values:
            errors.setdefault("rating", []).append(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(Proposal.Rating.values)}
            )
        cleaned["rating"] = rating
    _raise_if(errors)
    return cleaned


def _comment(proposal: Proposal, actor: User, kind: str, body: str, now: dt.datetime) -> None:
    revision = proposal.revisions.get(number=proposal.revision_number)
    Comment.objects.create(proposal=proposal, revision=revision, author=actor, kind=kind, body=body, created_at=now)


def _effect_comment(proposal, actor, note, inputs, now):
    _comment(proposal, actor, Comment.Kind.COMMENT, note, now)


def _effect_request_changes(proposal, actor, note, inputs, now):
    _comment(proposal, actor, Comment.Kind.CHANGE_REQUEST, note, now)


def _effect_endorse(proposal, actor, note, inputs, now):
    lead = proposal.lead_assignment()
    lead.endorsed_revision = proposal.revision_number
    lead.save(update_fields=["endorsed_revision"])
    if note:
        _comment(proposal, actor, Comment.Kind.COMMENT, note, now)


def _effect_co_sign(proposal, actor, note, inputs, now):
    assignment = proposal.assignment_of(actor)
    assignment.cosigned_at = now
    assignment.save(update_fields=["cosigned_at"])


def _effect_decline(proposal, actor, note, inputs, now):
    assignment = proposal.assignment_of(actor)
    assignment.declined_at = now
    assignment.save(update_fields=["declined_at"])


def _effect_submit(proposal, actor, note, inputs, now):
    number = inputs["reference_number"]
    if Proposal.objects.filter(session=proposal.session, reference_number=number).exclude(pk=proposal.pk).exists():
        raise ValidationError(
            {
                "reference_number": [
                    _("Reference number %(number)s is already taken in this session.") % {"number": number}
                ]
            }
        )
    proposal.reference_number = number
    proposal.submitted_on = inputs["submitted_on"]
    answer_due = timezone.make_aware(dt.datetime.combine(proposal.submitted_on + ANSWER_PERIOD, dt.time(18)))
    Deadline.objects.update_or_create(
        proposal=proposal, stage=Deadline.Stage.ANSWER, defaults={"due_at": answer_due, "set_by": actor}
    )
    return ("reference_number", "submitted_on")


def _effect_decision(proposal, actor, note, inputs, now):
    proposal.decision_note = note
    return ("decision_note",)


def _effect_record_answer(proposal, actor, note, inputs, now):
    proposal.handling_units = inputs["handling_units"]
    proposal.answer = inputs["answer"]
    proposal.answered_on = inputs["answered_on"]
    return ("handling_units", "answer", "answered_on")


def _effect_rate(proposal, actor, note, inputs, now):
    proposal.rating = inputs["rating"]
    return ("rating",)


# What each action records besides the state change and the log row. Returns the proposal fields it set.
Effect = Callable[[Proposal, User, str, dict[str, Any], dt.datetime], tuple[str, ...] | None]
EFFECTS: dict[str, Effect] = {
    "comment": _effect_comment,
    "request_changes": _effect_request_changes,
    "endorse": _effect_endorse,
    "co_sign": _effect_co_sign,
    "decline": _effect_decline,
    "submit": _effect_submit,
    "register": _effect_decision,
    "not_register": _effect_decision,
    "record_answer": _effect_record_answer,
    "rate": _effect_rate,
}


def transition_apply(
    *,
    proposal_id: int,
    actor: User,
    action: str,
    note: str = "",
    inputs: dict[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Transition:
    """Fire a workflow action: lock, check role and guards, change the state, log it, notify after commit.

    Raises TransitionRefused (with the guard's code) when the action may not be fired, ProposalChanged when
    the caller's expected_version is stale, ValidationError for bad inputs. On any error nothing is saved.
    `now` is the moment the action takes effect (tests and the demo data pass it; callers leave it out).
    """
    spec = get_action(action)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    note = clean_text("note", note, max_chars=settings.PROPOSAL_TEXT_MAX_CHARS, required=spec.note_required,
                       errors=errors)  # fmt: skip
    _raise_if(errors)
    cleaned = _clean_inputs(spec, inputs or {}, timezone.localdate(now))

    try:
        with transaction.atomic():
            proposal = _lock(proposal_id)
            ctx = guard_context(user=actor, proposal=proposal, now=now)
            if not ctx.roles:
                raise PermissionDenied(_("You may not change this proposal."))
            _check_version(proposal, expected_version, action)
            refused = refusal(spec, proposal, ctx)
            if refused is not None:
                raise refused
            from_state = proposal.state
            effect = EFFECTS.get(spec.name)
            changed_fields = (effect(proposal, actor, note, cleaned, now) if effect else None) or ()
            with state_change_allowed():
                proposal.state = spec.target_from(from_state)
                _touch(proposal, now, "state", *changed_fields)
            if proposal.state != from_state:
                reminders.follow_state(proposal, now)
            transition = Transition.objects.create(
                proposal=proposal, action=spec.name, from_state=from_state, to_state=proposal.state, actor=actor,
                note=note, revision_number=proposal.revision_number, created_at=now,
            )  # fmt: skip
            if notify:
                notifications.queue_delivery(notifications.record_notices(transition))
    except IntegrityError as error:
        if "reference" not in str(error):  # PostgreSQL names the constraint, SQLite the column
            raise
        # Another request took the same reference number between our check and our write.
        raise ValidationError({"reference_number": [_("This reference number is already taken.")]}) from error
    return transition


def comment_add(*, proposal_id: int, actor: User, body: str, expected_version: int | None = None) -> Comment:
    """Comment on the proposal's current revision: the workflow's "comment" action, checked, logged and notified
    as any other. Returns the comment written."""
    with transaction.atomic():
        transition_apply(
            proposal_id=proposal_id, actor=actor, action="comment", note=body, expected_version=expected_version
        )
        # The proposal stays locked until this commits, so its newest comment is the one just written.
        return Comment.objects.select_related("author", "revision").filter(proposal_id=proposal_id).latest("pk")


# --- Imports ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ImportedProposal:
    """A proposal read from a spreadsheet and checked by proposals.imports: the state it reached, its outcome."""

    row: int  # where it came from, for the log
    organisation: Organisation
    session: Session
    kind: str
    topic: str
    state: str
    title: str
    background: str = ""
    research_findings: str = ""
    recommendations: str = ""
    lead: Delegate | None = None
    reference_number: str = ""
    submitted_on: dt.date | None = None
    handling_units: str = ""
    answer: str = ""
    answered_on: dt.date | None = None
    rating: str = ""
    created_at: dt.datetime
    updated_at: dt.datetime


# From "ready" on, the lead delegate endorsed the text that was tabled (the finalise guard asks for it).
_ENDORSED_STATES = frozenset(state for state in State if reached(state, State.READY))


def proposals_import(
    *,
    actor: User,
    items: Sequence[ImportedProposal],
    source: str,
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 250,
) -> list[Proposal]:
    """Bring in proposals in the state they had reached: each with its first revision, its lead delegate and
    one row in the transition log ("import", by `actor`, naming the file and the row). All or nothing.

    The workflow's guards are not replayed: a spreadsheet holds the outcome, not the evidence, endorsements and
    signatures that led to it. proposals.imports checks what a row can show (the fields each state needs).
    Reminders: a proposal already tabled, or of a session whose submission deadline passed, gets no due date,
    so no reminder is ever planned for it (a coordinator may set an answer due date later, and reminders then
    follow it as usual). One still being prepared for a coming session gets the due dates of a new draft, and
    its current stage is marked as the transition service would (reminders.follow_state).

    A few bulk inserts per `batch_size` proposals; `progress` is told how many were written after each batch.
    """
    now = now or timezone.now()
    created: list[Proposal] = []
    with transaction.atomic(), state_change_allowed():
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            created.extend(_import_batch(batch, actor=actor, source=source, now=now))
            if progress is not None:
                progress(len(batch))
    return created


def _import_batch(batch: Sequence[ImportedProposal], *, actor: User, source: str, now: dt.datetime) -> list[Proposal]:
    """The batch's proposals, then for each its first revision, lead, due dates and log row: one insert each."""
    proposals = Proposal.objects.bulk_create([_imported_proposal(item, actor) for item in batch])
    pairs = list(zip(batch, proposals, strict=True))
    Revision.objects.bulk_create(
        Revision(proposal=proposal, number=1, author=actor, created_at=now,
                 **{field: getattr(item, field) for field in Revision.TEXT_FIELDS})
        for item, proposal in pairs
    )  # fmt: skip
    Assignment.objects.bulk_create(
        Assignment(proposal=proposal, delegate=item.lead, role=Assignment.Role.LEAD, assigned_by=actor,
                   assigned_at=now, endorsed_revision=1 if item.state in _ENDORSED_STATES else None)
        for item, proposal in pairs
        if item.lead is not None
    )  # fmt: skip
    Deadline.objects.bulk_create(_imported_due_dates(pairs, actor=actor, now=now))
    # Appended like every log row; bulk_create never updates, so the log stays append-only.
    Transition.objects.bulk_create(
        Transition(proposal=proposal, action=IMPORT_ACTION, from_state=State.DRAFT, to_state=item.state,
                   actor=actor, revision_number=1, created_at=now,
                   note=_("Imported from %(file)s, row %(row)d.") % {"file": source, "row": item.row})
        for item, proposal in pairs
    )  # fmt: skip
    return proposals


def _imported_proposal(item: ImportedProposal, actor: User) -> Proposal:
    return Proposal(
        organisation=item.organisation, session=item.session, kind=item.kind, topic=item.topic, author=actor,
        state=item.state, title=item.title, background=item.background, research_findings=item.research_findings,
        recommendations=item.recommendations, reference_number=item.reference_number,
        submitted_on=item.submitted_on, handling_units=item.handling_units, answer=item.answer,
        answered_on=item.answered_on, rating=item.rating, created_at=item.created_at, updated_at=item.updated_at,
    )  # fmt: skip


def _imported_due_dates(
    pairs: list[tuple[ImportedProposal, Proposal]], *, actor: User, now: dt.datetime
) -> Iterator[Deadline]:
    """A new draft's due dates, for the proposals still being prepared for a session whose deadline is ahead."""
    for item, proposal in pairs:
        if item.state not in PRE_SUBMISSION or item.session.submission_deadline <= now:
            continue
        for stage, lead_time in ((Deadline.Stage.RESEARCH, RESEARCH_LEAD_TIME),
                                 (Deadline.Stage.CONSULTATION, CONSULTATION_LEAD_TIME)):  # fmt: skip
            yield Deadline(proposal=proposal, stage=stage, due_at=item.session.submission_deadline - lead_time,
                           set_by=actor, is_current=current_stage(item.state) == stage)  # fmt: skip


# --- People -------------------------------------------------------------------------------------------


def user_update_preferences(
    *, user: User, reminder_mode: str | None = None, digest_hour: int | None = None, language: str | None = None
) -> User:
    """Reminders at once or in one daily digest at the user's hour, in their language. Each preference changes
    only when given."""
    changes = {
        name: value
        for name, value in {"reminder_mode": reminder_mode, "digest_hour": digest_hour, "language": language}.items()
        if value is not None
    }
    errors: dict[str, list[str]] = {}
    if "reminder_mode" in changes and reminder_mode not in User.ReminderMode.values:
        errors["reminder_mode"] = [_("Choose immediate mails or a daily digest.")]
    if "digest_hour" in changes and (not isinstance(digest_hour, int) or not 0 <= digest_hour <= 23):
        errors["digest_hour"] = [_("Choose an hour from 0 to 23.")]
    if "language" in changes and language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose a language.")]
    _raise_if(errors)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes))
        reminders.reschedule_for(user, timezone.now())
    return user


def user_password_changed(*, user: User) -> None:
    """What a new password revokes (README, "What a changed password revokes"): whoever knew the old one may
    have taken an API token, or copied the calendar address from the preferences page. Web sessions end by
    themselves (Django checks each session against the password's hash). The signed preference links in mails
    stay: they come from the mailbox, not the account, and only choose how reminders arrive."""
    with transaction.atomic():
        user.auth_token_set.all().delete()
        User.objects.filter(pk=user.pk).update(calendar_token_hash=None)
        user.calendar_token_hash = None


# --- Calendar feed ------------------------------------------------------------------------------------


def calendar_token_regenerate(*, user: User) -> str:
    """A new secret for the person's feed address, returned this once: only its hash is kept. The old address
    answers 404 from now on (a lost phone, a shared link)."""
    token = secrets.token_urlsafe(32)  # 43 characters, 256 bits
    user.calendar_token_hash = calendar_token_hash(token)
    User.objects.filter(pk=user.pk).update(calendar_token_hash=user.calendar_token_hash)
    return token
