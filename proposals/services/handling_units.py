"""The directory of handling units (承办单位), kept by coordinators and operators."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from proposals import permissions
from proposals.models import HandlingUnit, User

UNIT_FIELDS = (
    "name", "short_name", "level", "contact_person", "contact_phone", "contact_email", "address", "is_active",
)  # fmt: skip


def handling_unit_save(*, actor: User, unit: HandlingUnit | None = None, **fields) -> HandlingUnit:
    """Add a unit to the directory, or change one (`unit`): the fields given change, the others stay. A unit is
    deactivated (is_active=False), never deleted: the proposals it handled keep it. Raises ValidationError with
    the message of each field, PermissionDenied for anyone but coordinators and operators."""
    permissions.keep_unit_directory(actor).enforce()
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("There is no such field.")] for name in sorted(unknown)})
    with transaction.atomic():
        unit = HandlingUnit.objects.select_for_update().get(pk=unit.pk) if unit is not None else HandlingUnit()
        for name, value in fields.items():
            setattr(unit, name, value.strip() if isinstance(value, str) else value)
        unit.full_clean()
        try:
            with transaction.atomic():
                unit.save()
        except IntegrityError:  # the same name saved meanwhile by someone else
            raise ValidationError(
                {"name": [_("A handling unit with this name is in the directory already.")]}
            ) from None
    return unit
