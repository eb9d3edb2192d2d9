"""What the product is measured against, served beside it by bench.urls (never by the product's own URLs).

- raw_proposal_list: the limit. The rows the API's list returns (same scope, filter, search, order and page),
  by one hand-written SQL query, turned into the same JSON by orjson in a bare view: no DRF, no serializers,
  no authentication (the caller's scope is named in the query string and applied in the SQL). With
  &unindexed=1, the search is the four ILIKEs no index serves.
- NaiveProposalList: the naive build. A ModelSerializer with nested serializers and DRF's default page-number
  pagination, over the same scope and filters, without select_related/prefetch or lean reads.
- raw_statistics, raw_year_review: the statistics page's and the year review's figures (scenario 11), counted by
  a few hand-written GROUP BY queries over the coordinator's subtree, as bare JSON: no template.
- hello: a trivial JSON endpoint, the ceiling of the HTTP stack under load; HelloAPI: the same behind the API's
  authentication and throttles, the floor of any API request.
"""

from __future__ import annotations

import datetime as dt

import orjson
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import pagination, serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import TokenAuthentication
from api.filters import ProposalFilter
from proposals import selectors
from proposals.models import Assignment, Need, Proposal, person_name
from proposals.workflow import State

RAW_LIST_SQL = """
SELECT p.id, p.title, p.kind, p.topic, p.state, o.id, o.name, s.id, s.name, ld.id,
       lu.first_name, lu.last_name, lu.username, ld.body,
       p.revision_number, p.version,
       CASE WHEN p.state = 'ready' THEN s.submission_deadline
            ELSE (SELECT d.due_at FROM proposals_deadline d WHERE d.proposal_id = p.id AND d.is_current LIMIT 1) END,
       p.updated_at
FROM proposals_proposal p
JOIN proposals_organisation o ON o.id = p.organisation_id
JOIN proposals_session s ON s.id = p.session_id
LEFT JOIN proposals_assignment la ON la.proposal_id = p.id AND la.role = 'lead'
LEFT JOIN proposals_delegate ld ON ld.id = la.delegate_id
LEFT JOIN proposals_user lu ON lu.id = ld.user_id
{scope_join}
WHERE {conditions}
ORDER BY p.id DESC
LIMIT %s
"""
# The caller's scope, each a join or a condition with its parameters, for the query string's values (#18: each
# scope's page read the way its index was designed for).
# A delegate's page is driven from their assignments: assignment_by_delegate (delegate, proposal) read backwards
# from the cursor, each proposal then fetched by its key, the delegate's id an InitPlan's constant.
DELEGATE_JOIN = """JOIN proposals_assignment da ON da.proposal_id = p.id
     AND da.delegate_id = (SELECT id FROM proposals_delegate WHERE user_id = %s)"""
# A coordinator's subtree at any depth: a prefix of the organisation's materialised path, read first and given as
# a constant, so that the planner sees the prefix (a subquery's would leave it guessing a handful). Two plans:
# "walk" reads the proposals' key backwards and keeps those in the subtree (cheap where the subtree holds much of
# the archive); "lateral" reads each organisation's newest page from proposal_by_organisation (organisation, id)
# and keeps the newest of those (cheap where it holds little: a county's 75 organisations, 51 rows each at most).
ORGANISATION_SCOPE = "o.path LIKE %s"
SUBTREE_PAGES_JOIN = """JOIN (SELECT x.id FROM proposals_organisation so
      CROSS JOIN LATERAL (SELECT q.id FROM proposals_proposal q WHERE q.organisation_id = so.id AND {conditions}
                          ORDER BY q.id DESC LIMIT %s) x
      WHERE so.path LIKE %s) page ON page.id = p.id"""
SECRETARY_SCOPE = "p.organisation_id = %s"
PLANS = ("walk", "lateral")
SEARCH_TEXT = "proposal_search_text(p.title, p.background, p.research_findings, p.recommendations)"
INDEXED_SEARCH = {  # migration 0005's indexes: trigrams for 3+ characters, 1- and 2-character substrings below
    "long": f"{SEARCH_TEXT} LIKE '%%' || upper(%s) || '%%'",
    "short": f"proposal_search_grams({SEARCH_TEXT}) @> ARRAY[upper(%s)]",
}
UNINDEXED_SEARCH = " OR ".join(
    f"p.{field} ILIKE '%%' || %s || '%%'" for field in ("title", "background", "research_findings", "recommendations")
)


