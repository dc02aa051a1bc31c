"""Who is calling: a per-user API token (``Authorization: Bearer bsg_…``) or the Django session.

The session is what the web app's htmx calls use; like any cookie-based auth it needs the CSRF token
(``X-CSRFToken``) on unsafe methods. A request carrying a bearer token is judged by the token alone: an
unknown, revoked or expired token is refused even if a session cookie is also sent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from bioseg.accounts.services import api_token_authenticate


class BadToken(AuthenticationError):
    pass


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"
    openapi_bearerFormat = "bsg_…"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw=token) if token else None
        if user is None:
            raise BadToken()
        # The rest of the request (views, audit context) sees the token's user as the user.
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The Django session, with the CSRF check only once a logged-in session is found — so an anonymous
    request gets 401 (not a CSRF refusal)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


def authenticated_user(request: HttpRequest):
    """The user the auth callbacks accepted."""
    return request.auth  # type: ignore[attr-defined]
