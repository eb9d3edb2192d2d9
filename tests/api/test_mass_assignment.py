"""Mass assignment: the client writes the text and the inputs of actions, nothing else.

State, organisation, author, delegates, ids, versions and the outcome are never writable through a body: a
request naming them answers 400 with every such field named, and changes nothing at all (not even the valid
fields sent along with them).
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict

from proposals.models import Assignment, Comment, Deadline, Evidence, Proposal, Revision, Transition, User
from proposals.workflow import State
from tests.api.conftest import client_for
from tests.proposals.arrange import bring_to


def _snapshot() -> dict:
    """Every row a write through the API could touch."""

    def rows(model):
        return sorted(tuple(sorted(model_to_dict(row).items(), key=str)) for row in model.objects.all())

    return {
        "proposals": list(Proposal.objects.order_by("pk").values()),
        "revisions": rows(Revision),
        "assignments": list(Assignment.objects.order_by("pk").values()),
        "deadlines": list(Deadline.objects.order_by("pk").values()),
        "comments": rows(Comment),
        "evidence": list(Evidence.objects.order_by("pk").values()),
        "transitions": rows(Transition),
        "users": list(User.objects.order_by("pk").values()),
    }


@pytest.fixture
def proposal(world) -> Proposal:
    return bring_to(world, State.CONSULTATION)


@pytest.fixture
def secretary(world):
    return client_for(world.secretary)


def _etag(client, proposal) -> str:
    response = client.get(f"/api/v1/proposals/{proposal.pk}/")
    assert response.status_code == 200
    return response["ETag"]


def _forbidden_fields(world, proposal) -> dict:
    delegate = world.outsider_delegate.delegate
    return {
        "state": State.READY,
        "organisation": world.other_branch.pk,
        "organisation_id": world.other_branch.pk,
        "author": world.other_secretary.pk,
        "author_id": world.other_secretary.pk,
        "assignments": [{"delegate": delegate.pk, "role": "lead"}],
        "delegates": [delegate.pk],
        "lead_delegate": delegate.pk,
        "cosigners": [delegate.pk],
        "id": proposal.pk + 1000,
        "pk": proposal.pk + 1000,
        "version": proposal.version + 10,
        "revision_number": proposal.revision_number + 10,
        "reference_number": "第9999号",
        "rating": "satisfied",
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
    }


def _assert_refused(response, fields) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(fields) <= set(body["errors"]), body["errors"]


FIELDS = [
    "state", "organisation", "organisation_id", "author", "author_id", "assignments", "delegates", "lead_delegate",
    "cosigners", "id", "pk", "version", "revision_number", "reference_number", "rating", "created_at", "updated_at",
]  # fmt: skip


@pytest.mark.parametrize("field", FIELDS)
def test_patch_of_a_protected_field_is_refused_and_changes_nothing(world, proposal, secretary, field):
    etag = _etag(secretary, proposal)
    before = _snapshot()
    body = {"title": "关于改名的建议", field: _forbidden_fields(world, proposal)[field]}

    response = secretary.patch(f"/api/v1/proposals/{proposal.pk}/", body, HTTP_IF_MATCH=etag)

    _assert_refused(response, [field])
    assert "title" not in response.json()["errors"]
    assert _snapshot() == before


def test_patch_of_all_protected_fields_names_every_one(world, proposal, secretary):
    etag = _etag(secretary, proposal)
    before = _snapshot()
    forbidden = _forbidden_fields(world, proposal)

    response = secretary.patch(f"/api/v1/proposals/{proposal.pk}/", {"background": "新的理由。", **forbidden},
                               HTTP_IF_MATCH=etag)  # fmt: skip

    _assert_refused(response, forbidden)
    assert _snapshot() == before
    assert Revision.objects.filter(proposal=proposal).count() == proposal.revision_number


def test_echoing_the_representation_back_is_refused(proposal, secretary):
    """A client that PATCHes what it read: every field but the text is named, nothing changes."""
    read = secretary.get(f"/api/v1/proposals/{proposal.pk}/")
    before = _snapshot()
    echoed = read.json()

    response = secretary.patch(f"/api/v1/proposals/{proposal.pk}/", echoed, HTTP_IF_MATCH=read["ETag"])

    text = {"title", "background", "research_findings", "recommendations"}
    _assert_refused(response, set(echoed) - text)
    assert not set(response.json()["errors"]) & text
    assert _snapshot() == before


def test_the_same_patch_without_them_goes_through(proposal, secretary):
    """The control: the ETag and the text were fine, only the protected fields were refused."""
    etag = _etag(secretary, proposal)
    response = secretary.patch(f"/api/v1/proposals/{proposal.pk}/", {"title": "关于改名的建议"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.title == "关于改名的建议"
    assert proposal.organisation_id == response.json()["organisation"]["id"]


@pytest.mark.parametrize(
    "extra",
    [
        {"organisation": "other_branch"},
        {"author": "other_secretary"},
        {"state": "ready"},
        {"organisation": "other_branch", "author": "other_secretary", "state": "closed"},
        {"id": 4242},
        {"version": 7, "revision_number": 3},
        {"assignments": [], "lead_delegate": "lead"},
        {"reference_number": "第0001号", "rating": "satisfied"},
    ],
    ids=lambda extra: "+".join(extra),
)
def test_create_with_protected_fields_is_refused_and_creates_nothing(world, secretary, extra):
    def value(v):
        if isinstance(v, str) and hasattr(world, v):
            target = getattr(world, v)
            return target.delegate.pk if v == "lead" else target.pk
        return v

    before = _snapshot()
    body = {
        "session": world.npc_session.pk,
        "kind": "suggestion",
        "topic": "jobs",
        "title": "关于支持青年返乡创业的建议",
        **{name: value(v) for name, v in extra.items()},
    }

    response = secretary.post("/api/v1/proposals/", body)

    _assert_refused(response, extra)
    assert _snapshot() == before


def test_create_without_them_drafts_for_the_callers_own_organisation(world, secretary):
    response = secretary.post(
        "/api/v1/proposals/",
        {"session": world.npc_session.pk, "kind": "suggestion", "topic": "jobs", "title": "关于支持青年返乡创业的建议"},
    )
    assert response.status_code == 201
    created = Proposal.objects.get(pk=response.json()["id"])
    assert (created.organisation, created.author, created.state) == (world.branch, world.secretary, State.DRAFT)


@pytest.mark.parametrize(
    ("who", "body"),
    [
        ("secretary", {"action": "comment", "note": "请补充数据。", "state": "ready"}),
        ("secretary", {"action": "comment", "note": "请补充数据。", "actor": "other_secretary"}),
        ("secretary", {"action": "finalise", "to_state": "ready"}),
        ("lead", {"action": "endorse", "revision_number": 1}),
        ("lead", {"action": "endorse", "endorsed_revision": 99}),
        ("lead", {"action": "comment", "note": "同意。", "proposal": 1}),
        ("lead", {"action": "comment", "note": "同意。", "version": 1, "author": "other_secretary"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "+".join(k for k in v if k != "action"),
)
def test_transition_with_unknown_fields_is_refused_and_changes_nothing(world, proposal, who, body):
    body = {k: getattr(world, v).pk if isinstance(v, str) and hasattr(world, v) else v for k, v in body.items()}
    before = _snapshot()

    response = client_for(getattr(world, who)).post(f"/api/v1/proposals/{proposal.pk}/transitions/", body)

    _assert_refused(response, set(body) - {"action", "note"})
    assert _snapshot() == before


def test_comment_with_an_author_or_revision_is_refused(world, proposal):
    before = _snapshot()
    response = client_for(world.lead).post(
        f"/api/v1/proposals/{proposal.pk}/comments/",
        {"body": "同意。", "author": world.secretary.pk, "revision": 1, "kind": "request_changes"},
    )
    _assert_refused(response, ["author", "revision", "kind"])
    assert _snapshot() == before


def test_evidence_upload_with_an_uploader_or_proposal_is_refused(world, proposal, secretary):
    before = _snapshot()
    upload = SimpleUploadedFile("访谈记录.csv", "受访者,意见\n甲,赞成\n".encode(), content_type="text/csv")
    response = secretary.post(
        f"/api/v1/proposals/{proposal.pk}/evidence/",
        {"file": upload, "uploaded_by": world.other_secretary.pk, "proposal": 1, "sha256": "0" * 64},
        format="multipart",
    )
    _assert_refused(response, ["uploaded_by", "proposal", "sha256"])
    assert _snapshot() == before


@pytest.mark.parametrize(
    "field",
    ["role", "organisation", "is_superuser", "is_staff", "username", "email", "id", "is_active", "password"],
)
def test_me_cannot_raise_its_own_rights(world, field):
    value = {"role": "coordinator", "organisation": world.city.pk, "username": "admin2", "email": "x@example.org",
             "id": world.admin.pk, "password": "pw"}.get(field, True)  # fmt: skip
    before = _snapshot()
    response = client_for(world.lead).patch("/api/v1/me/", {"language": "en", field: value})
    _assert_refused(response, [field])
    assert _snapshot() == before
