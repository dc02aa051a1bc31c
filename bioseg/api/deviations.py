"""Deviations (``/api/v1/deviations``) and each person's notifications (``/api/v1/notifications``).

- ``GET /deviations`` — the deviations you can see (filters: status, classification, product, site, overdue, q);
  ``GET /deviations/{id}`` — one, with its lots, its computed impact (counts, digest, the first lots), its events
  and the actions you may take now; ``POST /deviations`` — record one; ``POST /deviations/{id}/{action}`` — a
  step of the workflow (``submit_investigation``, ``return_investigation``, ``approve_investigation`` ✍,
  ``close`` ✍, ``reclassify``, ``recompute_impact``); ``GET /deviations/{id}/impact`` — every lot concerned, paged;
  ``/deviations/{id}/history`` and ``/signatures``.
- ``GET /notifications`` — yours (``unread=true``); ``POST /notifications/{id}/read``.
"""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from bioseg.api.audit import add_object_routes
from bioseg.api.errors import ERRORS
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ordered, ref
from bioseg.api.types import DbId
from bioseg.common import clock
from bioseg.common.errors import NotFound
from bioseg.production import selectors as production_selectors
from bioseg.quality import notifications, selectors, services
from bioseg.quality.models import DeviationImpact
from bioseg.quality.workflows import DEVIATION_WORKFLOW
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for

router = Router(tags=["deviations"])
inbox_router = Router(tags=["notifications"])


class DeviationOut(Schema):
    id: int
    reference: str
    product_id: int
    site_id: int
    site_name_zh: str = Field(alias="site.name_zh")
    site_name_en: str = Field(alias="site.name_en")
    agreement_id: int | None
    segment_id: int | None
    shipment_id: int | None
    equipment: str
    title: str
    description: str
    occurred_on: dt.date
    classification: str
    classification_reason: str
    status: str
    investigation_due: dt.date
    overdue: bool = False
    root_cause: str
    investigation_summary: str
    approver_party: str
    blocks_release: bool
    impact_lot_count: int
    impact_site_count: int
    impact_shipment_count: int
    impact_sha256: str
    impact_computed_at: dt.datetime | None
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.status == "open" and obj.investigation_due < clock.today()


class DeviationEventOut(Schema):
    kind: str
    status_from: str
    status_to: str
    actor: str = Field(alias="actor.username")
    occurred_at: dt.datetime
    message_en: str
    message_zh: str
    data: dict[str, Any]


class DeviationDetailOut(DeviationOut):
    lot_ids: list[int] = []
    events: list[DeviationEventOut] = []
    allowed_actions: list[str] = Field([], description="The workflow steps you may take now.")

    @staticmethod
    def resolve_lot_ids(obj) -> list[int]:
        return sorted(obj.lot_links.values_list("lot_id", flat=True))

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor").order_by("occurred_at", "id"))

    @staticmethod
    def resolve_allowed_actions(obj, context) -> list[str]:
        return DEVIATION_WORKFLOW.allowed_actions(context["request"].user, obj)


class ImpactLotOut(Schema):
    lot_id: int
    lot_number: str = Field(alias="lot.lot_number")
    site_id: int
    status: str = Field(alias="lot.status")
    direct: bool


class DeviationFilter(FilterSchema):
    status: str | None = None
    classification: str | None = None
    product: Annotated[DbId | None, FilterLookup("product_id")] = None
    site: Annotated[DbId | None, FilterLookup("site_id")] = None
    q: Annotated[str | None, FilterLookup(["reference__icontains", "title__icontains"])] = None


class DeviationIn(In):
    product_id: DbId
    site_id: DbId
    title: str
    description: str
    occurred_on: dt.date
    classification: str = Field(description="critical, major or minor")
    classification_reason: str
    lot_ids: list[DbId] = []
    segment_id: DbId | None = None
    shipment_id: DbId | None = None
    equipment: str = ""
    reason: str = ""


class DeviationActionIn(In):
    root_cause: str | None = None
    investigation_summary: str | None = None
    classification: str | None = None
    password: str | None = Field(None, description="Re-entered for the signed steps (approve_investigation, close).")
    reason: str = ""


def _detail(request: HttpRequest, deviation):
    return selectors.deviation_get(scope=scope_for(request.user), pk=deviation.pk)


