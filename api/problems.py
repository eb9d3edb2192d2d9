"""One error shape for the whole API: RFC 9457 problem details, in the caller's language.

Every error, whether DRF's, Django's or the domain's (a refused workflow action), leaves as

    {"type": "urn:youth-proposal-tracker:problem:<code>", "title": ..., "status": ..., "detail": ...,
     "code": "<code>", "errors": {"<field>": ["..."]}}

with Content-Type application/problem+json. `code` is stable and meant for programs (a workflow guard's code,
"validation_error", "not_found", ...); title and detail are for people.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from proposals.workflow import TransitionRefused

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:youth-proposal-tracker:problem:"

TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Not signed in"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Not acceptable"),
    409: gettext_lazy("Action refused"),
    412: gettext_lazy("Precondition failed"),
    413: gettext_lazy("Request too large"),
    415: gettext_lazy("Unsupported media type"),
    428: gettext_lazy("Precondition required"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Server error"),
}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The proposal changed since you read it. Read it again and retry.")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy("Send an If-Match header with the ETag of the proposal you read.")
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


class ActionRefused(exceptions.APIException):
    """A workflow action or a change the domain refused; `code` names the guard."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "refused"


def problem(status_code: int, code: str, detail: str, errors: dict | None = None, **extra) -> dict:
    body = {
        "type": TYPE_PREFIX + code,
        "title": str(TITLES.get(status_code, TITLES[400 if status_code < 500 else 500])),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body | extra


def _field_errors(detail) -> dict[str, list[str]]:
    """DRF's nested error detail, flattened to field -> messages ("non_field_errors" for the whole body)."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for field, messages in detail.items():
            if isinstance(messages, dict):
                for inner, inner_messages in _field_errors(messages).items():
                    flat[f"{field}.{inner}"] = inner_messages
            else:
                flat[str(field)] = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        return flat
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    """Domain and Django errors, turned into the API exception whose status they mean."""
    if isinstance(exc, TransitionRefused):
        refused = ActionRefused(exc.message, code=exc.code)
        refused.action = exc.action
        return refused
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return exceptions.ValidationError(errors)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, exceptions.APIException):
        return exc
    return None


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: any known error becomes a problem document; unknown ones stay 500s."""
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        return None
    status_code = api_exc.status_code
    errors = None
    if isinstance(api_exc, exceptions.ValidationError):
        errors = _field_errors(api_exc.detail)
        code = "validation_error"
        detail = _("The request has invalid fields; see errors.")
    else:
        detail = str(api_exc.detail)
        code = getattr(api_exc.detail, "code", None) or api_exc.default_code
    extra = {}
    action = getattr(api_exc, "action", None)
    if action:
        extra["action"] = action
    body = problem(status_code, code, detail, errors, **extra)

    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is not None and renderer.format not in ("json", "api"):
        # A file download's renderer cannot write a problem document: the error goes out as JSON.
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        renderer = request.accepted_renderer
    content_type = PROBLEM_CONTENT_TYPE if renderer is None or renderer.format == "json" else None
    response = Response(body, status=status_code, content_type=content_type)
    if isinstance(api_exc, exceptions.Throttled) and api_exc.wait is not None:
        response["Retry-After"] = str(int(api_exc.wait))
    if getattr(api_exc, "auth_header", None):
        response["WWW-Authenticate"] = api_exc.auth_header
    if isinstance(api_exc, exceptions.MethodNotAllowed) and context.get("view") is not None:
        response["Allow"] = ", ".join(context["view"].allowed_methods)
    return response


def problem_response(request, status_code: int, code: str, detail: str) -> JsonResponse:
    """A problem document from outside DRF (unknown API URLs, server errors)."""
    return JsonResponse(
        problem(status_code, code, detail), status=status_code, content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )  # fmt: skip
