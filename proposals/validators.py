"""Rules every input path shares (model fields, services, API serializers and filters, web forms, the import,
management commands): what a moment and a one-line text may be."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# --- Moments ------------------------------------------------------------------------------------------

# Python's datetime ends at the years 1 and 9999, and the database hands back what it stores as a datetime:
# a moment beyond them in UTC, or in the local time it is shown in, cannot be read back. A day's margin on both
# sides keeps every time zone's local time inside the calendar.
EARLIEST_MOMENT = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
LATEST_MOMENT = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)
MOMENT_MESSAGE = _("Enter a date and time between the years 1 and 9999, in ISO 8601, e.g. 2026-12-01T08:00+08:00.")
# A form's date picker writes the format itself: its reader needs only the range.
PICKED_MOMENT_MESSAGE = _("Enter a date and time between the years 1 and 9999.")


def storable_moment(value: dt.datetime) -> dt.datetime:
    """The moment in UTC, which every database stores whatever offset it came with (PostgreSQL refuses offsets
    beyond ±15:59); ValidationError when it lies outside what can be stored and read back."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    try:
        moment = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValidationError(MOMENT_MESSAGE, code="invalid_moment") from None
    if not EARLIEST_MOMENT <= moment <= LATEST_MOMENT:
        raise ValidationError(MOMENT_MESSAGE, code="invalid_moment")
    return moment


def validate_moment(value: dt.datetime) -> None:
    """storable_moment as a model field's validator, for the admin's forms."""
    storable_moment(value)


def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 date and time (without an offset: Beijing time), as storable_moment; ValidationError else."""
    try:
        value = parse_datetime(text.strip())
    except (ValueError, TypeError, OverflowError):  # an offset of 24 hours or more, a 31 February, ...
        value = None
    if value is None:
        raise ValidationError(MOMENT_MESSAGE, code="invalid_moment")
    return storable_moment(value)


# --- One-line texts -----------------------------------------------------------------------------------

# Unicode's controls (Cc: newline, tab, NUL, ...) and invisible format characters (Cf: bidi overrides,
# zero-width ones) of the Basic Multilingual Plane, with the line and paragraph separators U+2028 and U+2029,
# which break lines too; as of Unicode 14 (Python 3.11), held to unicodedata by tests/proposals/test_single_line.py.
# The few format characters beyond it break no line and cannot be written in the ECMA 262 pattern the OpenAPI
# schema states; one of them, the tags, spells the flags of Scotland or Wales.
LINE_BREAKERS = (
    "\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
SINGLE_LINE_MESSAGE = _("Write it on one line: line breaks, tabs and other control characters are not allowed.")
_LINE_BREAKER = re.compile(f"[{LINE_BREAKERS}]")


@deconstructible(path="proposals.validators.SingleLineValidator")
class SingleLineValidator(RegexValidator):
    """Titles, names and references go into mail subjects, file names and spreadsheet cells: one line. A
    regular expression, so that the OpenAPI schema states it as the fields' pattern."""

    # One or more: Django, DRF and the forms skip validators for "", and the schema's "" (blank) is its own case.
    regex = f"\\A[^{LINE_BREAKERS}]+\\Z"
    message = SINGLE_LINE_MESSAGE
    code = "not_single_line"


validate_single_line = SingleLineValidator()


def clean_text(
    field: str, value: Any, *, max_chars: int, required: bool, errors: dict[str, list[str]], single_line: bool = False
) -> str:
    """The text a person typed, trimmed and with Windows line breaks made plain; what is wrong with it is added
    to errors under the field's name (the caller gathers every field's errors before refusing)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(gettext("Enter text."))
        return ""
    if "\x00" in value:
        errors.setdefault(field, []).append(gettext("The text contains a NUL character, which is not allowed."))
        return ""
    value = value.replace("\r\n", "\n").strip()
    if single_line and value:
        try:
            validate_single_line(value)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
    if required and not value:
        errors.setdefault(field, []).append(gettext("This field is required."))
    if len(value) > max_chars:
        errors.setdefault(field, []).append(
            gettext("At most %(max)d characters, not %(count)d.") % {"max": max_chars, "count": len(value)}
        )
    return value


def one_line(text: str) -> str:
    """The text with every line break or control character made a space: for mail subjects, whose header a
    line break would end (Django refuses such a header), whatever the data holds."""
    return " ".join(_LINE_BREAKER.sub(" ", text).split())
