"""The permission matrix of the API: every endpoint and method × every role, each cell its own test.

The expected statuses are written down by hand in MATRIX below, from DESIGN §2 and §4, not computed from the
code under test. The rules they follow:

- anonymous → 401, everywhere;
- a proposal (or anything under it) the caller may not see → 404, never 403, exactly like an id that does
  not exist;
- visible but not theirs to change (a delegate editing the text or uploading evidence) → 403;
- visible, but the workflow refuses the action for the caller's role → 409 with code ``role_not_allowed``.

The scene: ``proposal`` of the branch, in consultation, with the lead delegate and three co-signers assigned
and one piece of evidence; ``other``, a draft of the other county's branch, that only its own people see.

The matrix has 41 endpoint rows × 10 roles = 410 cells (``test_matrix_size`` keeps the count honest), and
``test_every_endpoint_and_method_is_in_the_matrix`` fails when an endpoint is added without a row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, resolve
from django.utils import timezone

from api import urls as api_urls
from proposals import services
from proposals.models import HandlingUnit, Meeting, Need, Notice, Organisation, Proposal, Reminder
from proposals.workflow import State
from tests.api.conftest import client_for
from tests.conftest import World
from tests.proposals.arrange import bring_to

ROLES = (
    "admin",
    "city_coordinator",  # coordinator above the branch (city committee)
    "coordinator",  # coordinator above the branch (its county)
    "other_coordinator",  # coordinator of the other county: not above the branch
    "secretary",  # secretary of the owning organisation
    "other_secretary",  # secretary of another organisation
    "lead",  # the lead delegate
    "cosigner",  # a co-signing delegate
    "outsider_delegate",  # a delegate assigned to nothing
    "anonymous",
)

# Each row: (method, path template, expected status for each of ROLES, in order).
# {p}: the proposal; {e}: its evidence; {s}: the NPC session; {branch}, {city}: organisations; {n}: a notice of
# the secretary's; {d}: the delegate of a co-signer of the proposal; {u}: a handling unit of the directory;
# {need}: a need of the branch, with contact details; {m}: a meeting of the branch, held yesterday, which the lead
# delegate attended.
#                                                      admin city cnty othC sec  othS lead cos  outD anon
MATRIX: dict[str, tuple[str, str, tuple[int, ...]]] = {
    "proposals-list": ("GET", "/api/v1/proposals/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    # An admin has no organisation to draft for (organisation is never writable); delegates do not draft.
    "proposals-create": ("POST", "/api/v1/proposals/", (403, 201, 201, 201, 201, 201, 403, 403, 403, 401)),
    "proposal-detail": ("GET", "/api/v1/proposals/{p}/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401)),
    "proposal-edit": ("PATCH", "/api/v1/proposals/{p}/", (200, 200, 200, 404, 200, 404, 403, 403, 404, 401)),
    # Comments may be written by everyone with a part in the proposal.
    "transition-comment": (
        "POST", "/api/v1/proposals/{p}/transitions/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401),
    ),
    # Only the lead delegate endorses; the others see it but the workflow refuses their role.
    "transition-endorse": (
        "POST", "/api/v1/proposals/{p}/transitions/", (409, 409, 409, 404, 409, 404, 200, 409, 404, 401),
    ),
    "comments-list": ("GET", "/api/v1/proposals/{p}/comments/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401)),
    "comments-create": (
        "POST", "/api/v1/proposals/{p}/comments/", (201, 201, 201, 404, 201, 404, 201, 201, 404, 401),
    ),
    "revisions-list": ("GET", "/api/v1/proposals/{p}/revisions/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401)),
    "revision-detail": (
        "GET", "/api/v1/proposals/{p}/revisions/1/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401),
    ),
    "revision-diff": (
        "GET", "/api/v1/proposals/{p}/revisions/diff/?from=1&to=1", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401),
    ),
    "evidence-list": ("GET", "/api/v1/proposals/{p}/evidence/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401)),
    # Evidence is research: the steering side attaches it, delegates read it.
    "evidence-upload": ("POST", "/api/v1/proposals/{p}/evidence/", (201, 201, 201, 404, 201, 404, 403, 403, 404, 401)),
    "evidence-download": (
        "GET", "/api/v1/proposals/{p}/evidence/{e}/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401),
    ),
    # Removing evidence: the steering side, before the text is final; delegates see it but may not.
    "evidence-remove": (
        "POST", "/api/v1/proposals/{p}/evidence/{e}/remove/", (204, 204, 204, 404, 204, 404, 403, 403, 404, 401),
    ),
    # The proposal as a Word document: for whoever may read it.
    "document": ("GET", "/api/v1/proposals/{p}/document/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401)),
    "history": ("GET", "/api/v1/proposals/{p}/history/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401)),
    # Sessions are public to anyone signed in.
    "sessions-list": ("GET", "/api/v1/sessions/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    "session-detail": ("GET", "/api/v1/sessions/{s}/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    # The list answers everyone (with their own rows, see test_organisation_list_rows).
    "organisations-list": ("GET", "/api/v1/organisations/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    # The branch: its own secretary, the coordinators above it, and the delegates of its proposal see it.
    "organisation-branch": (
        "GET", "/api/v1/organisations/{branch}/", (200, 200, 200, 404, 200, 404, 200, 200, 404, 401),
    ),
    # The city committee: only whoever steers it (or the whole tree).
    "organisation-city": ("GET", "/api/v1/organisations/{city}/", (200, 200, 404, 404, 404, 404, 404, 404, 404, 401)),
    "me": ("GET", "/api/v1/me/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    "me-edit": ("PATCH", "/api/v1/me/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    "me-reminders": ("GET", "/api/v1/me/reminders/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    # Notices are each person's own: another's does not exist for them, an administrator's neither.
    "me-notifications": ("GET", "/api/v1/me/notifications/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    "me-notification-read": (
        "POST", "/api/v1/me/notifications/{n}/read/", (404, 404, 404, 404, 200, 404, 404, 404, 404, 401),
    ),
    "me-notifications-read-all": (
        "POST", "/api/v1/me/notifications/read-all/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401),
    ),
    # Only those who assign delegates unassign them; the others with a part in the proposal see it.
    "proposal-unassign": (
        "POST", "/api/v1/proposals/{p}/delegates/{d}/unassign/", (200, 200, 200, 404, 403, 404, 403, 403, 404, 401),
    ),
    "me-calendar-regenerate": (
        "POST", "/api/v1/me/calendar/regenerate/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401),
    ),
    # Exports answer everyone, with the rows of their own scope (see tests/api/test_export_api.py).
    "proposals-export-csv": (
        "GET", "/api/v1/proposals/export.csv", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401),
    ),
    "proposals-export-xlsx": (
        "GET", "/api/v1/proposals/export.xlsx", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401),
    ),
    # The directory of handling units: anyone signed in reads it; coordinators and operators keep it.
    "handling-units-list": ("GET", "/api/v1/handling-units/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    "handling-unit-detail": ("GET", "/api/v1/handling-units/{u}/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    "handling-units-create": (
        "POST", "/api/v1/handling-units/", (201, 201, 201, 201, 403, 403, 403, 403, 403, 401),
    ),
    "handling-unit-edit": (
        "PATCH", "/api/v1/handling-units/{u}/", (200, 200, 200, 200, 403, 403, 403, 403, 403, 401),
    ),
    # No one may read the other county's draft through the wrong door either: a stranger's id is not found.
    "other-proposal-detail": (
        "GET", "/api/v1/proposals/{q}/", (200, 200, 404, 200, 404, 200, 404, 404, 404, 401),
    ),
    # Young people's needs: the organisation's secretaries and the coordinators above it (and operators); the
    # list answers everyone with the rows of their scope, which is none for delegates (test_need_list_rows).
    "needs-list": ("GET", "/api/v1/needs/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    "needs-create": ("POST", "/api/v1/needs/", (201, 201, 201, 403, 201, 403, 403, 403, 403, 401)),
    "need-detail": ("GET", "/api/v1/needs/{need}/", (200, 200, 200, 404, 200, 404, 404, 404, 404, 401)),
    "need-triage": ("POST", "/api/v1/needs/{need}/triage/", (200, 200, 200, 404, 200, 404, 404, 404, 404, 401)),
    # Face-to-face meetings: kept by the organisation's secretaries and the coordinators above it, read by the
    # delegates attending (a delegate may not change one: 403), unknown to everyone else (404).
    "meetings-list": ("GET", "/api/v1/meetings/", (200, 200, 200, 200, 200, 200, 200, 200, 200, 401)),
    "meetings-create": ("POST", "/api/v1/meetings/", (201, 201, 201, 403, 201, 403, 403, 403, 403, 401)),
    "meeting-detail": ("GET", "/api/v1/meetings/{m}/", (200, 200, 200, 404, 200, 404, 200, 404, 404, 401)),
    "meeting-edit": ("PATCH", "/api/v1/meetings/{m}/", (200, 200, 200, 404, 200, 404, 403, 404, 404, 401)),
    "meeting-minutes": ("POST", "/api/v1/meetings/{m}/minutes/", (200, 200, 200, 404, 200, 404, 403, 404, 404, 401)),
}  # fmt: skip

CELLS = [(name, role) for name in MATRIX for role in ROLES]

NEED = {"summary": "希望开展青年就业见习岗位对接", "topic": "jobs", "channel": "survey", "people_count": 12,
        "contact_name": "王同学", "contact_email": "wang@example.org", "contact_consent": True}  # fmt: skip
MEETING = {"theme": "青年就业创业面对面", "place": "朔城区青年之家", "young_people": 30,
           "starts_at": timezone.now() - dt.timedelta(days=1)}  # fmt: skip

# Routes that are not about the tracker's data: logging in and out, and the public schema and docs.
NOT_IN_MATRIX = {"token", "logout", "logout-all", "schema", "docs", "redoc"}


@dataclass
class Scene:
    world: World
    proposal: Proposal
    other: Proposal
    evidence_id: int
    notice_id: int
    delegate_id: int
    need_id: int
    meeting_id: int

    def user(self, role: str):
        if role == "anonymous":
            return None
        if role == "cosigner":
            return self.world.cosigners[0]
        return getattr(self.world, role)

    def path(self, template: str) -> str:
        w = self.world
        return template.format(
            p=self.proposal.pk, q=self.other.pk, e=self.evidence_id, s=w.npc_session.pk, branch=w.branch.pk,
            city=w.city.pk, n=self.notice_id, d=self.delegate_id, u=w.unit.pk, need=self.need_id,
            m=self.meeting_id,
        )  # fmt: skip


@pytest.fixture
def scene(world) -> Scene:
    proposal = bring_to(world, State.CONSULTATION)
    other = world.draft(
        author=world.other_secretary, organisation=world.other_branch, title="关于发展县域职业教育的建议"
    )
    notice = Notice.objects.filter(recipient=world.secretary).latest("pk")
    need = services.need_record(actor=world.secretary, organisation_id=world.branch.pk, **NEED)
    meeting = services.meeting_save(actor=world.secretary, organisation_id=world.branch.pk, **MEETING,
                                    delegates=[world.lead.delegate.pk])  # fmt: skip
    return Scene(world, proposal, other, proposal.evidence.get().pk, notice.pk, world.cosigners[2].delegate.pk,
                 need.pk, meeting.pk)  # fmt: skip


def _etag(proposal: Proposal) -> str:
    proposal.refresh_from_db()
    return f'"{proposal.pk}-{proposal.version}"'


def _request(scene: Scene, name: str, client):
    method, template, _expected = MATRIX[name]
    path = scene.path(template)
    if name == "proposals-create":
        return client.post(path, {"session": scene.world.npc_session.pk, "kind": "suggestion", "topic": "jobs",
                                  "title": "关于支持青年返乡创业的建议", "background": "返乡青年融资难。"})  # fmt: skip
    if name == "proposal-edit":
        return client.patch(path, {"recommendations": "一、设立青年创业担保贷款；二、减免场地租金。"},
                            HTTP_IF_MATCH=_etag(scene.proposal))  # fmt: skip
    if name == "transition-comment":
        return client.post(path, {"action": "comment", "note": "第二条建议可否写明责任单位？"})
    if name == "transition-endorse":
        return client.post(path, {"action": "endorse", "note": "同意。"})
    if name == "comments-create":
        return client.post(path, {"body": "请补充问卷的样本来源。"})
    if name == "evidence-upload":
        upload = SimpleUploadedFile("访谈记录.csv", "受访者,意见\n甲,赞成\n".encode(), content_type="text/csv")
        return client.post(path, {"file": upload, "description": "访谈"}, format="multipart")
    if name == "evidence-remove":
        return client.post(path, {"reason": "问卷含受访者个人信息"})
    if name == "handling-units-create":
        return client.post(path, {"name": "朔州市民政局", "short_name": "市民政局", "level": "city"})
    if name == "handling-unit-edit":
        return client.patch(path, {"contact_person": "李科长", "contact_email": "rsj@example.org"})
    if name == "needs-create":
        return client.post(path, {"organisation": scene.world.branch.pk, **NEED})
    if name == "need-triage":
        return client.post(path, {"action": "accept", "theme": "青年就业见习"})
    if name == "meetings-create":
        return client.post(path, {"organisation": scene.world.branch.pk, **MEETING,
                                  "starts_at": MEETING["starts_at"].isoformat()})  # fmt: skip
    if name == "meeting-edit":
        return client.patch(path, {"place": "应县青年之家"})
    if name == "meeting-minutes":
        return client.post(path, {"minutes": "代表建议扩大见习基地。"})
    if name == "me-edit":
        return client.patch(path, {"language": "en"})
    if name in {"me-calendar-regenerate", "me-notification-read", "me-notifications-read-all", "proposal-unassign"}:
        return client.post(path)
    assert method == "GET", name
    return client.get(path)


def _footprint(proposal: Proposal) -> tuple:
    """Everything a refused write could have touched."""
    row = Proposal.objects.get(pk=proposal.pk)
    return (
        row.version, row.state, row.revision_number, row.recommendations, row.updated_at,
        row.revisions.count(), row.comments.count(), row.evidence.count(), row.transitions.count(),
        row.assignments.filter(endorsed_revision__isnull=False).count(), Proposal.objects.count(),
        list(HandlingUnit.objects.order_by("pk").values()), list(Need.objects.order_by("pk").values()),
        list(Meeting.objects.order_by("pk").values()),
    )  # fmt: skip


@pytest.mark.parametrize(("name", "role"), CELLS, ids=[f"{name}-{role}" for name, role in CELLS])
def test_cell(scene, name, role):
    method, _template, expected_by_role = MATRIX[name]
    expected = expected_by_role[ROLES.index(role)]
    before = _footprint(scene.proposal)

    response = _request(scene, name, client_for(scene.user(role)))
    if getattr(response, "streaming", False):  # a download: read it to the end, and close the file
        content = b"".join(response.streaming_content)
        response.close()
        signature = {"evidence-download": "题目".encode(), "document": b"PK\x03\x04"}.get(name, b"")
        assert content.startswith(signature), name

    assert response.status_code == expected, (name, role, getattr(response, "data", None))
    if expected >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == expected
        code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found", 409: "role_not_allowed"}
        assert body["code"] == code[expected], body
        if method != "GET":
            assert _footprint(scene.proposal) == before, "a refused request changed the proposal"


def test_matrix_size():
    assert len(ROLES) == 10
    assert all(len(expected) == len(ROLES) for _method, _path, expected in MATRIX.values())
    assert len(MATRIX) == 46
    assert len(CELLS) == 460


def _api_routes(patterns=api_urls.urlpatterns):
    """(route name, method) for every endpoint of the API, read from its URL configuration."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _api_routes(entry.url_patterns)
            continue
        assert isinstance(entry, URLPattern)
        if entry.name in NOT_IN_MATRIX:
            continue
        callback = entry.callback
        actions = getattr(callback, "actions", None)
        if actions:
            methods = set(actions)
        else:
            view_class = callback.view_class
            methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}
        for method in methods - {"head", "options"}:
            yield entry.name, method.upper()


