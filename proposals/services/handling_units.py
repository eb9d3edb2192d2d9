"""The directory of handling units (承办单位), kept by coordinators and operators: added, corrected, and deactivated
rather than deleted (a unit merged or renamed keeps the proposals it answered)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from proposals import permissions
from proposals.models import HandlingUnit, User
from proposals.services.checks import raise_if_errors
from proposals.validators import clean_text

# The unit's texts, each a single line of at most this many characters (the model's columns).
TEXT_FIELDS = {"name": 100, "short_name": 30, "contact_person": 50, "contact_phone": 30, "contact_email": 254,
               "address": 200}  # fmt: skip
UNIT_FIELDS = (*TEXT_FIELDS, "level", "is_active")


def handling_unit_save(*, actor: User, unit_id: int | None = None, **changes: Any) -> HandlingUnit:
    """Add a unit to the directory (no `unit_id`; a name is required) or change the fields given of one. A unit
    is never deleted: `is_active=False` takes it out of what is offered for new assignments. ValidationError,
    in the user's language, for a blank or taken name, a bad email, an unknown level or field."""
    permissions.keep_unit_directory(actor).enforce()
    errors: dict[str, list[str]] = {}
    for name in sorted(set(changes) - set(UNIT_FIELDS)):
        errors[name] = [_("A handling unit has no field “%(field)s”.") % {"field": name}]
    cleaned = {name: _clean(name, value, errors) for name, value in changes.items() if name in UNIT_FIELDS}
    if unit_id is None and "name" not in cleaned:
        errors.setdefault("name", []).append(_("This field is required."))
    name = cleaned.get("name")
    if name and "name" not in errors and HandlingUnit.objects.filter(name=name).exclude(pk=unit_id).exists():
        errors["name"] = [_taken(name)]
    raise_if_errors(errors)
    try:
        with transaction.atomic():
            unit = HandlingUnit() if unit_id is None else HandlingUnit.objects.select_for_update().get(pk=unit_id)
            for field, value in cleaned.items():
                setattr(unit, field, value)
            if unit_id is None:
                unit.save()
            elif cleaned:
                unit.save(update_fields=list(cleaned))
    except IntegrityError as error:
        # Another request took the same name between our check and our write.
        raise ValidationError({"name": [_taken(cleaned.get("name", ""))]}) from error
    return unit


def _taken(name: str) -> str:
    return _("The directory has a unit called “%(name)s” already.") % {"name": name}


def _clean(name: str, value: Any, errors: dict[str, list[str]]) -> Any:
    if name == "level":
        if value not in HandlingUnit.Level.values:
            errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(HandlingUnit.Level.values)}]
        return value
    if name == "is_active":
        if not isinstance(value, bool):
            errors[name] = [_("Enter true or false.")]
        return value
    text = clean_text(name, value, max_chars=TEXT_FIELDS[name], required=name == "name", errors=errors,
                      single_line=True)  # fmt: skip
    if name == "contact_email" and text and name not in errors:
        try:
            validate_email(text)
        except ValidationError:
            errors[name] = [_("Enter a valid email address.")]
    return text
