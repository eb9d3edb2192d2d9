"""The dashboard's "waiting for you" per role, each item linking where the person acts (#14 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import Handling, Session
from proposals.reporting.worklist import waiting_for
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire

pytestmark = pytest.mark.django_db


def _lists(user, now=None):
    return {worklist.key: [item.proposal.pk for item in worklist.items] for worklist in waiting_for(user, now)}


def test_the_lead_delegate_sees_what_awaits_endorsement_until_endorsed(world):
    proposal = bring_to(world, State.CONSULTATION)
    assert _lists(world.lead)["endorsement"] == [proposal.pk]
    fire(world, proposal, "endorse", "lead")
    assert _lists(world.lead)["endorsement"] == []


def test_a_co_signer_sees_what_awaits_the_co_signature_until_signed(world):
    proposal = bring_to(world, State.CONSULTATION)
    cosigner = world.cosigners[0]
    assert _lists(cosigner)["cosignature"] == [proposal.pk]
    fire(world, proposal, "co_sign", cosigner)
    assert _lists(cosigner)["cosignature"] == []
    assert proposal.pk not in _lists(world.outsider_delegate).get("cosignature", [])


def test_the_secretary_sees_a_change_request_until_a_new_revision_answers_it(world):
    proposal = bring_to(world, State.CONSULTATION)
    fire(world, proposal, "request_changes", "lead", note="请补充返乡创业青年的数据。")
    assert _lists(world.secretary)["changes_requested"] == [proposal.pk]
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, background="补充了返乡创业数据。")
    assert _lists(world.secretary)["changes_requested"] == []


def test_the_secretary_sees_a_delegates_comment_until_answered(world):
    proposal = bring_to(world, State.CONSULTATION)
    fire(world, proposal, "comment", "lead", note="第三条建议可以更具体。")
    assert _lists(world.secretary)["unanswered_comments"] == [proposal.pk]
    fire(world, proposal, "comment", "secretary", note="已按意见修改。")
    assert _lists(world.secretary)["unanswered_comments"] == []


def test_the_coordinator_sees_overdue_stages_and_late_submissions_of_the_subtree_only(world):
    ready = bring_to(world, State.READY)
    late = timezone.now() + dt.timedelta(days=60)  # past the session's submission deadline
    lists = _lists(world.coordinator, late)
    assert ready.pk in lists["late_submissions"] and ready.pk in lists["overdue"]
    assert _lists(world.other_coordinator, late)["late_submissions"] == []
    fire(world, ready, "allow_late_submission", "coordinator", note="会议秘书处同意延期一天。")
    assert _lists(world.coordinator, late)["late_submissions"] == []


def test_each_item_links_to_where_the_person_acts(client, world):
    proposal = bring_to(world, State.CONSULTATION)
    client.force_login(world.lead)
    page = client.get(reverse("home")).content.decode()
    assert f"/p/{proposal.pk}/#actions" in page and 'id="worklist-endorsement"' in page


def test_a_session_without_proposals_changes_nothing(world):
    Session.objects.all().delete()
    assert all(not worklist for worklist in waiting_for(world.secretary))


# --- After registration: the units' overdue answers, and the answers awaiting a signer's rating -----------


def _in_handling_with_two_units(world):
    proposal = bring_to(world, State.HANDLING)
    services.transition_apply(proposal_id=proposal.pk, actor=world.lead, action="assign_unit",
                              inputs={"unit": world.other_unit.pk, "unit_role": "assisting"})  # fmt: skip
    return proposal


def test_the_coordinator_sees_each_units_overdue_answer_supervised_items_first(client, world):
    plain = _in_handling_with_two_units(world)
    supervised = bring_to(world, State.HANDLING)
    fire(world, supervised, "supervise", "coordinator", note="群众反映强烈。")
    Handling.objects.filter(proposal=plain).update(due_on=timezone.localdate() - dt.timedelta(days=30))
    Handling.objects.filter(proposal=supervised).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    overdue = next(w for w in waiting_for(world.coordinator) if w.key == "overdue_answers")
    # The supervised item first although the other is overdue longer; each unit apart.
    assert [(item.proposal.pk, item.supervised) for item in overdue.items] == [
        (supervised.pk, True),
        (plain.pk, False),
        (plain.pk, False),
    ]
    assert overdue.supervised_count == 1
    assert _lists(world.other_coordinator)["overdue_answers"] == []
    client.force_login(world.coordinator)
    page = client.get(reverse("home")).content.decode()
    assert 'id="worklist-overdue_answers"' in page and "supervised-count" in page
    assert f"/p/{plain.pk}/#handling-{world.other_unit.pk}" in page


def test_an_answer_recorded_leaves_the_overdue_answers(world):
    proposal = bring_to(world, State.HANDLING)
    Handling.objects.filter(proposal=proposal).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    assert _lists(world.coordinator)["overdue_answers"] == [proposal.pk]
    fire(world, proposal, "record_answer", "secretary")
    assert _lists(world.coordinator)["overdue_answers"] == []


def test_each_signer_sees_the_answers_awaiting_their_rating_until_rated(client, world):
    proposal = _in_handling_with_two_units(world)
    for unit in (world.unit, world.other_unit):
        services.transition_apply(proposal_id=proposal.pk, actor=world.secretary, action="record_answer", inputs={
            "unit": unit.pk, "answer": "已落实。", "answer_class": "A", "answer_method": "phone"})  # fmt: skip
    cosigner = world.cosigners[0]
    assert _lists(cosigner)["answers_to_rate"] == [proposal.pk, proposal.pk]
    assert _lists(world.outsider_delegate)["answers_to_rate"] == []
    client.force_login(cosigner)
    page = client.get(reverse("home")).content.decode()
    assert 'id="worklist-answers_to_rate"' in page and f"/p/{proposal.pk}/#action-rate" in page
    services.transition_apply(proposal_id=proposal.pk, actor=cosigner, action="rate",
                              inputs={"unit": world.unit.pk, "rating": "satisfied"})  # fmt: skip
    assert _lists(cosigner)["answers_to_rate"] == [proposal.pk]
    assert _lists(world.lead)["answers_to_rate"] == [proposal.pk, proposal.pk]
