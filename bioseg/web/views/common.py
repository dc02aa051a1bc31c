"""What every page view shares: login required, ApplicationError → an error page with its status,
pagination, and the htmx partial switch."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bioseg.common.errors import ApplicationError

PAGE_SIZE = 25

ERROR_TITLES = {
    400: _("The request could not be processed"),
    401: _("Not signed in"),
    403: _("Not allowed"),
    404: _("Not found"),
    409: _("Not possible in the current state"),
}


def error_response(request, exc: ApplicationError):
    status = exc.status or 400
    return render(
        request,
        "web/error.html",
        {"title": ERROR_TITLES.get(status, ERROR_TITLES[400]), "message": exc.localized(get_language()), "error": exc},
        status=status,
    )


def page_view(view):
    """A signed-in page; a refusal from a selector or service becomes its HTTP status (404 for out-of-scope
    or unknown objects, 403 for a role that may not act, 400 otherwise)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return error_response(request, exc)

    return login_required(wrapper)


def paginate(request, qs) -> Page:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def render_list(request, template: str, context: dict):
    """The full page, or only its results block when htmx asks for it after a filter change."""
    context["partial_template"] = template.replace(".html", "_results.html")
    if getattr(request, "htmx", False) and request.htmx.target == "results":
        return render(request, context["partial_template"], context)
    return render(request, template, context)
