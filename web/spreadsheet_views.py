"""The proposal list as a spreadsheet: the same filters as the list page, every matching row, no pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from proposals.reporting import spreadsheets
from web.proposal_views import filtered_proposals


def _export(request, response_for):
    form, proposals = filtered_proposals(request)
    if form.errors:
        # The list page shows invalid filters with no rows; a file of no rows would pass for a complete list.
        message = _("The filters are not valid:") + "\n" + form.errors.as_text()
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return response_for(proposals)


@login_required
@require_GET
def proposal_list_csv(request):
    return _export(request, spreadsheets.csv_response)


@login_required
@require_GET
def proposal_list_xlsx(request):
    return _export(request, spreadsheets.xlsx_response)
