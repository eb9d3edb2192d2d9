"""Conditional GETs of proposals (#18): an ETag that stands for everything the answer shows, and 304 for a
client that already holds it, answered from one cheap query before any body is built.

What a proposal's representation depends on is proposals.selectors' (proposal_representation_key and
proposal_list_row_key); what the answer adds is here: the language, the scheme and host (its links are
absolute), the media type, and for a list page its neighbours' links (which carry its filters and cursor).
The ETag is strong: the same key gives the same bytes. If-None-Match compares weakly (RFC 9110, 13.1.2), so
a W/ tag matches too. A detail's ETag begins with the proposal's id and version ("12-7.…"), which is all
If-Match compares (api.preconditions): a write is refused only when the proposal changed, not when another
person's or language's answer differs.
"""

from __future__ import annotations

import hashlib

from django.utils import translation
from django.utils.cache import patch_vary_headers
from rest_framework import status
from rest_framework.response import Response

# The request headers an answer depends on: the token or the session (who asks), the language, the format.
VARY = ("Accept", "Accept-Language", "Authorization", "Cookie")


def _digest(*parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def _answer_key(request) -> tuple:
    """What an answer adds to the representation: its language, the scheme and host its links are built on
    (a page's own links are in its key), its media type. Not the path: the answer to a write shows the detail
    as a GET of it would, with the same ETag."""
    return translation.get_language(), request.build_absolute_uri("/"), getattr(request, "accepted_media_type", "")


def detail_etag(request, proposal_id: int, key: tuple) -> str:
    version = key[0]  # selectors.DETAIL_KEY_COLUMNS begins with it
    return f'"{proposal_id}-{version}.{_digest(key, _answer_key(request))}"'


def page_etag(request, rows: list[tuple], next_link: str | None, previous_link: str | None, caller: tuple) -> str:
    return f'"page-{_digest(rows, next_link, previous_link, caller, _answer_key(request))}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def none_match(request, etag: str) -> bool:
    """Whether If-None-Match names this ETag (or "*"): the client holds the current representation."""
    header = request.headers.get("If-None-Match")
    if header is None or request.method not in ("GET", "HEAD"):
        return False
    if header.strip() == "*":
        return True
    return _opaque(etag) in {_opaque(tag) for tag in header.split(",")}


def not_modified(etag: str) -> Response:
    """304: no body, the ETag and (by the views' finalize_response) Vary and Content-Language, as a 200 would."""
    return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})


def vary(response) -> None:
    patch_vary_headers(response, VARY)
