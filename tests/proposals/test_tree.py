"""The organisation tree of any depth (#18 item 1): scope over every depth for every role, moves and the official
order kept in the paths, names unique only among siblings, and query counts that do not grow with the depth."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from proposals import selectors, tree
from proposals.models import Assignment, Organisation, Proposal, User
from proposals.reporting import statistics, year_review
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def org(name, level, parent=None, position=0):
    return Organisation.objects.create(name=name, level=level, parent=parent, region=name, position=position)


@pytest.fixture
def province(world):
    """Shanxi above the world's Shuozhou, and a second city; below the world's branch, two levels of branches."""
    world.province = org("共青团山西省委", "province")
    world.city.parent = world.province
    world.city.save()
    world.other_city = org("共青团大同市委", "city", world.province)
    world.far_county = org("共青团云冈区委", "county", world.other_city)
    world.sub_branch = org("陶瓷e镇团工委第一团支部", "branch", world.branch)
    world.sub_sub_branch = org("第一团支部青年突击队", "branch", world.sub_branch)
    for item in ("province", "city", "county", "branch", "sub_branch", "sub_sub_branch", "other_city", "far_county"):
        getattr(world, item).refresh_from_db()
    return world


def names(organisations):
    return sorted(o.name for o in organisations)


def test_a_move_carries_the_whole_subtree_into_the_new_paths(province):
    world = province
    assert world.city.path.startswith(world.province.path)
    assert world.sub_sub_branch.depth == 5
    assert world.sub_sub_branch.path.startswith(world.branch.path) and world.branch.path.startswith(world.city.path)
    assert [o.name for o in world.sub_sub_branch.ancestors()] == [
        world.province.name, world.city.name, world.county.name, world.branch.name, world.sub_branch.name
    ]  # fmt: skip
    # The county with its branches moves to the other city: everything below goes with it.
    world.county.parent = world.other_city
    world.county.save()
    world.sub_sub_branch.refresh_from_db()
    assert world.sub_sub_branch.is_within(world.other_city)
    assert not world.sub_sub_branch.is_within(world.city)
    assert tree.rebuild_paths(Organisation) == 0  # what save kept is what the parent links say


@pytest.mark.parametrize("item", ["province", "city", "county", "branch", "sub_branch", "sub_sub_branch"])
def test_the_subtree_is_the_organisation_and_everything_below_it_at_any_depth(province, item):
    world = province
    top = getattr(world, item)
    expected = {o.pk for o in Organisation.objects.all() if top.pk in tree.ancestor_keys(o.path)}
    walked = {top.pk}
    frontier = [top.pk]
    while frontier:  # the same subtree read the slow way, down the parent links
        frontier = list(Organisation.objects.filter(parent__in=frontier).values_list("pk", flat=True))
        walked.update(frontier)
    assert expected == walked
    assert set(Organisation.objects.filter(top.subtree_filter()).values_list("pk", flat=True)) == walked
    stand_in = Organisation(pk=top.pk)  # the filter spares loading the row
    assert set(Organisation.objects.filter(stand_in.subtree_filter()).values_list("pk", flat=True)) == walked


def test_every_role_sees_its_scope_at_every_depth(province):
    world = province
    proposals = {}
    for item in ("province", "city", "county", "branch", "sub_branch", "sub_sub_branch", "other_city", "far_county"):
        organisation = getattr(world, item)
        author = make_user(f"author-{item}", role=User.Role.SECRETARY, organisation=organisation)
        proposals[item] = world.draft(organisation=organisation, author=author)
    Assignment.objects.create(
        proposal=proposals["sub_sub_branch"], delegate=world.lead.delegate, role="lead", assigned_by=world.admin
    )

    def seen(user):
        return set(selectors.proposals_visible_to(user).values_list("pk", flat=True))

    def of(*items):
        return {proposals[item].pk for item in items}

    province_coordinator = make_user("coord-province", role=User.Role.COORDINATOR, organisation=world.province)
    below_city = ("city", "county", "branch", "sub_branch", "sub_sub_branch")
    assert seen(province_coordinator) == of(*below_city, "province", "other_city", "far_county")
    assert seen(world.city_coordinator) == of(*below_city)
    assert seen(world.coordinator) == of("county", "branch", "sub_branch", "sub_sub_branch")
    assert seen(world.other_coordinator) == set()
    deep_secretary = make_user("secretary-deep", role=User.Role.SECRETARY, organisation=world.sub_sub_branch)
    assert seen(deep_secretary) == of("sub_sub_branch")
    assert seen(world.lead) == of("sub_sub_branch")
    assert seen(world.admin) >= of(*proposals)
    # The permission checks read the same tree: the county coordinator may act on the deepest branch's proposal.
    assert proposals["sub_sub_branch"].organisation.is_within(Organisation(pk=world.county.pk))
    assert not proposals["far_county"].organisation.is_within(Organisation(pk=world.city.pk))


def test_the_organisations_in_scope_and_the_pickers_follow_the_tree(province, client):
    world = province
    coordinator = make_user("coord-province", role=User.Role.COORDINATOR, organisation=world.province)
    assert selectors.organisations_in_scope(coordinator).count() == Organisation.objects.count()
    assert names(selectors.organisations_in_scope(world.city_coordinator)) == names(
        [world.city, world.county, world.other_county, world.branch, world.other_branch, world.sub_branch,
         world.sub_sub_branch]
    )  # fmt: skip
    client.force_login(coordinator)
    html = client.get("/proposals/").content.decode()
    # The province at the left, each level one step further in; the deepest branch five steps in.
    assert f">{world.province.name}</option>" in html
    assert f">{chr(0x3000) * 5}{world.sub_sub_branch.name}</option>" in html


def test_the_official_order_is_kept_in_the_paths_when_the_operator_changes_it(province):
    world = province

    def counties():
        return [o.name for o in selectors.in_tree_order(Organisation.objects.filter(parent=world.city))]

    world.county.position, world.other_county.position = 2, 1
    world.county.save()
    world.other_county.save()
    assert counties() == [world.other_county.name, world.county.name]
    order = list(selectors.in_tree_order(Organisation.objects.all()))
    # Each organisation comes before everything below it, and right after its parent's earlier subtrees.
    for index, organisation in enumerate(order):
        if organisation.parent_id:
            assert order.index(next(o for o in order if o.pk == organisation.parent_id)) < index
    world.county.position = 0
    world.county.save()
    assert counties() == [world.county.name, world.other_county.name]
    world.branch.refresh_from_db()
    assert world.branch.path.startswith(world.county.path)  # the reorder carried the county's subtree along


def test_names_are_unique_among_siblings_only(province):
    world = province
    org("团委", "branch", world.county)
    org("团委", "branch", world.other_county)  # another parent: allowed
    duplicate = Organisation(name="团委", level="branch", parent=world.county, region="怀仁市")
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        duplicate.full_clean()
    assert "Another organisation under the same parent has this name." in str(raised.value)
    with transaction.atomic(), pytest.raises(IntegrityError):
        duplicate.save()
    with transaction.atomic(), pytest.raises(IntegrityError):
        org("共青团山西省委", "province")  # two trees' tops cannot share a name either


@pytest.mark.parametrize(
    ("level", "parent", "message"),
    [
        ("branch", None, "Choose the organisation this one belongs to."),
        ("province", "city", "A province committee stands at the top and has no parent."),
        ("city", "county", "cannot belong to"),
        ("county", "branch", "cannot belong to"),
    ],
)
def test_the_levels_hang_in_order(province, level, parent, message):
    world = province
    candidate = Organisation(name="新组织", level=level, parent=getattr(world, parent) if parent else None, region="x")
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        candidate.full_clean()
    with translation.override("en"):
        assert message in str(raised.value)


def test_an_organisation_cannot_move_below_itself(province):
    world = province
    world.county.parent = world.sub_branch
    with pytest.raises(ValidationError):
        world.county.full_clean()
    with pytest.raises(ValidationError):
        world.county.save()
    world.county.refresh_from_db()
    assert world.county.parent_id == world.city.pk


def test_the_queries_do_not_grow_with_the_depth(province, django_assert_num_queries):
    world = province
    shallow_branch, deep_branch = world.branch, world.sub_sub_branch
    for depth in range(8):  # eight more levels of branches below the deepest
        deep_branch = org(f"突击队{depth}", "branch", deep_branch)
    for organisation in (shallow_branch, deep_branch):
        author = make_user(f"author-{organisation.pk}", role=User.Role.SECRETARY, organisation=organisation)
        world.draft(organisation=organisation, author=author)
    coordinator = make_user("coord-province", role=User.Role.COORDINATOR, organisation=world.province)

    def cost(user):
        with django_assert_num_queries(1) as context:
            list(selectors.proposals_visible_to(user))
        return len(context.captured_queries)

    assert cost(coordinator) == cost(world.coordinator) == 1
    units = selectors.counties_in_scope(coordinator)
    committees = selectors.upper_committees_in_scope(coordinator)
    with django_assert_num_queries(2):
        rows = statistics.counts_by_county(selectors.proposals_visible_to(coordinator), units, committees)
    by_name = {row.organisation.name: row.count for row in rows}
    assert by_name[world.county.name] == 2  # the shallow branch's and the one sixteen levels down
    assert sum(by_name.values()) == Proposal.objects.count()


def test_the_year_review_rolls_up_from_county_to_city_to_province_with_the_same_figures(province):
    world = province
    for organisation in (world.province, world.city, world.county, world.sub_sub_branch, world.far_county):
        author = make_user(f"author-{organisation.pk}", role=User.Role.SECRETARY, organisation=organisation)
        for _n in range(organisation.depth + 1):
            world.draft(organisation=organisation, author=author)
    year = timezone.localdate().year
    everything = Proposal.objects.all()

    def review(organisation):
        return year_review.year_review(everything, organisation=organisation, year=year)

    def figures(row):
        return [cell.count for cell in row.cells]

    province_review, city_review = review(world.province), review(world.city)
    assert province_review.unit_level == Organisation.Level.CITY
    rows = {row.organisation.pk: row for row in province_review.units if not row.own}
    assert figures(rows[world.city.pk]) == figures(city_review.total)
    assert figures(rows[world.other_city.pk]) == figures(review(world.other_city).total)
    city_rows = {row.organisation.pk: row for row in city_review.units if not row.own}
    assert figures(city_rows[world.county.pk]) == figures(review(world.county).total)
    # Each level's rows add up to its total: the units below and the committee's own.
    for each in (province_review, city_review):
        columns = zip(*(figures(row) for row in each.units), strict=True)
        assert [sum(column) for column in columns] == figures(each.total)
    assert province_review.total.count("drafted") == 1 + 2 + 3 + 6 + 3  # one more at each level down


def test_a_public_needs_page_offers_the_counties_of_its_own_city(province, client):
    world = province
    html = client.get(f"/voice/{world.branch.pk}/").content.decode()
    assert world.county.region in html and world.other_county.region in html
    assert world.far_county.region not in html  # Datong's district is not Shuozhou's
    html = client.get(f"/voice/{world.province.pk}/").content.decode()
    assert world.far_county.region in html and world.county.region in html


@pytest.mark.parametrize("item", ["branch", "sub_sub_branch"])
def test_an_overdue_answer_goes_to_the_nearest_committee_and_escalates_above_it_at_any_depth(province, item):
    from proposals.reminders import Policy, recipients

    world = province
    organisation = getattr(world, item)
    author = make_user(f"author-{item}", role=User.Role.SECRETARY, organisation=organisation)
    proposal = world.draft(organisation=organisation, author=author)
    proposal = Proposal.objects.select_related("organisation__parent__parent").get(pk=proposal.pk)
    policy = Policy(offsets_days=(7, 3, 1, 0), escalate_after_days=3, overdue_for_days=30)
    people = {user.username: kind for user, kind in recipients(proposal, "answer", -5, policy)}
    # The county committee above the branches (however deep) is reminded; the city's coordinator is escalated to.
    assert people == {world.coordinator.username: "overdue", world.city_coordinator.username: "escalation"}


def test_paths_made_stale_by_bulk_sql_are_rebuilt_by_the_command(province):
    import io

    from django.core.management import call_command

    world = province
    Organisation.objects.filter(pk=world.county.pk).update(position=7, parent=world.other_city)  # around save
    out = io.StringIO()
    call_command("rebuild_organisation_paths", stdout=out)
    assert out.getvalue().startswith("4 of ")  # the county, its branch and the two below that
    world.sub_sub_branch.refresh_from_db()
    assert world.sub_sub_branch.is_within(world.other_city)
    assert tree.rebuild_paths(Organisation) == 0
