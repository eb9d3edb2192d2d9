"""Face-to-face meetings through the API (#16 item 10): scope, the fields each caller sees, input errors, moves
and minutes."""

import datetime as dt

import pytest
from django.utils import timezone

from proposals import services
from proposals.models import Meeting
from tests.api.conftest import client_for
from tests.api.test_errors import assert_problem

pytestmark = pytest.mark.django_db
URL = "/api/v1/meetings/"


@pytest.fixture
def held(world):
    need = services.need_record(actor=world.secretary, organisation_id=world.branch.pk, summary="见习岗位少",
                                topic="jobs", channel="meeting", people_count=12,
                                contact_name="王同学", contact_consent=True)  # fmt: skip
    return services.meeting_save(
        actor=world.secretary, organisation_id=world.branch.pk, theme="青年就业创业面对面", place="朔城区青年之家",
        starts_at=timezone.now() - dt.timedelta(days=1), delegates=[world.lead.delegate.pk], needs=[need.pk],
        proposals=[world.draft().pk],
    )  # fmt: skip


def test_the_organiser_sees_everything_and_the_delegate_no_need(world, held):
    detail = client_for(world.secretary).get(f"{URL}{held.pk}/")
    assert detail.status_code == 200 and detail["ETag"].startswith(f'"meeting-{held.pk}-')
    body = detail.json()
    assert [n["summary"] for n in body["needs"]] == ["见习岗位少"] and len(body["proposals"]) == 1
    assert [d["id"] for d in body["delegates"]] == [world.lead.delegate.pk]
    delegate = client_for(world.lead).get(f"{URL}{held.pk}/").json()
    assert delegate["needs"] == [] and "王同学" not in str(delegate)
    assert delegate["proposals"] == []  # the draft is not theirs to see
    listed = client_for(world.lead).get(URL).json()["results"]
    assert [m["id"] for m in listed] == [held.pk]
    assert client_for(world.cosigners[0]).get(URL).json()["results"] == []


def test_bad_input_is_400_naming_each_field(world):
    client = client_for(world.secretary)
    body = {"organisation": world.branch.pk, "theme": "一\n二", "place": "会议室", "starts_at": "明天",
            "delegates": [99999], "young_people": -3}  # fmt: skip
    problem = assert_problem(client.post(URL, body, format="json"), 400, "validation_error")
    assert set(problem["errors"]) == {"theme", "starts_at", "young_people"}
    body = {"organisation": world.branch.pk, "theme": "主题", "place": "会议室",
            "starts_at": timezone.now().isoformat(), "delegates": [99999]}  # fmt: skip
    assert set(assert_problem(client.post(URL, body, format="json"), 400)["errors"]) == {"delegates"}
    assert not Meeting.objects.exists()


def test_a_move_is_saved_and_the_organiser_stays(world, held):
    client = client_for(world.coordinator)
    response = client.patch(f"{URL}{held.pk}/", {"place": "应县青年之家"}, format="json")
    assert response.status_code == 200 and response.json()["place"] == "应县青年之家"
    assert Meeting.objects.get(pk=held.pk).sequence == 1
    refused = client.patch(f"{URL}{held.pk}/", {"organisation": world.other_branch.pk}, format="json")
    assert set(assert_problem(refused, 400)["errors"]) == {"organisation"}


def test_minutes_only_after_the_meeting(world, held):
    client = client_for(world.secretary)
    response = client.post(f"{URL}{held.pk}/minutes/", {"minutes": "代表建议扩大见习基地。"}, format="json")
    assert response.status_code == 200 and response.json()["minutes"] == "代表建议扩大见习基地。"
    coming = services.meeting_save(actor=world.secretary, organisation_id=world.branch.pk, theme="下周活动",
                                   place="团委", starts_at=timezone.now() + dt.timedelta(days=7))  # fmt: skip
    refused = client.post(f"{URL}{coming.pk}/minutes/", {"minutes": "纪要"}, format="json")
    assert set(assert_problem(refused, 400)["errors"]) == {"minutes"}


def test_filters(world, held):
    client = client_for(world.city_coordinator)
    ids = lambda **q: [m["id"] for m in client.get(URL, q).json()["results"]]  # noqa: E731
    assert ids(search="青年之家") == [held.pk] and ids(search="婚恋") == []
    assert ids(organisation=world.county.pk) == [held.pk] and ids(organisation=world.other_county.pk) == []
    assert ids(starts_after=timezone.now().isoformat()) == []
    assert client.get(URL, {"starts_after": "soon"}).status_code == 400
