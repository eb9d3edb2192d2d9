"""The proposal list as a spreadsheet: the same filters as the list page, every matching row, no pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from proposals import spreadsheets
from web.proposal_views import filtered_proposals


@login_required
@require_GET
def proposal_list_csv(request):
    return spreadsheets.csv_response(filtered_proposals(request)[1])


@login_required
@require_GET
def proposal_list_xlsx(request):
    return spreadsheets.xlsx_response(filtered_proposals(request)[1])
