"""The language follows the person: a signed-in user without a language cookie gets the one in their profile."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Runs after LocaleMiddleware (which reads the cookie and Accept-Language) and AuthenticationMiddleware.

    The cookie, set by the language switch, wins in the browser that set it. Without it (another browser, a
    fresh sign-in) the profile's language wins over Accept-Language, so the choice follows the person.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.language in dict(settings.LANGUAGES)
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
