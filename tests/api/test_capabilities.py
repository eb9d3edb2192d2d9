"""The proposal's detail shows what the caller may do with it now (permissions.capabilities); the list does not."""

from __future__ import annotations

from proposals import permissions
from proposals.workflow import State
from tests.api.conftest import client_for
from tests.proposals.arrange import bring_to


def test_the_detail_shows_each_capability_with_its_reason(world):
    proposal = bring_to(world, State.READY)
    response = client_for(world.secretary).get(f"/api/v1/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    shown = response.json()["capabilities"]
    assert list(shown) == list(permissions.CAPABILITY_NAMES)
    assert shown["edit_text"] == {
        "allowed": False, "code": "text_frozen",
        "reason": "The text is frozen in state “Ready” and can no longer change.",
    }  # fmt: skip
    assert shown["add_evidence"] == {"allowed": True, "code": None, "reason": ""}
    assert shown["assign_delegate"]["code"] == "permission_denied"
    assert shown["move_deadline_answer"] == {
        "allowed": False, "code": "permission_denied", "reason": "Only a coordinator may move the answer's due date.",
    }  # fmt: skip
    expected = permissions.capabilities(world.secretary, proposal).by_name()
    assert {name: item["allowed"] for name, item in shown.items()} == {
        name: capability.allowed for name, capability in expected.items()
    }


def test_the_list_shows_no_capabilities(world):
    world.draft()
    rows = client_for(world.secretary).get("/api/v1/proposals/").json()["results"]
    assert rows and all("capabilities" not in row for row in rows)
