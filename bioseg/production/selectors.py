"""Every read of production data for an interface, restricted by the user's scope.

Who sees what (issue 4, item 7):
- NMPA and the system operator: everything.
- A provincial regulator: lots made at a site in its province or carried by a shipment from, to or for a
  consignee in its province; the shipments touching its province; the chains with a segment in it.
- An enterprise user: the lots, transformations, shipments and chains of the products it holds or shares
  under a quality agreement (the registry's ``product_list``), and whatever is made at its own sites.
- Anyone else: nothing.

``*_get`` raise ``NotFound`` (404) for an unknown id and for one outside the scope alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from bioseg.common.formatting import format_number
from bioseg.common.scoping import get_in_scope
from bioseg.production.genealogy import lot_ancestor_ids, lot_descendant_ids, reach_sql  # noqa: F401
from bioseg.production.models import (
    STATUS_EN,
    STATUS_ZH,
    CertificateOfAnalysis,
    Consignee,
    EpcisEvent,
    Excursion,
    ExcursionStatus,
    Lot,
    LotStatus,
    ProcessChain,
    Release,
    ReleaseKind,
    ResultOutcome,
    Segment,
    Shipment,
    ShipmentLine,
    TemperatureLog,
    Transformation,
)
from bioseg.registry.scope import Scope

# --- lots ------------------------------------------------------------------------------------------------


def lot_list(*, scope: Scope) -> QuerySet[Lot]:
    return Lot.objects.select_related("product", "segment", "site", "site__enterprise").restrict(scope)


def lot_get(*, scope: Scope, pk) -> Lot:
    return get_in_scope(lot_list(scope=scope), None, pk, "lot")


def lot_find(*, scope: Scope, lot_number: str) -> list[Lot]:
    """Lots with this number (a number is unique per material and site, so there may be several)."""
    return list(lot_list(scope=scope).filter(lot_number=lot_number.strip()).order_by("id"))


def lot_consumed(*, lot: Lot) -> Decimal:
    total = lot.consumptions.aggregate(total=Sum("quantity"))["total"]
    return Decimal(total or 0)


def lot_remaining(*, lot: Lot) -> Decimal:
    """What is left of the lot in the chain's hands: made, less what transformations consumed and what left the
    chain to consignees (a shipment between the chain's own sites only moves it)."""
    sent_out = ShipmentLine.objects.filter(lot=lot, shipment__consignee__isnull=False).aggregate(t=Sum("quantity"))["t"]
    return lot.quantity - lot_consumed(lot=lot) - Decimal(sent_out or 0)


def lot_available_at(*, lot: Lot, site) -> Decimal:
    """How much of the lot is at ``site`` now: made there, plus what received shipments brought, less what left it
    (every shipment from it, received or in transit) and what transformations there consumed. A shipment or a
    transformation may not take more than this (locked on the lot row by the service)."""

    def total(qs) -> Decimal:
        return Decimal(qs.aggregate(t=Sum("quantity"))["t"] or 0)

    here = lot.quantity if lot.site_id == site.pk else Decimal(0)
    received = total(ShipmentLine.objects.filter(lot=lot, shipment__to_site=site, shipment__received_at__isnull=False))
    shipped = total(ShipmentLine.objects.filter(lot=lot, shipment__from_site=site))
    consumed = total(lot.consumptions.filter(transformation__site=site))
    return here + received - shipped - consumed


def _raw(sql: str, params):
    from django.db.models.expressions import RawSQL

    return RawSQL(sql, params)


# --- release readiness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    """One reason a lot cannot be released now."""

    code: str
    message: str
    message_zh: str
    lot_id: int | None = None
    object_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
            "lot_id": self.lot_id,
            "object_id": self.object_id,
        }


# Release blockers that the layers above production know (an open major deviation, an OOS under investigation):
# each source is ``fn(lot, ancestor_ids) -> list[Blocker]``, registered once at start-up (an AppConfig.ready).
_BLOCKER_SOURCES: list = []


def register_release_blockers(source) -> None:
    """Adds a source of release blockers (idempotent). Production cannot import the quality system — it sits
    above — so the quality system registers what blocks a release here, and every release and lot page asks."""
    if source not in _BLOCKER_SOURCES:
        _BLOCKER_SOURCES.append(source)


