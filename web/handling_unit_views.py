"""The directory of handling units (承办单位), for the coordinators and operators who keep it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals import permissions, selectors, services
from proposals.models import HandlingUnit
from web.forms import HandlingUnitFilterForm, HandlingUnitForm

PAGE_SIZE = 50


def _keeper(request) -> None:
    permissions.keep_unit_directory(request.user).enforce()  # PermissionDenied: 403


@login_required
@require_GET
def handling_unit_list(request):
    _keeper(request)
    form = HandlingUnitFilterForm(request.GET or None)
    units = selectors.handling_units_matching(**form.selector_arguments())
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/handling_units.html", {"form": form, "page": page, "query": query.urlencode()})


def _unit_form_page(request, unit: HandlingUnit | None):
    form = HandlingUnitForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid() and form.apply(request.user) is not None:
        messages.success(request, _("The handling unit is saved."))
        return redirect("handling-units")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/handling_unit_form.html", {"form": form, "unit": unit}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def handling_unit_create(request):
    _keeper(request)
    return _unit_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def handling_unit_edit(request, pk: int):
    _keeper(request)
    return _unit_form_page(request, get_object_or_404(HandlingUnit, pk=pk))


@login_required
@require_POST
def handling_unit_deactivate(request, pk: int):
    """No longer offered for new assignments; the proposals it handled keep it."""
    _keeper(request)
    unit = get_object_or_404(HandlingUnit, pk=pk)
    try:
        services.handling_unit_save(actor=request.user, unit_id=unit.pk, is_active=False)
    except ValidationError as error:  # a unit whose details no longer pass: to be corrected on its page first
        messages.error(request, " ".join(error.messages))
        return redirect("handling-unit-edit", pk=pk)
    messages.success(request, _("“%(unit)s” is no longer offered for new assignments.") % {"unit": unit.name})
    return redirect("handling-units")
