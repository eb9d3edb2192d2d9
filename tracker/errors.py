"""Error pages: API clients get a problem document (api.problems), browsers the usual page."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.views import defaults

from api.problems import problem_response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception):
    if _is_api(request):
        return problem_response(request, 404, "not_found", _("There is nothing at this address."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return problem_response(request, 500, "server_error", _("Something went wrong on our side. Try again later."))
    return defaults.server_error(request)
