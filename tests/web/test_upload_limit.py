"""An oversized upload is refused without reading its body past the limit, on the web form and in the API
(issue 12, item 10): the request body is a stream that makes its bytes as they are read and counts them."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from proposals.models import Evidence
from proposals.uploads import MULTIPART_OVERHEAD
from tests.api.conftest import client_for

LIMIT = 1024 * 1024  # EVIDENCE_MAX_BYTES in these tests
CHUNK = 64 * 1024  # what the multipart parser reads at a time
BOUNDARY = "----tracker-upload-test"


class CountingBody(io.RawIOBase):
    """A multipart body with a description and a CSV file of `file_bytes` bytes, made as it is read."""

    def __init__(self, file_bytes: int, description: str = "问卷原始数据"):
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\n{description}\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="问卷.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = len(self.head) + file_bytes + len(self.tail)
        self.position = 0  # the bytes read so far

    def _byte_at(self, index: int) -> int:
        if index < len(self.head):
            return self.head[index]
        if index >= self.length - len(self.tail):
            return self.tail[index - (self.length - len(self.tail))]
        return ord("1")

    def read(self, size: int = -1) -> bytes:
        end = self.length if size is None or size < 0 else min(self.length, self.position + size)
        start, self.position = self.position, end
        body_start, body_end = len(self.head), self.length - len(self.tail)
        if start >= body_start and end <= body_end:
            return b"1" * (end - start)
        return bytes(self._byte_at(index) for index in range(start, end))

    def readable(self) -> bool:
        return True


def _post(client, url: str, body: CountingBody, declared: int | None):
    length = "" if declared is None else str(declared)  # none: sent chunked
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    meta = {"wsgi.input": body, "CONTENT_LENGTH": length, "CONTENT_TYPE": content_type}
    return client.generic("POST", url, b"", content_type=content_type, **meta)  # the API client wants both


# (bytes of the file, the length the request declares: "true", "none" or a number of times the limit)
REQUESTS = {
    "30 times the limit, declared truthfully": (30 * LIMIT, "true"),
    "one byte over the limit, declared truthfully": (LIMIT + 1, "true"),
    "just within the declared room, one chunk over": (LIMIT + CHUNK, "true"),
    "twice the limit, declaring 30 times it": (2 * LIMIT, 30 * LIMIT),
    "30 times the limit, declaring half the limit": (30 * LIMIT, LIMIT // 2),
    "30 times the limit, no length declared": (30 * LIMIT, "none"),
}


def _declared(body: CountingBody, declared) -> int | None:
    return {"true": body.length, "none": None}.get(declared, declared)


@pytest.fixture
def small_limit(settings):
    settings.EVIDENCE_MAX_BYTES = LIMIT


@pytest.mark.parametrize("case", REQUESTS)
def test_the_web_form_reads_no_more_than_the_limit_and_keeps_the_other_fields(client, world, small_limit, case):
    file_bytes, declared = REQUESTS[case]
    proposal = world.draft()
    client.force_login(world.secretary)
    client.post(reverse("set-language"), {"language": "en", "next": "/"})
    body = CountingBody(file_bytes)
    response = _post(client, reverse("proposal-evidence-add", args=[proposal.pk]), body, _declared(body, declared))

    assert body.position <= LIMIT + CHUNK + MULTIPART_OVERHEAD, f"{case}: read {body.position} bytes"
    assert response.status_code == 400
    assert not Evidence.objects.exists()
    form = response.context["evidence_form"]
    if declared == "none" or (declared != "true" and declared < LIMIT):
        assert form.errors["file"]  # Django reads only what was declared: the file is missing or cut off
        return
    assert form.errors["file"] == ["The file may be at most 1 MB."]
    assert form["description"].value() == "问卷原始数据"  # kept, shown again
    assert 'value="问卷原始数据"' in response.content.decode()


def test_the_refusal_is_in_the_users_language(client, world, small_limit):
    proposal = world.draft()
    client.force_login(world.secretary)
    body = CountingBody(30 * LIMIT)
    response = _post(client, reverse("proposal-evidence-add", args=[proposal.pk]), body, body.length)
    assert response.context["evidence_form"].errors["file"] == ["文件最大 1 MB。"]


@pytest.mark.parametrize("case", REQUESTS)
def test_the_api_reads_no_more_than_the_limit(world, small_limit, case):
    file_bytes, declared = REQUESTS[case]
    proposal = world.draft()
    body = CountingBody(file_bytes)
    response = _post(client_for(world.secretary), f"/api/v1/proposals/{proposal.pk}/evidence/", body,
                     _declared(body, declared))  # fmt: skip
    assert body.position <= LIMIT + CHUNK + MULTIPART_OVERHEAD, f"{case}: read {body.position} bytes"
    assert response.status_code in (400, 413)
    if declared == "true" or (declared != "none" and declared > LIMIT):
        assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert not Evidence.objects.exists()