def lot_release_blockers(*, lot: Lot, kind: str, on_date=None) -> list[Blocker]:
    """Every reason ``lot`` cannot be released now by a ``kind`` release, in a stable order:
    its own status, missing certificate, missing contract-manufacturer release, unreleased ancestors,
    unassessed excursions on shipments that carried it or an ancestor."""
    from bioseg.common import clock

    blockers: list[Blocker] = []
    lot = Lot.objects.select_related("site", "product").get(pk=lot.pk)
    if lot.status != LotStatus.QUARANTINE:
        blockers.append(
            Blocker(
                "lot_not_in_quarantine",
                f"Lot {lot.lot_number} is {STATUS_EN[lot.status]}; only a lot in quarantine can be released.",
                f"批 {lot.lot_number} 当前状态为{STATUS_ZH[lot.status]}；只有待验状态的批可以放行。",
                lot.pk,
            )
        )
    if Release.objects.filter(lot=lot, kind=kind).exists():
        blockers.append(
            Blocker(
                "already_released",
                f"Lot {lot.lot_number} already has this release.",
                f"批 {lot.lot_number} 已有此放行记录。",
                lot.pk,
            )
        )
    today = on_date or clock.today()
    if lot.expires_on <= today:
        blockers.append(
            Blocker(
                "lot_expired",
                f"Lot {lot.lot_number} expired on {lot.expires_on}.",
                f"批 {lot.lot_number} 已于 {lot.expires_on} 过期。",
                lot.pk,
            )
        )
    if not CertificateOfAnalysis.objects.filter(lot=lot).exists():
        blockers.append(
            Blocker(
                "certificate_missing",
                f"Lot {lot.lot_number} has no certificate of analysis.",
                f"批 {lot.lot_number} 缺少检验报告书（COA）。",
                lot.pk,
            )
        )
    latest = CertificateOfAnalysis.objects.filter(lot=lot).order_by("-issued_on", "-id").first()
    if latest is not None:
        for r in latest.results.filter(outcome=ResultOutcome.FAIL).order_by("position"):
            unit = f" {r.unit}" if r.unit else ""
            en, zh = (
                (format_number(r.value, "en"), format_number(r.value, "zh"))
                if r.value is not None
                else ((r.result_text or "—"),) * 2
            )
            blockers.append(
                Blocker(
                    "result_out_of_specification",
                    f"Certificate {latest.reference} of lot {lot.lot_number}: {r.test} = {en}{unit} is out of "
                    "specification.",
                    f"批 {lot.lot_number} 的检验报告书 {latest.reference}：{r.test} 结果 {zh}{unit} 不符合规定。",
                    lot.pk,
                    r.pk,
                )
            )
    made_by_contractor = lot.site.enterprise_id != lot.product.holder_id
    if kind == ReleaseKind.QUALIFIED_PERSON and made_by_contractor:
        if not Release.objects.filter(lot=lot, kind=ReleaseKind.CMO_QA).exists():
            blockers.append(
                Blocker(
                    "cmo_release_missing",
                    f"Lot {lot.lot_number} was made by a contract manufacturer and has no contract-manufacturer QA release yet.",
                    f"批 {lot.lot_number} 由受托生产企业生产，尚无受托方质量部门放行。",
                    lot.pk,
                )
            )
    sql, params = reach_sql(Lot.objects.filter(pk=lot.pk), "backward")
    upstream = Lot.objects.filter(id__in=_raw(sql, params))
    for a in upstream.exclude(pk=lot.pk).exclude(status=LotStatus.RELEASED).order_by("lot_number", "id"):
        blockers.append(
            Blocker(
                "ancestor_not_released",
                f"Upstream lot {a.lot_number} ({a.material}) is {STATUS_EN[a.status]}, not released.",
                f"上游批 {a.lot_number}（{a.material}）状态为{STATUS_ZH[a.status]}，尚未放行。",
                a.pk,
            )
        )
    open_lines = (
        ShipmentLine.objects.filter(lot_id__in=_raw(sql, params))
        .filter(
            shipment__excursions__status=ExcursionStatus.OPEN,
            shipment__excursions__product_id=lot.product_id,
        )
        .select_related("shipment", "lot")
        .order_by("shipment__shipped_at", "shipment_id", "lot_id")
        .distinct()
    )
    for line in open_lines:
        blockers.append(
            Blocker(
                "excursion_unassessed",
                f"Shipment {line.shipment.reference} that carried lot {line.lot.lot_number} has a temperature excursion not yet assessed.",
                f"运输 {line.shipment.reference}（载有批 {line.lot.lot_number}）存在尚未评估的温度偏离。",
                line.lot_id,
                line.shipment_id,
            )
        )
    if _BLOCKER_SOURCES:
        ancestors = set(upstream.exclude(pk=lot.pk).values_list("id", flat=True))
        for source in _BLOCKER_SOURCES:
            blockers.extend(source(lot, ancestors))
    return blockers


