"""The bioseg API, mounted at ``/api/v1/`` (see ``bioseg/urls.py``).

Docs: ``/api/v1/docs`` (Swagger UI, served from ninja's bundled static files — never a CDN) and the
schema at ``/api/v1/openapi.json``. Every operation needs a user: an API token
(``Authorization: Bearer bsg_…``) or the web session (with ``X-CSRFToken`` on unsafe methods).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import ninja
from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from django.template import Context, Engine
from django.templatetags.static import static
from django.urls import URLPattern, path, re_path, reverse
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from bioseg.api import (
    accounts,
    arrangements,
    assessments,
    audit,
    capas,
    changes,
    deviations,
    epcis,
    evaluation,
    inspections,
    oos,
    pilots,
    plans,
    production,
    quality,
    registry,
    risk,
    stationing,
)
from bioseg.api.auth import SessionAuth, TokenAuth
from bioseg.api.errors import install_handlers, method_not_allowed_json, route_not_found

_NINJA_TEMPLATES = Path(ninja.__file__).parent / "templates"


@functools.lru_cache(maxsize=1)
def _docs_engine() -> Engine:
    # ninja's own template, rendered whether or not "ninja" is in INSTALLED_APPS (without it, ninja
    # would fall back to a page that loads Swagger UI from a CDN).
    return Engine(dirs=[str(_NINJA_TEMPLATES)], app_dirs=False, libraries={"static": "django.templatetags.static"})


_DOCS_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}


def _static_has_ninja() -> bool:
    return finders.find("ninja/swagger-ui-bundle.js") is not None


def docs_asset(request: HttpRequest, name: str) -> HttpResponse:
    """ninja's bundled Swagger UI files, for when the static-files finders do not know them (``ninja`` not in
    INSTALLED_APPS). Only the listed files; anything else is a 404 in the API's error shape."""
    if name not in _DOCS_ASSETS:
        return route_not_found(request)
    path = Path(ninja.__file__).parent / "static" / "ninja" / name
    response = FileResponse(path.open("rb"), content_type=_DOCS_ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response


class LocalSwagger(Swagger):
    """Swagger UI with its JS/CSS from ``/static/ninja/…`` (ninja's bundled copy), or from
    ``/api/v1/docs/assets/…`` if the static files do not include ninja's. Never from a CDN."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": True,
            "csrf_token": get_token(request),
        }
        html = _docs_engine().get_template("ninja/swagger.html").render(Context(context))
        if not _static_has_ninja():
            html = html.replace(static("ninja/"), reverse(f"{api.urls_namespace}:docs-asset", args=["x"])[:-1])
        return HttpResponse(html)


class BiosegAPI(NinjaAPI):
    """NinjaAPI whose URLconf answers every miss in the API's error shape: a wrong method on a known path
    (405) and any unknown path under the prefix (404)."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        wrapped: list = []
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_not_allowed(pattern.callback)
            wrapped.append(pattern)
        # Before ninja's root pattern (kept last so `reverse("api:api-root")` still works).
        wrapped[-1:-1] = [
            path("docs/assets/<str:name>", docs_asset, name="docs-asset"),
            re_path(r"^.*$", route_not_found, name="not-found"),
        ]
        return wrapped, app_name, namespace


def _json_not_allowed(view):
    if getattr(view, "_bioseg_wrapped", False):
        return view

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed_json(request, response)
        return response

    wrapper._bioseg_wrapped = True  # type: ignore[attr-defined]
    return wrapper


api = BiosegAPI(
    title="bioseg API",
    version="1",
    description=(
        "Segmented production of biological products (生物制品分段生产). Authenticate with "
        "`Authorization: Bearer bsg_…` (create a token at POST /api/v1/auth/tokens) or the web session. "
        "Errors always have the shape `{code, message, message_zh, details}`. Lists take `limit`/`offset` "
        "and answer `{items, count, limit, offset}`."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs=LocalSwagger(),
)
install_handlers(api)

api.add_router("", accounts.router)
api.add_router("", registry.reference_router)
api.add_router("/enterprises", registry.enterprises)
api.add_router("/sites", registry.sites)
api.add_router("/licences", registry.licences)
api.add_router("/gmp-records", registry.gmp_records)
api.add_router("/products", registry.products)
api.add_router("/personnel", registry.personnel)
api.add_router("/qualifications", registry.qualifications)
api.add_router("/quality-agreements", quality.router)
api.add_router("/deviations", deviations.router)
api.add_router("/notifications", deviations.inbox_router)
api.add_router("/capas", capas.router)
api.add_router("/oos", oos.router)
api.add_router("/stability-results", oos.stability_router)
api.add_router("/stationing", stationing.router)
api.add_router("/training-records", stationing.training_router)
api.add_router("/changes", changes.router)
api.add_router("/inspections", inspections.router)
api.add_router("/samples", inspections.samples)
api.add_router("/risk-ratings", risk.router)
api.add_router("/inspection-plans", plans.router)
api.add_router("", audit.router)
api.add_router("", assessments.router)
api.add_router("", epcis.router)
api.add_router("/pilot-applications", pilots.router)
api.add_router("/arrangements", arrangements.router)
api.add_router("", evaluation.router)
for _prefix, _router in production.ROUTERS:
    api.add_router(_prefix, _router)
