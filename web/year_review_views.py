"""The year review of coordinators and administrators: the page, printable, and the same tables as .xlsx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from proposals import reporting
from proposals.reporting import needs_and_meetings, statistics, year_review
from proposals.selectors import meetings_visible_to, needs_visible_to, proposals_visible_to
from web.forms import YearReviewForm
from web.templatetags.proposal_links import list_url

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _review(request) -> tuple[YearReviewForm, year_review.YearReview | None]:
    if not statistics.can_view_statistics(request.user):
        raise Http404
    proposals = proposals_visible_to(request.user)
    form = YearReviewForm(request.GET, user=request.user, years=year_review.review_years(proposals))
    if not form.is_valid():
        return form, None
    chosen = form.cleaned_data
    return form, year_review.year_review(proposals, organisation=chosen["organisation"], year=chosen["year"])


@login_required
@require_GET
def year_review_page(request):
    """Drafted, submitted, registered, answered and rated satisfied in a year, per county and per topic."""
    with reporting.without_jit():
        form, review = _review(request)
        context = {
            "form": form,
            "review": review,
            "unit_caption": year_review.unit_caption(review) if review else "",
            "definitions": year_review.milestone_definitions(),
            "milestones": year_review.MILESTONES,
            "handling": review.handling if review else None,
            "handling_definitions": year_review.handling_definitions(),
            "rating_headings": year_review.rating_headings(),
            "timeliness_headings": year_review.timeliness_headings(),
            "needs": needs_and_meetings.needs_review(
                needs_visible_to(request.user), organisation=review.organisation, year=review.year
            ) if review else None,
            "coverage": needs_and_meetings.meetings_coverage(
                meetings_visible_to(request.user), organisation=review.organisation, year=review.year
            ) if review else None,
        }  # fmt: skip
    return render(request, "web/year_review.html", context, status=200 if review else 400)


@login_required
@require_GET
def year_review_xlsx(request):
    """The page's tables as a spreadsheet; each figure links to the list it counts."""
    with reporting.without_jit():
        form, review = _review(request)
    if review is None:
        return render(request, "web/year_review.html", {"form": form, "review": None}, status=400)
    content = year_review.workbook(review, link=lambda cell: request.build_absolute_uri(list_url(cell.filters)))
    response = HttpResponse(content, content_type=XLSX)
    filename = f"{review.year}-{review.organisation.name}-{_('Year review')}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
