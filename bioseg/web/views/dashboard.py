"""The dashboard: a headline per role, counts of what the user can see, shortcuts.

Later issues add their own cards by appending a provider to ``CARD_PROVIDERS`` (a function of the
request and the scope returning a ``Card`` or None) and shortcuts to ``SHORTCUT_PROVIDERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bioseg.accounts.roles import Role
from bioseg.registry import selectors
from bioseg.registry.scope import Scope, scope_for
from bioseg.web.labels import province_label
from bioseg.web.permissions import can_audit, can_register_product, can_register_site
from bioseg.web.views.common import page_view


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    count: int
    url: str
    query: str = ""  # e.g. "excursions=open": the card leads to what it counts, not to the whole list


@dataclass(frozen=True)
class Shortcut:
    label: str
    url: str


HEADLINES = {
    Role.HOLDER_RA: _("Regulatory affairs: check your products' eligibility and prepare the pilot applications."),
    Role.HOLDER_QA: _("Holder QA: keep one quality system running across your contract manufacturers."),
    Role.QUALIFIED_PERSON: _("Qualified person: review and release the lots of your products."),
    Role.CMO_QA: _("Contract manufacturer QA: record your segments under the holders' quality agreements."),
    Role.PROVINCIAL_REVIEWER: _("Provincial reviewer: the enterprises, sites and products in %(province)s."),
    Role.PROVINCIAL_INSPECTOR: _("Provincial inspector: plan and record inspections in %(province)s."),
    Role.NMPA_OFFICER: _("NMPA: every pilot enterprise, site and product in the country."),
    Role.SYSTEM_ADMIN: _("System administration: maintain the registry and check the audit trail."),
}


def _registry_cards(request, scope: Scope) -> list[Card]:
    return [
        Card("enterprises", _("Enterprises"), selectors.enterprise_list(scope=scope).count(), "web:enterprise-list"),
        Card("sites", _("Sites"), selectors.site_list(scope=scope).count(), "web:site-list"),
        Card("products", _("Products"), selectors.product_list(scope=scope).count(), "web:product-list"),
        Card("personnel", _("Personnel"), selectors.person_list(scope=scope).count(), "web:person-list"),
    ]


def _registry_shortcuts(request, scope: Scope) -> list[Shortcut]:
    out = []
    # only what the user may do: a shortcut that answers 403 is worse than none
    if can_register_site(request.user):
        out.append(Shortcut(_("Register a site"), "web:site-create"))
    if can_register_product(request.user):
        out.append(Shortcut(_("Register a product"), "web:product-create"))
    if can_audit(request.user):
        out.append(Shortcut(_("Verify the audit trail"), "web:audit"))
    return out


CARD_PROVIDERS: list[Callable[..., list[Card]]] = [_registry_cards]
SHORTCUT_PROVIDERS: list[Callable[..., list[Shortcut]]] = [_registry_shortcuts]


@page_view
def dashboard(request):
    scope = scope_for(request.user)
    province = province_label(scope.region_code)
    headlines = [str(HEADLINES[r]) % {"province": province} for r in sorted(request.user.roles) if r in HEADLINES]
    cards = [c for provider in CARD_PROVIDERS for c in provider(request, scope)]
    shortcuts = [s for provider in SHORTCUT_PROVIDERS for s in provider(request, scope)]
    return render(
        request,
        "web/dashboard.html",
        {
            "headlines": headlines,
            "cards": [
                {
                    "key": c.key,
                    "label": c.label,
                    "count": c.count,
                    "url": reverse(c.url) + (f"?{c.query}" if c.query else ""),
                }
                for c in cards
            ],
            "shortcuts": [{"label": s.label, "url": reverse(s.url)} for s in shortcuts],
            "scope": scope,
            "province": province,
        },
    )
