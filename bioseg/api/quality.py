"""Quality agreements (药品委托生产质量协议): the ones you can see, and recording one (holder QA/RA or admin)."""

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from bioseg.api.audit import add_object_routes
from bioseg.api.errors import ERRORS
from bioseg.api.objects import KINDS, quality_agreement_list
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ordered, ref
from bioseg.api.types import DbId, Whole
from bioseg.registry import selectors, services
from bioseg.registry.scope import scope_for

router = Router(tags=["quality-agreements"])


class QualityAgreementOut(Schema):
    id: int
    reference: str
    holder_id: int
    holder_name_zh: str = Field(alias="holder.name_zh")
    holder_name_en: str = Field(alias="holder.name_en")
    contract_manufacturer_id: int
    contract_manufacturer_name_zh: str = Field(alias="contract_manufacturer.name_zh")
    contract_manufacturer_name_en: str = Field(alias="contract_manufacturer.name_en")
    effective_from: dt.date
    effective_until: dt.date | None
    product_ids: list[int] = []
    created_at: dt.datetime

    @staticmethod
    def resolve_product_ids(obj) -> list[int]:
        return sorted(link.product_id for link in obj.product_links.all())


class QualityAgreementFilter(FilterSchema):
    holder: Annotated[DbId | None, FilterLookup("holder_id")] = None
    contract_manufacturer: Annotated[DbId | None, FilterLookup("contract_manufacturer_id")] = None
    product: Annotated[DbId | None, FilterLookup("product_links__product_id")] = None
    q: Annotated[str | None, FilterLookup("reference__icontains")] = None


class QualityAgreementIn(In):
    reference: str
    holder_id: DbId
    contract_manufacturer_id: DbId
    product_ids: list[DbId]
    effective_from: dt.date
    effective_until: dt.date | None = None
    reason: str = ""


@router.get("", response={200: list[QualityAgreementOut], **ERRORS}, summary="Quality agreements you can see")
@paginate(Pagination)
def agreement_list(request: HttpRequest, filters: Query[QualityAgreementFilter]):
    return ordered(filters.filter(quality_agreement_list(scope=scope_for(request.user))).distinct())


@router.get("/{int:id}", response={200: QualityAgreementOut, **ERRORS}, summary="One quality agreement")
def agreement_detail(request: HttpRequest, id: int):
    return KINDS["quality-agreements"].get(scope=scope_for(request.user), pk=id)


@router.post("", response={201: QualityAgreementOut, **ERRORS}, summary="Record a quality agreement")
def agreement_create(request: HttpRequest, payload: QualityAgreementIn):
    data = payload.model_dump()
    holder = ref(selectors.enterprise_get, request, data.pop("holder_id"), "holder_id", "enterprise")
    cmo = ref(
        selectors.enterprise_get,
        request,
        data.pop("contract_manufacturer_id"),
        "contract_manufacturer_id",
        "enterprise",
    )
    products = [ref(selectors.product_get, request, pk, "product_ids", "product") for pk in data.pop("product_ids")]
    agreement = services.quality_agreement_create(
        actor=request.user, holder=holder, contract_manufacturer=cmo, products=products, **data
    )
    return Status(201, KINDS["quality-agreements"].get(scope=scope_for(request.user), pk=agreement.pk))


add_object_routes(router, "quality-agreements")


class DutyOut(Schema):
    activity: str
    responsible: str
    approver: str
    notify: str
    notify_within_hours: int
    complete_within_days: int | None
    default: bool = Field(description="True: the agreement sets nothing for this activity; bioseg's default applies.")


class DutyIn(In):
    responsible: str
    approver: str
    notify: str
    notify_within_hours: Whole
    complete_within_days: Whole | None = None
    reason: str


@router.get("/{int:id}/duties", response={200: list[DutyOut], **ERRORS}, summary="A quality agreement's duties")
def agreement_duties(request: HttpRequest, id: int):
    from bioseg.quality.duties import duties_of

    return duties_of(KINDS["quality-agreements"].get(scope=scope_for(request.user), pk=id))


@router.put(
    "/{int:id}/duties/{activity}",
    response={200: list[DutyOut], **ERRORS},
    summary="Set one duty of a quality agreement",
)
def agreement_duty_set(request: HttpRequest, id: int, activity: str, payload: DutyIn):
    from bioseg.quality.duties import duties_of, duty_set

    agreement = KINDS["quality-agreements"].get(scope=scope_for(request.user), pk=id)
    duty_set(actor=request.user, agreement=agreement, activity=activity, **payload.model_dump())
    return duties_of(agreement)
