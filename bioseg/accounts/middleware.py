"""Session idle expiry and response security headers.

Idle expiry without a write per request: the session's server-side expiry (SESSION_COOKIE_AGE, set from
BIOSEG_IDLE_MINUTES) is renewed by saving the session, and this middleware saves it at most once every
BIOSEG_SESSION_TOUCH_SECONDS. A session idle for BIOSEG_IDLE_MINUTES is therefore gone after between
BIOSEG_IDLE_MINUTES minus the touch interval and BIOSEG_IDLE_MINUTES; the next request finds no session
and the person logs in again.
"""

from __future__ import annotations

import time

from django.conf import settings

TOUCH_KEY = "_bioseg_touched"


class SessionTouchMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and session.session_key:
            now = int(time.time())
            touched = session.get(TOUCH_KEY, 0)
            if not isinstance(touched, int) or now - touched >= settings.BIOSEG_SESSION_TOUCH_SECONDS:
                session[TOUCH_KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every HTML page (the pages load scripts and styles only from the app)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.BIOSEG_CSP
        return response