def test_every_endpoint_and_method_is_in_the_matrix():
    ids = {"p": 1, "q": 2, "e": 3, "s": 4, "branch": 5, "city": 6, "n": 7, "d": 8, "u": 9, "need": 10, "m": 11}
    covered = {(resolve(template.format(**ids).split("?")[0]).url_name, method)
               for method, template, _expected in MATRIX.values()}  # fmt: skip
    missing = set(_api_routes()) - covered
    assert not missing, f"endpoints without a row in the permission matrix: {sorted(missing)}"


# --- The rows each role's lists hold -------------------------------------------------------------------

# Which of the two proposals each role finds in the list: "proposal" (the branch's) and "other" (the other
# county's branch's draft).
PROPOSAL_ROWS = {
    "admin": {"proposal", "other"},
    "city_coordinator": {"proposal", "other"},
    "coordinator": {"proposal"},
    "other_coordinator": {"other"},
    "secretary": {"proposal"},
    "other_secretary": {"other"},
    "lead": {"proposal"},
    "cosigner": {"proposal"},
    "outsider_delegate": set(),
}

ORGANISATION_ROWS = {
    "admin": {"city", "county", "other_county", "branch", "other_branch"},
    "city_coordinator": {"city", "county", "other_county", "branch", "other_branch"},
    "coordinator": {"county", "branch"},
    "other_coordinator": {"other_county", "other_branch"},
    "secretary": {"branch"},
    "other_secretary": {"other_branch"},
    "lead": {"branch"},  # the organisation of the proposal they are assigned to
    "cosigner": {"branch"},
    "outsider_delegate": set(),
}


