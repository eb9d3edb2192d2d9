"""The directory of handling units (#15 item 1): coordinators and operators list, add, edit and deactivate units;
secretaries and delegates may not (403), and the navigation offers it to those who keep it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from proposals import services
from proposals.models import HandlingUnit
from proposals.workflow import State
from tests.proposals.arrange import bring_to

pytestmark = pytest.mark.django_db


def page_of(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("keeper", ["coordinator", "admin"])
def test_a_keeper_lists_and_filters_the_directory(client, world, keeper):
    services.handling_unit_save(actor=world.admin, name="怀仁市民政局", level="county", contact_person="王科长")
    services.handling_unit_save(actor=world.admin, unit_id=world.other_unit.pk, is_active=False)
    client.force_login(getattr(world, keeper))
    page = page_of(client.get(reverse("handling-units")))
    assert world.unit.name in page and world.other_unit.name in page and "怀仁市民政局" in page
    assert f'href="{reverse("handling-units")}"' in page  # in the navigation

    page = page_of(client.get(reverse("handling-units"), {"q": "王科长"}))
    assert "怀仁市民政局" in page and world.unit.name not in page
    page = page_of(client.get(reverse("handling-units"), {"level": "county"}))
    assert "怀仁市民政局" in page and world.unit.name not in page
    page = page_of(client.get(reverse("handling-units"), {"active": "no"}))
    assert world.other_unit.name in page and world.unit.name not in page


def test_a_coordinator_adds_a_unit(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("handling-unit-create")).status_code == 200
    response = client.post(reverse("handling-unit-create"), {
        "name": "朔州市卫生健康委员会", "short_name": "市卫健委", "level": "city", "contact_person": "李主任",
        "contact_phone": "0349-2021234", "contact_email": "wjw@example.org", "address": "朔州市开发区",
    })  # fmt: skip
    assert response.status_code == 302
    unit = HandlingUnit.objects.get(name="朔州市卫生健康委员会")
    assert (unit.short_name, unit.contact_phone, unit.is_active) == ("市卫健委", "0349-2021234", True)


def test_a_unit_is_edited_and_a_name_taken_is_refused_on_its_field(client, world):
    client.force_login(world.coordinator)
    url = reverse("handling-unit-edit", args=[world.unit.pk])
    assert world.unit.name in page_of(client.get(url))
    response = client.post(url, {"name": world.unit.name, "short_name": "人社局", "level": "city",
                                 "is_active": "on"})  # fmt: skip
    assert response.status_code == 302
    assert HandlingUnit.objects.get(pk=world.unit.pk).short_name == "人社局"

    response = client.post(url, {"name": world.other_unit.name, "level": "city", "is_active": "on"})
    assert response.status_code == 400 and response.context["form"].errors["name"]
    response = client.post(url, {"name": "", "level": "nowhere"})
    assert response.status_code == 400 and set(response.context["form"].errors) >= {"name", "level"}


def test_a_deactivated_unit_is_kept_and_offered_no_more(client, world):
    proposal = bring_to(world, State.REGISTERED)
    client.force_login(world.coordinator)
    response = client.post(reverse("handling-unit-deactivate", args=[world.other_unit.pk]))
    assert response.status_code == 302
    assert not HandlingUnit.objects.get(pk=world.other_unit.pk).is_active
    client.force_login(world.lead)
    response = client.get(reverse("proposal-open", args=[proposal.pk]))
    assign = next(item for item in response.context["actions"] if item["option"].action.name == "assign_unit")
    assert list(assign["form"].fields["unit"].queryset) == [world.unit]


@pytest.mark.parametrize("person", ["secretary", "lead"])
def test_secretaries_and_delegates_may_not_keep_the_directory(client, world, person):
    client.force_login(getattr(world, person))
    assert f'href="{reverse("handling-units")}"' not in page_of(client.get(reverse("home")))
    edit = reverse("handling-unit-edit", args=[world.unit.pk])
    for url in (reverse("handling-units"), reverse("handling-unit-create"), edit):
        assert client.get(url).status_code == 403
    assert client.post(edit, {"name": "改名", "level": "city"}).status_code == 403
    assert client.post(reverse("handling-unit-deactivate", args=[world.unit.pk])).status_code == 403
    assert HandlingUnit.objects.get(pk=world.unit.pk).is_active and world.unit.name != "改名"


def test_the_service_refuses_others_and_reports_each_field(world):
    with pytest.raises(PermissionDenied):
        services.handling_unit_save(actor=world.secretary, name="某局")
    with pytest.raises(ValidationError) as error:
        services.handling_unit_save(actor=world.coordinator, name=world.unit.name, contact_email="not-an-address")
    assert set(error.value.message_dict) == {"name", "contact_email"}
    unit = services.handling_unit_save(actor=world.coordinator, name="  应县教育局  ", level="county")
    assert unit.name == "应县教育局" and unit.is_active


def test_the_admin_lists_units_and_shows_the_handlings_on_the_proposal(client, world):
    proposal = bring_to(world, State.HANDLING)
    client.force_login(world.admin)
    assert world.unit.name in page_of(client.get(reverse("admin:proposals_handlingunit_changelist")))
    page = page_of(client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk])))
    assert world.unit.name in page and "handlings" in page.lower()
