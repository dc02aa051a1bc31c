from django.contrib.auth.backends import ModelBackend

from bioseg.accounts.services import user_check_password
from bioseg.common.errors import ApplicationError


class LockoutBackend(ModelBackend):
    """Django's login goes through the same lockout check as the API and e-signatures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            source = request.META.get("REMOTE_ADDR", "") if request is not None else ""
            return user_check_password(username=username, password=password, source=source)
        except ApplicationError as exc:
            if request is not None:
                request.bioseg_auth_error = exc
            return None
