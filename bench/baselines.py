"""What the product is measured against, served beside it by bench.urls (never by the product's own URLs).

- raw_proposal_list: the limit. The rows the API's list returns (same scope, filter, search, order and page),
  by one hand-written SQL query, turned into the same JSON by orjson in a bare view: no DRF, no serializers,
  no authentication (the caller's scope is named in the query string and applied in the SQL). With
  &unindexed=1, the search is the four ILIKEs no index serves.
- NaiveProposalList: the naive build. A ModelSerializer with nested serializers and DRF's default page-number
  pagination, over the same scope and filters, without select_related/prefetch or lean reads.
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
from proposals.models import Assignment, Proposal, person_name
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