def raw_list_sql(query) -> tuple[str, list]:
    """The page's SQL and parameters for the query string (see raw_proposal_list)."""
    page_size = int(query.get("page_size", 50))
    conditions, params = _filters(query, "p")
    join, join_params = "", []
    if "user" in query:
        join, join_params = DELEGATE_JOIN, [int(query["user"])]
        if "before" in query:  # the cursor where the rows are read from
            conditions.append("da.proposal_id < %s")
            params.append(int(query["before"]))
    if "organisation" in query:
        with connection.cursor() as cursor:
            cursor.execute("SELECT path FROM proposals_organisation WHERE id = %s", [int(query["organisation"])])
            (path,) = cursor.fetchone()
        prefix = path + "%"  # digits only (proposals.tree): nothing to escape
        if query.get("plan", "walk") == "lateral":
            inner, inner_params = _filters(query, "q")
            join = SUBTREE_PAGES_JOIN.format(conditions=" AND ".join(inner))
            join_params = [*inner_params, page_size + 1, prefix]
        else:
            conditions.append(ORGANISATION_SCOPE)
            params.append(prefix)
    if "secretary_of" in query:
        conditions.append(SECRETARY_SCOPE)
        params.append(int(query["secretary_of"]))
    sql = RAW_LIST_SQL.format(scope_join=join, conditions=" AND ".join(conditions))
    return sql, [*join_params, *params, page_size + 1]


def _filters(query, alias: str) -> tuple[list[str], list]:
    """The list's filters on the proposals under `alias`: states, search, the cursor."""
    conditions, params = ["TRUE"], []
    if states := query.getlist("state"):
        conditions.append(f"{alias}.state IN ({', '.join(['%s'] * len(states))})")
        params += states
    if term := query.get("search"):
        if query.get("unindexed"):
            conditions.append(f"({UNINDEXED_SEARCH.replace('p.', alias + '.')})")
            params += [term] * 4
        else:
            conditions.append(INDEXED_SEARCH["long" if len(term) >= 3 else "short"].replace("p.", alias + "."))
            params.append(term)
    if "before" in query:
        conditions.append(f"{alias}.id < %s")
        params.append(int(query["before"]))
    return conditions, params


def _moment(value) -> str | None:
    # As DRF writes a datetime: in the current time zone, ISO 8601, "Z" for UTC. SQLite hands a raw cursor the
    # naive UTC datetime Django stored (as text where the column has no declared type, as the CASE's).
    if value is None:
        return None
    if isinstance(value, str):  # SQLite types no CASE expression: the text as stored
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return timezone.localtime(value).isoformat().replace("+00:00", "Z")


def raw_proposal_list(request):
    """GET ?user=<delegate's user id>, ?organisation=<coordinator's organisation id>[&plan=walk|lateral] or
    ?secretary_of=<secretary's organisation id>, with &state=...,
    &search=...[&unindexed=1], &page_size=50 and &before=<id>: a page as the API's list shows it."""
    page_size = int(request.GET.get("page_size", 50))
    sql, params = raw_list_sql(request.GET)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    labels = {value: str(label) for value, label in State.choices}
    base = request.build_absolute_uri("/api/v1/proposals/")
    results = [
        {"id": r[0], "url": f"{base}{r[0]}/", "title": r[1], "kind": r[2], "topic": r[3], "state": r[4],
         "state_label": labels[r[4]], "organisation": {"id": r[5], "name": r[6]}, "session": {"id": r[7], "name": r[8]},
         "lead_delegate": {"id": r[9], "name": person_name(*r[10:13]), "body": r[13]} if r[9] is not None else None,
         "revision_number": r[14], "version": r[15], "current_due_at": _moment(r[16]), "updated_at": _moment(r[17])}
        for r in rows[:page_size]
    ]  # fmt: skip
    next_url = None
    if len(rows) > page_size:
        query = request.GET.copy()
        query["before"] = str(results[-1]["id"])
        next_url = request.build_absolute_uri("?" + query.urlencode())
    body = orjson.dumps({"next": next_url, "previous": None, "results": results})
    return HttpResponse(body, content_type="application/json")


class NaiveDelegateSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name")

    class Meta:
        model = selectors.Delegate
        fields = ("id", "name", "body")


class NaiveProposalSerializer(serializers.ModelSerializer):
    """What a first version would write: nested fields read row by row."""

    url = serializers.HyperlinkedIdentityField(view_name="api:proposal-detail")
    state_label = serializers.CharField(source="get_state_display")
    organisation = serializers.SerializerMethodField()
    session = serializers.SerializerMethodField()
    lead_delegate = serializers.SerializerMethodField()
    current_due_at = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = ("id", "url", "title", "kind", "topic", "state", "state_label", "organisation", "session",
                  "lead_delegate", "revision_number", "version", "current_due_at", "updated_at")  # fmt: skip

    def get_organisation(self, proposal):
        return {"id": proposal.organisation.pk, "name": proposal.organisation.name}

    def get_session(self, proposal):
        return {"id": proposal.session.pk, "name": proposal.session.name}

    def get_lead_delegate(self, proposal):
        lead = proposal.assignments.filter(role=Assignment.Role.LEAD).first()
        return NaiveDelegateSerializer(lead.delegate).data if lead else None

    def get_current_due_at(self, proposal):
        if proposal.state == State.READY:
            return serializers.DateTimeField().to_representation(proposal.session.submission_deadline)
        deadline = proposal.deadlines.filter(is_current=True).first()
        return serializers.DateTimeField().to_representation(deadline.due_at) if deadline else None


class NaivePagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"


class NaiveProposalList(ListAPIView):
    authentication_classes = (TokenAuthentication,)
    serializer_class = NaiveProposalSerializer
    pagination_class = NaivePagination
    filter_backends = (DjangoFilterBackend,)
    filterset_class = ProposalFilter

    def get_queryset(self):
        return selectors.with_current_due_at(selectors.proposals_visible_to(self.request.user)).order_by("-id")


def hello(request):
    return JsonResponse({"hello": gettext("Youth proposal tracker")})


class HelloAPI(APIView):
    """The same, behind the API's token authentication, permissions and throttles."""

    authentication_classes = (TokenAuthentication,)

    def get(self, request):
        return Response({"hello": gettext("Youth proposal tracker")})


# --- The statistics page and the year review (scenario 11) ---------------------------------------------
# The figures as a database engineer would count them: a few GROUP BY queries over the coordinator's subtree
# (the organisation's path as a constant prefix), each proposal's outcomes read once (answered by every unit, a
# final answer rated unsatisfied, ever supervised), through a raw cursor, returned as JSON (no template).

ANSWERED_SQL = """EXISTS (SELECT 1 FROM proposals_handling h WHERE h.proposal_id = p.id)
    AND NOT EXISTS (SELECT 1 FROM proposals_handling h WHERE h.proposal_id = p.id
                    AND NOT EXISTS (SELECT 1 FROM proposals_answer a WHERE a.handling_id = h.id))"""
UNSATISFIED_SQL = """EXISTS (SELECT 1 FROM proposals_handling h
    JOIN proposals_answer a ON a.handling_id = h.id AND a.round = h.round
    JOIN proposals_answerrating r ON r.answer_id = a.id
    WHERE h.proposal_id = p.id AND r.rating = 'unsatisfied')"""
SUPERVISED_SQL = "EXISTS (SELECT 1 FROM proposals_transition t WHERE t.proposal_id = p.id AND t.action = 'supervise')"
# An organisation's ancestor (or itself) of a level, found by its path's steps, deepest first.
ANCESTOR_SQL = """(SELECT a.id FROM generate_series(length({path}) / {width}, 1, -1) AS k
    JOIN proposals_organisation a ON a.path = left({path}, {width} * k)
    WHERE {condition} AND a.path LIKE %(prefix)s ORDER BY k DESC LIMIT 1)"""


