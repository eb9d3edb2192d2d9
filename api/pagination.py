"""Cursor pagination: stable under inserts, constant cost at any depth, and a page size within bounds."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


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
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [
                    _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                ]}
            )  # fmt: skip
        return int(raw)

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot read with 404; it is bad input.
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]}) from None
