"""Registry endpoints: regions, countries, enterprises, sites, licences, GMP records, products, personnel and
qualifications. Reads go through ``bioseg.registry.selectors`` with the caller's scope; writes go through
``bioseg.registry.services``, which check the role and refuse with ``PermissionDenied`` (403)."""

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any

import pycountry
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from bioseg.api.audit import add_object_routes
from bioseg.api.errors import ERRORS, check_choice, choice_filter
from bioseg.api.objects import KINDS
from bioseg.api.pagination import Pagination
from bioseg.api.types import DbId
from bioseg.common.errors import NotFound, ValidationFailed
from bioseg.common.regions import PROVINCES, country_name, province_name
from bioseg.common.scoping import in_csv
from bioseg.registry import selectors, services
from bioseg.registry.models import Activity, Category, GmpOutcome, LicenceClass, Origin, PersonRole
from bioseg.registry.scope import scope_for
from bioseg.registry.services import ENTERPRISE_ROLE_FLAGS

# --- helpers ----------------------------------------------------------------------------------------


def ordered(qs: QuerySet) -> QuerySet:
    """The model's ordering plus the primary key, so that pages never overlap or skip (not twice: an ordering that
    already ends on the key keeps its index, e.g. ``(status, -id)`` for a filtered list)."""
    keys = list(qs.query.order_by or qs.model._meta.ordering)
    if not keys or keys[-1].lstrip("-") not in ("id", "pk"):
        keys.append("pk")
    return qs.order_by(*keys)


def ref(getter, request: HttpRequest, pk: int, field: str, what: str):
    """Resolves an id sent in a request body within the caller's scope; unknown or out of scope → a field
    error (400), never a hint that the record exists."""
    try:
        return getter(scope=scope_for(request.user), pk=pk)
    except NotFound:
        raise ValidationFailed(
            {field: (f"There is no {what} {pk} that you can see.", f"不存在您可查看的{what} {pk}。")}
        ) from None


def _changes(payload: Schema) -> tuple[str, dict[str, Any]]:
    data = payload.model_dump(exclude_unset=True)
    reason = data.pop("reason", "") or ""
    return reason, data


_check_choice = check_choice


class In(Schema):
    """Request bodies refuse fields they do not know."""

    model_config = ConfigDict(extra="forbid")


def _region_name_zh(obj) -> str:
    return province_name(obj.region_code, "zh") if obj.region_code else ""


def _region_name_en(obj) -> str:
    return province_name(obj.region_code, "en") if obj.region_code else ""


# --- regions and countries ------------------------------------------------------------------------------

reference_router = Router(tags=["reference"])


class RegionOut(Schema):
    code: str = Field(description="GB/T 2260 provincial-level code")
    name_zh: str
    name_en: str


class CountryOut(Schema):
    code: str = Field(description="ISO 3166-1 alpha-2")
    name_zh: str
    name_en: str


@lru_cache(maxsize=1)
def _countries() -> list[dict[str, str]]:
    return sorted(
        (
            {"code": c.alpha_2, "name_zh": country_name(c.alpha_2, "zh"), "name_en": country_name(c.alpha_2, "en")}
            for c in pycountry.countries
        ),
        key=lambda c: c["code"],
    )


@reference_router.get("/regions", response={200: list[RegionOut], **ERRORS}, summary="China's 34 provincial divisions")
def region_list(request: HttpRequest):
    return [{"code": p.code, "name_zh": p.name_zh, "name_en": p.name_en} for p in PROVINCES]


@reference_router.get("/countries", response={200: list[CountryOut], **ERRORS}, summary="Countries (ISO 3166-1)")
def country_list(request: HttpRequest):
    return _countries()


# --- enterprises ----------------------------------------------------------------------------------------

enterprises = Router(tags=["enterprises"])


class EnterpriseOut(Schema):
    id: int
    name_zh: str
    name_en: str
    credit_code: str | None
    domestic: bool
    country_code: str
    region_code: str
    region_name_zh: str = ""
    region_name_en: str = ""
    roles: list[str]
    organisation_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    resolve_region_name_zh = staticmethod(_region_name_zh)
    resolve_region_name_en = staticmethod(_region_name_en)


