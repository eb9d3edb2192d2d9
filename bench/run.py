"""`python -m bench.run [--quick]`: generate (or reuse) the databases, run every scenario, print one table and
write bench/results/latest.json. `make bench` runs it in full, `make bench-quick` at 10k only.

Each database gets a process of its own (bench.scenarios); the HTTP load test starts gunicorn (bench.load).
Ratios are always against a baseline measured in the same process on the same data, but for the reminder
sweep's, which compares the same measurement across sizes of this run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench.databases import ROOT, SEED, Target, recreate

RESULTS = ROOT / "bench" / "results"
QUICK = {"postgresql": ["10k"], "sqlite": ["10k"]}
FULL = {"postgresql": ["10k", "100k", "1M"], "sqlite": ["10k", "100k"]}
# The mails go out once per vendor (their cost does not depend on the archive's size); search is PostgreSQL's.
# 8 is the list per scope (bench.scenarios.SCOPES: delegate, branch secretary, county, city and province coordinator).
# 9 is the conditional requests (a 304 against the full answer); 10 the exports' peak memory (bench.memory);
# 11 the statistics page and the year review (bench.aggregates; its baseline's SQL is PostgreSQL's).
SCENARIOS = {"postgresql": ["1", "2", "3", "4", "5", "8", "9", "11"], "sqlite": ["1", "2", "3", "5", "8", "9"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k proposals only, fewer rounds")
    parser.add_argument("--postgresql", nargs="*", help="sizes on PostgreSQL (10k 100k 1M)")
    parser.add_argument("--sqlite", nargs="*", help="sizes on SQLite")
    parser.add_argument("--rounds", type=int, help="timed rounds of the fastest requests")
    parser.add_argument("--load-seconds", type=int, help="seconds of HTTP load per endpoint")
    args = parser.parse_args()
    plan = dict(QUICK if args.quick else FULL)
    for vendor in ("postgresql", "sqlite"):
        if getattr(args, vendor) is not None:
            plan[vendor] = getattr(args, vendor)
    rounds = args.rounds or (40 if args.quick else 150)
    load_seconds = args.load_seconds or (15 if args.quick else 30)
    started = time.perf_counter()
    rows: list[dict] = []
    generation: dict[str, dict] = {}
    for vendor, labels in plan.items():
        for n, label in enumerate(labels):
            target = Target(vendor, label)
            generation[f"{vendor} {label}"] = prepare(target)
            # The mails at the smallest size (their cost does not follow the archive), the exports' memory at
            # the largest (100k rows at most, 1 ms a row: minutes a run).
            only = (SCENARIOS[vendor] + (["6"] if n == 0 and vendor == "postgresql" else [])
                    + (["10"] if n == len(labels) - 1 else []))  # fmt: skip
            rows += scenarios(target, only, rounds, quick=args.quick)
        rows += sweep_growth(rows, vendor) + list_growth(rows, vendor)
    if plan["postgresql"]:
        from bench.load import http_load

        target = Target("postgresql", plan["postgresql"][-1])
        say(f"HTTP load on {target.vendor} {target.label}")
        rows += [dict(row.to_dict(), db=target.vendor, size=target.label)
                 for row in http_load(target, seconds=load_seconds)]  # fmt: skip
    report = {"machine": machine(), "seconds": round(time.perf_counter() - started), "generation": generation,
              "quick": args.quick, "rows": rows}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    print(table(rows))
    missed = [row for row in rows if row["met"] is False]
    print(f"\n{len(rows)} figures, {sum(row['met'] is True for row in rows)} targets met, {len(missed)} missed; "
          f"{report['seconds']} s in all. Written to {RESULTS / 'latest.json'}.")  # fmt: skip
    return 0


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def report_of(done: subprocess.CompletedProcess) -> dict:
    """A child's report: the last line of its output that is one JSON object (the product's logs, on stdout too
    since #17, come before it, and now and then after it: a log line of a closing connection)."""
    for line in reversed(done.stdout.strip().splitlines()):
        if line.startswith("{"):
            report = json.loads(line)
            if "level" not in report:  # a JSON log line (tracker.logging) is no report
                return report
    raise ValueError(f"no report in the child's output: {done.stdout[-500:]!r}")


