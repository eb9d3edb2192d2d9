"""Sign-in lockout (django-axes) for the web sign-in, the admin's and the API's token endpoint.

Axes counts each failed authenticate() per account and per client address; once either reaches
AXES_FAILURE_LIMIT, authenticate() refuses even the right password and AxesMiddleware asks `locked_out` for the
answer: the same sign-in form with the message, or a problem document for the API.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle

from api.problems import problem_response
from tracker.errors import _is_api


def client_address(request) -> str:
    """The client address axes counts: DRF's own rule (NUM_PROXIES), so the lockout and the API's throttles
    always agree on who the client is. (ipware counts proxies differently: with one proxy it takes
    X-Forwarded-For to hold the client and that proxy, and finds no address in the one entry a proxy writes.)"""
    return BaseThrottle().get_ident(request)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Too many failed sign-ins. Try again in %(minutes)d minute.",
        "Too many failed sign-ins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page the person signed in on, with the message and 429 (Retry-After)."""
    message = lockout_message()
    if _is_api(request):
        response = problem_response(request, 429, "locked_out", message)
    elif "form" in (getattr(original_response, "context_data", None) or {}):
        # The web's or the admin's sign-in page as its view rendered it, with this message as the form's error.
        context = original_response.context_data
        context["form"].errors.clear()
        context["form"].add_error(None, ValidationError(message, code="locked_out"))
        response = render(request, original_response.template_name, context, status=429)
    else:  # no sign-in form calls authenticate() elsewhere; should one appear, it still gets the message
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