class EnterpriseFilter(FilterSchema):
    role: str | None = Field(
        None, description="holder | contract_manufacturer | testing_laboratory | logistics_provider"
    )
    domestic: bool | None = None
    region: Annotated[str | None, FilterLookup("region_code")] = Field(None, description="GB/T 2260 code")
    q: Annotated[str | None, FilterLookup(["name_zh__icontains", "name_en__icontains", "credit_code__icontains"])] = (
        Field(None, description="Search in names and credit code")
    )

    def filter_role(self, value: str | None) -> Q:
        if value is None:
            return Q()
        _check_choice("role", value, ENTERPRISE_ROLE_FLAGS)
        return Q(**{ENTERPRISE_ROLE_FLAGS[value]: True})


class EnterpriseIn(In):
    name_zh: str
    name_en: str
    credit_code: str | None = Field(None, description="统一社会信用代码 (domestic only), 18 characters")
    domestic: bool = True
    country_code: str = "CN"
    region_code: str = ""
    roles: list[str] = Field(description="holder, contract_manufacturer, testing_laboratory, logistics_provider")
    reason: str = ""


@enterprises.get("", response={200: list[EnterpriseOut], **ERRORS}, summary="Enterprises you can see")
@paginate(Pagination)
def enterprise_list(request: HttpRequest, filters: Query[EnterpriseFilter]):
    return ordered(filters.filter(selectors.enterprise_list(scope=scope_for(request.user))))


@enterprises.get("/{int:id}", response={200: EnterpriseOut, **ERRORS}, summary="One enterprise")
def enterprise_detail(request: HttpRequest, id: int):
    return selectors.enterprise_get(scope=scope_for(request.user), pk=id)


@enterprises.post("", response={201: EnterpriseOut, **ERRORS}, summary="Register an enterprise (system admin)")
def enterprise_create(request: HttpRequest, payload: EnterpriseIn):
    return Status(201, services.enterprise_create(actor=request.user, **payload.model_dump()))


add_object_routes(enterprises, "enterprises")


# --- sites -----------------------------------------------------------------------------------------------

sites = Router(tags=["sites"])


class SiteOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name_zh: str = Field(alias="enterprise.name_zh")
    enterprise_name_en: str = Field(alias="enterprise.name_en")
    name_zh: str
    name_en: str
    address: str
    country_code: str
    region_code: str
    region_name_zh: str = ""
    region_name_en: str = ""
    activities: list[str] = Field(alias="activity_list")
    created_at: dt.datetime
    updated_at: dt.datetime

    resolve_region_name_zh = staticmethod(_region_name_zh)
    resolve_region_name_en = staticmethod(_region_name_en)


class SiteFilter(FilterSchema):
    region: Annotated[str | None, FilterLookup("region_code")] = Field(None, description="GB/T 2260 code")
    activity: str | None = Field(None, description=" | ".join(Activity.values))
    enterprise: Annotated[DbId | None, FilterLookup("enterprise_id")] = None
    q: Annotated[str | None, FilterLookup(["name_zh__icontains", "name_en__icontains", "address__icontains"])] = None

    def filter_activity(self, value: str | None) -> Q:
        if value is None:
            return Q()
        _check_choice("activity", value, Activity.values)
        return in_csv("activities", value)


class SiteIn(In):
    enterprise_id: DbId
    name_zh: str
    name_en: str
    address: str
    country_code: str = "CN"
    region_code: str = ""
    activities: list[str] = Field(description=", ".join(Activity.values))
    reason: str = ""


class SitePatch(In):
    name_zh: str | None = None
    name_en: str | None = None
    address: str | None = None
    country_code: str | None = None
    region_code: str | None = None
    activities: list[str] | None = None
    if_updated_at: dt.datetime | None = Field(
        None, description="The updated_at you last read: a later change by someone else refuses this one (409)."
    )
    reason: str = Field("", description="Required: why the record changes (GMP audit trail).")


