"""The Redoc page's bundle, served without the one thing it would load from outside.

drf-spectacular-sidecar's Redoc bundle shows "API docs by Redocly" with its maker's logo, an image from the
maker's host. The docs must work offline and reach no other host (DESIGN §6), so the page takes its bundle from
its own URL (`?script=`, as the Swagger UI page takes its start-up script) with that address made `data:,`: no
request leaves the server, the image fails to decode and Redoc hides it, as it does when the host is out of reach.
"""

from __future__ import annotations

import functools
from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

BUNDLE = (
    Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
)
OUTSIDE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def redoc_bundle() -> bytes:
    return BUNDLE.read_bytes().replace(OUTSIDE_LOGO.encode(), b"data:,")


class RedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if "script" in request.GET:
            response = HttpResponse(redoc_bundle(), content_type="text/javascript; charset=utf-8")
            response["Cache-Control"] = "public, max-age=3600"
            return response
        return super().get(request, *args, **kwargs)