@pytest.mark.parametrize("role", list(PROPOSAL_ROWS))
def test_proposal_list_rows(scene, role):
    response = client_for(scene.user(role)).get("/api/v1/proposals/", {"page_size": 100})
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {getattr(scene, name).pk for name in PROPOSAL_ROWS[role]}


@pytest.mark.parametrize("role", list(ORGANISATION_ROWS))
def test_organisation_list_rows(scene, role):
    response = client_for(scene.user(role)).get("/api/v1/organisations/", {"page_size": 100})
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {getattr(scene.world, name).pk for name in ORGANISATION_ROWS[role]}
    assert Organisation.objects.count() == 5


@pytest.mark.parametrize("role", list(PROPOSAL_ROWS))
def test_my_reminders_are_mine_alone(scene, role):
    user = scene.user(role)
    response = client_for(user).get("/api/v1/me/reminders/", {"page_size": 100})
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == set(Reminder.objects.filter(recipient=user).values_list("pk", flat=True))


def test_a_hidden_proposal_is_not_found_exactly_like_a_missing_one(scene):
    client = client_for(scene.world.other_secretary)
    for suffix in ("", "comments/", "revisions/", "revisions/1/", "evidence/", f"evidence/{scene.evidence_id}/",
                   "history/"):  # fmt: skip
        hidden = client.get(f"/api/v1/proposals/{scene.proposal.pk}/{suffix}")
        missing = client.get(f"/api/v1/proposals/999999999/{suffix}")
        assert hidden.status_code == missing.status_code == 404, suffix
        assert hidden.json() == missing.json(), suffix
        assert hidden["Content-Type"] == missing["Content-Type"]


@pytest.mark.parametrize("role", ["admin", "other_secretary"])
def test_evidence_is_found_only_under_its_own_proposal(scene, role):
    """An evidence id of one proposal, asked for under another the caller sees, does not exist there."""
    response = client_for(scene.user(role)).get(f"/api/v1/proposals/{scene.other.pk}/evidence/{scene.evidence_id}/")
    assert response.status_code == 404


@pytest.mark.parametrize("role", list(PROPOSAL_ROWS))
def test_need_list_rows(scene, role):
    response = client_for(scene.user(role)).get("/api/v1/needs/", {"page_size": 100})
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    steers = role in {"admin", "city_coordinator", "coordinator", "secretary"}
    assert ids == ({scene.need_id} if steers else set())