# --- chains -------------------------------------------------------------------------------------------


def chain_list(*, scope: Scope) -> QuerySet[ProcessChain]:
    return ProcessChain.objects.select_related("product", "product__holder").restrict(scope)


def chain_get(*, scope: Scope, pk) -> ProcessChain:
    return get_in_scope(chain_list(scope=scope), None, pk, "process chain")


def segment_get(*, scope: Scope, pk) -> Segment:
    """A segment of a chain the user may see (404 otherwise)."""
    return get_in_scope(Segment.objects.select_related("chain", "chain__product", "site"), scope, pk, "segment")


def chain_segments(*, chain: ProcessChain) -> list[Segment]:
    """The chain's segments in order, with their site, enterprise and the codes they feed."""
    segments = list(
        chain.segments.select_related("site", "site__enterprise").prefetch_related("feeds").order_by("position")
    )
    return segments


def chain_effective(*, product, on_date) -> ProcessChain | None:
    """The chain version in force for ``product`` on ``on_date``."""
    return (
        ProcessChain.objects.filter(product=product, effective_from__lte=on_date)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on_date))
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class BorderCrossing:
    """A ``feeds`` link whose two sites are in different provinces (``provincial``) or countries
    (``national``)."""

    kind: str  # "provincial" | "national"
    source_segment_id: int
    source_code: str
    target_segment_id: int
    target_code: str
    from_country: str
    from_region: str
    to_country: str
    to_region: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def chain_border_crossings(*, chain: ProcessChain) -> list[BorderCrossing]:
    """Where the chain crosses a provincial or national border, in chain order."""
    segments = {s.pk: s for s in chain_segments(chain=chain)}
    crossings = []
    for seg in sorted(segments.values(), key=lambda s: s.position):
        for target in sorted(seg.feeds.all(), key=lambda s: s.position):
            a, b = seg.site, segments[target.pk].site
            if a.country_code != b.country_code:
                kind = "national"
            elif a.region_code != b.region_code:
                kind = "provincial"
            else:
                continue
            crossings.append(
                BorderCrossing(
                    kind,
                    seg.pk,
                    seg.code,
                    target.pk,
                    target.code,
                    a.country_code,
                    a.region_code,
                    b.country_code,
                    b.region_code,
                )
            )
    return crossings


def chain_regions(*, chain: ProcessChain) -> list[tuple[str, str]]:
    """The (country, province) pairs the chain's sites are in, sorted."""
    return sorted({(s.site.country_code, s.site.region_code) for s in chain_segments(chain=chain)})


# --- transformations, shipments, consignees, cold chain ------------------------------------------------------


def transformation_list(*, scope: Scope) -> QuerySet[Transformation]:
    return Transformation.objects.select_related("segment", "site", "product").restrict(scope)


def transformation_get(*, scope: Scope, pk) -> Transformation:
    return get_in_scope(transformation_list(scope=scope), None, pk, "transformation")


def shipment_list(*, scope: Scope) -> QuerySet[Shipment]:
    return Shipment.objects.select_related("from_site", "to_site", "consignee").restrict(scope)


def shipment_get(*, scope: Scope, pk) -> Shipment:
    return get_in_scope(shipment_list(scope=scope), None, pk, "shipment")


def shipment_lines(*, scope: Scope, shipment: Shipment) -> list[ShipmentLine]:
    """The lines of ``shipment`` whose lot the user may see: scope is per lot, so a holder sees only its own
    lots on a shipment that carries another holder's too."""
    return list(
        ShipmentLine.objects.filter(shipment=shipment)
        .restrict(scope)
        .select_related("lot", "lot__product")
        .order_by("id")
    )


def consignee_list(*, scope: Scope) -> QuerySet[Consignee]:
    """Consignees are a shared directory (distributors, hospitals, importers): every scoped user sees it."""
    return Consignee.objects.restrict(scope)


