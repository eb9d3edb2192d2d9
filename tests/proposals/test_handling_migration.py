"""The migration of the free-text handling units, answer and rating into records, on data made the old way."""

import datetime as dt

from django.utils import timezone

from proposals.models import AnswerRating, Handling, HandlingUnit, Proposal
from proposals.workflow import handling_state
from tests.proposals.migrating import latest, migrate

BEFORE = [("proposals", "0012_notice_inbox_and_log_details")]


def old_world(apps):
    """Two proposals as the product kept them before handling units were records: one closed and rated by its lead
    delegate, one answered and awaiting the rating; and one registered with nothing recorded yet."""
    Organisation, User = apps.get_model("proposals", "Organisation"), apps.get_model("proposals", "User")
    Delegate, Session = apps.get_model("proposals", "Delegate"), apps.get_model("proposals", "Session")
    Proposal, Assignment = apps.get_model("proposals", "Proposal"), apps.get_model("proposals", "Assignment")
    Transition, Deadline = apps.get_model("proposals", "Transition"), apps.get_model("proposals", "Deadline")
    city = Organisation.objects.create(name="共青团朔州市委", level="city", region="朔州市")
    secretary = User.objects.create(username="secretary", role="secretary", organisation=city)
    lead_user = User.objects.create(username="lead", role="delegate")
    lead = Delegate.objects.create(user=lead_user, body="npc", level="city", region="朔州市",
                                   contact_email="lead@example.org")  # fmt: skip
    now = timezone.now()
    session = Session.objects.create(
        body="npc", level="city", region="朔州市", name="朔州市第五届人民代表大会第三次会议",
        opening_date=dt.date(2026, 1, 10), closing_date=dt.date(2026, 1, 14),
        submission_deadline=dt.datetime(2026, 1, 5, 18, tzinfo=timezone.get_current_timezone()),
    )  # fmt: skip
    made = {}
    for key, state, units, answer, rating in [
        (
            "closed",
            "closed",
            "市医疗保障局、市民政局， 市卫生健康委员会",
            "已将青少年心理健康纳入2026年工作计划。",
            "unsatisfied",
        ),
        ("answered", "answered", "市人力资源和社会保障局", "正在研究青年就业见习补贴标准。", ""),
        ("registered", "registered", "", "", ""),
    ]:
        proposal = Proposal.objects.create(
            title=f"关于{key}的建议", kind="suggestion", topic="jobs", organisation=city, author=secretary,
            session=session, state=state, reference_number=f"第{len(made) + 1}号", submitted_on=dt.date(2026, 1, 8),
            handling_units=units, answer=answer, answered_on=dt.date(2026, 4, 20) if answer else None, rating=rating,
        )  # fmt: skip
        Assignment.objects.create(proposal=proposal, delegate=lead, role="lead", assigned_at=now, assigned_by=secretary)
        Deadline.objects.create(
            proposal=proposal,
            stage="answer",
            due_at=dt.datetime(2026, 4, 8, 18, tzinfo=timezone.get_current_timezone()),
        )
        if answer:
            Transition.objects.create(
                proposal=proposal, action="record_answer", from_state="registered", to_state="answered",
                actor=secretary, revision_number=1, created_at=now,
            )  # fmt: skip
        if rating:
            Transition.objects.create(proposal=proposal, action="rate", from_state="answered", to_state="closed",
                                      actor=lead_user, revision_number=1, created_at=now)  # fmt: skip
        made[key] = proposal.pk
    return made, lead_user.pk, secretary.pk


def test_free_text_units_and_the_answer_become_records_nothing_lost_and_back(transactional_db):
    made, lead_id, secretary_id = old_world(migrate(BEFORE))
    migrate(latest())

    closed = Proposal.objects.get(pk=made["closed"])
    handlings = closed.handlings_list()
    assert [h.unit.name for h in handlings] == ["市医疗保障局", "市民政局", "市卫生健康委员会"]
    assert {h.role for h in handlings} == {"lead"}
    for handling in handlings:
        (answer,) = handling.answers_list()
        assert (answer.round, answer.text, answer.answered_on) == (1, "已将青少年心理健康纳入2026年工作计划。",
                                                                   dt.date(2026, 4, 20))  # fmt: skip
        assert answer.recorded_by_id == secretary_id and answer.answer_class == ""
        assert [(r.rater_id, r.rating) for r in answer.ratings.all()] == [(lead_id, "unsatisfied")]
        assert (handling.assigned_on, handling.due_on, handling.status) == (dt.date(2026, 1, 8), dt.date(2026, 4, 8),
                                                                            "settled")  # fmt: skip
    assert handling_state(closed) == closed.state == "closed"

    answered = Proposal.objects.get(pk=made["answered"])
    (handling,) = answered.handlings_list()
    assert handling.status == "answered" and handling.current_answer().text == "正在研究青年就业见习补贴标准。"
    assert handling_state(answered) == answered.state == "answered"
    assert not Handling.objects.filter(proposal_id=made["registered"]).exists()
    assert HandlingUnit.objects.count() == 4 and AnswerRating.objects.count() == 3

    # And back: the free-text fields as they were (the units joined by 、).
    old = migrate(BEFORE).get_model("proposals", "Proposal")
    closed = old.objects.get(pk=made["closed"])
    assert (closed.handling_units, closed.answer, closed.answered_on, closed.rating) == (
        "市医疗保障局、市民政局、市卫生健康委员会",
        "已将青少年心理健康纳入2026年工作计划。",
        dt.date(2026, 4, 20),
        "unsatisfied",
    )
    assert old.objects.get(pk=made["answered"]).rating == ""
    migrate(latest())
