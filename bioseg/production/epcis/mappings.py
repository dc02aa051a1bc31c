"""GS1 identifier mappings: the GTIN of a product's material and the GLN of a site or consignee."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.audit.context import audit_context
from bioseg.common.errors import ValidationFailed
from bioseg.epcis import identifiers as gs1
from bioseg.production.epcis.common import _key_problem, _require_mapper
from bioseg.production.models import (
    Consignee,
    Gs1Location,
    Gs1TradeItem,
)
from bioseg.registry.models import Product, Site


def gs1_trade_item_create(*, actor: User, product: Product, material: str, gtin: str, reason: str = "") -> Gs1TradeItem:
    """Gives ``material`` (a segment code, ``Lot.material``) of ``product`` its GTIN (8, 12, 13 or 14 digits
    with a valid check digit; stored as GTIN-14). Creating the same mapping again returns it unchanged; a
    different GTIN for a mapped material, or a GTIN already used, is refused."""
    _require_mapper(actor, {product.holder_id}, "assign a GTIN")
    material = (material or "").strip()
    if not material:
        raise ValidationFailed({"material": ("The material (segment code) is required.", "必须填写物料（工序代码）。")})
    try:
        gtin14 = gs1.validate_gtin((gtin or "").strip())
    except gs1.IdentifierError as err:
        raise _key_problem("gtin", err) from None
    existing = Gs1TradeItem.objects.filter(Q(product=product, material=material) | Q(gtin=gtin14)).first()
    if existing is not None:
        if existing.product_id == product.pk and existing.material == material and existing.gtin == gtin14:
            return existing
        raise ValidationFailed(
            {
                "gtin": (
                    f"GTIN {existing.gtin} is already assigned to product {existing.product_id} material {existing.material}.",
                    f"GTIN {existing.gtin} 已分配给产品 {existing.product_id} 的物料 {existing.material}。",
                )
            }
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("GTIN assigned")):
        return Gs1TradeItem.objects.create(product=product, material=material, gtin=gtin14)


def gs1_location_create(
    *,
    actor: User,
    gln: str,
    site: Site | None = None,
    consignee: Consignee | None = None,
    extension: str = "",
    reason: str = "",
) -> Gs1Location:
    """Gives a site or a consignee (exactly one) its GLN and optional SGLN extension. Idempotent like
    ``gs1_trade_item_create``."""
    if (site is None) == (consignee is None):
        raise ValidationFailed({"site": ("Give a site or a consignee.", "请指定场地或收货方（二选一）。")})
    _require_mapper(actor, {site.enterprise_id} if site is not None else None, "assign a GLN")
    gln, extension = (gln or "").strip(), (extension or "").strip()
    try:
        gs1.sgln_uri(gln, extension or None)
    except gs1.IdentifierError as err:
        raise _key_problem("gln", err) from None
    owner = Q(site=site) if site is not None else Q(consignee=consignee)
    existing = Gs1Location.objects.filter(owner | Q(gln=gln, extension=extension)).first()
    if existing is not None:
        same_owner = existing.site_id == (site.pk if site else None) and existing.consignee_id == (
            consignee.pk if consignee else None
        )
        if same_owner and existing.gln == gln and existing.extension == extension:
            return existing
        raise ValidationFailed(
            {"gln": (f"GLN {existing} is already assigned.", f"GLN {existing} 已被分配。")},
        )
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("GLN assigned")):
        return Gs1Location.objects.create(site=site, consignee=consignee, gln=gln, extension=extension)
