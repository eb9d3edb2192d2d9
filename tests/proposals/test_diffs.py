"""Comparing revisions has a bounded cost for any two texts within the product's limits (issue 12, item 1)."""

from __future__ import annotations

import difflib
import random
import string
import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

from proposals import diffs, services
from proposals.models import Revision
from tests.api.conftest import client_for

MAX = settings.PROPOSAL_TEXT_MAX_CHARS
ASCII = string.ascii_letters + string.digits + " "
HANZI = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]


def _random(length: int, alphabet, seed: int) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=length))


def _edited(text: str, edits: int, alphabet, seed: int) -> str:
    """`text` with `edits` characters replaced at places spread over it."""
    chars, rng = list(text), random.Random(seed)
    for _ in range(edits):
        chars[rng.randrange(len(chars))] = rng.choice(alphabet)
    return "".join(chars)


def _sentences(count: int, seed: int) -> str:
    return "".join(_random(30, HANZI, seed + n) + "。" for n in range(count))


def _lines(count: int, alphabet: str, seed: int) -> str:
    rng = random.Random(seed)
    return "\n".join("".join(rng.choices(alphabet, k=4)) for _ in range(count))


# Each an old and a new text of one field at the product's limit, made to cost difflib the most.
_random_line = _random(MAX, ASCII, 1)
_hanzi_line = _random(MAX, HANZI, 2)
_hanzi_sentences = _sentences(MAX // 31, 3)
_short_lines = _lines(MAX // 5, "abc", 4)
WORST_CASES = {
    "two random lines": (_random_line, _random(MAX, ASCII, 5)),
    "a random line and it with 50 edits": (_random_line, _edited(_random_line, 50, ASCII, 6)),
    "one repeated character": ("a" * MAX, "a" * (MAX // 2) + "b" + "a" * (MAX // 2 - 1)),
    "two characters repeated, swapped": ("ab" * (MAX // 2), "ba" * (MAX // 2)),
    "Chinese without line breaks, 50 edits": (_hanzi_line, _edited(_hanzi_line, 50, HANZI, 7)),
    "Chinese sentences without line breaks, 50 edits": (_hanzi_sentences, _edited(_hanzi_sentences, 50, HANZI, 8)),
    "Chinese sentences against others": (_hanzi_sentences, _sentences(MAX // 31, 9)),
    "many identical short lines, shifted": ("a\n" * (MAX // 2), "a\nb\n" * (MAX // 4)),
    "many short lines, 500 edits": (_short_lines, _edited(_short_lines, 500, "xyz", 10)),
    "many short lines against others": (_short_lines, _lines(MAX // 5, "abc", 11)),
    "many distinct lines, every one changed": (_lines(MAX // 5, ASCII, 12), _lines(MAX // 5, ASCII, 13)),
    "one change among many lines": ("a\n" * (MAX // 2), "b\n" + "a\n" * (MAX // 2 - 1)),
}


@pytest.fixture
def pairs_examined(monkeypatch) -> list[int]:
    """Counts, independently of the code's own budget, the element pairs difflib's searches look at."""
    examined = [0]
    search = difflib.SequenceMatcher.find_longest_match

    def counting(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        examined[0] += sum(1 for i in range(alo, ahi) for j in self.b2j.get(self.a[i], ()) if j < bhi)
        return search(self, alo, ahi, blo, bhi)

    monkeypatch.setattr(difflib.SequenceMatcher, "find_longest_match", counting)
    return examined


def _text(**fields) -> SimpleNamespace:
    return SimpleNamespace(**(dict.fromkeys(Revision.TEXT_FIELDS, "") | fields))


@pytest.mark.parametrize("case", WORST_CASES)
def test_the_worst_texts_at_the_limit_compare_with_bounded_work(case, pairs_examined):
    old, new = WORST_CASES[case]
    assert len(old) <= MAX and len(new) <= MAX
    title = _random(settings.PROPOSAL_TITLE_MAX_CHARS, ASCII, 12)
    started = time.perf_counter()
    compared = diffs.text_diffs(
        _text(title=title, background=old, research_findings=old, recommendations=old),
        _text(title=title[::-1], background=new, research_findings=new, recommendations=new),
    )
    elapsed = time.perf_counter() - started
    # Each field matches its lines, then at most tries characters and sentences, each step within the budget.
    assert pairs_examined[0] <= len(Revision.TEXT_FIELDS) * 3 * diffs.FIELD_WORK_BUDGET
    assert elapsed < 5, f"{case}: {elapsed:.1f} s"  # a sanity bound only; the work is what is bounded
    for field in compared[1:]:
        assert field.changed and field.granularity in diffs.GRANULARITIES
        assert len(field.rows) <= diffs.FIELD_ROW_LIMIT  # what a page renders and an answer carries is bounded
        for side, text in (("old", old), ("new", new)):
            shown = "".join(piece for row in field.rows if getattr(row, side) for piece, _ in getattr(row, side))
            assert shown.replace("\n", "") == text.replace("\n", ""), f"{case}: the {side} text is shown whole"


def test_where_characters_would_cost_too_much_the_coarser_mode_is_chosen_and_said():
    cases = {
        "two random lines": "sentence",
        "Chinese sentences without line breaks, 50 edits": "sentence",
        "many identical short lines, shifted": "field",  # matching the lines would cost too much
        "many distinct lines, every one changed": "field",  # too many rows
        "one change among many lines": "field",
    }
    for case, granularity in cases.items():
        assert diffs.side_by_side(*WORST_CASES[case])[0] == granularity, case


def test_a_field_shown_as_a_whole_is_one_row_and_an_unchanged_one_is_not_marked():
    old, new = WORST_CASES["one change among many lines"]
    assert diffs.side_by_side(old, new)[1] == [diffs.DiffRow("replace", 1, [(old, True)], 1, [(new, True)])]
    assert diffs.side_by_side(old, old)[1] == [diffs.DiffRow("equal", 1, [(old, False)], 1, [(old, False)])]
    assert diffs.side_by_side(old, "")[1] == [diffs.DiffRow("delete", 1, [(old, True)], None, None)]


def test_a_small_change_in_a_long_line_is_still_marked_by_character():
    old = _random_line
    new = old[:20_000] + "严重" + old[20_000:]
    granularity, rows = diffs.side_by_side(old, new)
    assert granularity == "character"
    assert rows[0].new == [(old[:20_000], False), ("严重", True), (old[20_000:], False)]


def test_a_normal_change_is_marked_by_character():
    granularity, rows = diffs.side_by_side(
        "全市中小学心理健康教师不足。\n第二段", "全市中小学心理健康教师严重不足。\n第二段"
    )
    assert granularity == "character"
    assert rows[0].new == [("全市中小学心理健康教师", False), ("严重", True), ("不足。", False)]
    assert rows[1].kind == "equal"


def test_sentences_are_marked_where_characters_cost_too_much(monkeypatch):
    monkeypatch.setattr(diffs, "FIELD_WORK_BUDGET", 60)
    old = "甲句很长很长。中间句子不变很长很长很长。乙句。"
    new = "丙句很长很长。中间句子不变很长很长很长。丁句。"
    granularity, rows = diffs.side_by_side(old, new)
    assert granularity == "sentence"
    assert rows[0].old == [("甲句很长很长。", True), ("中间句子不变很长很长很长。", False), ("乙句。", True)]
    assert rows[0].new == [("丙句很长很长。", True), ("中间句子不变很长很长很长。", False), ("丁句。", True)]


def test_the_page_and_the_api_say_how_finely_each_field_is_compared(client, world):
    old, new = WORST_CASES["two random lines"]
    proposal = world.draft(background=old)
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, background=new)

    answer = client_for(world.secretary).get(f"/api/v1/proposals/{proposal.pk}/revisions/diff/", {"from": 1, "to": 2})
    assert answer.status_code == 200
    assert {field["name"]: field["granularity"] for field in answer.json()["fields"]} == {
        "title": "character", "background": "sentence", "research_findings": "character",
        "recommendations": "character",
    }  # fmt: skip
    schema = client_for(world.secretary).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    components = schema.json()["components"]["schemas"]
    assert components["FieldDiff"]["properties"]["granularity"]["allOf"] == [
        {"$ref": "#/components/schemas/GranularityEnum"}
    ]
    assert components["GranularityEnum"]["enum"] == list(diffs.GRANULARITIES)

    client.force_login(world.secretary)
    url = reverse("proposal-compare", args=[proposal.pk])
    for language, notice in (("en", "the changed sentences are marked instead"), ("zh-hans", "以下按句标出改动")):
        client.post(reverse("set-language"), {"language": language, "next": url})
        page = client.get(url, {"a": 1, "b": 2}).content.decode()
        assert page.count("diff-granularity") == 1 and notice in page