@sites.get("", response={200: list[SiteOut], **ERRORS}, summary="Sites you can see")
@paginate(Pagination)
def site_list(request: HttpRequest, filters: Query[SiteFilter]):
    return ordered(filters.filter(selectors.site_list(scope=scope_for(request.user))))


@sites.get("/{int:id}", response={200: SiteOut, **ERRORS}, summary="One site")
def site_detail(request: HttpRequest, id: int):
    return selectors.site_get(scope=scope_for(request.user), pk=id)


@sites.post("", response={201: SiteOut, **ERRORS}, summary="Register a site")
def site_create(request: HttpRequest, payload: SiteIn):
    data = payload.model_dump()
    enterprise = ref(selectors.enterprise_get, request, data.pop("enterprise_id"), "enterprise_id", "enterprise")
    return Status(201, services.site_create(actor=request.user, enterprise=enterprise, **data))


@sites.patch("/{int:id}", response={200: SiteOut, **ERRORS}, summary="Change a site (reason required)")
def site_update(request: HttpRequest, id: int, payload: SitePatch):
    site = selectors.site_get(scope=scope_for(request.user), pk=id)
    reason, changes = _changes(payload)
    version = changes.pop("if_updated_at", None)
    return services.site_update(actor=request.user, site=site, reason=reason, expected_updated_at=version, **changes)


add_object_routes(sites, "sites")


# --- manufacturing licences -------------------------------------------------------------------------------

licences = Router(tags=["licences"])


class LicenceOut(Schema):
    id: int
    enterprise_id: int
    number: str
    licence_class: str
    scope: str
    valid_from: dt.date
    valid_until: dt.date
    created_at: dt.datetime


class LicenceFilter(FilterSchema):
    enterprise: Annotated[DbId | None, FilterLookup("enterprise_id")] = None
    licence_class: str | None = Field(None, description=" | ".join(LicenceClass.values))
    q: Annotated[str | None, FilterLookup(["number__icontains", "scope__icontains"])] = None

    filter_licence_class = choice_filter("licence_class", LicenceClass.values)


class LicenceIn(In):
    enterprise_id: DbId
    number: str
    licence_class: str = Field(description="A | B | C | D")
    scope: str
    valid_from: dt.date
    valid_until: dt.date
    reason: str = ""


@licences.get("", response={200: list[LicenceOut], **ERRORS}, summary="Manufacturing licences you can see")
@paginate(Pagination)
def licence_list(request: HttpRequest, filters: Query[LicenceFilter]):
    return ordered(filters.filter(selectors.licence_list(scope=scope_for(request.user))))


@licences.get("/{int:id}", response={200: LicenceOut, **ERRORS}, summary="One manufacturing licence")
def licence_detail(request: HttpRequest, id: int):
    return selectors.licence_get(scope=scope_for(request.user), pk=id)


@licences.post("", response={201: LicenceOut, **ERRORS}, summary="Register a manufacturing licence")
def licence_create(request: HttpRequest, payload: LicenceIn):
    data = payload.model_dump()
    enterprise = ref(selectors.enterprise_get, request, data.pop("enterprise_id"), "enterprise_id", "enterprise")
    return Status(201, services.licence_create(actor=request.user, enterprise=enterprise, **data))


add_object_routes(licences, "licences")


# --- GMP compliance records ---------------------------------------------------------------------------------

gmp_records = Router(tags=["gmp-records"])


class GmpRecordOut(Schema):
    id: int
    site_id: int
    inspected_on: dt.date
    authority_region_code: str
    scope: str
    outcome: str
    reference: str
    created_at: dt.datetime


class GmpRecordFilter(FilterSchema):
    site: Annotated[DbId | None, FilterLookup("site_id")] = None
    outcome: str | None = Field(None, description=" | ".join(GmpOutcome.values))

    filter_outcome = choice_filter("outcome", GmpOutcome.values)


class GmpRecordIn(In):
    site_id: DbId
    inspected_on: dt.date
    scope: str
    outcome: str = Field(description="compliant | non_compliant")
    authority_region_code: str = ""
    reference: str = ""
    reason: str = ""


