"""What every page's header needs to know about the person signed in, decided by the domain's own rules."""

from __future__ import annotations

from proposals import permissions, selectors
from proposals.reporting import statistics


def navigation(request) -> dict:
    """Which of the header's links this person gets: each the rule of the page it leads to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    steers = selectors.steers_organisations(user)
    nav = {"may_draft": steers, "may_export": steers,
           "may_triage_needs": steers, "may_view_statistics": statistics.can_view_statistics(user),
           "may_keep_units": permissions.keep_unit_directory(user).allowed}  # fmt: skip
    return {"nav": nav | {"unread_notices": selectors.unread_notice_count(user)}}