@router.get("", response={200: list[DeviationOut], **ERRORS}, summary="Deviations you can see")
@paginate(Pagination)
def deviation_list(request: HttpRequest, filters: Query[DeviationFilter], overdue: bool = False):
    qs = filters.filter(selectors.deviation_list(scope=scope_for(request.user)))
    if overdue:
        qs = qs.overdue(clock.today())
    return ordered(qs)


@router.get("/{int:id}", response={200: DeviationDetailOut, **ERRORS}, summary="One deviation")
def deviation_detail(request: HttpRequest, id: int):
    return _detail(request, selectors.deviation_get(scope=scope_for(request.user), pk=id))


@router.get("/{int:id}/impact", response={200: list[ImpactLotOut], **ERRORS}, summary="Every lot a deviation concerns")
@paginate(Pagination)
def deviation_impact(request: HttpRequest, id: int):
    deviation = selectors.deviation_get(scope=scope_for(request.user), pk=id)
    return DeviationImpact.objects.filter(deviation=deviation).select_related("lot").order_by("lot_id")


@router.post("", response={201: DeviationDetailOut, **ERRORS}, summary="Record a deviation")
def deviation_create(request: HttpRequest, payload: DeviationIn):
    data = payload.model_dump()
    product = ref(registry_selectors.product_get, request, data.pop("product_id"), "product_id", "product")
    site = ref(registry_selectors.site_get, request, data.pop("site_id"), "site_id", "site")
    lots = [ref(production_selectors.lot_get, request, pk, "lot_ids", "lot") for pk in data.pop("lot_ids")]
    segment_id, shipment_id = data.pop("segment_id"), data.pop("shipment_id")
    segment = (
        ref(production_selectors.segment_get, request, segment_id, "segment_id", "segment") if segment_id else None
    )
    shipment = (
        ref(production_selectors.shipment_get, request, shipment_id, "shipment_id", "shipment") if shipment_id else None
    )
    deviation = services.deviation_record(
        actor=request.user, product=product, site=site, lots=lots, segment=segment, shipment=shipment, **data
    )
    return Status(201, _detail(request, deviation))


add_object_routes(router, "deviations")  # before /{id}/{action}, which would otherwise take GET …/history

ACTIONS = {
    "submit_investigation": lambda u, d, p: services.deviation_submit_investigation(
        actor=u,
        deviation=d,
        root_cause=p.root_cause or "",
        investigation_summary=p.investigation_summary or "",
        reason=p.reason,
    ),
    "return_investigation": lambda u, d, p: services.deviation_return(actor=u, deviation=d, reason=p.reason),
    "approve_investigation": lambda u, d, p: services.deviation_approve(
        actor=u, deviation=d, password=p.password or "", reason=p.reason
    ),
    "close": lambda u, d, p: services.deviation_close(actor=u, deviation=d, password=p.password or "", reason=p.reason),
    "reclassify": lambda u, d, p: services.deviation_reclassify(
        actor=u, deviation=d, classification=p.classification or "", reason=p.reason
    ),
    "recompute_impact": lambda u, d, p: services.deviation_recompute_impact(actor=u, deviation=d),
}
assert set(ACTIONS) == set(DEVIATION_WORKFLOW.actions)


@router.post(
    "/{int:id}/{action}", response={200: DeviationDetailOut, **ERRORS}, summary="Take a step of a deviation's workflow"
)
def deviation_action(request: HttpRequest, id: int, action: str, payload: DeviationActionIn):
    deviation = selectors.deviation_get(scope=scope_for(request.user), pk=id)
    if action not in ACTIONS:
        raise NotFound("action", action)
    ACTIONS[action](request.user, deviation, payload)
    return _detail(request, deviation)


class NotificationOut(Schema):
    id: int
    activity: str
    subject_table: str
    subject_id: int
    title_en: str
    title_zh: str
    body_en: str
    body_zh: str
    sent_at: dt.datetime
    due_at: dt.datetime
    read_at: dt.datetime | None
    read_in_time: bool | None


@inbox_router.get("", response={200: list[NotificationOut], **ERRORS}, summary="Your notifications")
@paginate(Pagination)
def notification_list(request: HttpRequest, unread: bool = False):
    qs = notifications.inbox(request.user)
    return qs.filter(read_at__isnull=True) if unread else qs.order_by("-sent_at", "-id")


@inbox_router.post("/{int:id}/read", response={200: NotificationOut, **ERRORS}, summary="Mark a notification read")
def notification_mark_read(request: HttpRequest, id: int):
    return notifications.notification_read(user=request.user, pk=id)
