"""The dashboard (everyone's starting point) and the statistics page of coordinators and administrators."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from proposals import reporting, selectors
from proposals.models import Organisation
from proposals.reporting import needs_and_meetings, statistics, worklist, year_review
from web import need_views
from web.forms import StatisticsFilterForm


@login_required
def home(request):
    """What is waiting for this person, the board by state, what is due soon or overdue, what delegates wrote
    lately, and the counts."""
    proposals = selectors.proposals_visible_to(request.user)
    worklists = worklist.waiting_for(request.user)
    pending_needs = need_views.pending_need_count(request.user)
    context = {
        "worklists": worklists,
        "has_work": any(worklists) or bool(pending_needs),
        "columns": statistics.board(proposals),
        "deadlines": statistics.upcoming_deadlines(proposals),
        "comments": statistics.recent_delegate_comments(proposals),
        "by_state": statistics.counts_by_state(proposals),
        "by_topic": statistics.counts_by_topic(proposals),
        "horizon_days": statistics.DEADLINE_HORIZON_DAYS,
        "pending_needs": pending_needs,
        "youth_voice": _year_summary(request.user),
    }
    return render(request, "web/dashboard.html", context)


def _year_summary(user):
    """A coordinator's card of this year's needs and face-to-face meetings, per their organisation's subtree."""
    if user.role != user.Role.COORDINATOR or not user.organisation_id:
        return None
    return needs_and_meetings.year_summary(
        # The subtree needs only the organisation's id: loading it would cost a query.
        selectors.needs_visible_to(user), selectors.meetings_visible_to(user),
        organisation=Organisation(pk=user.organisation_id),
        year=timezone.localdate().year,
    )  # fmt: skip


@login_required
def statistics_page(request):
    """Counts per county, topic, state and session, the counties with no proposal, the three rates, and the
    handling units' answers, ratings and timeliness, supervised items and proposals raised again."""
    if not statistics.can_view_statistics(request.user):
        raise Http404
    with reporting.without_jit():
        form = StatisticsFilterForm(request.GET or None, user=request.user)
        chosen = form.cleaned_data if form.is_valid() else {}
        proposals = selectors.proposals_for_statistics(
            request.user, session=chosen.get("session"), year=chosen.get("year")
        )
        units = statistics.counts_by_county(
            proposals, selectors.counties_in_scope(request.user), selectors.upper_committees_in_scope(request.user)
        )
        by_state = statistics.counts_by_state(proposals)
        context = {
            "form": form,
            "chosen_session": chosen.get("session"),
            "chosen_year": chosen.get("year"),
            "total": sum(bar.count for bar in by_state),
            "by_state": by_state,
            "by_topic": statistics.counts_by_topic(proposals),
            "by_session": statistics.counts_by_session(proposals),
            "units": units,
            "counties": [row for row in units if row.is_county],
            "uncovered": [row.organisation for row in units if row.is_county and row.count == 0],
            "rates": statistics.rates(proposals),
            "handling": year_review.year_handling(proposals),
            "rating_headings": year_review.rating_headings(),
            "timeliness_headings": year_review.timeliness_headings(),
        }
    return render(request, "web/statistics.html", context)
