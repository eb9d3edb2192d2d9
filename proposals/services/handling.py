"""After registration: the handling units a proposal is assigned to, their answers, the signers' ratings, the
one extension, supervision (督办) and raising a proposal again (持续呼吁).

The effects of the workflow's actions on the handling (proposals.workflow: assign_unit, record_answer, rate,
extend_answer, supervise, end_supervision, carry_forward) live here; proposals.services.transitions applies them
as every action's. The state a unit action leads to is read off the units afterwards (workflow.handling_state).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import Answer, AnswerRating, Handling, Proposal, Session, SessionLevel, User
from proposals.services.needs import need_replies_record
from proposals.workflow import HandlingStatus, Rating


@dataclass(frozen=True)
class Outcome:
    """What an action's effect did besides the state change: the proposal's fields it set, and what its log row
    is about (Transition.details)."""

    fields: tuple[str, ...] = ()
    details: dict[str, Any] | None = field(default=None)


def _refreshed(proposal: Proposal) -> None:
    """Forget the prefetched handlings after a write, so that what is read next (the state) sees it."""
    getattr(proposal, "_prefetched_objects_cache", {}).pop("handlings", None)


def _handling_of(proposal: Proposal, unit) -> Handling:
    handling = next((h for h in proposal.handlings_list() if h.unit_id == unit.pk), None)
    if handling is None:
        raise ValidationError({"unit": [_("“%(unit)s” does not handle this proposal.") % {"unit": unit}]})
    return handling


def _about(handling: Handling) -> dict[str, Any]:
    """What a log row of a unit's handling is about: the unit, by id and by the name it had then."""
    return {"unit": handling.unit_id, "unit_name": handling.unit.name}


def effect_register(proposal, actor, note, inputs, now):
    proposal.decision_note = note
    proposal.urgent = inputs["urgent"]
    return Outcome(("decision_note", "urgent"))


def effect_assign_unit(proposal, actor, note, inputs, now):
    unit, assigned_on = inputs["unit"], inputs["assigned_on"]
    errors = []
    if not unit.is_active:
        errors.append(_("“%(unit)s” is no longer in the directory of handling units.") % {"unit": unit})
    if any(h.unit_id == unit.pk for h in proposal.handlings_list()):
        errors.append(_("“%(unit)s” already handles this proposal.") % {"unit": unit})
    if errors:
        raise ValidationError({"unit": errors})
    if proposal.submitted_on and assigned_on < proposal.submitted_on:
        raise ValidationError({"assigned_on": [_("A unit cannot be assigned before the proposal was submitted.")]})
    session = proposal.session
    months = session.urgent_answer_months if proposal.urgent else session.answer_months
    handling = Handling.objects.create(
        proposal=proposal, unit=unit, role=inputs["unit_role"], assigned_on=assigned_on, assigned_by=actor,
        due_on=assigned_on + relativedelta(months=months),
    )  # fmt: skip
    _refreshed(proposal)
    return Outcome(details={**_about(handling), "role": handling.role, "due_on": handling.due_on.isoformat()})


def effect_record_answer(proposal, actor, note, inputs, now):
    handling = _handling_of(proposal, inputs["unit"])
    if handling.status != HandlingStatus.OPEN:
        raise ValidationError({"unit": [_("The answer of “%(unit)s” is recorded already.") % {"unit": handling.unit}]})
    answered_on = inputs["answered_on"]
    if answered_on < handling.assigned_on:
        raise ValidationError({"answered_on": [_("The answer cannot come before the unit was assigned.")]})
    answer = Answer.objects.create(
        handling=handling, round=handling.round, answered_on=answered_on, method=inputs["answer_method"],
        text=inputs["answer"], answer_class=inputs["answer_class"], recorded_by=actor, recorded_at=now,
    )  # fmt: skip
    need_replies_record(answer, now)  # the people whose needs it carries hear the answer
    handling.status = HandlingStatus.ANSWERED
    handling.save(update_fields=["status"])
    _refreshed(proposal)
    return Outcome(details={**_about(handling), "round": handling.round, "answer_class": inputs["answer_class"]})


def effect_rate(proposal, actor, note, inputs, now):
    """A signer's rating of a unit's current answer. An unsatisfied rating of a first answer sends the unit's
    handling back (重新办理) at once, due again after the session's second-round period; a round is settled once
    every signer has rated it, a second round whatever the ratings."""
    handling = _handling_of(proposal, inputs["unit"])
    if handling.status != HandlingStatus.ANSWERED or handling.rated_by(actor):
        raise ValidationError(
            {"unit": [_("The answer of “%(unit)s” is not waiting for your rating.") % {"unit": handling.unit}]}
        )
    answer, rating = handling.current_answer(), inputs["rating"]
    AnswerRating.objects.create(answer=answer, rater=actor, rating=rating, comment=note, rated_at=now)
    sent_back = rating == Rating.UNSATISFIED and handling.round == 1
    if sent_back:
        handling.round, handling.status = 2, HandlingStatus.OPEN
        handling.due_on = timezone.localdate(now) + relativedelta(months=proposal.session.second_round_months)
    else:
        signers = {a.delegate.user_id for a in proposal.signer_assignments()}
        if signers <= set(answer.ratings.values_list("rater_id", flat=True)):
            handling.status = HandlingStatus.SETTLED
    handling.save(update_fields=["round", "status", "due_on"])
    _refreshed(proposal)
    details = {**_about(handling), "round": answer.round, "rating": rating, "sent_back": sent_back}
    if sent_back:
        details["due_on"] = handling.due_on.isoformat()
    return Outcome(details=details)


