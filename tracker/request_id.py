"""A request id on every log line of a request and of the tasks it queues (#17 item 6).

The id comes from the X-Request-ID header a proxy sets (nginx's $request_id), when it is a plain token, or is
made here; the response carries it back in X-Request-ID. Log records get it as `request_id` (RequestIdFilter,
on the handlers in settings.LOGGING; "-" outside a request), and a task queued during the request carries it
in its message headers, so that the worker's lines of that task show the same id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid

from celery import signals
from django.core.signals import request_finished, request_started
from django.dispatch import receiver

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # a token, never text that could forge a log line

current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def accepted(value: str | None) -> str:
    return value if value and _ACCEPTED.fullmatch(value) else uuid.uuid4().hex


@receiver(request_started)
def _request_started(environ=None, scope=None, **kwargs) -> None:
    """Set from the start to the end of the request, wider than any middleware: Django logs a 4xx or 5xx answer
    (django.request) after the middleware have returned it."""
    sent = (environ or {}).get("HTTP_X_REQUEST_ID")
    if scope is not None:
        sent = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
    current.set(accepted(sent))


@receiver(request_finished)
def _request_finished(**kwargs) -> None:
    current.set(None)


class RequestIdMiddleware:
    """Puts the request's id on the request and the response (X-Request-ID)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = current.get() or accepted(request.headers.get(HEADER))
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, request_id, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        import datetime as dt

        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current.get() or "-",
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


@signals.before_task_publish.connect
def _carry_into_the_task(headers=None, **kwargs) -> None:
    request_id = current.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


_task_tokens: dict[str, contextvars.Token] = {}


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs) -> None:
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if request_id:
        _task_tokens[task_id] = current.set(accepted(request_id))


@signals.task_postrun.connect
def _task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        current.reset(token)


def worker_logging(**kwargs) -> None:
    """With LOG_FORMAT=json the worker and beat log as the web does (settings.LOGGING), not in Celery's own
    format: tracker/celery.py connects this to Celery's setup_logging then (and only then, since a receiver
    there makes Celery leave its logging alone)."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
