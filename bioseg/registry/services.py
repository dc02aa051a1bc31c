"""Every write to the registry. Each service validates everything first (so a refusal changes nothing),
checks that the actor may write this enterprise's records, writes inside one transaction with the audit
actor and reason, and re-checks that the result is inside the actor's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import Organisation, User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.audit.context import audit_context
from bioseg.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from bioseg.common.regions import is_province_code
from bioseg.common.scoping import recheck
from bioseg.common.validation import Errors, unique_or_conflict
from bioseg.common.versioning import changed_fields, check_version
from bioseg.registry import selectors
from bioseg.registry.models import (
    Activity,
    Category,
    Enterprise,
    GmpOutcome,
    GmpRecord,
    LicenceClass,
    ManufacturingLicence,
    Origin,
    Person,
    PersonRole,
    Product,
    Qualification,
    QualityAgreement,
    QualityAgreementProduct,
    Site,
)
from bioseg.registry.scope import scope_for
from bioseg.registry.validators import approval_number_problem, credit_code_problem

ENTERPRISE_ROLE_FLAGS = {
    "holder": "is_holder",
    "contract_manufacturer": "is_contract_manufacturer",
    "testing_laboratory": "is_testing_laboratory",
    "logistics_provider": "is_logistics_provider",
}


def _require_writer(actor: User, enterprise: Enterprise, action: str) -> None:
    if not selectors.registry_write_allowed(actor=actor, enterprise=enterprise):
        raise PermissionDenied(action)


def _reason_for_update(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ("A change needs a reason.", "修改需要填写原因。")})


def _unique_violation(exc: IntegrityError, field: str, value) -> ApplicationError:
    return ValidationFailed(
        {field: (f"{value!r} is already registered.", f"{value!r} 已被登记。")},
    )


# --- enterprises ----------------------------------------------------------------------------------


def _validate_enterprise(e: Errors, *, name_zh, name_en, credit_code, domestic, country_code, region_code, roles):
    e.required("name_zh", name_zh)
    e.required("name_en", name_en)
    e.fits(Enterprise, {"name_zh": name_zh, "name_en": name_en, "credit_code": credit_code})
    e.place(domestic=domestic, country_code=country_code, region_code=region_code)
    if domestic:
        if not credit_code:
            e.add(
                "credit_code",
                "A domestic enterprise needs its unified social credit code.",
                "境内企业须填写统一社会信用代码。",
            )
        elif problem := credit_code_problem(credit_code):
            e.add("credit_code", *problem)
    elif credit_code:
        e.add(
            "credit_code",
            "A foreign enterprise has no unified social credit code.",
            "境外企业没有统一社会信用代码。",
        )
    for role in roles:
        e.choice("roles", role, ENTERPRISE_ROLE_FLAGS)
    if not roles:
        e.add("roles", "An enterprise needs at least one role.", "企业至少需要一个角色。")


def enterprise_create(
    *,
    actor: User,
    name_zh: str,
    name_en: str,
    credit_code: str | None,
    domestic: bool = True,
    country_code: str = "CN",
    region_code: str = "",
    roles: list[str],
    organisation: Organisation | None = None,
    reason: str = "",
) -> Enterprise:
    """Registers an enterprise. Only the system admin registers enterprises (an enterprise's own users
    then maintain its sites, products and people)."""
    if actor is None or not actor.has_role(Role.SYSTEM_ADMIN):
        raise PermissionDenied("register an enterprise")
    e = Errors()
    credit_code = (credit_code or "").strip().upper() or None
    _validate_enterprise(
        e,
        name_zh=name_zh,
        name_en=name_en,
        credit_code=credit_code,
        domestic=domestic,
        country_code=country_code,
        region_code=region_code,
        roles=roles,
    )
    if organisation is not None and organisation.kind != OrganisationKind.ENTERPRISE:
        e.add(
            "organisation",
            "Only an enterprise organisation can own an enterprise.",
            "只有企业类机构可以关联企业。",
        )
    if credit_code and Enterprise.objects.filter(credit_code=credit_code).exists():
        e.add("credit_code", f"{credit_code} is already registered.", f"{credit_code} 已被登记。")
    if Enterprise.objects.filter(name_en=name_en.strip()).exists():
        e.add("name_en", f"{name_en!r} is already registered.", f"{name_en!r} 已被登记。")
    e.raise_if_any()
    flags = {flag: role in roles for role, flag in ENTERPRISE_ROLE_FLAGS.items()}
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("enterprise registered")):
        return Enterprise.objects.create(
            organisation=organisation,
            name_zh=name_zh.strip(),
            name_en=name_en.strip(),
            credit_code=credit_code,
            domestic=domestic,
            country_code=country_code,
            region_code=region_code if domestic else "",
            **flags,
        )


# --- sites ----------------------------------------------------------------------------------------


def _validate_site(
    e: Errors, *, enterprise: Enterprise, name_zh, name_en, address, country_code, region_code, activities
):
    e.required("name_zh", name_zh)
    e.required("name_en", name_en)
    e.required("address", address)
    e.fits(Site, {"name_zh": name_zh, "name_en": name_en, "address": address})
    e.place(domestic=country_code == "CN", country_code=country_code, region_code=region_code)
    if not activities:
        e.add("activities", "A site needs at least one activity.", "场地至少需要一项生产活动。")
    for a in activities:
        e.choice("activities", a, Activity.values)


def site_create(
    *,
    actor: User,
    enterprise: Enterprise,
    name_zh: str,
    name_en: str,
    address: str,
    country_code: str = "CN",
    region_code: str = "",
    activities: list[str],
    reason: str = "",
) -> Site:
    _require_writer(actor, enterprise, "register a site")
    e = Errors()
    _validate_site(
        e,
        enterprise=enterprise,
        name_zh=name_zh,
        name_en=name_en,
        address=address,
        country_code=country_code,
        region_code=region_code,
        activities=activities,
    )
    if Site.objects.filter(enterprise=enterprise, name_en=(name_en or "").strip()).exists():
        e.add(
            "name_en",
            f"{name_en!r} is already a site of this enterprise.",
            f"该企业已有名为 {name_en!r} 的场地。",
        )
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("site registered")):
        site = Site.objects.create(
            enterprise=enterprise,
            name_zh=name_zh.strip(),
            name_en=name_en.strip(),
            address=address.strip(),
            country_code=country_code,
            region_code=region_code if country_code == "CN" else "",
            activities=",".join(sorted(set(activities))),
        )
        recheck(site, scope_for(actor), "site")
        return site


def site_update(*, actor: User, site: Site, reason: str, expected_updated_at=None, **changes) -> Site:
    """Changes the fields given (and only those) under a row lock; ``expected_updated_at`` (the version a form
    showed) refuses a stale edit with 409 ``stale_version``."""
    _require_writer(actor, site.enterprise, "change a site")
    _reason_for_update(reason)
    allowed = {"name_zh", "name_en", "address", "country_code", "region_code", "activities"}
    e = Errors()
    for field in sorted(set(changes) - allowed):
        e.add(field, f"{field} cannot be changed here.", f"此处不能修改 {field}。")
    e.raise_if_any()
    with transaction.atomic():
        locked = Site.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=site.pk)
        check_version(locked, expected_updated_at, "site", "生产场地")
        values = {
            "name_zh": locked.name_zh,
            "name_en": locked.name_en,
            "address": locked.address,
            "country_code": locked.country_code,
            "region_code": locked.region_code,
            "activities": locked.activity_list,
        }
        values.update(changes)
        _validate_site(e, enterprise=locked.enterprise, **values)
        e.raise_if_any()
        new = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if k in changes}
        if "activities" in new:
            new["activities"] = ",".join(sorted(set(new["activities"])))
        changed = changed_fields(locked, new)
        if changed:
            with audit_context(actor=actor, reason=reason):
                for k in changed:
                    setattr(locked, k, new[k])
                locked.save(update_fields=[*changed, "updated_at"])
        recheck(locked, scope_for(actor), "site")
        return locked


# --- licences and GMP records -----------------------------------------------------------------------


def licence_create(
    *,
    actor: User,
    enterprise: Enterprise,
    number: str,
    licence_class: str,
    scope: str,
    valid_from: dt.date,
    valid_until: dt.date,
    reason: str = "",
) -> ManufacturingLicence:
    _require_writer(actor, enterprise, "register a manufacturing licence")
    e = Errors()
    e.fits(ManufacturingLicence, {"number": number})
    e.required("number", number)
    e.required("scope", scope)
    e.choice("licence_class", licence_class, LicenceClass.values)
    e.required("valid_from", valid_from)
    e.required("valid_until", valid_until)
    e.date_order("valid_from", valid_from, "valid_until", valid_until)
    if number and ManufacturingLicence.objects.filter(number=number.strip()).exists():
        e.add("number", f"{number} is already registered.", f"{number} 已被登记。")
    e.raise_if_any()
    with (
        transaction.atomic(),
        audit_context(actor=actor, reason=reason or gettext_noop("manufacturing licence registered")),
    ):
        return ManufacturingLicence.objects.create(
            enterprise=enterprise,
            number=number.strip(),
            licence_class=licence_class,
            scope=scope.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
        )


def gmp_record_create(
    *,
    actor: User,
    site: Site,
    inspected_on: dt.date,
    scope: str,
    outcome: str,
    authority_region_code: str = "",
    reference: str = "",
    reason: str = "",
) -> GmpRecord:
    _require_writer(actor, site.enterprise, "record a GMP compliance inspection")
    e = Errors()
    e.fits(GmpRecord, {"reference": reference})
    e.required("inspected_on", inspected_on)
    e.required("scope", scope)
    e.choice("outcome", outcome, GmpOutcome.values)
    if authority_region_code and not is_province_code(authority_region_code):
        e.add(
            "authority_region_code",
            f"{authority_region_code!r} is not a GB/T 2260 code.",
            f"{authority_region_code!r} 不是 GB/T 2260 代码。",
        )
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("GMP compliance record added")):
        return GmpRecord.objects.create(
            site=site,
            inspected_on=inspected_on,
            scope=scope.strip(),
            outcome=outcome,
            authority_region_code=authority_region_code,
            reference=reference.strip(),
        )


# --- products -------------------------------------------------------------------------------------


def _decimal(e: Errors, field: str, value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        e.add(field, f"{value!r} is not a number.", f"{value!r} 不是数字。")
        return None


def _validate_product(e: Errors, values: dict) -> None:
    e.required("name_zh", values["name_zh"])
    e.required("name_en", values["name_en"])
    e.fits(
        Product,
        {k: values[k] for k in ("name_zh", "name_en", "approval_number", "storage_min_c", "storage_max_c")},
    )
    e.choice("category", values["category"], Category.values)
    if values["origin"]:
        e.choice("origin", values["origin"], Origin.values)
    if values["approval_number"] and (problem := approval_number_problem(values["approval_number"])):
        e.add("approval_number", *problem)
    lo = _decimal(e, "storage_min_c", values["storage_min_c"])
    hi = _decimal(e, "storage_max_c", values["storage_max_c"])
    if (lo is None) != (hi is None):
        e.add("storage_max_c", "Give both storage limits or neither.", "贮存温度上下限须同时填写。")
    elif lo is not None and hi is not None and hi < lo:
        e.add(
            "storage_max_c",
            f"The maximum ({hi} °C) is below the minimum ({lo} °C).",
            f"上限（{hi} °C）低于下限（{lo} °C）。",
        )
    values["storage_min_c"], values["storage_max_c"] = lo, hi


PRODUCT_FIELDS = (
    "name_zh",
    "name_en",
    "approval_number",
    "category",
    "innovative",
    "urgent_clinical_need",
    "nmpa_specified",
    "origin",
    "storage_min_c",
    "storage_max_c",
)


def product_create(
    *,
    actor: User,
    holder: Enterprise,
    name_zh: str,
    name_en: str,
    category: str,
    approval_number: str | None = None,
    innovative: bool = False,
    urgent_clinical_need: bool = False,
    nmpa_specified: bool = False,
    origin: str = "",
    storage_min_c=None,
    storage_max_c=None,
    reason: str = "",
) -> Product:
    _require_writer(actor, holder, "register a product")
    values = {k: v for k, v in locals().items() if k in PRODUCT_FIELDS}
    values["approval_number"] = (approval_number or "").strip() or None
    e = Errors()
    if not holder.is_holder:
        e.add("holder", f"{holder.name_en} is not registered as a holder.", f"{holder.name_zh} 未登记为持有人。")
    _validate_product(e, values)
    if values["approval_number"] and Product.objects.filter(approval_number=values["approval_number"]).exists():
        e.add("approval_number", f"{approval_number} is already registered.", f"{approval_number} 已被登记。")
    if Product.objects.filter(holder=holder, name_en=(name_en or "").strip()).exists():
        e.add("name_en", f"{name_en!r} is already a product of this holder.", f"该持有人已有产品 {name_en!r}。")
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("product registered")):
        product = Product.objects.create(holder=holder, **values)
        recheck(product, scope_for(actor), "product")
        return product


def product_update(*, actor: User, product: Product, reason: str, expected_updated_at=None, **changes) -> Product:
    """Changes the fields given (and only those) under a row lock; a stale version is refused (409)."""
    _require_writer(actor, product.holder, "change a product")
    _reason_for_update(reason)
    e = Errors()
    for field in sorted(set(changes) - set(PRODUCT_FIELDS)):
        e.add(field, f"{field} cannot be changed here.", f"此处不能修改 {field}。")
    e.raise_if_any()
    with transaction.atomic():
        locked = Product.objects.select_for_update(of=("self",)).select_related("holder").get(pk=product.pk)
        check_version(locked, expected_updated_at, "product", "产品")
        values = {k: getattr(locked, k) for k in PRODUCT_FIELDS}
        values.update(changes)
        if "approval_number" in changes:
            values["approval_number"] = (changes["approval_number"] or "").strip() or None
        _validate_product(e, values)
        if (
            values["approval_number"]
            and Product.objects.filter(approval_number=values["approval_number"]).exclude(pk=locked.pk).exists()
        ):
            e.add(
                "approval_number",
                f"{values['approval_number']} is already registered.",
                f"{values['approval_number']} 已被登记。",
            )
        e.raise_if_any()
        changed = changed_fields(locked, {k: values[k] for k in changes})
        if changed:
            with audit_context(actor=actor, reason=reason):
                for k in changed:
                    setattr(locked, k, values[k])
                locked.save(update_fields=[*changed, "updated_at"])
        recheck(locked, scope_for(actor), "product")
        return locked


# --- personnel ------------------------------------------------------------------------------------


def person_create(
    *,
    actor: User,
    enterprise: Enterprise,
    name: str,
    roles: list[str],
    name_en: str = "",
    email: str = "",
    reason: str = "",
) -> Person:
    _require_writer(actor, enterprise, "register a person")
    e = Errors()
    e.fits(Person, {"name": name, "name_en": name_en, "email": email})
    e.required("name", name)
    if not roles:
        e.add("roles", "A person needs at least one role.", "人员至少需要一个岗位。")
    for r in roles:
        e.choice("roles", r, PersonRole.values)
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("person registered")):
        return Person.objects.create(
            enterprise=enterprise,
            name=name.strip(),
            name_en=name_en.strip(),
            roles=",".join(sorted(set(roles))),
            email=email.strip(),
        )


def qualification_create(
    *,
    actor: User,
    person: Person,
    kind: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    number: str = "",
    reason: str = "",
) -> Qualification:
    _require_writer(actor, person.enterprise, "record a qualification")
    e = Errors()
    e.fits(Qualification, {"kind": kind, "number": number})
    e.required("kind", kind)
    e.required("valid_from", valid_from)
    e.date_order("valid_from", valid_from, "valid_until", valid_until)
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("qualification recorded")):
        return Qualification.objects.create(
            person=person,
            kind=kind.strip(),
            number=number.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
        )


# --- quality agreements (药品委托生产质量协议指南, 2020) -----------------------------------------------


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
    e.fits(QualityAgreement, {"reference": reference})
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
    with (
        transaction.atomic(),
        audit_context(actor=actor, reason=reason or gettext_noop("quality agreement recorded")),
        unique_or_conflict("reference", reference.strip()),
    ):
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
