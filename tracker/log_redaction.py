"""Keeps the calendar feed's secret (the address is /calendar/<secret>.ics) out of the logs: gunicorn's access
log (AccessLogWithoutSecrets, named in gunicorn.conf.py) and Django's request loggers (CalendarSecretFilter,
in settings.LOGGING). Whoever reads the logs could otherwise read every subscriber's deadlines."""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

CALENDAR_SECRET = re.compile(r"(/calendar/)[^/?#\s\"]+(\.ics)")


def without_calendar_secrets(text: str) -> str:
    return CALENDAR_SECRET.sub(r"\1…\2", text)


def _redacted(value):
    return without_calendar_secrets(value) if isinstance(value, str) else value


class CalendarSecretFilter(logging.Filter):
    """For django.request ("Not Found: /calendar/….ics") and runserver's django.server (every request line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        return True


class AccessLogWithoutSecrets(Logger):
    """gunicorn's logger, whose access lines show /calendar/….ics instead of the secret (in the request line,
    the path, the referrer and any header or environ atom a format may name)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: _redacted(value) for key, value in atoms.items()}
