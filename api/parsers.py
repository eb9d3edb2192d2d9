"""Request bodies read strictly: a size limit before parsing, UTF-8 only, clear errors instead of 500s."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, MultiPartParser

from api.problems import PayloadTooLarge
from proposals import uploads


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ParseError(_("The Content-Length header is not a number.")) from None


def refuse_if_larger(request, limit: int) -> None:
    if _declared_length(request) > limit:
        raise PayloadTooLarge(_("The request body may be at most %(limit)d KB.") % {"limit": limit // 1024})


class StrictJSONParser(BaseParser):
    """JSON in UTF-8, at most settings.API_MAX_JSON_BYTES, without NaN or Infinity."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BYTES
        request = parser_context["request"]
        refuse_if_larger(request, limit)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:  # a body sent without Content-Length
            raise PayloadTooLarge(_("The request body may be at most %(limit)d KB.") % {"limit": limit // 1024})
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ParseError(
                _("The body is not valid UTF-8 (byte %(position)d).") % {"position": error.start}
            ) from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
        if _SURROGATE_ESCAPE.search(text):
            # "\ud800" alone is valid JSON but no character: it could be neither stored nor echoed in an error.
            try:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError(_("The body contains an unpaired UTF-16 surrogate escape.")) from None
        return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_constant(name: str):
    raise ValueError(_("%(name)s is not a number JSON allows") % {"name": name})


class EvidenceMultiPartParser(MultiPartParser):
    """Uploads: refused with 413 by their declared size before a byte is read, or once the file's bytes pass
    the limit (proposals.uploads), whatever was declared."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        refuse_if_larger(request, settings.EVIDENCE_MAX_BYTES + uploads.MULTIPART_OVERHEAD)
        parsed = super().parse(stream, media_type, parser_context)
        if uploads.upload_refused(request):
            raise PayloadTooLarge(uploads.too_large_message())
        return parsed
