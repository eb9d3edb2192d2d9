"""The statistics page: counts per county, topic, state and session, coverage, and the three rates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from proposals.models import Answer, AnswerRating, Organisation, Proposal, Session
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire, rate_all


@pytest.fixture
def outcomes(world):
    """Proposals at every outcome, in the county (through its branch), one in the other county, one at the city.
    The handling goes through the services: one closed with a basically satisfied rating among satisfied ones,
    one sent back by an unsatisfied rating and closed after a second answer some still rate unsatisfied."""
    proposals = [bring_to(world, state) for state in (State.REGISTERED, State.ANSWERED)]
    basically = bring_to(world, State.ANSWERED)
    rate_all(world, basically, "basically_satisfied", lead_rating="satisfied")
    proposals.append(basically)
    proposals.append(bring_to(world, State.NOT_REGISTERED))
    unsatisfied = bring_to(world, State.ANSWERED)
    fire(world, unsatisfied, "rate", "lead", inputs={"rating": "unsatisfied"})  # the unit answers again
    fire(world, unsatisfied, "record_answer", "lead", inputs={"answer_class": "B"})
    rate_all(world, unsatisfied, "satisfied", lead_rating="unsatisfied")
    proposals.append(unsatisfied)
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
    # Answered: every unit has answered (the one sent back answered twice); rated: closed; satisfied: closed with
    # no unsatisfied rating of a final answer.
    answered = everything.filter(handlings__answers__isnull=False).distinct().count()
    rated = everything.filter(state="closed")
    unsatisfied_in_the_end = AnswerRating.objects.filter(
        rating="unsatisfied", answer__round=F("answer__handling__round")
    ).values("answer__handling__proposal")
    satisfied = rated.exclude(pk__in=unsatisfied_in_the_end).count()
    rated = rated.count()
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
    # Handled, rated, supervised and raised again: every table of the handling has rows to read.
    for n in range(count // 10 + 1):
        handled = bring_to(world, State.ANSWERED)
        fire(world, handled, "supervise", "coordinator")
        rate_all(world, handled, "satisfied", lead_rating=["satisfied", "basically_satisfied"][n % 2])
    fire(world, bring_to(world, State.NOT_REGISTERED), "carry_forward", "secretary")
    for user in (world.city_coordinator, world.admin):
        client.force_login(user)
        # With the three of the transaction whose queries run without JIT (BEGIN, SET LOCAL jit, COMMIT).
        with django_assert_max_num_queries(24):
            assert client.get(reverse("statistics")).status_code == 200
        with django_assert_max_num_queries(25):
            assert client.get(reverse("statistics"), {"session": world.npc_session.pk}).status_code == 200


# --- The handling units' answers ------------------------------------------------------------------------


def handling(client, user, **params):
    return stats(client, user, **params).context["handling"]


def test_answers_are_counted_by_the_class_of_each_units_latest_answer(client, world, outcomes):
    answered = outcomes[1]
    fire(world, answered, "assign_unit", "lead", inputs={"unit": world.other_unit.pk, "unit_role": "assisting"})
    fire(world, answered, "record_answer", "lead", inputs={"unit": world.other_unit.pk, "answer_class": "C"})
    # An answer the migration made from the free-text answer has no class.
    Answer.objects.filter(handling__proposal=outcomes[2]).update(answer_class="")
    by_class = {figure.key: figure.count for figure in handling(client, world.city_coordinator).answer_classes}
    # The answered one's (A), the answered one's second unit (C), the one sent back: its second answer (B), not
    # its first (A); the migrated one.
    assert by_class == {"A": 1, "B": 1, "C": 1, "": 1}
    latest = Answer.objects.exclude(round=1, handling__answers__round=2)
    assert by_class == {klass: latest.filter(answer_class=klass).count() for klass in ("A", "B", "C", "")}


def test_satisfaction_is_counted_per_unit_and_round(client, world, outcomes):
    rows = handling(client, world.city_coordinator).satisfaction
    assert [row.unit for row in rows] == [world.unit]
    # Round 1: the basically satisfied one (three co-signers basically, the lead satisfied) and the lead's
    # unsatisfied rating that sent the other back; round 2: three satisfied, the lead unsatisfied.
    assert rows[0].cells == [1, 3, 1, 3, 0, 1]
    ratings = AnswerRating.objects.filter(answer__handling__unit=world.unit)
    assert rows[0].cells == [
        ratings.filter(answer__round=round_, rating=rating).count()
        for round_ in (1, 2)
        for rating in ("satisfied", "basically_satisfied", "unsatisfied")
    ]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("statistics")).content.decode()
    table = page.split('id="satisfaction-by-unit"')[1].split("</table>")[0]
    assert world.unit.name in table and "Round 2: Unsatisfied" in table


def test_overdue_and_late_answers_are_counted_per_unit(client, world):
    today = timezone.localdate()
    late = bring_to(world, State.REGISTERED)
    Proposal.objects.filter(pk=late.pk).update(submitted_on=today - dt.timedelta(days=200))
    long_ago = (today - dt.timedelta(days=150)).isoformat()  # due three months later: two months ago
    fire(world, late, "assign_unit", "lead", inputs={"assigned_on": long_ago})
    fire(world, late, "assign_unit", "lead",
         inputs={"unit": world.other_unit.pk, "unit_role": "assisting", "assigned_on": long_ago})  # fmt: skip
    fire(world, late, "record_answer", "lead",
         inputs={"unit": world.other_unit.pk, "answered_on": (today - dt.timedelta(days=10)).isoformat()})  # fmt: skip
    bring_to(world, State.ANSWERED)  # answered on time
    rows = {row.unit: row.cells for row in handling(client, world.city_coordinator).timeliness}
    # Handled, overdue (open, due before today), answered after the due date.
    assert rows == {world.unit: [2, 1, 0], world.other_unit: [1, 0, 1]}


def test_supervised_items_are_counted_with_their_outcome(client, world):
    still = bring_to(world, State.REGISTERED)
    fire(world, still, "supervise", "coordinator", note="群众反映强烈")
    ended = bring_to(world, State.ANSWERED)
    fire(world, ended, "supervise", "coordinator", note="群众反映强烈")
    rate_all(world, ended, "satisfied")
    fire(world, ended, "end_supervision", "coordinator", note="已办结")
    bring_to(world, State.CLOSED)  # never supervised
    supervision = handling(client, world.city_coordinator).supervision
    assert (supervision.supervised, supervision.still, supervision.answered, supervision.closed,
            supervision.satisfied) == (2, 1, 1, 1, 1)  # fmt: skip


def test_proposals_raised_again_are_counted_with_the_years_running(client, world):
    first = bring_to(world, State.NOT_REGISTERED)
    fire(world, first, "carry_forward", "secretary")
    second = bring_to(world, State.NOT_REGISTERED, draft=Proposal.objects.get(carried_from=first))
    later = world.later_session()
    third_session = Session.objects.create(
        body=later.body, level=later.level, region=later.region, name="朔州市第五届人民代表大会第六次会议",
        opening_date=later.opening_date + dt.timedelta(days=365),
        closing_date=later.closing_date + dt.timedelta(days=365),
        submission_deadline=later.submission_deadline + dt.timedelta(days=365),
    )  # fmt: skip
    fire(world, second, "carry_forward", "secretary", inputs={"session": third_session.pk})
    assert Proposal.objects.get(carried_from=second).session == third_session
    carried = handling(client, world.city_coordinator).carried
    # The second raises the first again (two sessions' years), the third the second (three).
    assert (carried.raised_again, carried.years_running) == (2, [(2, 1), (3, 1)])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("statistics")).content.decode()
    assert "Raised 3 years running" in page
