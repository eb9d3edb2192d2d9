"""The dashboard: the board by state in each person's scope, what is due, what delegates wrote, the counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import Comment, Proposal, Session
from proposals.reporting import statistics
from proposals.selectors import proposals_visible_to
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire


def board_titles(client, user) -> dict[str, list[str]]:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {column.state: [card.title for card in column.cards] for column in response.context["columns"]}


def all_titles(board: dict[str, list[str]]) -> set[str]:
    return {title for titles in board.values() for title in titles}


@pytest.fixture
def spread(world):
    """A proposal in each county's branch, one at the city committee, one assigned to the lead delegate."""
    mine = world.draft(title="怀仁市陶瓷e镇青年电商培训的建议")
    other = world.draft(title="应县职业中学学生实习保障的建议", author=world.other_secretary,
                        organisation=world.other_branch)  # fmt: skip
    city = world.draft(title="全市希望小屋关爱项目的建议", author=world.city_coordinator, organisation=world.city)
    assigned = bring_to(world, State.CONSULTATION)
    return {"mine": mine, "other": other, "city": city, "assigned": assigned}


def test_the_dashboard_asks_for_a_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_secretary_sees_their_organisations_proposals_only(client, world, spread):
    titles = all_titles(board_titles(client, world.secretary))
    assert spread["mine"].title in titles and spread["assigned"].title in titles
    assert spread["other"].title not in titles and spread["city"].title not in titles


def test_a_county_coordinator_sees_their_subtree_and_a_city_coordinator_everything_below(client, world, spread):
    county = all_titles(board_titles(client, world.coordinator))
    assert county == {spread["mine"].title, spread["assigned"].title}
    city = all_titles(board_titles(client, world.city_coordinator))
    assert city == {proposal.title for proposal in spread.values()}


def test_a_delegate_sees_only_the_proposals_assigned_to_them(client, world, spread):
    assert all_titles(board_titles(client, world.lead)) == {spread["assigned"].title}
    assert all_titles(board_titles(client, world.outsider_delegate)) == set()


def test_an_administrator_sees_everything(client, world, spread):
    assert all_titles(board_titles(client, world.admin)) == {proposal.title for proposal in spread.values()}


def test_the_board_has_a_column_per_state_in_workflow_order_with_counts_and_links(client, world, spread):
    client.force_login(world.city_coordinator)
    response = client.get(reverse("home"))
    columns = response.context["columns"]
    assert [column.state for column in columns] == list(State.values)
    counts = {column.state: column.count for column in columns}
    assert counts[State.DRAFT] == 3 and counts[State.CONSULTATION] == 1 and counts[State.CLOSED] == 0
    page = response.content.decode()
    assert reverse("proposal-open", args=[spread["city"].pk]) in page


def test_a_full_column_shows_eight_cards_and_links_to_the_rest(client, world):
    for n in range(11):
        world.draft(title=f"第{n}号草稿")
    client.force_login(world.secretary)
    response = client.get(reverse("home"))
    draft = response.context["columns"][0]
    assert draft.count == 11 and len(draft.cards) == statistics.BOARD_CARDS_PER_STATE == 8
    assert draft.cards[0].title == "第10号草稿"  # the latest first
    assert f"{reverse('proposal-list')}?state=draft" in response.content.decode()


def test_deadlines_are_the_current_stages_most_urgent_first_with_the_overdue_first(client, world):
    now = timezone.now()
    late = world.draft(title="逾期的调研", research_due=now - dt.timedelta(days=3))
    soon = world.draft(title="五天后到期", research_due=now + dt.timedelta(days=5))
    far = world.draft(title="调研期很长", research_due=now + dt.timedelta(days=40))
    ready = bring_to(world, State.READY)
    Session.objects.filter(pk=world.npc_session.pk).update(submission_deadline=now + dt.timedelta(days=10))
    client.force_login(world.secretary)
    response = client.get(reverse("home"))
    items = response.context["deadlines"]
    assert [(item.proposal.pk, item.stage) for item in items] == [
        (late.pk, "research"), (soon.pk, "research"), (ready.pk, "submission"),
    ]  # fmt: skip
    assert far.pk not in {item.proposal.pk for item in items}
    # The ready proposal's research and consultation deadlines are over: its stage now is submission.
    assert [item.overdue for item in items] == [True, False, False]
    assert [item.days for item in items] == [-3, 5, 10]
    section = response.content.decode().split('id="deadlines-title"')[1].split("</section>")[0]
    assert section.index("逾期的调研") < section.index("五天后到期") < section.index(ready.title)
    assert 'class="late"' in section  # overdue is written out, not only coloured


def test_recent_comments_are_the_delegates_newest_first_within_scope(client, world):
    proposal = bring_to(world, State.CONSULTATION)
    fire(world, proposal, "comment", "lead", note="第一条意见：请补充调研数据。")
    fire(world, proposal, "comment", "secretary", note="秘书的回复不算代表意见。")
    fire(world, proposal, "comment", world.cosigners[0], note="第二条意见：建议细化措施。")
    client.force_login(world.coordinator)
    comments = client.get(reverse("home")).context["comments"]
    assert [comment.body for comment in comments] == ["第二条意见：建议细化措施。", "第一条意见：请补充调研数据。"]
    client.force_login(world.other_coordinator)
    assert list(client.get(reverse("home")).context["comments"]) == []


def test_counts_by_state_and_topic_match_the_database(client, world, spread):
    world.draft(title="青年就业", topic=Proposal.Topic.JOBS)
    client.force_login(world.city_coordinator)
    response = client.get(reverse("home"))
    visible = proposals_visible_to(world.city_coordinator)
    by_state = {bar.key: bar.count for bar in response.context["by_state"]}
    by_topic = {bar.key: bar.count for bar in response.context["by_topic"]}
    assert by_state == {state: visible.filter(state=state).count() for state in State.values}
    assert by_topic == {topic: visible.filter(topic=topic).count() for topic in Proposal.Topic.values}
    assert 'class="bar-chart"' in response.content.decode()


def _many(world, count: int) -> None:
    now = timezone.now()
    states = [State.DRAFT, State.RESEARCH, State.CONSULTATION]
    for n in range(count):
        proposal = (
            bring_to(world, states[n % 3]) if n < 6 else world.draft(research_due=now + dt.timedelta(days=n % 20))
        )
        if proposal.state == State.CONSULTATION:
            fire(world, proposal, "comment", "lead", note=f"意见{n}")


@pytest.mark.parametrize("count", [3, 40])
def test_the_dashboard_needs_the_same_queries_whatever_the_number_of_proposals(
    client, world, count, django_assert_max_num_queries
):
    _many(world, count)
    assert Proposal.objects.count() == count
    for user in (world.secretary, world.city_coordinator, world.lead, world.admin):
        client.force_login(user)
        # The board, the deadlines, the comments, the counts, up to three waiting lists, and the needs awaiting
        # triage (one count, for secretaries, coordinators and operators), and a coordinator's year of needs and
        # meetings (three: the needs' totals, the meetings per county, the counties), and a coordinator's
        # organisation, whose path bounds their scope (#18): none grows.
        with django_assert_max_num_queries(21):
            assert client.get(reverse("home")).status_code == 200
    assert Comment.objects.exists()
