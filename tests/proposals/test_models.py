"""What the model refuses by itself: an admin form shows these as field errors instead of failing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from proposals.models import Organisation, User


@pytest.mark.parametrize(
    ("level", "parent_name", "field"),
    [("city", "city", "parent"), ("city", "county", "parent"), ("county", "branch", "parent"),
     ("branch", None, "parent"), ("province", "city", "parent")],
)  # fmt: skip
def test_an_organisation_hangs_below_a_higher_level(world, level, parent_name, field):
    parent = getattr(world, parent_name) if parent_name else None
    with pytest.raises(ValidationError) as error:
        Organisation(name="新组织", level=level, parent=parent, region="朔州市").full_clean()
    assert field in error.value.message_dict


@pytest.mark.parametrize(("level", "parent_name"), [("county", None), ("branch", "city"), ("branch", "branch")])
def test_a_committee_may_head_a_tree_and_a_branch_hang_below_anything(world, level, parent_name):
    parent = getattr(world, parent_name) if parent_name else None
    Organisation(name="新组织", level=level, parent=parent, region="朔州市").full_clean()


@pytest.mark.parametrize(("level", "parent_name"), [("branch", None), ("province", "city")])
def test_the_database_refuses_a_branch_at_the_top_and_a_province_below(world, level, parent_name):
    parent = getattr(world, parent_name) if parent_name else None
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="新组织", level=level, parent=parent, region="朔州市")


def test_subtree_covers_the_organisation_and_everything_below(world):
    below_city = set(Organisation.objects.filter(world.city.subtree_filter()))
    assert below_city == set(Organisation.objects.all())
    assert set(Organisation.objects.filter(world.county.subtree_filter())) == {world.county, world.branch}
    assert world.branch.is_within(world.city) and not world.branch.is_within(world.other_county)


@pytest.mark.parametrize(
    ("role", "organisation", "field"),
    [("secretary", None, "organisation"), ("coordinator", "branch", "organisation")],
)
def test_staff_roles_need_a_fitting_organisation(world, role, organisation, field):
    user = User(username="新人", role=role, organisation=getattr(world, organisation) if organisation else None)
    user.set_unusable_password()
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert field in error.value.message_dict


def test_chinese_names_read_family_name_first():
    assert User(last_name="刘", first_name="振华").display_name == "刘振华"
    assert User(last_name="Smith", first_name="Anna").display_name == "Anna Smith"
    assert User(username="demo-admin").display_name == "demo-admin"
