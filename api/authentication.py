"""Knox's token authentication, refusing a token that is not ASCII instead of failing with a 500."""

from __future__ import annotations

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        # Knox decodes the header's bytes as UTF-8 and raises UnicodeDecodeError on e.g. "Token é";
        # a real token is hexadecimal.
        if not token.isascii():
            raise exceptions.AuthenticationFailed()
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme: the same as knox's."""

    target_class = "api.authentication.TokenAuthentication"
