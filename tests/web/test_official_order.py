"""Organisations in the official order the operator sets, as a tree in every picker; counties in that order on
the statistics page and the year review (#14 item 12)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from proposals.models import Organisation
from proposals.reporting import statistics
from proposals.selectors import counties_in_scope, in_tree_order, proposals_visible_to, upper_committees_in_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(world):
    """应县 before 怀仁市, as Shuozhou lists them, though the alphabet and the ids say otherwise. Set as the operator
    sets them (the admin saves the organisation), which moves each county's subtree into the new order."""
    for organisation, position in ((world.other_county, 1), (world.county, 2)):
        organisation.position = position
        organisation.save()
    return world


def test_the_tree_order_is_city_then_each_county_in_order_with_its_branches(official):
    world = official
    names = list(in_tree_order(Organisation.objects.all()).values_list("name", flat=True))
    assert names == [world.city.name, world.other_county.name, world.other_branch.name, world.county.name,
                     world.branch.name]  # fmt: skip


def test_every_organisation_picker_is_the_indented_tree(client, official):
    world = official
    client.force_login(world.city_coordinator)
    for url in (reverse("proposal-list"), reverse("proposal-create"), reverse("exports"), reverse("year-review")):
        html = client.get(url).content.decode()
        select = re.search(r'<select[^>]*name="organisation"[^>]*>(.*?)</select>', html, re.S).group(1)
        labels = [label for value, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select)]
        assert labels == [world.city.name, "\u3000" + world.other_county.name, "\u3000\u3000" + world.other_branch.name,
                          "\u3000" + world.county.name, "\u3000\u3000" + world.branch.name], url  # fmt: skip


def test_the_statistics_list_counties_in_the_official_order(official):
    world = official
    user = world.city_coordinator
    rows = statistics.counts_by_county(
        proposals_visible_to(user), counties_in_scope(user), upper_committees_in_scope(user)
    )
    counties = [row.organisation for row in rows if row.organisation.level == Organisation.Level.COUNTY]
    assert counties == [world.other_county, world.county]
