"""The OpenAPI schema's error responses, added in one place: every operation documents the problem documents
(RFC 9457, application/problem+json) it can answer with."""

from __future__ import annotations

from django_filters import MultipleChoiceFilter

from api.problems import PROBLEM_CONTENT_TYPE, TITLES

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details: the shape of every error.",
    "properties": {
        "type": {"type": "string", "example": "urn:youth-proposal-tracker:problem:lead_not_endorsed"},
        "title": {"type": "string", "example": "Action refused"},
        "status": {"type": "integer", "example": 409},
        "detail": {"type": "string", "example": "The lead delegate has not endorsed revision 4."},
        "code": {
            "type": "string",
            "description": "Stable, for programs: a workflow guard's code (see the README), validation_error, "
            "not_found, not_authenticated, precondition_failed, throttled, ...",
            "example": "lead_not_endorsed",
        },
        "action": {"type": "string", "description": "The workflow action refused, when one was."},
        "errors": {
            "type": "object",
            "description": "Field name → messages, for invalid input.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}

# The conditional GETs' answer (api/conditional.py), on every operation that takes If-None-Match.
NOT_MODIFIED = {
    "description": "Not modified: the answer you hold (its ETag in If-None-Match) is current. No body.",
    "headers": {"ETag": {"schema": {"type": "string"}, "description": "The current ETag, the one you sent."}},
}

READ_ERRORS = (400, 401, 403, 404, 406, 429)
WRITE_ERRORS = (*READ_ERRORS, 409, 412, 413, 415)
LOGIN_ERRORS = (400, 401, 406, 413, 415, 429)


def _errors_for(path: str, method: str) -> tuple[int, ...]:
    if path.endswith("/auth/token/"):
        return LOGIN_ERRORS
    if method in ("post", "patch", "put", "delete"):
        return (*WRITE_ERRORS, 428) if method == "patch" and "/proposals/" in path else WRITE_ERRORS
    return READ_ERRORS


def _empty_means_absent() -> set[str]:
    """Query parameters whose empty value is no value: django-filter reads `?kind=` as no filter (the browsable
    API's filter form sends every field), the paginator an empty cursor as none, DRF an empty `format` as none.
    A multiple choice is the exception: `?state=` asks for the state "", which is refused."""
    from api.filters import MeetingFilter, NeedFilter, ProposalFilter

    filters = [*ProposalFilter.base_filters.items(), *NeedFilter.base_filters.items(),
               *MeetingFilter.base_filters.items()]  # fmt: skip
    unset = {"ordering", "cursor", "format"}
    return {name for name, f in filters if not isinstance(f, MultipleChoiceFilter)} | unset


def add_problem_responses(result, generator, request, public):
    """drf-spectacular post-processing hook; says too which query parameters may be sent empty."""
    empty_means_absent = _empty_means_absent()
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in result.get("paths", {}).items():
        if path.endswith(("/schema/", "/docs/", "/redoc/")):
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] in empty_means_absent:
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            if any(p["in"] == "header" and p["name"] == "If-None-Match" for p in operation.get("parameters", [])):
                responses.setdefault("304", NOT_MODIFIED)
            for status in _errors_for(path, method):
                responses.setdefault(str(status), {
                    "description": str(TITLES[status]),
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                })  # fmt: skip
    return result
