"""Error reports to a Sentry-compatible server (a self-hosted Sentry or GlitchTip on the intranet), only when
SENTRY_DSN is set (#17 item 6); settings.py calls start() then, and nothing of sentry-sdk runs otherwise.

What goes out: the unhandled errors of the web (Django) and of the tasks (Celery), and ERROR log lines, each
tagged with the request id (tracker/request_id.py) so that a report leads to the log lines of its request and of
the tasks it queued. What does not: personal data (send_default_pii off: no cookies, no user, no client
address, no Authorization header), request bodies (a proposal's text is not the error server's business), and
the calendar feed's secret wherever its address appears, and the local variables of a traceback (a proposal's
text or a young person's phone number may be among them). sentry-sdk's scrubber blanks passwords, tokens, keys
and the like in what remains.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

from tracker import request_id
from tracker.log_redaction import without_calendar_secrets

# sentry-sdk's own list (password, secret, token, cookie, authorization, csrftoken, sessionid, api_key, ...) and
# its personal one (ip addresses, forwarded-for), plus the tracker's own secrets.
DENYLIST = [*DEFAULT_DENYLIST, *DEFAULT_PII_DENYLIST, "calendar_token", "secret_key", "dsn", "database_url",
            "new_password1", "new_password2", "old_password", "password1", "password2"]  # fmt: skip


def _redacted(value):
    if isinstance(value, str):
        return without_calendar_secrets(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


def before_send(event: dict, hint: dict | None = None) -> dict:
    """Tags the event with the request id (set for a request and for a task a request queued) and removes the
    calendar secret from every string in it."""
    current = request_id.current.get()
    if current:
        tags = event.get("tags")
        if isinstance(tags, list):  # the protocol allows [[key, value], ...] as well
            tags.append(["request_id", current])
        else:
            event["tags"] = {**(tags or {}), "request_id": current}
    return _redacted(event)


def _release() -> str | None:
    try:
        return f"youth-proposal-tracker@{version('youth-proposal-tracker')}"
    except PackageNotFoundError:
        return None


def start(dsn: str, *, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=_release(),
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        event_scrubber=EventScrubber(denylist=DENYLIST, recursive=True),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=before_send,
        before_send_transaction=before_send,
    )
