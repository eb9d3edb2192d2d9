"""The needs in the year review (#16 item 9): received, accepted, carried, answered and replied to, per county and
per theme, and by channel; counted here by hand from what the test made."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals import selectors, services
from proposals.models import Need, NeedReply
from proposals.reporting.needs_and_meetings import meetings_coverage, needs_review
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire

pytestmark = pytest.mark.django_db


def need(world, organisation, **fields):
    actor = world.secretary if organisation == world.branch else world.city_coordinator
    base = {"summary": "希望增加见习岗位", "topic": "jobs", "channel": "survey", "people_count": 10}
    return services.need_record(actor=actor, organisation_id=organisation.pk, **(base | fields))


@pytest.fixture
def needs(world):
    """In the county (through its branch): one carried into an answered proposal whose reply went out, one merged
    into it, one declined; in the other county (named as the need's county): one pending; at the city: one with
    no county, received by letter; and one of last year."""
    carried = need(world, world.branch, contact_email="a@example.org", contact_consent=True, wants_reply=True)
    merged = need(world, world.branch, people_count=4, channel="hotline")
    declined = need(world, world.branch, channel="online")
    need(world, world.city, county=world.other_county.pk, channel="forum")
    need(world, world.city, channel="letter")
    old = need(world, world.branch)
    Need.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    for item in (carried,):
        services.need_accept(actor=world.secretary, need_id=item.pk, theme="青年就业见习")
    services.need_merge(actor=world.secretary, need_id=merged.pk, into_id=carried.pk)
    services.need_decline(actor=world.secretary, need_id=declined.pk, reason="已解决。")
    proposal = bring_to(world, State.REGISTERED)
    services.need_link(actor=world.secretary, need_id=carried.pk, proposal_id=proposal.pk)
    fire(world, proposal, "assign_unit", "lead", inputs={"unit": world.unit.pk, "unit_role": "lead"})
    answer = {"unit": world.unit.pk, "answer": "已扩大见习基地。", "answer_class": "A", "answer_method": "writing"}
    fire(world, proposal, "record_answer", "secretary", inputs=answer)
    NeedReply.objects.update(status="sent", sent_at=timezone.now())
    return carried


def test_the_figures_per_county_theme_and_channel(world, needs):
    year = timezone.localdate().year
    review = needs_review(selectors.needs_visible_to(world.city_coordinator), organisation=world.city, year=year)
    rows = {row.label: row.figures for row in review.counties}
    # received, people (merged ones in their target), accepted, carried, answered, replied
    assert rows[world.county.name] == [3, 10 + 4 + 10, 1, 1, 1, 1]
    assert rows[world.other_county.name] == [1, 10, 0, 0, 0, 0]
    assert rows["无所属县区"] == [1, 10, 0, 0, 0, 0]
    assert review.total.figures == [5, 44, 1, 1, 1, 1]
    assert [(row.label, row.figures) for row in review.themes] == [("青年就业见习", [1, 14, 1, 1, 1, 1])]
    channels = dict(review.channels)
    named = ("问卷调查", "12355热线", "公开页面", "座谈交流", "来信")
    assert [channels[name] for name in named] == [1] * 5


def test_a_county_coordinator_counts_their_county_only_in_fixed_queries(world, needs):
    year = timezone.localdate().year
    with CaptureQueriesContext(connection) as queries:
        review = needs_review(selectors.needs_visible_to(world.coordinator), organisation=world.county, year=year)
    assert [row.label for row in review.counties] == [world.county.name]
    assert review.total.received == 3
    assert len(queries) == 4


def test_the_year_review_page_shows_them(client, world, needs):
    client.force_login(world.city_coordinator)
    page = client.get(reverse("year-review"), {"year": timezone.localdate().year, "organisation": world.city.pk})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="needs-by-county"' in html and "青年就业见习" in html


def test_meetings_coverage_names_the_counties_without_a_meeting(client, world):
    now = timezone.now()
    for place, organisation, delegates in (("青年之家", world.branch, [world.lead, world.cosigners[0]]),
                                           ("团县委", world.county, [world.lead])):  # fmt: skip
        services.meeting_save(actor=world.city_coordinator, organisation_id=organisation.pk, theme="面对面",
                              place=place, starts_at=now - dt.timedelta(days=1), young_people=20,
                              delegates=[d.delegate.pk for d in delegates])  # fmt: skip
    # One to come in the other county: planned, not held.
    services.meeting_save(actor=world.city_coordinator, organisation_id=world.other_county.pk, theme="面对面",
                          place="团县委", starts_at=now + dt.timedelta(minutes=5))  # fmt: skip
    year = timezone.localdate().year
    coverage = meetings_coverage(selectors.meetings_visible_to(world.city_coordinator), organisation=world.city,
                                 year=year)  # fmt: skip
    rows = {row.label: (row.meetings, row.delegates, row.young_people) for row in coverage.counties}
    assert rows == {world.county.name: (2, 2, 40), world.other_county.name: (0, 0, 0)}
    assert coverage.without_meeting == [world.other_county.name]
    client.force_login(world.city_coordinator)
    page = client.get(reverse("year-review"), {"year": year, "organisation": world.city.pk}).content.decode()
    assert 'id="meetings-coverage"' in page and world.other_county.name in page.split('id="no-meeting"')[1]


def test_the_coordinators_dashboard_sums_up_the_year(client, world, needs):
    client.force_login(world.coordinator)
    page = client.get(reverse("home")).content.decode()
    card = page.split('id="youth-voice"')[1].split("</section>")[0]
    assert "<dd>3</dd>" in card and 'id="dashboard-no-meeting"' in card and world.county.name in card
    client.force_login(world.secretary)
    assert 'id="youth-voice"' not in client.get(reverse("home")).content.decode()
