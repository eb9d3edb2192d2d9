"""The migration of today's three levels (city → county → branch) into the tree of any depth (#18 item 3)."""

from proposals import selectors, tree
from proposals.models import Organisation, User
from tests.proposals.migrating import latest, migrate

BEFORE = [("proposals", "0017_meetings")]


def test_three_levels_become_the_tree_nothing_lost(transactional_db):
    apps = migrate(BEFORE)
    Organisation_, User_ = apps.get_model("proposals", "Organisation"), apps.get_model("proposals", "User")
    city = Organisation_.objects.create(name="共青团朔州市委", level="city", region="朔州市")
    # Created in the alphabet's order, listed in the official one.
    yingxian = Organisation_.objects.create(name="共青团应县委", level="county", parent=city, region="应县", position=2)
    huairen = Organisation_.objects.create(
        name="共青团怀仁市委", level="county", parent=city, region="怀仁市", position=1
    )
    branches = [
        Organisation_.objects.create(name=f"团支部{n}", level="branch", parent=county, region=county.region)
        for n, county in enumerate([yingxian, huairen, huairen])
    ]
    coordinator = User_.objects.create(username="coord", role="coordinator", organisation=huairen)
    before = {o.pk: (o.name, o.level, o.parent_id, o.region, o.position) for o in Organisation_.objects.all()}

    migrate(latest())

    after = {o.pk: (o.name, o.level, o.parent_id, o.region, o.position) for o in Organisation.objects.all()}
    assert after == before
    assert tree.rebuild_paths(Organisation) == 0  # every path filled, and as the parent links say
    order = [o.name for o in selectors.in_tree_order(Organisation.objects.all())]
    assert order == ["共青团朔州市委", "共青团怀仁市委", "团支部1", "团支部2", "共青团应县委", "团支部0"]
    coordinator = User.objects.get(pk=coordinator.pk)
    scope = set(selectors.organisations_in_scope(coordinator).values_list("pk", flat=True))
    assert scope == {huairen.pk, branches[1].pk, branches[2].pk}
