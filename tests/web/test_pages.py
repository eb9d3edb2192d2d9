"""The pages the mails link to: sign in, the list of one's proposals, and a proposal as its reader may see it."""

import pytest
from django.urls import reverse

from proposals.workflow import State
from tests.proposals.arrange import bring_to


def test_a_delegate_signs_in_on_the_sites_own_page_and_sees_their_proposals(client, world):
    proposal = bring_to(world, State.CONSULTATION)
    unassigned = world.draft(title="关于青年婚恋服务的建议")
    response = client.post(reverse("login"), {"username": "lead", "password": "pw-lead"})
    assert response.status_code == 302 and response.url == reverse("home")
    page = client.get(reverse("home")).content.decode()
    assert proposal.title in page
    assert unassigned.title not in page


def test_the_mail_link_shows_the_proposal_and_what_the_reader_may_do(client, world):
    proposal = bring_to(world, State.CONSULTATION)
    client.force_login(world.lead)
    page = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    assert proposal.title in page
    assert "走访35所中小学" in page  # the research findings
    assert "Endorse" in page or "认可" in page


def test_the_mail_link_asks_for_a_sign_in_first(client, world):
    proposal = world.draft()
    response = client.get(reverse("proposal-open", args=[proposal.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("outsider", ["other_secretary", "outsider_delegate"])
def test_a_proposal_outside_ones_scope_does_not_exist(client, world, outsider):
    proposal = world.draft()
    client.force_login(getattr(world, outsider))
    assert client.get(reverse("proposal-open", args=[proposal.pk])).status_code == 404


def test_the_proposal_page_needs_the_same_queries_whatever_its_history(client, world, django_assert_max_num_queries):
    short = world.draft()
    long = bring_to(world, State.CLOSED)
    client.force_login(world.coordinator)
    for proposal in (short, long):
        # With the handling section's units, answers, ratings, raters and letters, the proposals raising it again,
        # the young people's needs it carries (one query) and the meetings that discussed it (one).
        with django_assert_max_num_queries(22):
            assert client.get(reverse("proposal-open", args=[proposal.pk])).status_code == 200
