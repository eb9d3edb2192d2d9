"""The proposal text search: the same answers on SQLite and PostgreSQL, and on PostgreSQL from the indexes.

On PostgreSQL the four fields are searched as one text (fields joined by a newline) through migration
0005's indexes; the answers must still be those of a case-insensitive substring search of each field.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection

from proposals import selectors
from proposals.models import Proposal
from tests.conftest import World


@dataclass
class Texts:
    world: World
    health: Proposal
    jobs: Proposal

    def ids(self, *names: str) -> set[int]:
        return {getattr(self, name).pk for name in names}


@pytest.fixture
def texts(world) -> Texts:
    health = world.draft(
        title="关于加强青少年心理健康服务的建议",
        background="全市中小学心理健康教师配备不足。",
        research_findings="调查显示：Mobile App 使用率为 95%。",
        recommendations="一、配齐教师；二、建立机制。",
    )
    jobs = world.draft(
        title="关于支持青年返乡创业的建议",
        background="融资难_场地贵",
        research_findings=r"数据在 C:\data 目录",
        recommendations="设立青年创业担保贷款。\n简化审批。",
    )
    return Texts(world, health, jobs)


def _found(search: str) -> set[int]:
    return set(Proposal.objects.filter(selectors.text_search(search)).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        # Chinese: one, two, three and more characters, in each field.
        ("青", {"health", "jobs"}),
        ("贷", {"jobs"}),
        ("创业", {"jobs"}),
        ("心理", {"health"}),
        ("融资难", {"jobs"}),
        ("使用率为", {"health"}),
        ("二、建立机制", {"health"}),
        ("不存在", set()),
        # Latin in another case.
        ("app", {"health"}),
        ("APP", {"health"}),
        ("aP", {"health"}),
        ("mobile app", {"health"}),
        # LIKE's wildcards and escape character are plain characters to the search.
        ("%", {"health"}),
        ("5%", {"health"}),
        ("95%。", {"health"}),
        ("_", {"jobs"}),
        ("难_场", {"jobs"}),
        ("难%场", set()),
        ("难x场", set()),
        ("%_", set()),
        ("\\", {"jobs"}),
        ("\\d", {"jobs"}),
        (r"C:\data", {"jobs"}),
        (r"\%", set()),
        # Whitespace and newlines inside a field.
        (" 9", {"health"}),
        ("p 使", {"health"}),
        ("。\n简", {"jobs"}),
        # Nothing matches across the boundary between two fields.
        ("议全", set()),  # the title's end and the background's start
        ("建议全市", set()),
        ("议\n全", set()),
        ("。\n调", set()),
        ("贵\n数", set()),
    ],
)
def test_it_finds_a_substring_of_any_field_in_any_case(texts, search, expected):
    assert _found(search) == texts.ids(*expected)


def test_an_empty_term_matches_everything(texts):
    assert _found("") == texts.ids("health", "jobs")


def _plan(texts: Texts, search: str) -> str:
    # The administrator's list: no narrower index (the organisation's, for a secretary) competes.
    proposals = selectors.proposals_matching(texts.world.admin, search=search)
    with connection.cursor() as cursor:
        # The test table is tiny: the planner rightly reads it whole, or in the list's order by its index.
        # Without those two ways, a search index is its only choice, if the query's expression is the index's.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return proposals.explain()


@pytest.mark.parametrize(
    ("search", "index"),
    [
        ("融资难", "proposal_search_trgm"),
        ("Mobile App", "proposal_search_trgm"),
        ("难_场", "proposal_search_trgm"),
        ("青", "proposal_search_grams"),
        ("创业", "proposal_search_grams"),
        ("%", "proposal_search_grams"),
    ],
)
def test_postgresql_answers_from_an_index(requires_postgresql, texts, search, index):
    assert f"Bitmap Index Scan on {index}" in _plan(texts, search)
    assert _found(search) == {p.pk for p in Proposal.objects.all() if _contains(p, search)}


def _contains(proposal: Proposal, search: str) -> bool:
    fields = (proposal.title, proposal.background, proposal.research_findings, proposal.recommendations)
    return any(search.upper() in field.upper() for field in fields)
