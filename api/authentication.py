"""Knox's token authentication in one query, refusing a token that is not ASCII instead of failing with a 500."""

from __future__ import annotations

import binascii
from hmac import compare_digest

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        """Knox's check of the presented token, without its sweep of the user's other tokens on every request
        (one more query each time; `manage.py housekeeping` deletes expired tokens), and with the user's
        organisation and delegate, which the scoped reads start from, in the same query (#18: authentication
        cost four times the trivial view)."""
        # Knox decodes the header's bytes as UTF-8 and raises UnicodeDecodeError on e.g. "Token é";
        # a real token is hexadecimal.
        if not token.isascii():
            raise exceptions.AuthenticationFailed()
        text = token.decode()
        candidates = get_token_model().objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates.select_related("user__organisation", "user__delegate"):
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                auth_token.delete()
                token_expired.send(sender=self.__class__, username=auth_token.user.get_username(),
                                   source="auth_token")  # fmt: skip
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed() from None
            if compare_digest(digest, auth_token.digest):
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed()


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme: the same as knox's."""

    target_class = "api.authentication.TokenAuthentication"