def _ancestor(path: str, condition: str) -> str:
    from proposals.tree import STEP_WIDTH

    return ANCESTOR_SQL.format(path=path, width=STEP_WIDTH, condition=condition)


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _handling_figures(cohort: str, params: dict) -> dict:
    """The handling units' answers to the counted proposals: four queries (classes, ratings, timeliness, and the
    chains of proposals raised again)."""
    from proposals.reporting.statistics import CARRY_CHAIN_DEPTH, ROUNDS
    from proposals.workflow import Rating

    classes = dict(_rows(f"""SELECT a.answer_class, count(*) FROM proposals_answer a
        JOIN proposals_handling h ON h.id = a.handling_id JOIN proposals_proposal p ON p.id = h.proposal_id
        JOIN proposals_organisation o ON o.id = p.organisation_id
        WHERE o.path LIKE %(prefix)s {cohort}
          AND NOT EXISTS (SELECT 1 FROM proposals_answer b WHERE b.handling_id = a.handling_id AND b.round > a.round)
        GROUP BY 1""", params))  # fmt: skip
    ratings: dict[int, dict] = {}
    for unit, round_, rating, n in _rows(f"""SELECT h.unit_id, a.round, r.rating, count(*)
        FROM proposals_answerrating r JOIN proposals_answer a ON a.id = r.answer_id
        JOIN proposals_handling h ON h.id = a.handling_id JOIN proposals_proposal p ON p.id = h.proposal_id
        JOIN proposals_organisation o ON o.id = p.organisation_id
        WHERE o.path LIKE %(prefix)s {cohort} GROUP BY 1, 2, 3""", params):  # fmt: skip
        ratings.setdefault(unit, {})[(round_, rating)] = n
    timeliness = _rows(f"""SELECT h.unit_id, count(DISTINCT h.id),
            count(DISTINCT h.id) FILTER (WHERE h.status = 'open' AND h.due_on < %(today)s),
            count(a.id) FILTER (WHERE a.round = h.round AND a.answered_on > h.due_on)
        FROM proposals_handling h LEFT JOIN proposals_answer a ON a.handling_id = h.id
        JOIN proposals_proposal p ON p.id = h.proposal_id JOIN proposals_organisation o ON o.id = p.organisation_id
        WHERE o.path LIKE %(prefix)s {cohort} GROUP BY 1""", params)  # fmt: skip
    # The years along the chain of proposals raised again, and how many of them run without a gap of a year.
    joins, whens = [], []
    for depth in range(1, CARRY_CHAIN_DEPTH + 1):
        joins.append(f"LEFT JOIN proposals_proposal c{depth} ON c{depth}.id = c{depth - 1}.carried_from_id "
                     f"LEFT JOIN proposals_session s{depth} ON s{depth}.id = c{depth}.session_id")  # fmt: skip
    year = "extract(year FROM s{}.opening_date)::int".format
    for depth in range(CARRY_CHAIN_DEPTH, 0, -1):
        unbroken = " AND ".join(f"{year(link)} >= {year(link - 1)} - 1" for link in range(1, depth + 1))
        whens.append(f"WHEN {unbroken} THEN {year(0)} - {year(depth)} + 1")
    carried = dict(_rows(f"""SELECT CASE {" ".join(whens)} ELSE 1 END, count(*)
        FROM proposals_proposal c0 JOIN proposals_organisation o ON o.id = c0.organisation_id
        JOIN proposals_session s0 ON s0.id = c0.session_id {" ".join(joins)}
        WHERE o.path LIKE %(prefix)s AND c0.carried_from_id IS NOT NULL {cohort.replace("p.", "c0.")}
        GROUP BY 1""", params))  # fmt: skip
    return {
        "answer_classes": {klass: classes.get(klass, 0) for klass in ["A", "B", "C", ""]},
        "satisfaction": {
            str(unit): [counts.get((r, rating), 0) for r in ROUNDS for rating in Rating.values]
            for unit, counts in ratings.items()
        },
        "timeliness": {str(unit): [handlings, overdue, late] for unit, handlings, overdue, late in timeliness},
        "carried": [sum(carried.values()), sorted([n, count] for n, count in carried.items() if n >= 2)],
    }


