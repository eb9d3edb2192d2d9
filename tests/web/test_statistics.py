"""The statistics page: counts per county, topic, state and session, coverage, and the three rates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from proposals.models import Organisation, Proposal, Session
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire


@pytest.fixture
def outcomes(world):
    """Proposals at every outcome, in the county (through its branch), one in the other county, one at the city."""
    proposals = [bring_to(world, state) for state in (State.REGISTERED, State.ANSWERED, State.CLOSED)]
    proposals.append(bring_to(world, State.NOT_REGISTERED))
    unsatisfied = bring_to(world, State.ANSWERED)
    fire(world, unsatisfied, "rate", "lead")  # arrange rates "satisfied"; make one basically and one unsatisfied
    Proposal.objects.filter(pk=unsatisfied.pk).update(rating=Proposal.Rating.UNSATISFIED)
    Proposal.objects.filter(pk=proposals[2].pk).update(rating=Proposal.Rating.BASICALLY_SATISFIED)
    proposals.append(world.draft(title="县委自己的草稿", author=world.coordinator, organisation=world.county,
                                 topic=Proposal.Topic.JOBS))  # fmt: skip
    proposals.append(world.draft(title="市委的草稿", author=world.city_coordinator, organisation=world.city,
                                 session=world.cppcc_session, kind=Proposal.Kind.CPPCC_PROPOSAL))  # fmt: skip
    return proposals


def stats(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("statistics"), params)
    assert response.status_code == 200
    return response


def test_figures_equal_the_counts_made_from_the_database(client, world, outcomes):
    response = stats(client, world.city_coordinator)
    everything = Proposal.objects.filter(world.city.subtree_filter("organisation__"))
    assert response.context["total"] == everything.count() == 8  # bring_to(NOT_REGISTERED) leaves a draft too
    assert {bar.key: bar.count for bar in response.context["by_state"]} == {
        state: everything.filter(state=state).count() for state in State.values
    }
    assert {bar.key: bar.count for bar in response.context["by_topic"]} == {
        topic: everything.filter(topic=topic).count() for topic in Proposal.Topic.values
    }
    assert {int(bar.key): bar.count for bar in response.context["by_session"]} == {
        session.pk: everything.filter(session=session).count() for session in Session.objects.all()
    }
    by_county = {row.organisation.pk: row.count for row in response.context["counties"]}
    assert by_county == {
        county.pk: everything.filter(Q(organisation=county) | Q(organisation__parent=county)).count()
        for county in (world.county, world.other_county)
    }
    assert by_county[world.county.pk] == 7  # six in its branch and its committee's own draft
    # The city committee's own proposals follow the counties, so the rows add up to the total.
    units = {row.organisation.pk: row.count for row in response.context["units"]}
    assert units[world.city.pk] == everything.filter(organisation=world.city).count() == 1
    assert sum(units.values()) == response.context["total"]


def test_rates_show_numerator_and_denominator_as_counted_independently(client, world, outcomes):
    response = stats(client, world.city_coordinator)
    rates = response.context["rates"]
    everything = Proposal.objects.all()
    registered = everything.filter(state__in=["registered", "answered", "closed"]).count()
    decided = registered + everything.filter(state="not_registered").count()
    answered = everything.filter(state__in=["answered", "closed"]).count()
    rated = everything.exclude(rating="").count()
    satisfied = everything.filter(rating__in=["satisfied", "basically_satisfied"]).count()
    assert (rates["registration"].numerator, rates["registration"].denominator) == (registered, decided) == (4, 5)
    assert (rates["answer"].numerator, rates["answer"].denominator) == (answered, registered) == (3, 4)
    assert (rates["satisfaction"].numerator, rates["satisfaction"].denominator) == (satisfied, rated) == (1, 2)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("statistics")).content.decode()
    assert "80.0%" in page and "4 registered of 5 decided" in page
    assert "75.0%" in page and "3 answered of 4 registered" in page
    assert "50.0%" in page and "1 satisfied or basically satisfied of 2 rated" in page


def test_coverage_names_the_county_with_no_proposal(client, world, outcomes):
    Proposal.objects.filter(organisation=world.other_branch).delete()
    response = stats(client, world.city_coordinator)
    assert response.context["uncovered"] == [world.other_county]
    coverage = response.content.decode().split('id="coverage-title"')[1].split("</section>")[0]
    assert world.other_county.name in coverage and world.county.name not in coverage


def test_coverage_follows_the_chosen_session(client, world, outcomes):
    cppcc = stats(client, world.city_coordinator, session=world.cppcc_session.pk)
    # Only the city committee's own draft went to the CPPCC session: no county has one there.
    assert cppcc.context["total"] == 1
    assert set(cppcc.context["uncovered"]) == {world.county, world.other_county}
    year = world.npc_session.opening_date.year
    in_year = stats(client, world.city_coordinator, year=year)
    assert in_year.context["total"] == Proposal.objects.filter(session__opening_date__year=year).count()
    # A year with no session is not a choice: the filter is ignored rather than guessed.
    assert stats(client, world.city_coordinator, year=year + 5).context["total"] == Proposal.objects.count()


def test_a_county_coordinator_sees_their_county_only(client, world, outcomes):
    response = stats(client, world.coordinator)
    assert [row.organisation for row in response.context["counties"]] == [world.county]
    assert response.context["total"] == Proposal.objects.filter(world.county.subtree_filter("organisation__")).count()


def test_an_administrator_sees_every_county(client, world, outcomes):
    response = stats(client, world.admin)
    assert {row.organisation for row in response.context["counties"]} == set(
        Organisation.objects.filter(level="county")
    )
    assert response.context["total"] == Proposal.objects.count()


@pytest.mark.parametrize("name", ["secretary", "lead"])
def test_secretaries_and_delegates_get_not_found(client, world, name):
    client.force_login(getattr(world, name))
    assert client.get(reverse("statistics")).status_code == 404
    assert reverse("statistics") not in client.get(reverse("home")).content.decode()


def test_coordinators_find_it_in_the_navigation(client, world):
    client.force_login(world.coordinator)
    assert f'href="{reverse("statistics")}"' in client.get(reverse("home")).content.decode()


def test_the_page_prints(client, world):
    response = stats(client, world.city_coordinator)
    assert b"no-print" in response.content


@pytest.mark.parametrize("count", [3, 40])
def test_the_statistics_need_the_same_queries_whatever_the_number_of_proposals(
    client, world, count, django_assert_max_num_queries
):
    now = timezone.now()
    for n in range(count):
        organisation = [world.branch, world.other_branch][n % 2]
        author = [world.secretary, world.other_secretary][n % 2]
        world.draft(author=author, organisation=organisation, topic=list(Proposal.Topic.values)[n % 9],
                    research_due=now + dt.timedelta(days=n % 20))  # fmt: skip
    for user in (world.city_coordinator, world.admin):
        client.force_login(user)
        with django_assert_max_num_queries(14):
            assert client.get(reverse("statistics")).status_code == 200
        with django_assert_max_num_queries(15):
            assert client.get(reverse("statistics"), {"session": world.npc_session.pk}).status_code == 200
