"""The proposal list as a file: GET /api/v1/proposals/export.csv and /export.xlsx take the list's filters and
ordering (ProposalFilter, StableOrderingFilter), and answer every matching row of the caller's scope, unpaged.
The files are made by proposals.reporting.spreadsheets, the same as the web list's."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.generics import GenericAPIView

from api.filters import ProposalFilter, ProposalFilterBackend, StableOrderingFilter
from api.views import LanguageMixin, ProposalViewSet
from proposals import selectors
from proposals.reporting import spreadsheets


class _FileRenderer(renderers.BaseRenderer):
    """Lets a client ask for the file's type in Accept; the file itself goes out as the view made it."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CsvRenderer(_FileRenderer):
    media_type = spreadsheets.CSV_CONTENT_TYPE
    format = "csv"


class XlsxRenderer(_FileRenderer):
    media_type = spreadsheets.XLSX_CONTENT_TYPE
    format = "xlsx"


class _ProposalExport(LanguageMixin, GenericAPIView):
    filterset_class = ProposalFilter
    filter_backends = [ProposalFilterBackend, StableOrderingFilter]
    ordering_fields = ProposalViewSet.ordering_fields
    ordering = ProposalViewSet.ordering
    pagination_class = None

    def get_queryset(self):
        # The due-date filters read current_due_at.
        return selectors.with_current_due_at(selectors.proposals_visible_to(self.request.user))

    def proposals(self):
        return self.filter_queryset(self.get_queryset())


COLUMNS_DESCRIPTION = (
    "Columns: id, title, kind, topic, state, organisation, session, lead delegate, current stage due (Beijing "
    "time), reference number, rating, updated; headers and labels in your language. Takes the list's filters "
    "and ordering; every matching proposal, no pages."
)


class ProposalCsvExportView(_ProposalExport):
    renderer_classes = [renderers.JSONRenderer, CsvRenderer]

    @extend_schema(
        summary="Export the list as CSV", operation_id="proposals_export_csv", filters=True,
        description=COLUMNS_DESCRIPTION + " UTF-8 with a byte order mark, so that Excel reads Chinese correctly.",
        responses={(200, spreadsheets.CSV_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV.")},
    )  # fmt: skip
    def get(self, request):
        return spreadsheets.csv_response(self.proposals())


class ProposalXlsxExportView(_ProposalExport):
    renderer_classes = [renderers.JSONRenderer, XlsxRenderer]

    @extend_schema(
        summary="Export the list as XLSX", operation_id="proposals_export_xlsx", filters=True,
        description=COLUMNS_DESCRIPTION,
        responses={
            (200, spreadsheets.XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook.")
        },
    )  # fmt: skip
    def get(self, request):
        return spreadsheets.xlsx_response(self.proposals())