def _scope(request) -> dict:
    from django.utils import timezone

    organisation = int(request.GET["organisation"])
    (path,) = _rows("SELECT path FROM proposals_organisation WHERE id = %(id)s", {"id": organisation})[0]
    return {"root": organisation, "prefix": path + "%", "root_path_length": len(path), "today": timezone.localdate()}


def raw_statistics(request):
    """GET ?organisation=<the coordinator's organisation id>: the statistics page's figures (all sessions), as
    JSON. Six queries after the organisation's path, in the product's transaction without JIT: the units, the
    proposals' counts by state, topic, session and unit with the rates and the supervised items in one GROUPING
    SETS query, and the four of the handling."""
    from proposals.reporting import without_jit
    from proposals.selectors import REGISTERED_OR_LATER

    with without_jit():
        params = _scope(request) | {"registered": list(REGISTERED_OR_LATER)}
        units = _rows("""SELECT id, level FROM proposals_organisation WHERE path LIKE %(prefix)s AND level <> 'branch'
            ORDER BY level <> 'county', path""", params)  # fmt: skip
        rows = _rows(f"""WITH org_unit AS (
                SELECT o.id, {_ancestor("o.path", "a.level <> 'branch'")} AS unit
                FROM proposals_organisation o WHERE o.path LIKE %(prefix)s),
            p AS (
                SELECT p.state, p.topic, p.session_id, s.name AS session_name, s.opening_date, u.unit,
                       p.supervised_at IS NOT NULL AS still, {ANSWERED_SQL} AS answered,
                       p.state = 'closed' AND NOT {UNSATISFIED_SQL} AS satisfied, {SUPERVISED_SQL} AS supervised
                FROM proposals_proposal p JOIN proposals_organisation o ON o.id = p.organisation_id
                JOIN org_unit u ON u.id = p.organisation_id JOIN proposals_session s ON s.id = p.session_id
                WHERE o.path LIKE %(prefix)s)
            SELECT GROUPING(state), GROUPING(topic), GROUPING(session_id), GROUPING(unit),
                   state, topic, session_id, session_name, opening_date, unit, count(*),
                   count(*) FILTER (WHERE state = ANY(%(registered)s)),
                   count(*) FILTER (WHERE state = 'not_registered'),
                   count(*) FILTER (WHERE answered), count(*) FILTER (WHERE satisfied),
                   count(*) FILTER (WHERE state = 'closed'),
                   count(*) FILTER (WHERE supervised), count(*) FILTER (WHERE supervised AND still),
                   count(*) FILTER (WHERE supervised AND answered),
                   count(*) FILTER (WHERE supervised AND state = 'closed'),
                   count(*) FILTER (WHERE supervised AND satisfied)
            FROM p GROUP BY GROUPING SETS ((state), (topic), (session_id, session_name, opening_date), (unit), ())
            """, params)  # fmt: skip
        figures = {"by_state": {}, "by_topic": {}, "by_session": {}, "units": {}}
        for g_state, g_topic, g_session, g_unit, state, topic, session, name, opened, unit, n, *totals in rows:
            if not g_state:
                figures["by_state"][state] = n
            elif not g_topic:
                figures["by_topic"][topic] = n
            elif not g_session:
                figures["by_session"][str(session)] = [name, n, opened]
            elif not g_unit:
                figures["units"][unit] = n
            else:
                registered, not_registered, answered, satisfied, rated, *supervision = totals
                figures["rates"] = {"registration": [registered, registered + not_registered],
                                    "answer": [answered, registered], "satisfaction": [satisfied, rated]}  # fmt: skip
                figures["supervision"] = supervision
        figures["units"] = [[pk, figures["units"].get(pk, 0)] for pk, _level in units]
        figures["by_session"] = {pk: [name, n] for pk, (name, n, _opened) in figures["by_session"].items()}
        figures |= _handling_figures("", params)
    return HttpResponse(orjson.dumps(figures), content_type="application/json")


