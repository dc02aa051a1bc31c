"""The registry object kinds the API knows by URL slug, each with its scoped getter.

A getter raises ``NotFound`` (404) both for an unknown id and for one outside the user's scope, so the
existence of out-of-scope records never leaks (never 403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from bioseg.accounts.scope import Scope
from bioseg.common.errors import NotFound
from bioseg.quality.selectors import quality_agreement_list
from bioseg.registry import selectors


def get_in(qs: QuerySet, what: str, pk) -> object:
    try:
        return qs.get(pk=int(pk))
    except (ValueError, TypeError, qs.model.DoesNotExist):
        raise NotFound(what, pk) from None


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    get: Callable[..., object]


def _via(list_selector, label: str) -> Callable[..., object]:
    def get(*, scope: Scope, pk) -> object:
        return get_in(list_selector(scope=scope), label, pk)

    return get


KINDS: dict[str, Kind] = {
    k.slug: k
    for k in (
        Kind("enterprises", "enterprise", selectors.enterprise_get),
        Kind("sites", "site", selectors.site_get),
        Kind("licences", "licence", selectors.licence_get),
        Kind("gmp-records", "GMP record", _via(selectors.gmp_record_list, "GMP record")),
        Kind("products", "product", selectors.product_get),
        Kind("personnel", "person", selectors.person_get),
        Kind("qualifications", "qualification", _via(selectors.qualification_list, "qualification")),
        Kind("quality-agreements", "quality agreement", _via(quality_agreement_list, "quality agreement")),
    )
}
