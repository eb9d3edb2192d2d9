"""Comparing two versions of a proposal's text, side by side, line by line and character by character.

The web UI shows it when comparing revisions and when a save meets a newer version; the API gives the same.

difflib's matcher costs about the square of a sequence's length when its elements repeat (characters of one
long line, identical short lines), and any participant can ask for a comparison, so each field's comparison
has a bounded budget of work. Where marking characters would cost more, the changed lines are marked
sentence by sentence, then as whole lines; where even matching the lines would cost more, or the field would
need too many rows, it is shown as replaced as a whole, in one row. The field says which (`granularity`),
and the page and the API's answer say so.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.text import capfirst

from proposals.models import Revision

# Units of matcher work each step of one field's comparison may spend: an upper bound of the element pairs
# difflib looks at plus the elements it indexes.
FIELD_WORK_BUDGET = 100_000
# Rows one field's comparison may show, so that a page renders in well under a second (three fields of 600
# changed lines: 0.5 s for the page, 0.4 s for the API's answer); a field that needs more is shown as one.
FIELD_ROW_LIMIT = 600

# From the finest to the coarsest; "field" means the field is shown as replaced as a whole.
GRANULARITIES = ("character", "sentence", "line", "field")

# A sentence ends after its closing punctuation (Chinese or Western); the split keeps every character.
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;.])(?=[^。！？；!?;.])")


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "equal", "replace", "delete", "insert"
    old_number: int | None
    old: list[tuple[str, bool]] | None  # segments of the old line; True marks changed text
    new_number: int | None
    new: list[tuple[str, bool]] | None


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str
    changed: bool
    granularity: str  # one of GRANULARITIES: how finely the changed text is marked
    rows: list[DiffRow]


class _OverBudget(Exception):
    pass


class _Budget:
    def __init__(self, units: int):
        self.remaining = units

    def charge(self, units: int) -> None:
        self.remaining -= units
        if self.remaining < 0:
            raise _OverBudget


class _BoundedMatcher(difflib.SequenceMatcher):
    """difflib's matcher, charging each search for a longest match to a budget before running it."""

    def __init__(self, a, b, budget: _Budget):
        budget.charge(len(a) + len(b))
        self._budget = budget
        super().__init__(None, a, b, autojunk=False)
        self._occurrences = {element: len(places) for element, places in self.b2j.items()}

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        # The search looks at each place in b of each element of a[alo:ahi]: at most this many pairs.
        self._budget.charge(ahi - alo + sum(self._occurrences.get(element, 0) for element in self.a[alo:ahi]))
        return super().find_longest_match(alo, ahi, blo, bhi)


def _opcodes(a, b, budget: _Budget) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes, with the common start and end matched first (cheaply) and the rest on the budget."""
    limit = min(len(a), len(b))
    start = 0
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    while end < limit - start and a[-1 - end] == b[-1 - end]:
        end += 1
    middle = _BoundedMatcher(a[start : len(a) - end], b[start : len(b) - end], budget).get_opcodes()
    opcodes = [("equal", 0, start, 0, start)] if start else []
    opcodes += [(tag, i1 + start, i2 + start, j1 + start, j2 + start) for tag, i1, i2, j1, j2 in middle]
    if end:
        opcodes.append(("equal", len(a) - end, len(a), len(b) - end, len(b)))
    return opcodes


def _segments(old: list[str] | str, new: list[str] | str, budget: _Budget):
    """Mark the changed pieces (characters of a string, or the elements of a list of sentences) of two lines."""
    left: list[tuple[str, bool]] = []
    right: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in _opcodes(old, new, budget):
        if i2 > i1:
            left.append(("".join(old[i1:i2]), tag != "equal"))
        if j2 > j1:
            right.append(("".join(new[j1:j2]), tag != "equal"))
    return left, right


def _sentences(line: str) -> list[str]:
    return _SENTENCE_END.split(line)


def _changed_line_segments(pairs: list[tuple[str, str]]):
    """Segments of each changed pair of lines at the finest granularity a budget allows, and that granularity."""
    attempts = (("character", lambda line: line), ("sentence", _sentences))
    for granularity, pieces in attempts:
        budget = _Budget(FIELD_WORK_BUDGET)
        try:
            return granularity, [_segments(pieces(old), pieces(new), budget) for old, new in pairs]
        except _OverBudget:
            continue
    return "line", [([(old, True)], [(new, True)]) for old, new in pairs]


def _whole(old: str, new: str) -> list[DiffRow]:
    """The field as a whole, unchanged or replaced: one row holding both texts, line breaks and all."""
    if not old and not new:
        return []
    if old == new:
        return [DiffRow("equal", 1, [(old, False)], 1, [(new, False)])]
    kind = "replace" if old and new else "delete" if old else "insert"
    return [DiffRow(kind, 1 if old else None, [(old, True)] if old else None, 1 if new else None,
                    [(new, True)] if new else None)]  # fmt: skip


def side_by_side(old: str, new: str) -> tuple[str, list[DiffRow]]:
    """Compare line by line; in lines that changed, mark the changed characters (or sentences, or nothing).

    Gives the granularity reached and the rows. Matching the lines, marking characters and marking sentences
    each have a budget of FIELD_WORK_BUDGET; a field that would need more than FIELD_ROW_LIMIT rows, or whose
    lines cannot be matched within the budget, is shown as a whole."""
    a, b = old.splitlines(), new.splitlines()
    try:
        opcodes = _opcodes(a, b, _Budget(FIELD_WORK_BUDGET))
    except _OverBudget:
        return "field", _whole(old, new)
    if sum(max(i2 - i1, j2 - j1) for _tag, i1, i2, j1, j2 in opcodes) > FIELD_ROW_LIMIT:
        return "field", _whole(old, new)
    pairs = [
        (a[i1 + k], b[j1 + k])
        for tag, i1, i2, j1, j2 in opcodes
        if tag == "replace"
        for k in range(min(i2 - i1, j2 - j1))
    ]
    granularity, marked = _changed_line_segments(pairs)
    marked_pairs = iter(marked)
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for k in range(i2 - i1):
                rows.append(DiffRow("equal", i1 + k + 1, [(a[i1 + k], False)], j1 + k + 1, [(b[j1 + k], False)]))
            continue
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            old_line = left[k] if k < len(left) else None
            new_line = right[k] if k < len(right) else None
            if old_line is not None and new_line is not None:
                old_segments, new_segments = next(marked_pairs)
                kind = "replace"
            else:
                old_segments = [(old_line, True)] if old_line is not None else None
                new_segments = [(new_line, True)] if new_line is not None else None
                kind = "delete" if new_line is None else "insert"
            rows.append(
                DiffRow(
                    kind,
                    i1 + k + 1 if old_line is not None else None,
                    old_segments,
                    j1 + k + 1 if new_line is not None else None,
                    new_segments,
                )
            )
    return granularity, rows


def text_diffs(old, new) -> list[FieldDiff]:
    """The differences of each text field between two objects with the text fields (revisions, proposals)."""
    diffs = []
    for name in Revision.TEXT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        label = capfirst(str(Revision._meta.get_field(name).verbose_name))
        granularity, rows = side_by_side(before, after)
        diffs.append(FieldDiff(name, label, before != after, granularity, rows))
    return diffs