@gmp_records.get("", response={200: list[GmpRecordOut], **ERRORS}, summary="GMP compliance records you can see")
@paginate(Pagination)
def gmp_record_list(request: HttpRequest, filters: Query[GmpRecordFilter]):
    return ordered(filters.filter(selectors.gmp_record_list(scope=scope_for(request.user))))


@gmp_records.get("/{int:id}", response={200: GmpRecordOut, **ERRORS}, summary="One GMP compliance record")
def gmp_record_detail(request: HttpRequest, id: int):
    return KINDS["gmp-records"].get(scope=scope_for(request.user), pk=id)


@gmp_records.post("", response={201: GmpRecordOut, **ERRORS}, summary="Record a GMP compliance inspection")
def gmp_record_create(request: HttpRequest, payload: GmpRecordIn):
    data = payload.model_dump()
    site = ref(selectors.site_get, request, data.pop("site_id"), "site_id", "site")
    return Status(201, services.gmp_record_create(actor=request.user, site=site, **data))


add_object_routes(gmp_records, "gmp-records")


# --- products ------------------------------------------------------------------------------------------------

products = Router(tags=["products"])


class ProductOut(Schema):
    id: int
    holder_id: int
    holder_name_zh: str = Field(alias="holder.name_zh")
    holder_name_en: str = Field(alias="holder.name_en")
    name_zh: str
    name_en: str
    approval_number: str | None
    category: str
    innovative: bool
    urgent_clinical_need: bool
    nmpa_specified: bool
    origin: str
    storage_min_c: float | None
    storage_max_c: float | None
    storage_label: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ProductFilter(FilterSchema):
    category: str | None = Field(None, description=" | ".join(Category.values))
    holder: Annotated[DbId | None, FilterLookup("holder_id")] = None
    origin: str | None = Field(None, description=" | ".join(Origin.values))
    innovative: bool | None = None
    urgent_clinical_need: bool | None = None
    nmpa_specified: bool | None = None
    q: Annotated[
        str | None, FilterLookup(["name_zh__icontains", "name_en__icontains", "approval_number__icontains"])
    ] = None

    filter_category = choice_filter("category", Category.values)
    filter_origin = choice_filter("origin", Origin.values)


class ProductIn(In):
    holder_id: DbId
    name_zh: str
    name_en: str
    category: str
    approval_number: str | None = Field(None, description="国药准字S + 8 digits (biologics)")
    innovative: bool = False
    urgent_clinical_need: bool = False
    nmpa_specified: bool = False
    origin: str = ""
    storage_min_c: Decimal | None = None
    storage_max_c: Decimal | None = None
    reason: str = ""


class ProductPatch(In):
    name_zh: str | None = None
    name_en: str | None = None
    category: str | None = None
    approval_number: str | None = None
    innovative: bool | None = None
    urgent_clinical_need: bool | None = None
    nmpa_specified: bool | None = None
    origin: str | None = None
    storage_min_c: Decimal | None = None
    storage_max_c: Decimal | None = None
    if_updated_at: dt.datetime | None = Field(
        None, description="The updated_at you last read: a later change by someone else refuses this one (409)."
    )
    reason: str = Field("", description="Required: why the record changes (GMP audit trail).")


@products.get("", response={200: list[ProductOut], **ERRORS}, summary="Products you can see")
@paginate(Pagination)
def product_list(request: HttpRequest, filters: Query[ProductFilter]):
    return ordered(filters.filter(selectors.product_list(scope=scope_for(request.user))))


@products.get("/{int:id}", response={200: ProductOut, **ERRORS}, summary="One product")
def product_detail(request: HttpRequest, id: int):
    return selectors.product_get(scope=scope_for(request.user), pk=id)


@products.post("", response={201: ProductOut, **ERRORS}, summary="Register a product")
def product_create(request: HttpRequest, payload: ProductIn):
    data = payload.model_dump()
    holder = ref(selectors.enterprise_get, request, data.pop("holder_id"), "holder_id", "enterprise")
    return Status(201, services.product_create(actor=request.user, holder=holder, **data))


