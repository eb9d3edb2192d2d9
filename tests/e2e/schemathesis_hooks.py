"""Schemathesis hooks of tests/e2e/test_schemathesis.py: every request goes as one demo role, with its token,
and the refusals of schema-valid input that only the server's data can decide are told apart from real ones.

Loaded by the schemathesis CLI (SCHEMATHESIS_HOOKS), not by pytest. The role comes from the environment:
SCHEMATHESIS_API_URL (the server's origin), SCHEMATHESIS_USERNAME and SCHEMATHESIS_PASSWORD, and
SCHEMATHESIS_TOKEN, the token the test got at the start.

The API has log-out operations, and schemathesis calls them too: "revoke this token" and "revoke all my tokens"
end the token the run is using. A fixed `-H "Authorization: Token ..."` would turn every later request into a
401, so the token comes from this provider instead: on a 401 schemathesis asks it again, it logs in anew, and
the request is replayed with the new token (`retry_on`). A 401 that a fresh token does not cure counts.
"""

from __future__ import annotations

import json
import os

import requests
import schemathesis

LOGIN_PATH = "/api/v1/auth/token/"
ME_PATH = "/api/v1/me/"
# The server runs with production settings behind a TLS proxy; the proxy's header keeps it from redirecting.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def _still_valid(origin: str, token: str) -> bool:
    response = requests.get(origin + ME_PATH, headers={**PROXY_HEADERS, "Authorization": f"Token {token}"}, timeout=30)
    return response.status_code != 401


# Cached for the whole run; asked again only after a 401 (`retry_on`).
@schemathesis.auth(refresh_interval=24 * 3600, retry_on=[401]).skip_for(path=LOGIN_PATH)
class RoleToken:
    """`Authorization: Token <token>` of one demo role: the test's token, and a new one once it was revoked.

    Cases are generated ahead of their requests, so after one log-out many of them carry the revoked token and
    each one's 401 asks for a new token: a login happens only when the token in hand no longer works (a login
    costs about a second of password hashing).
    """

    def __init__(self) -> None:
        self.token = os.environ["SCHEMATHESIS_TOKEN"]
        self.fetched = False

    def get(self, case, context) -> str:
        origin = os.environ["SCHEMATHESIS_API_URL"]
        if self.fetched and not _still_valid(origin, self.token):
            response = requests.post(
                origin + LOGIN_PATH,
                json={"username": os.environ["SCHEMATHESIS_USERNAME"], "password": os.environ["SCHEMATHESIS_PASSWORD"]},
                headers=PROXY_HEADERS,
                timeout=30,
            )
            response.raise_for_status()
            self.token = response.json()["token"]
        self.fetched = True
        return self.token

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


# --- Schema-valid requests the API refuses by a documented rule ---------------------------------------------
#
# `positive_data_acceptance` (ST202) fails when a request that the schema allows is refused. For the refusals
# below the schema cannot say what is valid: the value is fine in form, and only the server's data decides.
# Each one is dropped only when the problem document names nothing but the fields listed for it, so any other
# refusal of schema-valid input still fails the run. Everything else about these responses (status documented,
# content type, body schema) is checked as usual.

# 400 validation_error naming only these query parameters, on any operation that declares them.
OPAQUE_QUERY = {
    # A cursor is opaque: only the ones in the server's next/previous links are valid, any other string is 400.
    "cursor",
    # Ids from the caller's scope; another id is refused like a missing one (tests/api/test_scope_filters.py).
    "session",
    "organisation",
    "lead_delegate",
    # The needs' county: one of the counties and districts.
    "county",
}
# 400 validation_error naming only these body fields, per operation: domain rules of proposals.services.
DOMAIN_FIELDS = {
    # The session must be one the caller sees, the kind one that goes to that session's body, and the due dates
    # within the session and in order (research before consultation).
    "POST /api/v1/proposals/": {"session", "kind", "research_due", "consultation_due"},
    # Each action takes its own inputs: some require a note or inputs, none takes another action's inputs, the
    # dates cannot be in the future (nor before what they follow), a reference number is unique, a unit must be
    # one of the directory's, active, and on the proposal (or not yet, to assign it), a session later.
    # `allowed_actions[].inputs` of a proposal says which; the request schema is the union of all actions' fields.
    "POST /api/v1/proposals/{id}/transitions/": {
        "note", "reference_number", "submitted_on", "urgent", "unit", "unit_role", "assigned_on", "answer",
        "answer_class", "answer_method", "answered_on", "rating", "extend_by", "session",
    },
    # A meeting's organisation is one the caller steers; its delegates, needs and proposals are ones the caller
    # sees; its minutes come once it has taken place.
    "POST /api/v1/meetings/": {"organisation", "delegates", "needs", "proposals"},
    "PATCH /api/v1/meetings/{id}/": {"delegates", "needs", "proposals"},
    "POST /api/v1/meetings/{id}/minutes/": {"minutes"},
    # A unit's name is unique in the directory.
    "POST /api/v1/handling-units/": {"name"},
    "PATCH /api/v1/handling-units/{id}/": {"name"},
    # An answer letter names a unit of the proposal whose answer is recorded.
    "POST /api/v1/proposals/{id}/evidence/": {"file", "unit"},
    # A need is recorded for an organisation that exists, in a county or district of the tree; contact details
    # only with consent, and a reply only with an email address (proposals.services.needs).
    "POST /api/v1/needs/": {"organisation", "county", "contact_consent", "contact_email"},
    # Each triage action takes its own field (none takes another's), which must name a need or proposal the caller
    # sees; a merged or declined need takes no action, a need is accepted before it is linked, and the city
    # committee has no committee above to forward to: `need` in the errors.
    "POST /api/v1/needs/{id}/triage/": {"need", "theme", "into", "reason", "note", "proposal"},
}  # fmt: skip


def _problem(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keeps every failure but a refusal of schema-valid input by one of the rules above."""
    if failure.code != "ST202":
        return True
    operation = case.operation
    problem = _problem(response)
    if response.status_code != 400 or problem.get("code") != "validation_error":
        return True
    fields = set(problem.get("errors") or ())
    allowed = {p.name for p in operation.query if p.name in OPAQUE_QUERY} | DOMAIN_FIELDS.get(operation.label, set())
    # Text that may not be blank is trimmed first (DRF, proposals.services), so only whitespace counts as blank;
    # minLength counts the spaces. (A `\S` pattern would say it, but makes generating cases five times slower.)
    body = case.body if isinstance(case.body, dict) else {}
    allowed |= {name for name, value in body.items() if isinstance(value, str) and not value.strip()}
    if not (fields and fields <= allowed):
        return True
    if os.environ.get("SCHEMATHESIS_FILTERED_LOG"):  # the test reports what was dropped, by operation and field
        with open(os.environ["SCHEMATHESIS_FILTERED_LOG"], "a") as log:
            log.write(json.dumps({"operation": operation.label, "status": 400, "fields": sorted(fields)}) + "\n")
    return False
