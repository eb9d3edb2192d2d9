"""The workflow table speaks in sentences, and lists read as the language writes them (#14 item 12)."""

from __future__ import annotations

import pytest
from django.utils import translation

from proposals.selectors import guard_context
from proposals.workflow import ACTIONS, State, either_of, get_action, refusal
from tests.proposals.arrange import bring_to

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_every_action_says_what_was_done_as_a_sentence_in_both_languages(action):
    assert action.done is not None
    with translation.override("zh-hans"):
        chinese = str(action.done)
    with translation.override("en"):
        english = str(action.done)
    assert chinese.endswith("。") and "：" not in chinese and chinese != english
    assert english.endswith(".")


def test_a_list_of_roles_reads_with_the_enumeration_comma_and_or_in_chinese():
    with translation.override("zh-hans"):
        assert either_of(["秘书", "协调员", "系统管理员"]) == "秘书、协调员或系统管理员"
    with translation.override("en"):
        assert either_of(["a secretary", "a coordinator", "an administrator"]) == (
            "a secretary, a coordinator or an administrator"
        )
    assert either_of(["协调员"]) == "协调员"


def test_a_refusal_for_the_wrong_role_names_the_roles_as_chinese_writes_them(world):
    proposal = bring_to(world, State.READY)
    ctx = guard_context(user=world.secretary, proposal=proposal)
    with translation.override("zh-hans"):
        refused = refusal(get_action("allow_late_submission"), proposal, ctx)
    assert refused.code == "role_not_allowed"
    assert "协调员或系统管理员" in refused.message
