"""The organisation tree's materialised path (#18): each organisation's `path` is its parent's path followed by one
fixed-width step of its own, so that

- an organisation's subtree is one indexed prefix lookup (`path LIKE 'p%'`), whatever the depth, and
- ordering by the path is the tree order: each parent before its children, siblings in the official order.

A step is the official position (five digits) then the primary key (ten digits): digits only, so that every
database and collation compares paths the same way, and unique because the key is. `Organisation.save` keeps the
paths; code that writes organisations around it (`bulk_create`, `update`, a migration) calls `rebuild_paths`.
"""

from __future__ import annotations

from collections import defaultdict

POSITION_DIGITS = 5
KEY_DIGITS = 10
STEP_WIDTH = POSITION_DIGITS + KEY_DIGITS
PATH_MAX_LENGTH = 255
MAX_DEPTH = PATH_MAX_LENGTH // STEP_WIDTH  # 17 levels: a province, its cities, counties, branches and far below


def step(position: int, pk: int) -> str:
    return f"{position:0{POSITION_DIGITS}d}{pk:0{KEY_DIGITS}d}"


def path_of(parent_path: str, position: int, pk: int) -> str:
    return parent_path + step(position, pk)


def depth_of(path: str) -> int:
    """0 for a root, 1 for its children, and so on."""
    return len(path) // STEP_WIDTH - 1


def key_of_step(path: str, depth: int) -> int:
    """The primary key of the ancestor at `depth` on this path."""
    start = depth * STEP_WIDTH + POSITION_DIGITS
    return int(path[start : start + KEY_DIGITS])


def ancestor_keys(path: str) -> list[int]:
    """The primary keys from the root down to (and including) the organisation whose path this is."""
    return [key_of_step(path, depth) for depth in range(depth_of(path) + 1)]


def rebuild_paths(organisation_model) -> int:
    """Recompute every organisation's path from the parent links, roots first; returns how many changed. Takes the
    model class so that migrations can pass their historical one."""
    rows = list(organisation_model.objects.values_list("pk", "parent_id", "position", "path"))
    children: dict[int | None, list[tuple[int, int, str]]] = defaultdict(list)
    for pk, parent_id, position, path in rows:
        children[parent_id].append((pk, position, path))
    changed = []
    pending = [(pk, position, old, "") for pk, position, old in children[None]]
    seen = 0
    while pending:
        pk, position, old, parent_path = pending.pop()
        seen += 1
        new = path_of(parent_path, position, pk)
        if depth_of(new) >= MAX_DEPTH:
            raise ValueError(f"The organisation tree is deeper than {MAX_DEPTH} levels at organisation {pk}.")
        if new != old:
            changed.append(organisation_model(pk=pk, path=new))
        pending.extend((child, child_position, child_old, new) for child, child_position, child_old in children[pk])
    if seen != len(rows):
        raise ValueError("Some organisations hang in a loop of parents and belong to no tree.")
    organisation_model.objects.bulk_update(changed, ["path"], batch_size=1000)
    return len(changed)