def raw_year_review(request):
    """GET ?organisation=<id>&year=<year>: the year review's figures (the milestones per unit right below and per
    topic, the handling of the year's submissions, the needs and the meetings), as JSON. Eight queries after the
    organisation's path, in the product's transaction without JIT: the organisations (units right below,
    counties), the milestones with the years and the supervised items in one GROUP BY, the four of the handling,
    the needs' in one GROUPING SETS query, the meetings'."""
    import datetime as dt

    from django.utils import timezone

    from proposals.reporting import without_jit
    from proposals.selectors import REGISTERED_OR_LATER, year_bounds

    year = int(request.GET["year"])
    start, end = year_bounds(year)
    with without_jit():
        params = _scope(request) | {"registered": list(REGISTERED_OR_LATER), "start": start, "end": end,
                                    "first_day": dt.date(year, 1, 1), "last_day": dt.date(year, 12, 31),
                                    "meetings_end": min(end, timezone.now())}  # fmt: skip
        organisations = _rows(
            """SELECT id, name, level, parent_id FROM proposals_organisation
            WHERE path LIKE %(prefix)s AND (parent_id = %(root)s OR level = 'county') ORDER BY path""",
            params,
        )
        submitted = "p.submitted_on BETWEEN %(first_day)s AND %(last_day)s"
        rows = _rows(f"""SELECT coalesce(c.id, %(root)s), p.topic,
                count(*) FILTER (WHERE p.created_at >= %(start)s AND p.created_at < %(end)s),
                count(*) FILTER (WHERE {submitted}),
                count(*) FILTER (WHERE {submitted} AND p.state = ANY(%(registered)s)),
                count(*) FILTER (WHERE {submitted} AND {ANSWERED_SQL}),
                count(*) FILTER (WHERE {submitted} AND {ANSWERED_SQL} AND p.state = 'closed' AND NOT {UNSATISFIED_SQL}),
                count(*) FILTER (WHERE {submitted} AND {SUPERVISED_SQL}),
                count(*) FILTER (WHERE {submitted} AND {SUPERVISED_SQL} AND p.supervised_at IS NOT NULL),
                count(*) FILTER (WHERE {submitted} AND {SUPERVISED_SQL} AND {ANSWERED_SQL}),
                count(*) FILTER (WHERE {submitted} AND {SUPERVISED_SQL} AND p.state = 'closed'),
                count(*) FILTER (WHERE {submitted} AND {SUPERVISED_SQL} AND p.state = 'closed'
                                 AND NOT {UNSATISFIED_SQL}),
                min(p.created_at), min(p.submitted_on), max(p.submitted_on)
            FROM proposals_proposal p JOIN proposals_organisation o ON o.id = p.organisation_id
            LEFT JOIN proposals_organisation c
                   ON c.parent_id = %(root)s AND c.path = left(o.path, %(root_path_length)s + {_step_width()})
            WHERE o.path LIKE %(prefix)s GROUP BY 1, 2""", params)  # fmt: skip
        figures = {"units": {}, "topics": {}, "total": [0] * 5, "supervision": [0] * 5}
        first_created, first_submitted, last_submitted = [], [], []
        for unit, topic, *counts, created, first, last in rows:
            milestones, supervision = counts[:5], counts[5:]
            for table, key in (("units", str(unit)), ("topics", topic)):
                figures[table][key] = [a + b for a, b in zip(figures[table].get(key, [0] * 5), milestones, strict=True)]
            figures["total"] = [a + b for a, b in zip(figures["total"], milestones, strict=True)]
            figures["supervision"] = [a + b for a, b in zip(figures["supervision"], supervision, strict=True)]
            first_created.append(created)
            first_submitted += [first] if first else []
            last_submitted += [last] if last else []
        # Every unit right below, the organisation's own proposals, and every topic: with or without proposals.
        below = [str(pk) for pk, _name, _level, parent in organisations if parent == params["root"]]
        figures["units"] = {key: figures["units"].get(key, [0] * 5) for key in [*below, str(params["root"])]}
        figures["topics"] = {topic: figures["topics"].get(topic, [0] * 5) for topic in Proposal.Topic.values}
        today, zone = timezone.localdate(), timezone.get_default_timezone()
        first = [today.year, timezone.localtime(min(first_created), zone).year] if first_created else [today.year]
        first += [min(first_submitted).year] if first_submitted else []
        last = max(today.year, max(last_submitted).year if last_submitted else today.year)
        figures["years"] = list(range(last, min(first) - 1, -1))
        figures |= _handling_figures(f"AND {submitted}", params)
        counties = [(pk, name) for pk, name, level, _parent in organisations if level == "county"]
        figures["needs"] = _needs(params, counties)
        figures["coverage"] = _meetings(params, counties)
    return HttpResponse(orjson.dumps(figures), content_type="application/json")


