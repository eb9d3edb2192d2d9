"""GET /api/v1/proposals/{id}/document/: the proposal as a .docx, with the proposal's own scope."""

from __future__ import annotations

import io

from docx import Document

from proposals.documents import proposal_docx
from tests.api.conftest import client_for
from tests.proposals.arrange import assign_all


def url_of(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/document/"


def test_an_assigned_delegate_gets_the_docx(world):
    proposal = world.draft()
    assign_all(world, proposal)

    response = client_for(world.lead).get(url_of(proposal))

    assert response.status_code == 200
    assert response["Content-Type"] == proposal_docx.DOCX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]  # the Chinese title, RFC 5987
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert document.paragraphs[0].text == proposal.title


def test_a_cosigner_and_a_client_asking_for_octet_stream_get_it_too(world):
    proposal = world.draft()
    assign_all(world, proposal)
    response = client_for(world.cosigners[0]).get(url_of(proposal), HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200 and response["Content-Type"] == proposal_docx.DOCX_CONTENT_TYPE


def test_an_unassigned_delegate_gets_404_as_if_it_did_not_exist(world):
    proposal = world.draft()
    assign_all(world, proposal)

    response = client_for(world.outsider_delegate).get(url_of(proposal))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    missing = client_for(world.outsider_delegate).get("/api/v1/proposals/999999999/document/")
    assert missing.status_code == 404 and missing.json()["detail"] == response.json()["detail"]


def test_another_organisations_secretary_and_anonymous_callers_get_nothing(world):
    proposal = world.draft()
    assert client_for(world.other_secretary).get(url_of(proposal)).status_code == 404
    assert client_for(None).get(url_of(proposal)).status_code == 401


def test_the_schema_documents_the_binary_response(world):
    schema = client_for(world.lead).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/proposals/{id}/document/"]["get"]
    assert proposal_docx.DOCX_CONTENT_TYPE in operation["responses"]["200"]["content"]
