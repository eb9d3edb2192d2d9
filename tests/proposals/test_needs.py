"""Young people's needs (#16 items 1-5) through the services: recording, the public submission, triage (accept,
merge with the counts added, decline, forward), linking to proposals, the reply when an answer comes, the
removal of contact details, and who sees them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from proposals import selectors, services
from proposals.models import Need, NeedEvent, NeedReply
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire

pytestmark = pytest.mark.django_db

NEED = {"summary": "希望增加暑期托管服务", "topic": "child_care", "channel": "survey", "age_group": "under_14",
        "group": "students", "people_count": 37}  # fmt: skip
CONTACT = {"contact_name": "王女士", "contact_email": "wang@example.org", "contact_consent": True, "wants_reply": True}


def record(world, actor="secretary", organisation=None, **fields):
    organisation = organisation or world.branch
    return services.need_record(actor=getattr(world, actor), organisation_id=organisation.pk, **(NEED | fields))


def actions(need) -> list[str]:
    return list(NeedEvent.objects.filter(need=need).values_list("action", flat=True))


def test_a_secretary_records_a_need_that_waits_for_triage(world):
    need = record(world, county=world.county.pk, **CONTACT)
    assert (need.status, need.people_count, need.county, need.recorded_by) == (
        Need.Status.PENDING, 37, world.county, world.secretary)  # fmt: skip
    assert actions(need) == ["received"]


@pytest.mark.parametrize(("fields", "errors"), [
    ({"summary": "  "}, {"summary"}),
    ({"summary": "一行\n两行"}, {"summary"}),
    ({"topic": "weather", "channel": "fax", "age_group": "1990-05-01"}, {"topic", "channel", "age_group"}),
    ({"people_count": 0}, {"people_count"}),
    ({"people_count": True}, {"people_count"}),
    ({"contact_phone": "13800000000"}, {"contact_consent"}),
    ({"wants_reply": True, "contact_consent": True}, {"contact_email"}),
    ({"contact_email": "not-an-address", "contact_consent": True}, {"contact_email"}),
    ({"county": 99999}, {"county"}),
    ({"birth_date": "2010-01-01"}, {"birth_date"}),
])  # fmt: skip
def test_bad_input_names_each_field_and_saves_nothing(world, fields, errors):
    with pytest.raises(ValidationError) as error:
        record(world, **fields)
    assert set(error.value.message_dict) == errors
    assert not Need.objects.exists()


def test_the_branch_is_no_county(world):
    with pytest.raises(ValidationError) as error:
        record(world, county=world.branch.pk)
    assert set(error.value.message_dict) == {"county"}


def test_only_the_organisations_secretaries_and_coordinators_above_record_and_triage(world):
    for person in ("other_secretary", "other_coordinator", "lead"):
        with pytest.raises(PermissionDenied):
            record(world, actor=person)
    need = record(world, actor="city_coordinator")
    for person in ("other_secretary", "other_coordinator", "lead"):
        with pytest.raises(PermissionDenied):
            services.need_accept(actor=getattr(world, person), need_id=need.pk, theme="暑期托管")
    services.need_accept(actor=world.coordinator, need_id=need.pk, theme="暑期托管")


def test_the_public_page_submits_without_an_account_and_only_its_own_fields(world):
    need = services.need_submit(organisation_id=world.branch.pk, summary="希望开设青年夜校", topic="jobs", **CONTACT)
    assert (need.channel, need.recorded_by, need.people_count) == (Need.Channel.ONLINE, None, 1)
    with pytest.raises(ValidationError) as error:
        services.need_submit(organisation_id=world.branch.pk, summary="刷数", topic="jobs", people_count=9999)
    assert set(error.value.message_dict) == {"people_count"}


def test_merging_adds_the_counts_and_takes_what_was_merged_before(world):
    first, second, third = record(world), record(world, people_count=5), record(world, people_count=2)
    services.need_merge(actor=world.secretary, need_id=third.pk, into_id=second.pk)
    target = services.need_merge(actor=world.secretary, need_id=second.pk, into_id=first.pk)
    assert target.pk == first.pk and Need.objects.get(pk=first.pk).people_count == 37 + 5 + 2
    assert set(Need.objects.filter(merged_into=first).values_list("pk", flat=True)) == {second.pk, third.pk}
    with pytest.raises(ValidationError):
        services.need_merge(actor=world.secretary, need_id=first.pk, into_id=first.pk)
    with pytest.raises(ValidationError):  # a merged need is done with
        services.need_accept(actor=world.secretary, need_id=second.pk, theme="x")
    other = record(world, actor="other_secretary", organisation=world.other_branch)
    with pytest.raises(ValidationError) as error:
        services.need_merge(actor=world.secretary, need_id=first.pk, into_id=other.pk)
    assert set(error.value.message_dict) == {"into"}


def test_declining_needs_a_reason_and_forwarding_hands_it_up(world):
    need = record(world)
    with pytest.raises(ValidationError):
        services.need_decline(actor=world.secretary, need_id=need.pk, reason=" ")
    services.need_forward(actor=world.secretary, need_id=need.pk, note="涉及全县")
    need.refresh_from_db()
    assert need.organisation == world.county and need.status == Need.Status.PENDING
    with pytest.raises(PermissionDenied):  # it is the county's now
        services.need_accept(actor=world.secretary, need_id=need.pk, theme="x")
    services.need_decline(actor=world.coordinator, need_id=need.pk, reason="已由民政部门解决。")
    assert actions(need) == ["received", "forwarded", "declined"]


def test_an_accepted_need_links_to_proposals_the_person_sees(world):
    need = record(world)
    proposal = world.draft()
    with pytest.raises(ValidationError):  # not accepted yet
        services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
    services.need_accept(actor=world.secretary, need_id=need.pk, theme="暑期托管")
    services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
    services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)  # twice: once
    assert list(selectors.needs_carried_by(proposal)) == [need]
    foreign = bring_to(world, State.DRAFT)
    foreign.organisation = world.other_branch
    foreign.save()
    with pytest.raises(ValidationError):
        services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=foreign.pk)
    assert actions(need).count("linked") == 1


def _answered(world, need):
    proposal = bring_to(world, State.REGISTERED)
    services.need_accept(actor=world.secretary, need_id=need.pk, theme="暑期托管")
    services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
    fire(world, proposal, "assign_unit", "lead", inputs={"unit": world.unit.pk, "unit_role": "lead"})
    fire(world, proposal, "record_answer", "secretary", inputs={
        "unit": world.unit.pk, "answer": "2027年起每个街道开设暑期托管班。", "answer_class": "A",
        "answer_method": "writing"})  # fmt: skip
    return proposal


def test_an_answer_records_one_reply_for_each_need_that_asked_for_one(world):
    asked = record(world, **CONTACT)
    merged = record(world, **(CONTACT | {"contact_email": "li@example.org", "language": "en"}))
    silent = record(world, contact_name="张先生", contact_consent=True)
    services.need_merge(actor=world.secretary, need_id=merged.pk, into_id=asked.pk)
    services.need_accept(actor=world.secretary, need_id=silent.pk, theme="暑期托管")
    proposal = _answered(world, asked)
    services.need_link(actor=world.secretary, need_id=silent.pk, proposal_id=proposal.pk)
    replies = NeedReply.objects.order_by("address")
    assert [(r.address, r.language, r.status) for r in replies] == [
        ("li@example.org", "en", "pending"), ("wang@example.org", "zh-hans", "pending")]  # fmt: skip
    assert "reply_queued" in actions(asked)


def test_contact_details_go_a_set_time_after_the_reply_and_the_removal_is_logged(world, settings):
    settings.NEED_CONTACT_RETENTION_DAYS = 90
    need = record(world, **CONTACT)
    _answered(world, need)
    declined = record(world, contact_phone="13900000000", contact_consent=True)
    services.need_decline(actor=world.secretary, need_id=declined.pk, reason="不属于本级职责。")
    now = timezone.now()
    assert services.need_contacts_remove_expired(now + dt.timedelta(days=365)) == 1  # the reply is not sent yet
    NeedReply.objects.update(status="sent", sent_at=now)
    assert services.need_contacts_remove_expired(now + dt.timedelta(days=89)) == 0
    assert services.need_contacts_remove_expired(now + dt.timedelta(days=91)) == 1
    need.refresh_from_db()
    assert (need.contact_name, need.contact_email, need.contact_consent, need.has_contact) == ("", "", False, False)
    assert need.contact_removed_at is not None and actions(need)[-1] == "contact_removed"
    assert list(NeedReply.objects.values_list("address", flat=True)) == [""]
    assert services.need_contacts_remove_expired(now + dt.timedelta(days=400)) == 0  # once


def test_who_sees_needs(world):
    mine = record(world)
    theirs = record(world, actor="other_secretary", organisation=world.other_branch)
    people = ("secretary", "other_secretary", "coordinator", "city_coordinator", "lead", "admin")
    seen = {person: set(selectors.needs_visible_to(getattr(world, person)).values_list("pk", flat=True))
            for person in people}  # fmt: skip
    assert seen == {"secretary": {mine.pk}, "other_secretary": {theirs.pk}, "coordinator": {mine.pk},
                    "city_coordinator": {mine.pk, theirs.pk}, "lead": set(), "admin": {mine.pk, theirs.pk}}  # fmt: skip
