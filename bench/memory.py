"""Scenario 10, the exports' memory (#18): the CSV and XLSX of N proposals and the batch .docx export of M, each
against a tenth of the rows, by peak memory. N is the database's proposals up to 100k; M the largest session's
up to 1,000.

Each figure comes from a child process of its own (`python -m bench.memory --export csv --rows 10000 --measure
rss`), so that nothing the benchmark or an earlier export allocated counts. The child makes the export through
the product's own functions over what the province coordinator's export reads, capped to the rows asked for:
the CSV and the XLSX through `spreadsheets.csv_response` and `xlsx_response` over the API export's queryset
(`with_current_due_at(proposals_visible_to(...))` with `?ordering=id`), every byte of the response read and
dropped as a client would take it; the .docx through `exports.write_export_zip` into a temporary file, as
`document_export_run` writes it, over the province's largest session (`selectors.proposals_for_document_export`,
capped to M by a slice). The exports only read: the export record is never saved.

Before measuring, the child makes the same export of a few rows: what every first export of a process pays
once (imports, the translation catalogues, the .docx layout's empty document, the database connection) is then
paid, and what is measured is what the rows cost. Two measures, each in its own child:

- rss: the growth of the resident set over the export, its peak (VmHWM of /proc/self/status, reset by writing
  5 to /proc/self/clear_refs just before) less the resident set at the start. All memory: Python's objects,
  the C libraries' (lxml, psycopg, SQLite's page cache), and what the allocator keeps. Where clear_refs cannot
  be written, the peak is getrusage's ru_maxrss, the warm-up's peak included (the row's notes say which).
  The target is on this one.
- tracemalloc: the peak of Python's allocations over the export, tracemalloc started right before it. Python's
  objects only; tracemalloc's bookkeeping makes the export about three times slower, so the scenario leaves it
  to a child run by hand (`python -m bench.memory --export csv --rows 100000 --measure tracemalloc`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django

SCENARIO = "10 export memory"
EXPORTS = {"csv": "CSV", "xlsx": "XLSX", "docx": "batch .docx"}
MEASURES = ("rss", "tracemalloc")
LARGEST_SPREADSHEET = 100_000  # the 100k rows: the whole database up to that
QUICK_SPREADSHEET = 2_000  # --quick: `make bench-quick` stays within five minutes (about 1 ms a row)
LARGEST_DOCX = 1_000  # the 1,000 proposals, or the largest session's where it holds fewer (199 at 10k)
WARMUP_ROWS = 5
TARGET = "<= 1.2"
CHILDREN_AT_ONCE = 2  # the machine's cores: each child's memory is its own, whatever runs beside it
STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")
MIB = 1024 * 1024


# --- The scenario, in bench.scenarios' process: one child per export, size and measure ------------------


def export_memory(bench) -> list:
    """Peak RSS growth of each export at N rows against N/10 (tracemalloc triples an export's time: a child run
    by hand with --measure tracemalloc measures it)."""
    from bench.measure import compared
    from proposals.models import Proposal

    total = Proposal.objects.count()
    spreadsheet = min(total, QUICK_SPREADSHEET if bench.quick else LARGEST_SPREADSHEET)
    sizes = {"csv": spreadsheet, "xlsx": spreadsheet, "docx": min(LARGEST_DOCX, largest_session()["n"])}
    runs = [(export, rows, "rss") for export, n in sizes.items() for rows in (n, n // 10)]
    runs.sort(key=lambda run: -run[1] * (10 if run[0] == "docx" else 1))  # the longest first, two at a time
    with ThreadPoolExecutor(CHILDREN_AT_ONCE) as pool:
        results = dict(zip(runs, pool.map(lambda run: child(*run), runs), strict=True))
    rows = []
    for export, n in sizes.items():
        large, small = results[(export, n, "rss")], results[(export, n // 10, "rss")]
        what = f"{EXPORTS[export]} of {large['rows']:,} vs {small['rows']:,} proposals, peak RSS growth"
        notes = {"method": large["method"], "seconds": [large["seconds"], small["seconds"]],
                 "bytes out": [large["bytes_out"], small["bytes_out"]]}  # fmt: skip
        ours, baseline = large["peak_bytes"] / MIB, small["peak_bytes"] / MIB
        rows.append(compared(SCENARIO, what, ours, baseline, TARGET, unit="MiB", **notes))
        print(f"    {what}: {ours:.1f} MiB vs {baseline:.1f} MiB ({large['method']}; "
              f"{large['seconds']} s and {small['seconds']} s)", file=sys.stderr, flush=True)  # fmt: skip
    return rows


def child(export: str, rows: int, measure: str) -> dict:
    from bench.databases import ROOT
    from bench.run import report_of

    argv = [sys.executable, "-m", "bench.memory", "--export", export, "--rows", str(rows), "--measure", measure]
    # This process's environment is the target's (bench.run started it so).
    done = subprocess.run(argv, cwd=ROOT, env=os.environ, stdout=subprocess.PIPE, text=True, check=True)
    return report_of(done)


# --- The child: one export, measured ----------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", choices=EXPORTS, required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--measure", choices=MEASURES, required=True)
    args = parser.parse_args()
    django.setup()
    from django.utils import translation

    with translation.override("zh-hans"):  # the province coordinator's browser, as the other scenarios send
        export = EXPORTERS[args.export]
        export(WARMUP_ROWS)
        gc.collect()
        measured = rss_growth if args.measure == "rss" else tracemalloc_peak
        print(json.dumps(measured(lambda: export(args.rows))))
    return 0


def province_coordinator():
    from bench.scenarios import scope_callers

    return scope_callers()["province coordinator"]


def largest_session() -> dict:
    """The session with the most proposals: {"session": its id, "n": their count}."""
    from django.db.models import Count

    from proposals.models import Proposal

    return Proposal.objects.values("session").annotate(n=Count("pk")).order_by("-n", "session").first()


def spreadsheet_proposals(rows: int):
    """What the province coordinator's export by the API reads (api.spreadsheet_views) with ?ordering=id, its
    first `rows`. Oldest first, a tenth of the rows is of the same kind as the whole (closed, withdrawn and
    answered ones with their units, answers and ratings); in the default order (-id) the first tenth would be the
    newest, lighter proposals. By the primary key neither database sorts (SQLite would, in this process)."""
    from proposals import selectors

    visible = selectors.with_current_due_at(selectors.proposals_visible_to(province_coordinator()))
    return visible.order_by("id")[:rows]


def csv_export(rows: int) -> tuple[int, int]:
    """(rows, bytes) of the CSV download, every chunk of the streamed response read and dropped."""
    from proposals.reporting import spreadsheets

    response = spreadsheets.csv_response(spreadsheet_proposals(rows))
    lines = produced = 0
    for line in response.streaming_content:
        lines, produced = lines + 1, produced + len(line)
    response.close()
    return lines - 1, produced


def xlsx_export(rows: int) -> tuple[int, int]:
    """(rows, bytes) of the XLSX download: the workbook written to its temporary file, then read out."""
    from proposals.reporting import spreadsheets

    proposals = spreadsheet_proposals(rows)
    response = spreadsheets.xlsx_response(proposals)
    produced = sum(len(block) for block in response.streaming_content)
    response.close()
    return proposals.count(), produced


def docx_export(rows: int) -> tuple[int, int]:
    """(proposals, bytes) of the batch export of the province's largest session by its coordinator, written as
    document_export_run writes it (into a temporary file), capped to `rows` proposals by a slice of its query."""
    from proposals import selectors
    from proposals.documents import exports
    from proposals.models import DocumentExport

    user = province_coordinator()
    export = DocumentExport(requested_by=user, session_id=largest_session()["session"], organisation=user.organisation)
    whole = selectors.proposals_for_document_export
    selectors.proposals_for_document_export = lambda *args, **kwargs: whole(*args, **kwargs)[:rows]
    try:
        with tempfile.TemporaryFile(suffix=".zip") as archive:
            done = exports.write_export_zip(export, archive)
            return done, archive.tell()
    finally:
        selectors.proposals_for_document_export = whole


EXPORTERS = {"csv": csv_export, "xlsx": xlsx_export, "docx": docx_export}


def _status_kib(field: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def rss_growth(export) -> dict:
    try:
        CLEAR_REFS.write_text("5")  # VmHWM is the resident set of now
        method = "VmHWM after clear_refs"
    except OSError:
        method = "ru_maxrss, the warm-up's peak included"
    before = _status_kib("VmRSS")
    started = time.perf_counter()
    rows, produced = export()
    seconds = time.perf_counter() - started
    peak = _status_kib("VmHWM") if method.startswith("VmHWM") else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_bytes": (peak - before) * 1024, "method": method, "rows": rows, "bytes_out": produced,
            "seconds": round(seconds, 2)}  # fmt: skip


def tracemalloc_peak(export) -> dict:
    tracemalloc.start()
    try:
        started = time.perf_counter()
        rows, produced = export()
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"peak_bytes": peak, "method": "tracemalloc", "rows": rows, "bytes_out": produced,
            "seconds": round(seconds, 2)}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
