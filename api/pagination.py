"""Cursor pagination: stable under inserts, constant cost at any depth, and a page size within bounds."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from proposals.selectors import IdPage, IdRange


class ProposalCursorPagination(CursorPagination):
    page_size = settings.API_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    # Newest first; the primary key keeps the order total, so a cursor never skips or repeats a row.
    ordering = ("-id",)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # isdigit() alone lets through digits int() cannot read ("²").
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [
                    _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                ]}
            )  # fmt: skip
        return int(raw)

    def get_schema_operation_parameters(self, view):
        # The schema states the bounds get_page_size enforces.
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor is opaque but not signed: a crafted one may carry a position that is no value of the
        # ordering field ("p=abc" for the id), which the query cannot take. That is bad input, not a 500.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError):
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]}) from None

    def id_page(self, request, view) -> IdPage | None:
        """The requested page when the list is in the order of the ids (by default), for the scope to read it
        where its rows come from (`selectors.list_page`); the page itself is then cut as DRF cuts it, with the
        same bound. None in any other order."""
        ordering = self.get_ordering(request, None, view)
        if ordering[0].lstrip("-") != "id":
            return None
        cursor = self.decode_cursor(request)
        reverse = cursor is not None and cursor.reverse
        # As DRF's paginate_queryset: the page's rows, one more to tell whether another follows, read down the
        # order, or back up it towards a previous page.
        size = self.get_page_size(request) + 1 + (cursor.offset if cursor else 0)
        newest_first = ordering[0].startswith("-") != reverse
        if cursor is None or cursor.position is None:
            return IdPage(size, newest_first, None)
        try:
            position = int(cursor.position)
        except ValueError:
            return None  # paginate_queryset refuses it
        return IdPage(size, newest_first, IdRange("lt" if newest_first else "gt", position))

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot read with 404; it is bad input.
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]}) from None
        # PostgreSQL takes no NUL in a text value (a DataError, 500): such a position is no row's position.
        if cursor is not None and cursor.position is not None and "\x00" in cursor.position:
            raise ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]})
        return cursor


class HandlingUnitPagination(ProposalCursorPagination):
    # The directory by name, which is unique: a picker lists it as people look a unit up.
    ordering = ("name",)
