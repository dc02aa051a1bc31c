"""GS1 identifiers for the demo: GTINs and GLNs in GS1 prefix 952, reserved by GS1 for demonstrations.

Made through the same services a user would call (``bioseg.production.epcis.mappings``)."""

from __future__ import annotations

import hashlib

from bioseg.accounts.models import User
from bioseg.epcis import identifiers as gs1
from bioseg.production.epcis.mappings import gs1_location_create, gs1_trade_item_create
from bioseg.production.models import Consignee, Gs1Location, Gs1TradeItem, Lot, Segment
from bioseg.registry.models import Product, Site

#: GS1 Prefix 952 is reserved by GS1 for demonstrations and examples: never a real company's key.
DEMO_PREFIX = "952"


def _demo_key(seed: str, taken: set[str], digits: int) -> str:
    """A key ``952`` + ``digits`` digits + check digit, derived from ``seed`` (stable across runs)."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    while True:
        body = DEMO_PREFIX + str(number % 10**digits).zfill(digits)
        key = body + gs1.gs1_check_digit(body)
        if key not in taken:
            taken.add(key)
            return key
        number += 1


def epcis_demo_mappings(actor: User, *, reason: str = "demo GS1 identifiers") -> int:
    """GTINs for every material (segment code) of every product's chains and GLNs for every site and
    consignee that have none yet, in GS1 prefix 952 (demonstrations and examples), derived from their names
    so they are the same on every run. Idempotent; returns how many mappings it created. Call it after the
    demo's chains, sites and consignees exist (and again after adding more)."""
    created = 0
    taken_gtins = set(Gs1TradeItem.objects.values_list("gtin", flat=True))
    mapped = set(Gs1TradeItem.objects.values_list("product_id", "material"))
    materials = set(Segment.objects.values_list("chain__product_id", "code")) | set(
        Lot.objects.order_by().values_list("product_id", "material").distinct()
    )
    names = dict(Product.objects.filter(id__in={p for p, _ in materials}).values_list("id", "name_en"))
    for product_id, material in sorted(materials, key=lambda pm: (names[pm[0]], pm[1])):
        if (product_id, material) in mapped:
            continue
        gtin = "0" + _demo_key(f"gtin|{names[product_id]}|{material}", taken_gtins, 9)
        product = Product.objects.get(pk=product_id)
        gs1_trade_item_create(actor=actor, product=product, material=material, gtin=gtin, reason=reason)
        created += 1
    taken_glns = set(Gs1Location.objects.values_list("gln", flat=True))
    for site in Site.objects.filter(gs1_location__isnull=True).order_by("name_en", "id"):
        gln = _demo_key(f"site|{site.name_en}", taken_glns, 9)
        gs1_location_create(actor=actor, site=site, gln=gln, reason=reason)
        created += 1
    for consignee in Consignee.objects.filter(gs1_location__isnull=True).order_by("name_en", "id"):
        gln = _demo_key(f"consignee|{consignee.name_en}", taken_glns, 9)
        gs1_location_create(actor=actor, consignee=consignee, gln=gln, reason=reason)
        created += 1
    return created
