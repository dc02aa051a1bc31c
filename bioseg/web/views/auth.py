"""Sign in and out. Login goes through the LockoutBackend; its refusal (e.g. a locked account) is shown
in the active language."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import get_language


class LockoutAuthenticationForm(AuthenticationForm):
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def get_invalid_login_error(self):
        exc = getattr(self.request, "bioseg_auth_error", None)
        if exc is not None:
            return ValidationError(exc.localized(get_language()), code=exc.code)
        return super().get_invalid_login_error()


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LockoutAuthenticationForm
    redirect_authenticated_user = True


login_view = LoginView.as_view()
logout_view = auth_views.LogoutView.as_view(next_page="web:login")
