"""The registry object kinds the API knows by URL slug, each with its scoped getter.

A getter raises ``NotFound`` (404) both for an unknown id and for one outside the user's scope, so the
existence of out-of-scope records never leaks (never 403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bioseg.quality import selectors as quality_selectors
from bioseg.quality.capa import capa_get
from bioseg.quality.oos import oos_get
from bioseg.quality.stationing import stationing_get, training_get
from bioseg.registry import selectors
from bioseg.registry.selectors import quality_agreement_list  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    get: Callable[..., object]


KINDS: dict[str, Kind] = {
    k.slug: k
    for k in (
        Kind("enterprises", "enterprise", selectors.enterprise_get),
        Kind("sites", "site", selectors.site_get),
        Kind("licences", "licence", selectors.licence_get),
        Kind("gmp-records", "GMP record", selectors.gmp_record_get),
        Kind("products", "product", selectors.product_get),
        Kind("personnel", "person", selectors.person_get),
        Kind("qualifications", "qualification", selectors.qualification_get),
        Kind("quality-agreements", "quality agreement", selectors.quality_agreement_get),
        Kind("deviations", "deviation", quality_selectors.deviation_get),
        Kind("capas", "CAPA", capa_get),
        Kind("oos", "OOS investigation", oos_get),
        Kind("stationing", "stay at a contract site", stationing_get),
        Kind("training-records", "training record", training_get),
    )
}