def consignee_get(*, scope: Scope, pk) -> Consignee:
    return get_in_scope(consignee_list(scope=scope), None, pk, "consignee")


def temperature_log_list(*, scope: Scope) -> QuerySet[TemperatureLog]:
    return TemperatureLog.objects.restrict(scope)


def excursion_list(*, scope: Scope, status: str | None = None) -> QuerySet[Excursion]:
    qs = Excursion.objects.select_related("shipment", "product", "log").restrict(scope)
    return qs.filter(status=status) if status else qs


def excursion_get(*, scope: Scope, pk) -> Excursion:
    return get_in_scope(excursion_list(scope=scope), None, pk, "excursion")


# --- trace ------------------------------------------------------------------------------------------------


def lot_trace(*, scope: Scope, pk, direction: str, include_shipments: bool = True):
    """Backward or forward trace from a lot the user may see (404 otherwise). See ``trace.trace``."""
    from bioseg.production.trace import DIRECTIONS, trace

    if direction not in DIRECTIONS:
        from bioseg.common.errors import ValidationFailed

        raise ValidationFailed({"direction": ("Use forward or backward.", "方向须为 forward 或 backward。")})
    lot = lot_get(scope=scope, pk=pk)
    return trace(
        roots=Lot.objects.filter(pk=lot.pk), direction=direction, include_shipments=include_shipments, scope=scope
    )


def site_trace(*, scope: Scope, site_pk, date_from, date_to, direction: str, include_shipments: bool = True):
    """Trace from every lot (the user may see) made at a site between two dates, both inclusive."""
    from bioseg.common.errors import ValidationFailed
    from bioseg.production.trace import DIRECTIONS, trace
    from bioseg.registry.selectors import site_get

    if direction not in DIRECTIONS:
        raise ValidationFailed({"direction": ("Use forward or backward.", "方向须为 forward 或 backward。")})
    if date_from is None or date_to is None or date_to < date_from:
        raise ValidationFailed({"date_to": ("Give a window with from ≤ to.", "请给出起止日期（起 ≤ 止）。")})
    site = site_get(scope=scope, pk=site_pk)
    roots = lot_list(scope=scope).filter(site=site, manufactured_on__range=(date_from, date_to))
    return trace(roots=roots, direction=direction, include_shipments=include_shipments, scope=scope)


# --- one lot, everything an interface shows about it ---------------------------------------------------------


@dataclass(frozen=True)
class LotDetail:
    lot: Lot
    remaining: Decimal
    certificates: list
    releases: list
    holds: list
    shipment_lines: list
    inputs: list  # TransformationInput rows of the transformation that made the lot
    release_blockers: dict[str, list[Blocker]]  # per release kind still missing


def lot_detail(*, scope: Scope, pk) -> LotDetail:
    """A lot the user may see (404 otherwise) with its certificates, releases (and their signatures via
    ``audit.selectors.signatures_for``), holds, shipments, inputs and what still blocks each release."""
    lot = lot_get(scope=scope, pk=pk)
    done = set(lot.releases.values_list("kind", flat=True))
    kinds = [ReleaseKind.QUALIFIED_PERSON]
    if lot.site.enterprise_id != lot.product.holder_id:
        kinds.insert(0, ReleaseKind.CMO_QA)
    inputs = []
    if lot.produced_by_id:
        inputs = list(lot.produced_by.inputs.select_related("lot").order_by("lot_id"))
    return LotDetail(
        lot=lot,
        remaining=lot_remaining(lot=lot),
        certificates=list(lot.certificates.all()),
        releases=list(lot.releases.select_related("released_by", "certificate")),
        holds=list(lot.holds.select_related("excursion").order_by("id")),
        shipment_lines=list(
            lot.shipment_lines.select_related("shipment", "shipment__to_site", "shipment__consignee").order_by(
                "shipment__shipped_at", "id"
            )
        ),
        inputs=inputs,
        release_blockers={k.value: lot_release_blockers(lot=lot, kind=k) for k in kinds if k.value not in done},
    )


# --- captured EPCIS events ---------------------------------------------------------------------------------


def epcis_event_list(*, scope: Scope) -> QuerySet[EpcisEvent]:
    """Captured events the user may see: everything (national), else those captured by someone of the
    user's organisation or naming a lot the user may see."""
    return EpcisEvent.objects.restrict(scope)