def prepare(target: Target) -> dict:
    """The target's database with its data: reused when current, else made anew (minutes at 1M)."""
    argv = [sys.executable, "-m", "bench.prepare", "--size", str(target.size), "--seed", str(SEED)]
    check = subprocess.run(argv, cwd=ROOT, env=target.env(), stdout=subprocess.PIPE, text=True)
    if check.returncode == 0:
        say(f"{target.vendor} {target.label}: data reused")
        return report_of(check)
    say(f"{target.vendor} {target.label}: generating {target.size:,} proposals")
    recreate(target)
    made = subprocess.run([*argv, "--generate"], cwd=ROOT, env=target.env(), stdout=subprocess.PIPE, text=True,
                          check=True)  # fmt: skip
    report = report_of(made)
    say(f"{target.vendor} {target.label}: generated in {report['seconds']} s")
    return report


def scenarios(target: Target, only: list[str], rounds: int, *, quick: bool = False) -> list[dict]:
    say(f"{target.vendor} {target.label}: scenarios {', '.join(only)}")
    argv = [sys.executable, "-m", "bench.scenarios", "--rounds", str(rounds), "--only", *only, *(["--quick"] * quick)]
    done = subprocess.run(argv, cwd=ROOT, env=target.env(), stdout=subprocess.PIPE, text=True, check=True)
    result = report_of(done)
    return [dict(row, db=target.vendor, size=target.label) for row in result["rows"]]


def sweep_growth(rows: list[dict], vendor: str) -> list[dict]:
    """The sweep's time at the largest size over its time at the smallest: it should follow the due items."""
    from bench.measure import compared

    sweeps = [row for row in rows if row["db"] == vendor and row["scenario"] == "5 reminder sweep"]
    if len(sweeps) < 2:
        return []
    small, large = sweeps[0], sweeps[-1]
    row = compared("5 reminder sweep", f"time at {large['size']} / time at {small['size']}", large["ours"],
                   small["ours"], "<= 2")  # fmt: skip
    return [dict(row.to_dict(), db=vendor, size=f"{small['size']}→{large['size']}")]


def list_growth(rows: list[dict], vendor: str) -> list[dict]:
    """Each scope's page one at the largest size over the smallest: the list's cost should not follow the archive."""
    from bench.measure import compared
    from bench.scenarios import PAGE_ONE_TIME, SCOPES

    grown = []
    for scope in SCOPES:
        times = [row for row in rows if row["db"] == vendor and row["what"] == PAGE_ONE_TIME.format(scope=scope)]
        if len(times) < 2:
            continue
        small, large = times[0], times[-1]
        row = compared("8 list per scope", f"page one at {large['size']} / at {small['size']}, {scope}",
                       large["ours"], small["ours"], "<= 1.5")  # fmt: skip
        grown.append(dict(row.to_dict(), db=vendor, size=f"{small['size']}→{large['size']}"))
    return grown


def machine() -> dict:
    import django
    import psycopg

    info = {"python": platform.python_version(), "django": django.get_version(), "cpus": os.cpu_count(),
            "platform": platform.platform()}  # fmt: skip
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                  if line.startswith("model name")]  # fmt: skip
        info["cpu"] = models[0] if models else ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        info["memory_gb"] = round(int(meminfo.read_text().split()[1]) / 1024 / 1024, 1)
    try:
        from bench.databases import POSTGRES_URL

        with psycopg.connect(POSTGRES_URL) as connection:
            info["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as error:
        info["postgresql"] = f"unreachable: {error}"
    import sqlite3

    info["sqlite"] = sqlite3.sqlite_version
    return info


def table(rows: list[dict]) -> str:
    header = ("scenario", "what", "db", "size", "ours", "baseline", "unit", "ratio", "target", "met")
    lines = [header]
    for row in rows:
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        lines.append((row["scenario"], row["what"], row["db"], row["size"], _figure(row["ours"]),
                      _figure(row["baseline"]), row["unit"], _figure(row["ratio"]), row["target"], met))  # fmt: skip
    widths = [max(_width(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(_pad(cell, width) for cell, width in zip(line, widths, strict=True)) for line in lines)


def _figure(value) -> str:
    if value is None:
        return ""
    return f"{value:,.2f}" if isinstance(value, float) and value < 100 else f"{value:,.0f}"


def _width(text: str) -> int:
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)  # CJK characters take two columns


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


if __name__ == "__main__":
    sys.exit(main())