@products.patch("/{int:id}", response={200: ProductOut, **ERRORS}, summary="Change a product (reason required)")
def product_update(request: HttpRequest, id: int, payload: ProductPatch):
    product = selectors.product_get(scope=scope_for(request.user), pk=id)
    reason, changes = _changes(payload)
    version = changes.pop("if_updated_at", None)
    return services.product_update(
        actor=request.user, product=product, reason=reason, expected_updated_at=version, **changes
    )


add_object_routes(products, "products")


# --- personnel and qualifications ----------------------------------------------------------------------------

personnel = Router(tags=["personnel"])


class PersonOut(Schema):
    id: int
    enterprise_id: int
    name: str
    name_en: str
    roles: list[str] = Field(alias="role_list")
    email: str
    created_at: dt.datetime


class PersonFilter(FilterSchema):
    enterprise: Annotated[DbId | None, FilterLookup("enterprise_id")] = None
    role: str | None = Field(None, description=" | ".join(PersonRole.values))
    q: Annotated[str | None, FilterLookup(["name__icontains", "name_en__icontains"])] = None

    def filter_role(self, value: str | None) -> Q:
        if value is None:
            return Q()
        _check_choice("role", value, PersonRole.values)
        return in_csv("roles", value)


class PersonIn(In):
    enterprise_id: DbId
    name: str
    roles: list[str] = Field(description=", ".join(PersonRole.values))
    name_en: str = ""
    email: str = ""
    reason: str = ""


@personnel.get("", response={200: list[PersonOut], **ERRORS}, summary="Personnel you can see")
@paginate(Pagination)
def person_list(request: HttpRequest, filters: Query[PersonFilter]):
    return ordered(filters.filter(selectors.person_list(scope=scope_for(request.user))))


@personnel.get("/{int:id}", response={200: PersonOut, **ERRORS}, summary="One person")
def person_detail(request: HttpRequest, id: int):
    return selectors.person_get(scope=scope_for(request.user), pk=id)


@personnel.post("", response={201: PersonOut, **ERRORS}, summary="Register a person")
def person_create(request: HttpRequest, payload: PersonIn):
    data = payload.model_dump()
    enterprise = ref(selectors.enterprise_get, request, data.pop("enterprise_id"), "enterprise_id", "enterprise")
    return Status(201, services.person_create(actor=request.user, enterprise=enterprise, **data))


add_object_routes(personnel, "personnel")

qualifications = Router(tags=["personnel"])


class QualificationOut(Schema):
    id: int
    person_id: int
    kind: str
    number: str
    valid_from: dt.date
    valid_until: dt.date | None
    created_at: dt.datetime


class QualificationFilter(FilterSchema):
    person: Annotated[DbId | None, FilterLookup("person_id")] = None
    q: Annotated[str | None, FilterLookup(["kind__icontains", "number__icontains"])] = None


class QualificationIn(In):
    person_id: DbId
    kind: str
    valid_from: dt.date
    valid_until: dt.date | None = None
    number: str = ""
    reason: str = ""


@qualifications.get("", response={200: list[QualificationOut], **ERRORS}, summary="Qualifications you can see")
@paginate(Pagination)
def qualification_list(request: HttpRequest, filters: Query[QualificationFilter]):
    return ordered(filters.filter(selectors.qualification_list(scope=scope_for(request.user))))


@qualifications.get("/{int:id}", response={200: QualificationOut, **ERRORS}, summary="One qualification")
def qualification_detail(request: HttpRequest, id: int):
    return selectors.qualification_get(scope=scope_for(request.user), pk=id)


@qualifications.post("", response={201: QualificationOut, **ERRORS}, summary="Record a qualification")
def qualification_create(request: HttpRequest, payload: QualificationIn):
    data = payload.model_dump()
    person = ref(selectors.person_get, request, data.pop("person_id"), "person_id", "person")
    return Status(201, services.qualification_create(actor=request.user, person=person, **data))


add_object_routes(qualifications, "qualifications")
