"""Proposals brought in from a spreadsheet in the state they had reached (read and checked by proposals.imports)."""

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import (
    Answer,
    AnswerRating,
    Assignment,
    Deadline,
    Delegate,
    Handling,
    HandlingUnit,
    Organisation,
    Proposal,
    Revision,
    Session,
    Transition,
    User,
    state_change_allowed,
)
from proposals.services.deadlines import CONSULTATION_LEAD_TIME, RESEARCH_LEAD_TIME
from proposals.workflow import IMPORT_ACTION, PRE_SUBMISSION, HandlingStatus, State, current_stage, reached


@dataclass(frozen=True, kw_only=True)
class ImportedProposal:
    """A proposal read from a spreadsheet and checked by proposals.imports: the state it reached, its outcome.

    `units` are (name, role) of the units that handle it, by their names in the directory (a name the directory
    lacks is added to it); `answer` is each unit's first answer and `rating` the lead delegate's rating of it."""

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
    units: tuple[tuple[str, str], ...] = ()
    answer: str = ""
    answer_class: str = ""
    answered_on: dt.date | None = None
    rating: str = ""
    created_at: dt.datetime
    updated_at: dt.datetime


# From "ready" on, the lead delegate endorsed the text that was tabled (the finalise guard asks for it).
_ENDORSED_STATES = frozenset(state for state in State if reached(state, State.READY))
# Where the units' handling of an imported proposal stands, as its state says (workflow.handling_state agrees).
_HANDLING_STATUS = {State.HANDLING: HandlingStatus.OPEN, State.ANSWERED: HandlingStatus.ANSWERED,
                    State.CLOSED: HandlingStatus.SETTLED}  # fmt: skip


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
    The handling units named are assigned on the day of submission, each answering within the session's period;
    an answered one gets its first answer, a closed one the lead delegate's rating of it too: the rating of
    every signer, as the spreadsheet knows of no other (whatever it was, the round is settled: it is history).
    Reminders: a proposal already tabled, or of a session whose submission deadline passed, gets no due date,
    so no reminder is ever planned for it (a coordinator may set an answer due date later, and reminders then
    follow it as usual). One still being prepared for a coming session gets the due dates of a new draft, and
    its current stage is marked as the transition service would (reminders.follow_state).

    A few bulk inserts per `batch_size` proposals; `progress` is told how many were written after each batch.
    """
    now = now or timezone.now()
    created: list[Proposal] = []
    with transaction.atomic(), state_change_allowed():
        units = _directory_units(items)
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            created.extend(_import_batch(batch, units, actor=actor, source=source, now=now))
            if progress is not None:
                progress(len(batch))
    return created


def _directory_units(items: Sequence[ImportedProposal]) -> dict[str, HandlingUnit]:
    """The units the items name, by name: those of the directory, and those it lacked, added to it (at the level
    of the first session that names them)."""
    levels = {name: item.session.level for item in reversed(items) for name, _role in item.units}
    units = {unit.name: unit for unit in HandlingUnit.objects.filter(name__in=levels)}
    missing = [HandlingUnit(name=name, level=level) for name, level in levels.items() if name not in units]
    units.update((unit.name, unit) for unit in HandlingUnit.objects.bulk_create(missing))
    return units


def _import_batch(batch: Sequence[ImportedProposal], units: dict[str, HandlingUnit], *, actor: User, source: str,
                  now: dt.datetime) -> list[Proposal]:  # fmt: skip
    """The batch's proposals, then for each its first revision, lead, due dates, units' handling and log row: a
    few inserts each."""
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
    _imported_handlings(pairs, units, actor=actor, now=now)
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
        submitted_on=item.submitted_on, created_at=item.created_at, updated_at=item.updated_at,
    )  # fmt: skip


def _imported_handlings(pairs: list[tuple[ImportedProposal, Proposal]], units: dict[str, HandlingUnit], *,
                        actor: User, now: dt.datetime) -> None:  # fmt: skip
    """Each unit's handling, its first answer and the lead delegate's rating of it, as far as the state got."""
    handled = [(item, proposal) for item, proposal in pairs if item.units]
    handlings = Handling.objects.bulk_create(
        Handling(proposal=proposal, unit=units[name], role=role, assigned_on=item.submitted_on, assigned_by=actor,
                 due_on=item.submitted_on + relativedelta(months=item.session.answer_months),
                 status=_HANDLING_STATUS[item.state])
        for item, proposal in handled
        for name, role in item.units
    )  # fmt: skip
    owners = [item for item, _proposal in handled for _unit in item.units]  # the item of each handling, in order
    answered = [(item, handling) for item, handling in zip(owners, handlings, strict=True) if item.answer]
    answers = Answer.objects.bulk_create(
        Answer(handling=handling, round=1, answered_on=item.answered_on, text=item.answer,
               answer_class=item.answer_class, recorded_by=actor, recorded_at=now)
        for item, handling in answered
    )  # fmt: skip
    AnswerRating.objects.bulk_create(
        AnswerRating(answer=answer, rater_id=item.lead.user_id, rating=item.rating, rated_at=item.updated_at)
        for (item, _handling), answer in zip(answered, answers, strict=True)
        if item.rating
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
