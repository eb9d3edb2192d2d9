# Today's free-text handling units and single answer become records: one lead unit per name, the answer as each
# unit's first-round answer, the rating as the first-round rating of whoever rated (the log says who), nothing lost.
# Backwards, the records are written back into the free-text fields.

import re

from dateutil.relativedelta import relativedelta
from django.db import migrations
from django.utils import timezone

# How people separated several units in the one field: 、，, ; ； / and line breaks.
SEPARATORS = re.compile(r"[、，,;；/\n]+")


def unit_names(text):
    return list(dict.fromkeys(name.strip()[:100] for name in SEPARATORS.split(text or "") if name.strip()))


def _first_log_row(Transition, proposal, action):
    return Transition.objects.filter(proposal=proposal, action=action).order_by("created_at", "id").first()


def forwards(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    HandlingUnit = apps.get_model("proposals", "HandlingUnit")
    Handling = apps.get_model("proposals", "Handling")
    Answer = apps.get_model("proposals", "Answer")
    AnswerRating = apps.get_model("proposals", "AnswerRating")
    Transition = apps.get_model("proposals", "Transition")
    Assignment = apps.get_model("proposals", "Assignment")
    Deadline = apps.get_model("proposals", "Deadline")

    answered = Proposal.objects.exclude(handling_units="", answer="").select_related("session")
    for proposal in answered.iterator(chunk_size=500):
        recorded = _first_log_row(Transition, proposal, "record_answer")
        rated = _first_log_row(Transition, proposal, "rate")
        lead = Assignment.objects.filter(proposal=proposal, role="lead").select_related("delegate").first()
        rater_id = rated.actor_id if rated and Assignment.objects.filter(
            proposal=proposal, delegate__user_id=rated.actor_id).exists() else (lead.delegate.user_id if lead else None)
        deadline = Deadline.objects.filter(proposal=proposal, stage="answer").first()
        assigned_on = proposal.submitted_on or proposal.answered_on or timezone.localdate(proposal.updated_at)
        due_on = timezone.localdate(deadline.due_at) if deadline else assigned_on + relativedelta(months=3)
        status = "settled" if proposal.rating else "answered" if proposal.answer else "open"
        for name in unit_names(proposal.handling_units) or ["（未注明承办单位）"]:
            unit, _created = HandlingUnit.objects.get_or_create(name=name, defaults={"level": proposal.session.level})
            handling = Handling.objects.create(
                proposal=proposal, unit=unit, role="lead", assigned_on=assigned_on, due_on=due_on, status=status,
                assigned_by_id=recorded.actor_id if recorded else None,
            )
            if not proposal.answer:
                continue
            answer = Answer.objects.create(
                handling=handling, round=1, answered_on=proposal.answered_on or assigned_on, text=proposal.answer,
                recorded_by_id=recorded.actor_id if recorded else None,
                recorded_at=recorded.created_at if recorded else proposal.updated_at,
            )
            if proposal.rating:
                AnswerRating.objects.create(
                    answer=answer, rater_id=rater_id, rating=proposal.rating,
                    rated_at=rated.created_at if rated else proposal.updated_at,
                )


def backwards(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    Handling = apps.get_model("proposals", "Handling")
    for proposal in Proposal.objects.filter(handlings__isnull=False).distinct().iterator(chunk_size=500):
        handlings = list(Handling.objects.filter(proposal=proposal).select_related("unit").order_by("assigned_on", "id"))
        proposal.handling_units = "、".join(h.unit.name for h in handlings)[:300]
        answers = [a for h in handlings for a in h.answers.order_by("-round")[:1]]
        if answers:
            proposal.answer, proposal.answered_on = answers[0].text, answers[0].answered_on
            rating = answers[0].ratings.order_by("rated_at").first()
            proposal.rating = rating.rating if rating else ""
        proposal.save(update_fields=["handling_units", "answer", "answered_on", "rating"])


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0013_handling_records'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