def _step_width() -> int:
    from proposals.tree import STEP_WIDTH

    return STEP_WIDTH


def _needs(params: dict, counties: list[tuple[int, str]]) -> dict:
    rows = _rows(f"""WITH n AS (
            SELECT n.status, n.theme, n.channel, n.people_count,
                   coalesce(n.county_id, {_ancestor("o.path", "a.level = 'county'")}) AS area,
                   EXISTS (SELECT 1 FROM proposals_need_proposals np WHERE np.need_id = n.id) AS carried,
                   EXISTS (SELECT 1 FROM proposals_need_proposals np JOIN proposals_handling h
                           ON h.proposal_id = np.proposal_id JOIN proposals_answer a ON a.handling_id = h.id
                           WHERE np.need_id = n.id) AS answered,
                   EXISTS (SELECT 1 FROM proposals_needreply r WHERE r.need_id = n.id AND r.status = 'sent') AS replied
            FROM proposals_need n JOIN proposals_organisation o ON o.id = n.organisation_id
            WHERE o.path LIKE %(prefix)s AND n.created_at >= %(start)s AND n.created_at < %(end)s)
        SELECT GROUPING(area), GROUPING(theme), area, status = 'accepted', theme, channel, count(*),
               coalesce(sum(people_count) FILTER (WHERE status <> 'merged'), 0),
               count(*) FILTER (WHERE status = 'accepted'), count(*) FILTER (WHERE carried),
               count(*) FILTER (WHERE answered), count(*) FILTER (WHERE replied)
        FROM n GROUP BY GROUPING SETS ((area), (status = 'accepted', theme), (channel))""", params)  # fmt: skip
    by_area, themes, channels = {}, [], {}
    for g_area, g_theme, area, accepted, theme, channel, *figures in rows:
        if not g_area:
            by_area[area] = figures
        elif not g_theme:
            if accepted:
                themes.append([theme, figures])
        else:
            channels[channel] = figures[0]
    county_rows = [[name, by_area.pop(pk, [0] * 6)] for pk, name in counties]
    if by_area:  # the committees' own needs without a county, or a county outside the subtree
        county_rows.append([None, [sum(column) for column in zip(*by_area.values(), strict=True)]])
    return {
        "counties": county_rows,
        "themes": sorted(themes),
        "channels": [channels.get(value, 0) for value in Need.Channel.values],
        "total": [sum(column) for column in zip(*(figures for _name, figures in county_rows), strict=True)],
    }


def _meetings(params: dict, counties: list[tuple[int, str]]) -> list:
    rows = _rows(f"""SELECT area, count(DISTINCT id), count(DISTINCT delegate_id),
            coalesce(sum(young_people) FILTER (WHERE first), 0)
        FROM (SELECT m.id, m.young_people, md.delegate_id, {_ancestor("o.path", "a.level = 'county'")} AS area,
                     row_number() OVER (PARTITION BY m.id) = 1 AS first
              FROM proposals_meeting m JOIN proposals_organisation o ON o.id = m.organisation_id
              LEFT JOIN proposals_meeting_delegates md ON md.meeting_id = m.id
              WHERE o.path LIKE %(prefix)s AND m.starts_at >= %(start)s AND m.starts_at < %(meetings_end)s) m
        GROUP BY area""", params)  # fmt: skip
    by_area = {area: figures for area, *figures in rows}
    return [[name, *by_area.get(pk, [0, 0, 0])] for pk, name in counties]
