"""`python -m bench.report [results.json]`: a run's rows as Markdown tables, one per database and size, for
docs/performance.md and closing notes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.run import RESULTS, _figure


def markdown(report: dict) -> str:
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in report["rows"]:
        groups.setdefault((row["db"], row["size"]), []).append(row)
    parts = []
    for (db, size), rows in groups.items():
        parts.append(f"**{db}, {size}**\n")
        parts.append("| scenario | what | ours | baseline | unit | ratio | target | met |")
        parts.append("|---|---|---:|---:|---|---:|---|---|")
        for row in rows:
            met = {True: "yes", False: "**no**", None: ""}[row["met"]]
            cells = (row["scenario"], row["what"], _figure(row["ours"]), _figure(row["baseline"]), row["unit"],
                     _figure(row["ratio"]), row["target"].replace("<=", "≤").replace(">=", "≥"), met)  # fmt: skip
            parts.append("| " + " | ".join(cells) + " |")
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS / "latest.json"
    print(markdown(json.loads(path.read_text())))
