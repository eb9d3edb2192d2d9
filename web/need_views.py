"""Young people's needs (#16) in the web UI: the triage list and a need's page for the organisation's secretaries
and coordinators, recording one, the public page young people submit on without signing in, and its QR code.

Views parse input, call a service or a selector, and render. Business rules live in proposals.services.needs;
who sees a need is selectors.needs_visible_to (everyone else gets a 404, as for proposals outside one's scope).
"""

from __future__ import annotations

import io
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache as shared_cache
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api.throttling import CACHE_ERRORS, counts
from proposals import permissions, selectors
from proposals.models import Need, Organisation, User
from tracker.signin import client_address
from web.need_forms import NEEDS_CONTEXT, STATUS_ORDER, TRIAGE_FORMS, NeedFilterForm, NeedPublicForm, NeedRecordForm
from web.views import remember_language

PAGE_SIZE = 25
# The public form's largest honest body: its fields' limits (4,000 + 200 + 334 characters), each Chinese
# character sent as nine bytes (%E9%9D%92), and room for the rest. A larger body is refused unread by the form.
PUBLIC_MAX_BODY_BYTES = 64 * 1024


def _steering_or_404(user) -> None:
    if not selectors.steers_organisations(user):
        raise Http404  # delegates see no needs, not even that the page exists


# --- The triage list, recording, a need's page --------------------------------------------------------------


