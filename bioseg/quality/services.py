"""Quality agreements between a holder and a contract manufacturer (药品委托生产质量协议指南, 2020)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.common.errors import PermissionDenied
from bioseg.quality.models import QualityAgreement, QualityAgreementProduct
from bioseg.registry.models import Enterprise, Product
from bioseg.registry.services import Errors


def quality_agreement_create(
    *,
    actor: User,
    reference: str,
    holder: Enterprise,
    contract_manufacturer: Enterprise,
    products: list[Product],
    effective_from: dt.date,
    effective_until: dt.date | None = None,
    reason: str = "",
) -> QualityAgreement:
    """The holder's QA or regulatory affairs (or the system admin) records an agreement it has signed."""
    own_holder = holder.organisation_id is not None and holder.organisation_id == actor.organisation_id
    if not (actor.has_role(Role.SYSTEM_ADMIN) or (own_holder and actor.has_role(Role.HOLDER_QA, Role.HOLDER_RA))):
        raise PermissionDenied("record a quality agreement")
    e = Errors()
    e.required("reference", reference)
    e.required("effective_from", effective_from)
    e.date_order("effective_from", effective_from, "effective_until", effective_until)
    if not holder.is_holder:
        e.add("holder", f"{holder.name_en} is not a holder.", f"{holder.name_zh} 不是持有人。")
    if not contract_manufacturer.is_contract_manufacturer:
        e.add(
            "contract_manufacturer",
            f"{contract_manufacturer.name_en} is not a contract manufacturer.",
            f"{contract_manufacturer.name_zh} 不是受托生产企业。",
        )
    if holder.pk == contract_manufacturer.pk:
        e.add("contract_manufacturer", "A holder cannot contract itself.", "持有人不能委托自身。")
    if not products:
        e.add("products", "An agreement covers at least one product.", "质量协议至少涵盖一个产品。")
    for p in products:
        if p.holder_id != holder.pk:
            e.add(
                "products",
                f"{p.name_en} is not held by {holder.name_en}.",
                f"{p.name_zh} 不属于 {holder.name_zh}。",
            )
    if reference and QualityAgreement.objects.filter(reference=reference.strip()).exists():
        e.add("reference", f"{reference} is already registered.", f"{reference} 已被登记。")
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or "quality agreement recorded"):
        agreement = QualityAgreement.objects.create(
            reference=reference.strip(),
            holder=holder,
            contract_manufacturer=contract_manufacturer,
            effective_from=effective_from,
            effective_until=effective_until,
        )
        QualityAgreementProduct.objects.bulk_create(
            [QualityAgreementProduct(agreement=agreement, product=p) for p in products]
        )
        return agreement
