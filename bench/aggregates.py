"""Scenario 11 (#18): the statistics page and the year review of the province's coordinator, against the figures
counted by hand-written aggregate SQL (bench.baselines.raw_statistics and raw_year_review, bare JSON views).

Ours is the page through the whole Django stack with a session, template and all; the baseline returns the same
figures as JSON, so the ratio includes the rendering, which the notes measure apart (the page's time with the
figures' queries alone, by the same functions the views call).
"""

from __future__ import annotations

import json
import sys
import time

SCOPE = "province coordinator"  # bench.scenarios.SCOPES
SLOW_ROUND_SECONDS = 3  # a first round of ours, the baseline and the figures slower than this: SLOW_ROUNDS rounds
SLOW_ROUNDS = 3


def review_year(bench) -> int:
    """The data's last complete year: the page offers this year by default, barely begun in the generated data."""
    return bench.now.year - 1


# --- The product's figures, by the functions the views call, in the baseline's shape ---------------------


def handling_figures(handling) -> dict:
    return {
        "answer_classes": {figure.key: figure.count for figure in handling.answer_classes},
        "satisfaction": {str(row.unit.pk): row.cells for row in handling.satisfaction},
        "timeliness": {str(row.unit.pk): row.cells for row in handling.timeliness},
        "carried": [handling.carried.raised_again, [list(pair) for pair in handling.carried.years_running]],
    }


def statistics_figures(user) -> dict:
    """What web.dashboard_views.statistics_page shows for all sessions."""
    from proposals import reporting, selectors
    from proposals.reporting import statistics, year_review

    with reporting.without_jit():
        proposals = selectors.proposals_for_statistics(user)
        units = statistics.counts_by_county(
            proposals, selectors.counties_in_scope(user), selectors.upper_committees_in_scope(user)
        )
        rates = statistics.rates(proposals)
        handling = year_review.year_handling(proposals)
        supervision = handling.supervision
        return {
            "by_state": {bar.key: bar.count for bar in statistics.counts_by_state(proposals)},
            "by_topic": {bar.key: bar.count for bar in statistics.counts_by_topic(proposals)},
            "by_session": {bar.key: [bar.label, bar.count] for bar in statistics.counts_by_session(proposals)},
            "units": [[row.organisation.pk, row.count] for row in units],
            "rates": {key: [rate.numerator, rate.denominator] for key, rate in rates.items()},
            "supervision": [supervision.supervised, supervision.still, supervision.answered, supervision.closed,
                            supervision.satisfied],
            **handling_figures(handling),
        }  # fmt: skip


def year_review_figures(user, year: int) -> dict:
    """What web.year_review_views.year_review_page shows for the user's own organisation and `year`."""
    from proposals import reporting, selectors
    from proposals.reporting import needs_and_meetings, year_review

    organisation = user.organisation
    with reporting.without_jit():
        proposals = selectors.proposals_visible_to(user)
        years = year_review.review_years(proposals)
        review = year_review.year_review(proposals, organisation=organisation, year=year)
        needs = needs_and_meetings.needs_review(selectors.needs_visible_to(user), organisation=organisation, year=year)
        coverage = needs_and_meetings.meetings_coverage(
            selectors.meetings_visible_to(user), organisation=organisation, year=year
        )
    supervision = review.handling.supervision
    counties = len(coverage.counties)  # a row per county of the subtree

    def counts(row) -> list[int]:
        return [cell.count for cell in row.cells]

    return {
        "years": years,
        "units": {str(row.organisation.pk): counts(row) for row in review.units},
        "topics": {row.key.removeprefix("topic-"): counts(row) for row in review.topics},
        "total": counts(review.total),
        "supervision": [supervision.supervised, supervision.still, supervision.answered, supervision.closed,
                        supervision.satisfied],
        **handling_figures(review.handling),
        "needs": {
            # The rows past the counties gather the needs of no county of the subtree: the baseline names it None.
            "counties": [[row.label if n < counties else None, row.figures] for n, row in enumerate(needs.counties)],
            "themes": sorted([row.label, row.figures] for row in needs.themes),
            "channels": [count for _label, count in needs.channels],
            "total": needs.total.figures,
        },
        "coverage": [[row.label, row.meetings, row.delegates, row.young_people] for row in coverage.counties],
    }  # fmt: skip


def comparable(figures: dict) -> dict:
    """The figures as JSON would give them back (tuples as lists, keys as strings), to compare with the baseline's."""
    return json.loads(json.dumps(figures, default=str))


# --- The scenario -------------------------------------------------------------------------------------------


def statistics_pages(bench) -> list:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.measure import compared, interleaved

    if bench.vendor != "postgresql":  # the baseline's SQL is PostgreSQL's (GROUPING SETS, generate_series)
        print("    scenario 11: no baseline on SQLite yet", file=sys.stderr, flush=True)
        return []
    user = bench.scopes[SCOPE]
    caller = f"{user.username} web"
    year = review_year(bench)
    baseline_query = {"organisation": str(user.organisation_id)}
    pages = {
        "statistics page": ("/statistics/", {}, "/bench/raw/statistics/", baseline_query,
                            lambda: statistics_figures(user)),
        f"year review {year}": ("/statistics/year/", {"year": str(year)}, "/bench/raw/year-review/",
                                {**baseline_query, "year": str(year)}, lambda: year_review_figures(user, year)),
    }  # fmt: skip
    rows = []
    for what, (path, query, baseline_path, baseline_query_, figures) in pages.items():
        ours_figures = comparable(figures())
        baseline_figures = json.loads(bench.anonymous.get(baseline_path, baseline_query_).content)
        # The same figures, or the comparison means nothing.
        assert ours_figures == baseline_figures, f"{what}: the baseline's figures differ from ours: " + "; ".join(
            f"{key}: {ours_figures.get(key)!r} != {baseline_figures.get(key)!r}"[:600]
            for key in sorted(set(ours_figures) | set(baseline_figures))
            if ours_figures.get(key) != baseline_figures.get(key)
        )
        calls = {"ours": lambda p=path, q=query: bench.get(caller, p, q),
                 "baseline": lambda p=baseline_path, q=baseline_query_: bench.anonymous.get(p, q),
                 "figures": figures}  # fmt: skip
        queries, answers = {}, {}
        started = time.perf_counter()
        for name, call in calls.items():
            with CaptureQueriesContext(connection) as captured:
                answers[name] = call()
            queries[name] = len(captured)
        # A round of the three takes seconds at 1M: fewer rounds there, so that the run keeps to its minutes.
        slow = time.perf_counter() - started > SLOW_ROUND_SECONDS
        rounds, warmup = (SLOW_ROUNDS, 0) if slow else (max(5, bench.rounds // 4), 2)
        timings = interleaved(calls, rounds=rounds, warmup=warmup)
        ours, baseline, alone = timings["ours"].median, timings["baseline"].median, timings["figures"].median
        size = len(answers["ours"].content)
        notes = {"user": user.username, "queries ours": queries["ours"], "queries baseline": queries["baseline"],
                 "queries of the figures alone": queries["figures"], "figures alone ms": round(alone, 3),
                 "rendering and the rest of the request ms": round(ours - alone, 3), "page bytes": size,
                 "rounds": rounds, "slow": slow,
                 "baseline kind": "bare JSON of the figures (bench.baselines), no template"}  # fmt: skip
        rows.append(compared("11 statistics", f"GET {path}?{'&'.join(f'{k}={v}' for k, v in query.items())} "
                             f"({what}, {user.username}) / aggregate SQL, median", ours, baseline, "<= 2.0",
                             **notes))  # fmt: skip
    return rows