@login_required
@require_GET
def need_list(request):
    _steering_or_404(request.user)
    visible = selectors.needs_visible_to(request.user)
    form = NeedFilterForm(request.GET or None)
    needs = form.narrow(visible) if form.is_bound and form.is_valid() else visible
    if form.is_bound and not form.is_valid():
        needs = visible.none()
    # Awaiting triage first, then accepted, merged, declined; the newest first within each.
    rank = Case(*(When(status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)), output_field=IntegerField())
    needs = needs.annotate(rank=rank).order_by("rank", "-created_at", "-id")
    page = Paginator(needs, PAGE_SIZE).get_page(request.GET.get("page"))
    totals = visible.aggregate(
        total=Count("pk"), **{status: Count("pk", filter=Q(status=status)) for status in STATUS_ORDER}
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "totals": [(status, Need.Status(status).label, totals[status]) for status in STATUS_ORDER],
        "total": totals["total"],
    }
    return render(request, "web/need_list.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request):
    _steering_or_404(request.user)
    form = NeedRecordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        need = form.apply()
        if need is not None:
            messages.success(request, _("The need is recorded; it waits for triage."))
            return redirect("need-open", pk=need.pk)
    alerts = _alerts(form)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/need_form.html", {"form": form, "alerts": alerts}, status=status)


def _need_or_404(user, pk: int) -> Need:
    return get_object_or_404(selectors.needs_visible_to(user), pk=pk)


def _triage_form(name: str, need: Need, user, data=None):
    form_class = TRIAGE_FORMS[name]
    extra = {"need": need, "user": user} if form_class in NEEDS_CONTEXT else {}
    return form_class(data, prefix=name, **extra)


def _alerts(*forms) -> list[str]:
    alerts = []
    for form in forms:
        if form is not None and form.is_bound:
            alerts.extend(form.non_field_errors())
            if form.errors and not form.non_field_errors():
                alerts.append(_("Please correct the marked fields below."))
    return alerts


def _need_page(request, need: Need, *, failed: str = "", failed_form=None, status: int = 200):
    user = request.user
    is_open = need.status in {Need.Status.PENDING, Need.Status.ACCEPTED}
    forms = {}
    for name in TRIAGE_FORMS:
        if name == "unlink":
            continue
        if name == "link" and need.status != Need.Status.ACCEPTED:
            continue
        if name in {"accept", "merge", "decline", "forward"} and not is_open:
            continue
        if name == "accept" and need.status == Need.Status.ACCEPTED:
            continue
        if name == "forward" and need.organisation.parent_id is None:
            continue
        forms[name] = failed_form if name == failed else _triage_form(name, need, user)
    context = {
        "need": need,
        "forms": forms,
        "alerts": _alerts(failed_form),
        "failed": failed,
        "events": need.events.select_related("actor", "proposal"),
        "merged": need.merged.order_by("created_at", "pk"),
        "outcomes": [
            {"proposal": proposal, "handlings": proposal.handlings_list()} for proposal in selectors.need_outcomes(need)
        ],
        "linked_ids": set(need.proposals.values_list("pk", flat=True)),
    }
    return render(request, "web/need.html", context, status=status)


@login_required
@require_GET
def need_open(request, pk: int):
    return _need_page(request, _need_or_404(request.user, pk))


@login_required
@require_POST
def need_triage(request, pk: int):
    """One of the need page's triage forms posted (its button names it): done, back to the page; refused, the
    page again with the form as filled in and its errors."""
    need = _need_or_404(request.user, pk)
    action = request.POST.get("action", "")
    if action not in TRIAGE_FORMS:
        messages.error(request, _("There is no such action."))
        return redirect("need-open", pk=pk)
    form = _triage_form(action, need, request.user, request.POST)
    if form.is_valid():
        result = form.apply(need, request.user)
        if result is not None:
            messages.success(request, TRIAGE_DONE[action]())
            return redirect("need-open", pk=pk)
    if action == "unlink":  # a button, nothing to fill in: say why on the page
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("need-open", pk=pk)
    return _need_page(request, _need_or_404(request.user, pk), failed=action, failed_form=form, status=400)


TRIAGE_DONE = {
    "accept": lambda: _("The need is accepted."),
    "merge": lambda: _("The need is merged; the other one counts its people."),
    "decline": lambda: _("The need is declined."),
    "forward": lambda: _("The need is forwarded to the committee above."),
    "link": lambda: _("The need is linked to the proposal."),
    "unlink": lambda: _("The need is unlinked from the proposal."),
}


# --- The public page -----------------------------------------------------------------------------------------


def _language_link(request):
    """?lang=en (a QR code's English link, say): remembered as the language switch remembers it (the cookie), then
    the same page without it, so that the switch and Django's own choice work from there on. None without it."""
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        return None
    query = request.GET.copy()
    del query["lang"]
    response = redirect(request.path + (f"?{query.urlencode()}" if query else ""))
    remember_language(response, language)
    return response


def _count(key: str, change: int) -> int:
    """Adds `change` to the count under `key` and returns it: in the shared cache (Redis), or in this process's
    memory while it is down, as the API's throttles count (api.throttling)."""
    try:
        shared_cache.add(key, 0, 3600)
        return shared_cache.incr(key, change)
    except (*CACHE_ERRORS, ValueError):  # ValueError: the key expired between add and incr
        counts.local.add(key, 0, 3600)
        return counts.local.incr(key, change)


def _rate_key(request) -> str:
    # One window per clock hour: simple, and a flood from one address is cut off within it.
    return f"need-submit:{client_address(request)}:{int(time.time() // 3600)}"


@require_http_methods(["GET", "POST"])
def need_public(request, organisation_id: int):
    """A young person's need, without signing in: held for the organisation's triage. Protected by a limit per
    client address (NEED_SUBMISSIONS_PER_HOUR), a limit on the body's size and a honeypot field."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    if request.method == "GET" and (switched := _language_link(request)) is not None:
        return switched
    context = {"organisation": organisation}
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > PUBLIC_MAX_BODY_BYTES:
            context["refusal"] = _("What you sent is too long. Please shorten the details and send it again.")
            return render(request, "web/need_public.html", context, status=413)
        key = _rate_key(request)
        # Counted before the form is read, atomically, so that parallel requests cannot slip past the limit; an
        # input refused gives its place back.
        if _count(key, 1) > settings.NEED_SUBMISSIONS_PER_HOUR:
            context["refusal"] = _(
                "Too many needs were sent from your network in the last hour. Please try again later, or ask the "
                "organisation directly."
            )
            response = render(request, "web/need_public.html", context, status=429)
            response["Retry-After"] = str(3600 - int(time.time()) % 3600)
            return response
        form = NeedPublicForm(request.POST, organisation=organisation)
        if form.is_bot:
            return redirect("need-public-thanks", organisation.pk)  # answered like success, stored nowhere
        if form.is_valid() and form.apply() is not None:
            return redirect("need-public-thanks", organisation.pk)
        _count(key, -1)
        context |= {"form": form, "alerts": _alerts(form)}
        return render(request, "web/need_public.html", context, status=400)
    context["form"] = NeedPublicForm(organisation=organisation)
    return render(request, "web/need_public.html", context)


@require_GET
def need_public_thanks(request, organisation_id: int):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    return render(request, "web/need_public_thanks.html", {"organisation": organisation})


# --- The QR codes ------------------------------------------------------------------------------------------


def _public_url(request, organisation: Organisation) -> str:
    return request.build_absolute_uri(reverse("need-public", args=[organisation.pk]))


def _coded_organisation(request, organisation_id: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    if not permissions.triage_needs(request.user, organisation).allowed:
        raise Http404
    return organisation


@login_required
@require_GET
def need_codes(request):
    """The organisations whose public page and QR code this person may print: those they steer."""
    _steering_or_404(request.user)
    organisations = selectors.in_tree_order(selectors.organisations_in_scope(request.user))
    return render(request, "web/need_codes.html", {"organisations": organisations})


@login_required
@require_GET
def need_code(request, organisation_id: int):
    """A printable page: the organisation's name, its public page's address and the QR code leading there."""
    organisation = _coded_organisation(request, organisation_id)
    url = _public_url(request, organisation)
    context = {
        "organisation": organisation,
        "url": url,
        "svg": segno.make(url, error="m").svg_inline(omitsize=True, title=url),
    }
    return render(request, "web/need_code.html", context)


@login_required
@require_GET
def need_code_svg(request, organisation_id: int):
    organisation = _coded_organisation(request, organisation_id)
    svg = io.BytesIO()
    segno.make(_public_url(request, organisation), error="m").save(svg, kind="svg", scale=10)
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="needs-qr-{organisation.pk}.svg"'
    return response


def pending_need_count(user) -> int | None:
    """For the dashboard: how many needs wait for this person's triage, or None for people who see none."""
    if not (user.is_operator or user.role in {User.Role.SECRETARY, User.Role.COORDINATOR}):
        return None  # without a query: the dashboard's count of queries stays the same for delegates
    return selectors.needs_visible_to(user).filter(status=Need.Status.PENDING).count()
