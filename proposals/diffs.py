"""Comparing two versions of a proposal's text, side by side, line by line and character by character.

The web UI shows it when comparing revisions and when a save meets a newer version; the API gives the same.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.utils.text import capfirst

from proposals.models import Revision


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "equal", "replace", "delete", "insert"
    old_number: int | None
    old: list[tuple[str, bool]] | None  # segments of the old line; True marks changed characters
    new_number: int | None
    new: list[tuple[str, bool]] | None


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str
    changed: bool
    rows: list[DiffRow]


def _char_segments(old: str, new: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Mark the changed characters of two lines (character by character, which suits Chinese text)."""
    left: list[tuple[str, bool]] = []
    right: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append((old[i1:i2], tag != "equal"))
        if j2 > j1:
            right.append((new[j1:j2], tag != "equal"))
    return left, right


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """Compare line by line; in lines that changed, mark the changed characters."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                rows.append(DiffRow("equal", i1 + k + 1, [(a[i1 + k], False)], j1 + k + 1, [(b[j1 + k], False)]))
            continue
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            old_line = left[k] if k < len(left) else None
            new_line = right[k] if k < len(right) else None
            if old_line is not None and new_line is not None:
                old_segments, new_segments = _char_segments(old_line, new_line)
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
    return rows


def text_diffs(old, new) -> list[FieldDiff]:
    """The differences of each text field between two objects with the text fields (revisions, proposals)."""
    diffs = []
    for name in Revision.TEXT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        label = capfirst(str(Revision._meta.get_field(name).verbose_name))
        diffs.append(FieldDiff(name, label, before != after, side_by_side(before, after)))
    return diffs