def effect_extend_answer(proposal, actor, note, inputs, now):
    handling = _handling_of(proposal, inputs["unit"])
    if handling.status != HandlingStatus.OPEN:
        raise ValidationError(
            {"unit": [_("“%(unit)s” has answered; there is no due date to extend.") % {"unit": handling.unit}]}
        )
    if handling.extended_at is not None:
        raise ValidationError({"unit": [_("“%(unit)s” has had its one extension already.") % {"unit": handling.unit}]})
    before = handling.due_on
    handling.due_on = before + relativedelta(months=int(inputs["extend_by"]))
    handling.extended_at, handling.extended_by, handling.extension_reason = now, actor, note
    handling.save(update_fields=["due_on", "extended_at", "extended_by", "extension_reason"])
    _refreshed(proposal)
    return Outcome(details={**_about(handling), "from": before.isoformat(), "to": handling.due_on.isoformat()})


def effect_supervise(proposal, actor, note, inputs, now):
    proposal.supervised_at, proposal.supervision_reason = now, note
    return Outcome(("supervised_at", "supervision_reason"))


def effect_end_supervision(proposal, actor, note, inputs, now):
    proposal.supervised_at, proposal.supervision_reason = None, ""
    return Outcome(("supervised_at", "supervision_reason"))


# A proposal raised again goes to the same level or a higher one: a county's unresolved problem to the city.
LEVEL_RANK = {SessionLevel.COUNTY: 0, SessionLevel.DISTRICT: 0, SessionLevel.CITY: 1, SessionLevel.PROVINCE: 2}


def _check_later_session(proposal: Proposal, session: Session, actor: User) -> None:
    from proposals.selectors import sessions_open_for_drafting

    problems = []
    if session.opening_date <= proposal.session.opening_date:
        problems.append(_("Choose a session that opens after “%(session)s”.") % {"session": proposal.session})
    if LEVEL_RANK[session.level] < LEVEL_RANK[proposal.session.level]:
        problems.append(_("A proposal is raised again at the same level or a higher one."))
    if not sessions_open_for_drafting(actor).filter(pk=session.pk).exists():
        problems.append(_("“%(session)s” is not open for your drafts.") % {"session": session})
    if proposal.raised_again.filter(session=session).exists():
        problems.append(_("The proposal is raised again at “%(session)s” already.") % {"session": session})
    if problems:
        raise ValidationError({"session": problems})


def effect_carry_forward(proposal, actor, note, inputs, now):
    """A new draft of the same text at a later session (or a higher level), linked to this one, with this one's
    answers attached as evidence: the printed proposal with its answers, and every answer letter."""
    from proposals.services.text import proposal_create

    session = inputs["session"]
    _check_later_session(proposal, session, actor)
    kinds = Proposal.KINDS_BY_BODY[session.body]
    draft = proposal_create(
        author=actor, organisation=proposal.organisation, session=session,
        kind=proposal.kind if proposal.kind in kinds else Proposal.DEFAULT_KIND_BY_BODY[session.body],
        topic=proposal.topic, title=proposal.title, background=proposal.background,
        research_findings=proposal.research_findings, recommendations=proposal.recommendations, now=now,
    )  # fmt: skip
    Proposal.objects.filter(pk=draft.pk).update(carried_from=proposal)
    _attach_earlier_answers(proposal, draft, actor, now)
    return Outcome(details={"draft": draft.pk, "session": session.pk, "session_name": session.name})


def _attach_earlier_answers(proposal: Proposal, draft: Proposal, actor: User, now: dt.datetime) -> None:
    from proposals.documents.proposal_docx import proposal_docx_bytes
    from proposals.services.evidence import evidence_add

    printed = ContentFile(proposal_docx_bytes(proposal), name=f"{proposal.reference_number or proposal.pk}.docx")
    description = _("As raised at “%(session)s”, with its answers") % {"session": proposal.session}
    evidence_add(proposal_id=draft.pk, actor=actor, upload=printed, description=description[:200], now=now)
    for handling in proposal.handlings_list():
        for answer in handling.answers_list():
            for letter in answer.letters.all():
                with letter.file.open("rb") as source:
                    copy = ContentFile(source.read(), name=letter.original_name)
                description = _("Answer of %(unit)s, round %(round)d") % {"unit": handling.unit, "round": answer.round}
                evidence_add(proposal_id=draft.pk, actor=actor, upload=copy, description=description[:200], now=now)


def latest_answer(proposal: Proposal, unit_id: Any) -> Answer:
    """The latest answer of the unit, which an answer letter belongs to; ValidationError when it has none."""
    handling = next((h for h in proposal.handlings_list() if str(h.unit_id) == str(unit_id)), None)
    answers = handling.answers_list() if handling is not None else []
    if not answers:
        raise ValidationError({"unit": [_("Choose a unit whose answer is recorded.")]})
    return answers[-1]
