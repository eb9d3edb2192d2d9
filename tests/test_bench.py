"""The benchmark's own parts: the generator makes the data docs/performance.md describes, and the baselines
answer what the product answers (a baseline that drifted from the API would make every ratio meaningless)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.db.models import Count

from bench import generate, memory, province, scenarios
from bench.measure import check
from bench.run import list_growth
from proposals import reminders, tree
from proposals.models import AnswerRating, Assignment, Handling, Organisation, Proposal, Session, Stage, User
from proposals.workflow import State, handling_state

SIZE = 400
DEMO_PROPOSALS = 47  # what seed_demo makes first (46, and one of them raised again as a new draft)


@pytest.fixture
def bench_data(transactional_db, settings):
    # Committed as the generator commits (it rebuilds indexes, which PostgreSQL refuses in a transaction that
    # has pending foreign-key checks); the test database is emptied afterwards.
    settings.ROOT_URLCONF = "bench.urls"
    settings.ALLOWED_HOSTS = ["testserver"]
    before = Proposal.objects.count()
    report = generate.generate(SIZE, seed=7, progress=lambda line: None)
    return before, report


def test_the_generator_makes_the_archive_and_the_due_consultations(bench_data):
    _before, report = bench_data
    assert report["tables"]["proposals_proposal"] == SIZE + DEMO_PROPOSALS
    last_demo = Proposal.objects.order_by("pk").values_list("pk", flat=True)[DEMO_PROPOSALS - 1]
    generated = Proposal.objects.filter(pk__gt=last_demo)
    # A tenth is being written; of those, every one in consultation due within the window has a lead of its own.
    due_now = generated.filter(assignments__delegate__user__username__startswith="bench-delegate-")
    due = {item.proposal.pk for item in reminders.due_items(generate.read_meta()["generated_at"])}
    assert due_now.count() == SIZE // 10
    assert set(due_now.values_list("pk", flat=True)) <= due
    assert set(due_now.values_list("state", flat=True)) == {State.CONSULTATION}
    leads = Assignment.objects.filter(proposal__in=due_now, role=Assignment.Role.LEAD)
    assert leads.values("delegate").distinct().count() == SIZE // 10
    # The archive went through the workflow: references where submitted, the current stage's deadline marked.
    assert not generated.filter(state=State.CLOSED, reference_number="").exists()
    assert generated.filter(state=State.CLOSED).count() > SIZE // 3
    # After registration the units' handling agrees with the state; every signer rated each closed one's answers.
    for proposal in generated.filter(state__in=[State.HANDLING, State.ANSWERED, State.CLOSED])[:50]:
        assert proposal.state == handling_state(proposal)
        signers = {a.delegate.user_id for a in proposal.signer_assignments()}
        for handling in proposal.handlings.filter(status="settled"):
            assert (
                set(AnswerRating.objects.filter(answer__handling=handling).values_list("rater", flat=True)) == signers
            )
    assert Handling.objects.filter(proposal__in=generated, role="assisting").exists()
    for proposal in generated.filter(state__in=[State.CONSULTATION, State.REGISTERED])[:50]:
        current = [d.stage for d in proposal.deadlines.filter(is_current=True)]
        assert current == [Stage.CONSULTATION if proposal.state == State.CONSULTATION else Stage.ANSWER]


def test_the_world_is_a_province_around_the_demos_city(bench_data):
    """Shanxi's 11 cities and 117 counties and districts under the province, about 5,000 branches, the demo's city
    moved under the province with its subtree, every path what the parents call for, and staff for each scope."""
    root = Organisation.objects.get(parent=None)
    assert (root.name, root.level) == (province.PROVINCE[0], Organisation.Level.PROVINCE)
    levels = {row["level"]: row["n"] for row in Organisation.objects.values("level").annotate(n=Count("pk")).order_by()}
    assert levels["city"] == 11 and levels["county"] == 117
    assert 4_900 <= levels["branch"] <= 5_000
    shuozhou = Organisation.objects.get(name="共青团朔州市委")
    assert shuozhou.parent == root
    assert Organisation.objects.filter(name="怀仁市陶瓷e镇团工委").get().is_within(shuozhou)
    assert tree.rebuild_paths(Organisation) == 0  # the paths the generator left are the tree's
    staffed = set(User.objects.exclude(organisation=None).values_list("organisation_id", flat=True))
    assert staffed == set(Organisation.objects.values_list("pk", flat=True))
    # The province's coordinator: the demo's (demo-province), or the generator's where the demo has none.
    assert User.objects.filter(role=User.Role.COORDINATOR, organisation=root).exists()
    past = Session.objects.filter(
        name__endswith="年会议", opening_date__year__lt=generate.read_meta()["generated_at"].year
    )
    assert set(past.values_list("level", flat=True)) == {"province", "city", "county", "district"}
    # The proposals are spread over the province: each city holds about a tenth, most are at branches.
    generated = Proposal.objects.order_by("pk")[DEMO_PROPOSALS:]
    ids = list(generated.values_list("pk", flat=True))
    at_branches = Proposal.objects.filter(pk__in=ids, organisation__level="branch").count()
    assert at_branches > 0.75 * SIZE
    in_city = Proposal.objects.filter(pk__in=ids).filter(shuozhou.subtree_filter("organisation__")).count()
    assert 0.04 * SIZE < in_city < 0.2 * SIZE


def test_the_baselines_answer_with_the_products_rows(bench_data):
    """Scenario 1's raw-SQL page and naive page equal the API's page (the scenario refuses to time otherwise),
    and the query counts of scenario 2 hold."""
    bench = scenarios.Bench(rounds=1, warmup=0)
    rows = scenarios.list_endpoint(bench) + scenarios.query_counts(bench) + scenarios.list_per_scope(bench)
    assert {row.scenario for row in rows} == {"1 list vs limit", "1 list vs naive", "2 query counts",
                                              "8 list per scope"}  # fmt: skip
    per_scope = [row for row in rows if row.scenario == "8 list per scope"]
    scopes = {row.notes["user"]: row.notes["sees"] for row in per_scope if "user" in row.notes}
    province_coordinator = scenarios.scope_callers()["province coordinator"].username
    assert len(scopes) == len(scenarios.SCOPES) and scopes[province_coordinator] == Proposal.objects.count()
    # Each scope's page one, median and p99, its page at 90 % depth, and its time for the growth across sizes.
    assert len(per_scope) == 4 * len(scenarios.SCOPES)
    assert all(row.notes["plan"] and row.notes["baseline_plans"] for row in per_scope if "plan" in row.notes)
    assert all(row.met for row in rows if row.scenario == "2 query counts")
    json.dumps([row.to_dict() for row in rows])  # what bench.run writes


def test_targets_are_read_as_written():
    assert check(2.0, "<= 2.0") and not check(2.01, "<= 2.0")
    assert check(3, ">= 3") and not check(2.9, ">= 3")
    assert check(1.0, "== 1") and not check(1.5, "== 1")


def test_the_conditional_scenario_times_a_304_against_the_full_answer(bench_data):
    """Scenario 9 answers 304 with no body to the ETag its full answer gave (it refuses to time otherwise)."""
    bench = scenarios.Bench(rounds=1, warmup=0)
    rows = scenarios.conditional(bench)
    assert [row.scenario for row in rows] == ["9 conditional requests"] * 2
    assert all(row.ours > 0 and row.baseline > 0 for row in rows)  # figures, never asserted as timings


def test_the_export_memory_scenario_makes_the_products_exports_and_measures_them(bench_data):
    """Scenario 10's child makes each export, capped to the rows asked for, and measures it both ways (the figures
    are printed, never asserted); the scenario makes one row per export from its children's RSS reports."""
    for name, export in memory.EXPORTERS.items():
        by_rss = memory.rss_growth(lambda export=export: export(7))
        assert by_rss["rows"] == 7 and by_rss["bytes_out"] > 0 and by_rss["method"], name
    assert memory.tracemalloc_peak(lambda: memory.csv_export(3))["peak_bytes"] > 0
    asked = []

    def child(export, rows, measure):
        asked.append((export, rows, measure))
        return {"peak_bytes": 2 * memory.MIB, "method": measure, "rows": rows, "bytes_out": 1, "seconds": 0.1}

    total = Proposal.objects.count()
    for quick, spreadsheet in ((True, min(total, memory.QUICK_SPREADSHEET)), (False, total)):
        asked.clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(memory, "child", child)
            rows = memory.export_memory(SimpleNamespace(quick=quick))
        assert len(rows) == len(memory.EXPORTERS) and {m for _e, _r, m in asked} == {"rss"}
        assert [row.target for row in rows] == [memory.TARGET] * 3
        assert all(row.ratio == 1.0 for row in rows)
        sizes = {export: sorted({rows for e, rows, _m in asked if e == export}) for export in memory.EXPORTERS}
        assert sizes["csv"] == sizes["xlsx"] == [spreadsheet // 10, spreadsheet]
    json.dumps([row.to_dict() for row in rows])  # what bench.run writes


def test_each_scopes_page_one_is_compared_across_sizes():
    """bench.run's growth rows: page one at the largest size over the smallest, per scope and vendor."""
    times = {("10k", "delegate"): 4.0, ("1M", "delegate"): 5.0, ("10k", "branch secretary"): 2.0,
             ("1M", "branch secretary"): 4.0, ("1M", "city coordinator"): 9.0}  # fmt: skip
    rows = [{"scenario": "8 list per scope", "what": scenarios.PAGE_ONE_TIME.format(scope=scope), "ours": ms,
             "db": "postgresql", "size": size} for (size, scope), ms in times.items()]  # fmt: skip
    grown = {row["what"]: (row["ratio"], row["met"], row["size"]) for row in list_growth(rows, "postgresql")}
    assert grown == {"page one at 1M / at 10k, delegate": (1.25, True, "10k→1M"),
                     "page one at 1M / at 10k, branch secretary": (2.0, False, "10k→1M")}  # fmt: skip
    assert list_growth(rows, "sqlite") == []


def test_the_statistics_scenario_counts_what_the_pages_show(bench_data):
    """Scenario 11's aggregate SQL gives the statistics page's and the year review's figures (it refuses to time
    otherwise), and its rows carry both query counts."""
    from bench import aggregates

    bench = scenarios.Bench(rounds=1, warmup=0)
    user = bench.scopes[aggregates.SCOPE]
    year = aggregates.review_year(bench)
    ours = aggregates.year_review_figures(user, year)
    assert ours["total"][1] == Proposal.objects.filter(submitted_on__year=year).count() > 0  # a year with figures
    rows = scenarios.statistics_pages(bench)
    assert [row.scenario for row in rows] == ["11 statistics"] * 2
    assert all(row.ours > 0 and row.baseline > 0 for row in rows)  # figures, never asserted as timings
    assert all(row.notes["queries ours"] > 0 and row.notes["queries baseline"] > 0 for row in rows)
    json.dumps([row.to_dict() for row in rows])
