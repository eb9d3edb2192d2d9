"""The deadline calendar feed at its secret address, and replacing that address."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from proposals import services
from proposals.documents.calendar_feed import calendar_for, user_by_calendar_token
from web.views import preferences_page


@require_safe
def calendar_feed(request, token: str):
    """No login: calendars cannot sign in. The secret in the address is the key; a replaced one is 404."""
    user = user_by_calendar_token(token)
    if user is None:
        raise Http404
    response = HttpResponse(calendar_for(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    # The address is a secret and the content personal: no shared cache may keep it, no search engine list it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def calendar_regenerate(request):
    """Makes the address and shows it on this answer, the one time it can be shown (only its hash is kept);
    a redirect would have to carry the secret through the session."""
    replacing = bool(request.user.calendar_token_hash)
    token = services.calendar_token_regenerate(user=request.user)
    messages.success(
        request,
        _("Your calendar has a new address. The old one no longer works: subscribe again with this one.")
        if replacing
        else _("Your calendar address is made: subscribe to it in your calendar."),
    )
    url = request.build_absolute_uri(reverse("calendar-feed", args=[token]))
    response = preferences_page(request, request.user, None, calendar=True, calendar_url=url)[0]
    response["Cache-Control"] = "private, no-store"
    return response
