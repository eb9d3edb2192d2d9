"""Face-to-face meetings (共青团与人大代表、政协委员面对面, #16 items 6 and 8): recorded by the organising
organisation's secretaries or the coordinators above it, with the deputies and members attending, the needs
discussed and the proposals produced or advanced, and their minutes afterwards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import meeting_notices, permissions
from proposals.models import Meeting, MeetingFile, Organisation, User
from proposals.selectors import delegates_visible_to, needs_visible_to, proposals_visible_to
from proposals.services.checks import raise_if_errors
from proposals.services.evidence import EVIDENCE_TYPES, checked_file
from proposals.validators import clean_text, storable_moment

TEXT_LIMITS = {"theme": 200, "place": 200, "other_attendees": 4000, "agenda": 8000}
SINGLE_LINE = {"theme", "place"}
LINKS = ("delegates", "needs", "proposals")
MEETING_FIELDS = (*TEXT_LIMITS, "starts_at", "young_people", *LINKS)
MAX_YOUNG_PEOPLE = 100_000


def meeting_save(
    *, actor: User, meeting_id: int | None = None, organisation_id: int | None = None, **fields: Any
) -> Meeting:
    """Record a meeting (no `meeting_id`: `organisation_id`, theme, place and starts_at are required) or change
    the fields given of one. Delegates, needs and proposals are lists of ids the person sees."""
    with transaction.atomic():
        if meeting_id is None:
            organisation = Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
            if organisation is None:
                raise ValidationError({"organisation": [_("There is no organisation with this id.")]})
            meeting = Meeting(organisation=organisation, created_by=actor)
        else:
            meeting = Meeting.objects.select_for_update().select_related("organisation").filter(pk=meeting_id).first()
            if meeting is None:
                raise ValidationError({"meeting": [_("There is no meeting with this id.")]})
        permissions.organise_meetings(actor, meeting.organisation).enforce()
        cleaned, links = _cleaned(actor, fields, creating=meeting_id is None)
        if meeting.pk and any(
            getattr(meeting, name) != cleaned[name] for name in ("starts_at", "place") if name in cleaned
        ):
            meeting.sequence += 1
        for name, value in cleaned.items():
            setattr(meeting, name, value)
        meeting.updated_at = timezone.now()
        meeting.save()
        for name, chosen in links.items():
            getattr(meeting, name).set(chosen)
        meeting_notices.plan(meeting, timezone.now())
    return meeting


def _cleaned(actor: User, fields: dict[str, Any], *, creating: bool) -> tuple[dict[str, Any], dict[str, list]]:
    errors: dict[str, list[str]] = {}
    for name in sorted(set(fields) - set(MEETING_FIELDS)):
        errors[name] = [_("A meeting has no field “%(field)s”.") % {"field": name}]
    cleaned: dict[str, Any] = {}
    links: dict[str, list] = {}
    for name, value in fields.items():
        if name in TEXT_LIMITS:
            cleaned[name] = clean_text(name, value, max_chars=TEXT_LIMITS[name], required=name in SINGLE_LINE,
                                       errors=errors, single_line=name in SINGLE_LINE)  # fmt: skip
        elif name == "starts_at":
            cleaned[name] = _moment(value, errors)
        elif name == "young_people":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_YOUNG_PEOPLE:
                errors[name] = [_("Enter a whole number from 0 to %(max)d.") % {"max": MAX_YOUNG_PEOPLE}]
            cleaned[name] = value
        elif name in LINKS:
            links[name] = _chosen(name, value, _choices(actor, name), errors)
    if creating:
        for name in ("theme", "place", "starts_at"):
            if name not in fields:
                errors.setdefault(name, []).append(_("This field is required."))
    raise_if_errors(errors)
    return cleaned, links


def _moment(value: Any, errors: dict[str, list[str]]) -> dt.datetime | None:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        errors["starts_at"] = [_("Enter a date and time with a time zone.")]
        return None
    try:
        return storable_moment(value)
    except ValidationError as error:
        errors["starts_at"] = error.messages
        return None


def _choices(actor: User, name: str) -> QuerySet:
    if name == "delegates":
        return delegates_visible_to(actor)
    if name == "needs":
        return needs_visible_to(actor)
    return proposals_visible_to(actor)


def _chosen(name: str, value: Any, choices: QuerySet, errors: dict[str, list[str]]) -> list:
    ids = value if isinstance(value, list | tuple) else None
    if ids is None or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        errors[name] = [_("Give a list of ids.")]
        return []
    found = list(choices.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        errors[name] = [_("Some of these ids are none you may choose: %(ids)s.")
                        % {"ids": ", ".join(str(i) for i in sorted(set(ids) - {f.pk for f in found}))}]  # fmt: skip
    return found


@transaction.atomic
def meeting_minutes_record(*, actor: User, meeting_id: int, minutes: Any, now: dt.datetime | None = None) -> Meeting:
    """The minutes of a meeting that took place: what was said, agreed and who follows up."""
    meeting = Meeting.objects.select_for_update().select_related("organisation").filter(pk=meeting_id).first()
    if meeting is None:
        raise ValidationError({"meeting": [_("There is no meeting with this id.")]})
    permissions.organise_meetings(actor, meeting.organisation).enforce()
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    text = clean_text("minutes", minutes, max_chars=20000, required=True, errors=errors)
    if meeting.starts_at > now:
        errors.setdefault("minutes", []).append(_("The meeting has not taken place yet."))
    raise_if_errors(errors)
    meeting.minutes, meeting.minutes_recorded_at, meeting.updated_at = text, now, now
    meeting.save(update_fields=["minutes", "minutes_recorded_at", "updated_at"])
    meeting_notices.plan(meeting, now)  # the reminder to write them goes no more
    return meeting


# The files of the minutes: a document or a scan, a photo of the meeting.
MINUTES_FILE_TYPES = {ext: EVIDENCE_TYPES[ext] for ext in (".pdf", ".ofd", ".docx", ".doc", ".wps", ".jpg", ".jpeg",
                                                           ".png", ".heic", ".heif")}  # fmt: skip


def meeting_file_add(*, actor: User, meeting_id: int, upload: UploadedFile, now: dt.datetime | None = None):
    """Attach a file to a meeting's minutes (its organisers), once its size and content pass the checks of
    evidence."""
    errors: dict[str, list[str]] = {}
    checked = checked_file(upload, errors, MINUTES_FILE_TYPES)
    raise_if_errors(errors)
    stored = MeetingFile(**checked, uploaded_by=actor, uploaded_at=now or timezone.now())
    try:
        with transaction.atomic():
            meeting = Meeting.objects.select_for_update().select_related("organisation").filter(pk=meeting_id).first()
            if meeting is None:
                raise ValidationError({"meeting": [_("There is no meeting with this id.")]})
            permissions.organise_meetings(actor, meeting.organisation).enforce()
            stored.meeting = meeting
            stored.file.save(checked["original_name"], upload, save=True)
    except Exception:
        # The file reaches the disk before the row commits: a rolled-back upload must not leave it behind.
        if stored.file.name:
            stored.file.delete(save=False)
        raise
    return stored
