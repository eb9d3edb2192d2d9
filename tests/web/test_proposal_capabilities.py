"""The proposal page offers a form or a link exactly where permissions.capabilities allows it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from proposals import permissions
from proposals.workflow import State
from tests.proposals.arrange import bring_to

# What on the page stands for each capability.
MARKS = {
    "edit_text": 'id="edit-link"',
    "add_evidence": 'id="evidence-form"',
    "assign_delegate": 'id="assign-form"',
    "comment": 'id="action-comment"',
}


@pytest.mark.parametrize("state", [State.DRAFT, State.READY, State.SUBMITTED, State.CLOSED], ids=str)
@pytest.mark.parametrize("name", ["secretary", "coordinator", "admin", "lead"])
def test_the_page_offers_what_the_person_may_do(client, world, state, name):
    proposal = bring_to(world, state)
    user = getattr(world, name)
    client.force_login(user)
    page = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    may = permissions.capabilities(user, proposal)
    for capability, mark in MARKS.items():
        assert (mark in page) == may.by_name()[capability].allowed, capability
    assert ('id="deadline-form"' in page) == may.may_move_a_deadline
