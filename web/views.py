"""The pages mails link to, a person's own settings (reminders, language), and the sign-in around them."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals import services
from proposals.forms import PreferencesForm
from proposals.models import User
from proposals.reminders import PREFERENCES_SALT

# A preferences link in a mail stays valid this long; the next reminder brings a fresh one.
PREFERENCES_LINK_MAX_AGE = 60 * 60 * 24 * 90


@require_http_methods(["GET", "POST"])
def reminder_preferences(request, token: str):
    """Immediate mails or one daily digest, the hour, the language: reached from a signed link, no login."""
    try:
        user_id = signing.loads(token, salt=PREFERENCES_SALT, max_age=PREFERENCES_LINK_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    user = get_object_or_404(User, pk=user_id, is_active=True)
    return preferences_page(request, user, request.POST or None)[0]


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """The same settings as the mail-linked page, for the signed-in person, and their deadline calendar.

    The calendar is offered only here, behind the sign-in: a forwarded reminder mail must not hand it on.
    """
    response, saved = preferences_page(request, request.user, request.POST or None, calendar=True)
    if saved:
        # The language chosen here is the site's language too, in this browser and (through the profile) others.
        remember_language(response, request.user.language)
    return response


def preferences_page(request, user: User, data, *, calendar: bool = False, calendar_url: str | None = None):
    """The preferences form: shown, or saved through the service when `data` is given. With `calendar`, the
    deadline calendar's section: its address only when just made (calendar_url), since only its hash is kept.
    Returns the page and whether it saved."""
    form = PreferencesForm(data, user=user)
    saved = False
    if data is not None and form.is_valid():
        saved = form.run_service(lambda: services.user_update_preferences(user=user, **form.cleaned_data)) is not None
    # Once saved, the page already speaks the language just chosen.
    with translation.override(user.language if saved else translation.get_language()):
        context = {
            "form": form, "person": user, "saved": saved, "calendar": calendar, "calendar_url": calendar_url,
            "calendar_made": bool(user.calendar_token_hash),
        }  # fmt: skip
        response = render(request, "web/preferences.html", context)
    return response, saved


@require_POST
def set_language(request):
    """The language switch in the header: a cookie for this browser, and the profile of a signed-in person."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    remember_language(response, language)
    user = request.user
    if user.is_authenticated and user.language != language:
        services.user_update_preferences(user=user, language=language)
    return response


def remember_language(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )  # fmt: skip


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico by themselves, whatever the page links: the site's icon, a static file."""
    return HttpResponseRedirect(static("web/favicon.svg"))
