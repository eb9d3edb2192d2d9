"""The list's hand-written representation (ProposalListSerializer.to_representation, kept lean for speed) says
exactly what DRF's generic walk over the declared fields says, and what the models say."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework import serializers

from api.serializers import ProposalListSerializer
from proposals import selectors, services
from proposals.models import User
from tests.api.conftest import client_for
from tests.conftest import make_delegate
from tests.proposals.arrange import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposals(world):
    """A draft without a lead, one in consultation, one ready (due at the session's deadline), one closed, and
    a draft whose lead has a Latin name (given name first) and one whose lead has no name at all."""
    made = [world.draft(title="关于青年夜校的建议")]
    made += [bring_to(world, state) for state in ("consultation", "ready", "closed")]
    for username, first, last in (("latin-lead", "Anna", "Schmidt"), ("nameless-lead", "", "")):
        lead = make_delegate(username)
        User.objects.filter(pk=lead.pk).update(first_name=first, last_name=last)
        proposal = world.draft(title=f"关于{username}的建议")
        services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=lead.delegate, role="lead")
        made.append(proposal)
    return made


def test_the_lean_representation_equals_the_generic_one(world, proposals, rf):
    request = rf.get("/api/v1/proposals/")
    request.user = world.admin
    rows = selectors.proposals_for_api(world.admin).filter(pk__in=[p.pk for p in proposals]).order_by("id")
    serializer = ProposalListSerializer(context={"request": request})
    for proposal in rows:
        generic = serializers.ModelSerializer.to_representation(serializer, proposal)
        assert serializer.to_representation(proposal) == generic
        assert generic["url"] == request.build_absolute_uri(reverse("api:proposal-detail", args=[proposal.pk]))
        assert generic["state_label"] == proposal.get_state_display()
        lead = proposal.lead_assignment()
        expected = lead and {
            "id": lead.delegate.pk,
            "name": lead.delegate.user.display_name,
            "body": lead.delegate.body,
        }
        assert generic["lead_delegate"] == expected
    names = {
        p["title"]: p["lead_delegate"] for p in client_for(world.admin).get("/api/v1/proposals/").json()["results"]
    }
    assert names["关于青年夜校的建议"] is None
    assert names["关于latin-lead的建议"]["name"] == "Anna Schmidt"
    assert names["关于nameless-lead的建议"]["name"] == "nameless-lead"
