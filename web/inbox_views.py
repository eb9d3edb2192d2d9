"""The in-app inbox: every notice for the person signed in, newest first; each opens its proposal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from proposals import selectors, services
from proposals.models import Notice
from proposals.notice_items import NoticeItem

PAGE_SIZE = 30


@login_required
@require_GET
def inbox(request):
    unread = request.GET.get("unread") == "1"
    page = Paginator(selectors.notices_of(request.user, unread=unread), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [NoticeItem(notice) for notice in page]
    # A delegate's invitations: the meetings they attend still to come, above the notices.
    meetings = selectors.meetings_attended_by(request.user, since=timezone.now())
    context = {"page": page, "items": items, "unread_only": unread, "meetings": meetings.order_by("starts_at")}
    return render(request, "web/inbox.html", context)


@login_required
@require_GET
def notice_open(request, pk: int):
    """Opening a notice marks it read and leads to its proposal."""
    try:
        notice = services.notice_mark_read(user=request.user, notice_id=pk)
    except Notice.DoesNotExist:
        raise Http404 from None
    return redirect("proposal-open", pk=notice.proposal_id)


@login_required
@require_POST
def notice_read(request, pk: int):
    try:
        services.notice_mark_read(user=request.user, notice_id=pk)
    except Notice.DoesNotExist:
        raise Http404 from None
    return redirect("inbox")


@login_required
@require_POST
def notices_read_all(request):
    services.notices_mark_all_read(user=request.user)
    return redirect("inbox")
