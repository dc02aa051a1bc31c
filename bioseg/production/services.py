"""Every write to production: chains, lots and transformations, shipments and cold chain, certificates,
release and recall.

Each service is keyword-only, takes the acting user as ``actor=``, checks the actor's role and
organisation, validates everything before it writes (a refusal raises an ``ApplicationError`` and
changes nothing — not even the audit trail), writes inside one transaction under ``audit_context`` with
a reason, and re-checks that what it wrote is inside the actor's scope.

Refusals that can have several causes at once list them all in ``details["problems"]`` (or
``details["blockers"]`` for a release), each ``{code, message, message_zh, ...}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from bioseg.common.regions import is_country_code, is_province_code
from bioseg.common.scoping import recheck
from bioseg.common.validation import Errors
from bioseg.production import coldchain, selectors, signals
from bioseg.production.genealogy import reach
from bioseg.production.holds import holds_lift, holds_place
from bioseg.production.models import (
    STATUS_EN,
    STATUS_ZH,
    AssessmentOutcome,
    CertificateOfAnalysis,
    CertificateResult,
    Consignee,
    Excursion,
    ExcursionAssessment,
    HoldKind,
    Lot,
    LotEdge,
    LotEvent,
    LotEventKind,
    LotHold,
    LotStatus,
    ProcessChain,
    RecallAction,
    RecallStatus,
    Release,
    ReleaseKind,
    ResultOutcome,
    Segment,
    SegmentFeed,
    Shipment,
    ShipmentLine,
    Stage,
    TemperatureLog,
    TemperatureReading,
    Transformation,
    TransformationInput,
    TransformationKind,
    Unit,
)
from bioseg.production.workflows import EXCURSION_WORKFLOW, LOT_WORKFLOW, TERMINAL, lot_event
from bioseg.registry.models import Product, Site
from bioseg.registry.scope import own_enterprise_ids, scope_for

UNUSABLE = {LotStatus.REJECTED, LotStatus.RECALLED, LotStatus.ON_HOLD}
KIND_ZH = {"manufacture": "生产", "blend": "混合", "fill": "灌装", "rework": "返工"}
QA_ROLES = (Role.HOLDER_QA, Role.CMO_QA, Role.QUALIFIED_PERSON)


class Problem(dict):
    """One reason for a refusal: ``{code, message, message_zh, **extra}``."""

    def __init__(self, code: str, message: str, message_zh: str, **extra: Any) -> None:
        super().__init__(code=code, message=message, message_zh=message_zh, **extra)


class Refused(ApplicationError):
    """A refusal with one or more problems, all listed in ``details[key]``."""

    def __init__(
        self, code: str, what_en: str, what_zh: str, problems: list, *, key: str = "problems", status: int = 400
    ) -> None:
        super().__init__(
            code,
            f"{what_en}: " + " ".join(p["message"] for p in problems),
            f"{what_zh}：" + "".join(p["message_zh"] for p in problems),
            details={key: list(problems)},
            status=status,
        )


# --- who may do what -----------------------------------------------------------------------------------


def _require(actor: User, roles, enterprise_ids: set[int], action: str) -> None:
    """The actor must hold one of ``roles`` in the organisation of one of ``enterprise_ids``. GMP records are
    made by the enterprises' own people: the system operator administers accounts and is refused here."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(action)
    if not actor.has_role(*roles) or not (own_enterprise_ids(actor) & enterprise_ids):
        raise PermissionDenied(action)


def _reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ("A reason is required.", "必须填写原因。")})


def _decimal(e: Errors, field: str, value, *, positive: bool = True) -> Decimal | None:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        e.add(field, f"{value!r} is not a number.", f"{value!r} 不是数字。")
        return None
    if not d.is_finite() or (positive and d <= 0):
        e.add(field, f"{field} must be a positive number.", f"{field} 必须为正数。")
        return None
    return d


# --- chains ----------------------------------------------------------------------------------------------


def _site_label(site: Site) -> str:
    return f"{site.country_code}/{site.region_code or '-'}"


def chain_problems(
    *,
    product: Product,
    segments: list[dict],
    effective_from: dt.date | None,
    effective_until: dt.date | None,
    exclude_chain_id: int | None = None,
) -> list[Problem]:
    """Every problem with a proposed chain (empty when it is valid): each segment has a known stage, a
    code and a site; ``feeds`` name segments of the chain; no cycles; every component drug substance
    feeds a formulation segment; the version's effective period overlaps no other version's."""
    problems: list[Problem] = []
    if effective_from is None:
        problems.append(
            Problem("effective_from_missing", "The chain needs an effective-from date.", "工艺链需要生效日期。")
        )
    elif effective_until is not None and effective_until < effective_from:
        problems.append(
            Problem(
                "period_out_of_order",
                f"effective until ({effective_until}) is before effective from ({effective_from}).",
                f"失效日期（{effective_until}）早于生效日期（{effective_from}）。",
            )
        )
    if not segments:
        problems.append(Problem("no_segments", "A chain needs at least one segment.", "工艺链至少需要一个分段。"))
    codes: dict[str, dict] = {}
    for i, seg in enumerate(segments, start=1):
        code = (seg.get("code") or "").strip()
        label = code or f"#{i}"
        if not code:
            problems.append(
                Problem(
                    "segment_code_missing", f"Segment {label} has no code.", f"分段 {label} 缺少代码。", segment=label
                )
            )
        elif code in codes:
            problems.append(
                Problem(
                    "segment_code_duplicate",
                    f"Segment code {code} is used twice.",
                    f"分段代码 {code} 重复。",
                    segment=code,
                )
            )
        else:
            codes[code] = seg
        if seg.get("stage") not in Stage.values:
            problems.append(
                Problem(
                    "segment_stage_unknown",
                    f"Segment {label}: {seg.get('stage')!r} is not a known stage.",
                    f"分段 {label}：{seg.get('stage')!r} 不是已知的生产阶段。",
                    segment=label,
                )
            )
        if not (seg.get("name_zh") or "").strip() or not (seg.get("name_en") or "").strip():
            problems.append(
                Problem(
                    "segment_name_missing",
                    f"Segment {label} needs a Chinese and an English name.",
                    f"分段 {label} 需要中文和英文名称。",
                    segment=label,
                )
            )
        if seg.get("site") is None:
            problems.append(
                Problem(
                    "segment_site_missing",
                    f"Segment {label} has no site.",
                    f"分段 {label} 未指定生产场地。",
                    segment=label,
                )
            )
    graph: dict[str, list[str]] = {}
    for code, seg in codes.items():
        targets = []
        for target in seg.get("feeds") or []:
            if target not in codes:
                problems.append(
                    Problem(
                        "feeds_unknown_segment",
                        f"Segment {code} feeds {target!r}, which is not a segment of this chain.",
                        f"分段 {code} 的下游 {target!r} 不是本工艺链的分段。",
                        segment=code,
                    )
                )
            elif target == code:
                problems.append(
                    Problem(
                        "feeds_itself",
                        f"Segment {code} feeds itself.",
                        f"分段 {code} 不能作为自身的下游。",
                        segment=code,
                    )
                )
            else:
                targets.append(target)
        graph[code] = targets
    cycle = _find_cycle(graph)
    if cycle:
        path = " → ".join(cycle)
        problems.append(
            Problem("cycle", f"The chain has a cycle: {path}.", f"工艺链存在循环：{path}。", segments=list(cycle))
        )
    for code, seg in codes.items():
        if seg.get("stage") == Stage.COMPONENT_DS and not any(
            codes[t].get("stage") == Stage.FORMULATION for t in graph.get(code, [])
        ):
            problems.append(
                Problem(
                    "component_not_feeding_formulation",
                    f"Component drug substance {code} does not feed a formulation segment.",
                    f"组分原液分段 {code} 未进入制剂配制分段。",
                    segment=code,
                )
            )
    if effective_from is not None:
        others = ProcessChain.objects.filter(product=product)
        if exclude_chain_id:
            others = others.exclude(pk=exclude_chain_id)
        for other in others.order_by("version"):
            starts_before_other_ends = other.effective_until is None or effective_from <= other.effective_until
            other_starts_before_end = effective_until is None or other.effective_from <= effective_until
            if starts_before_other_ends and other_starts_before_end:
                until = other.effective_until or "—"
                problems.append(
                    Problem(
                        "period_overlap",
                        f"The effective period overlaps version {other.version} ({other.effective_from} – {until}).",
                        f"生效期间与第 {other.version} 版（{other.effective_from} – {until}）重叠。",
                        version=other.version,
                    )
                )
    return problems


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle as a closed path (first node repeated at the end), or None. Walks in chain order, so the
    answer is deterministic and starts where a reader of the chain would."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for nxt in graph.get(node, []):
            if colour.get(nxt) == grey:
                return stack[stack.index(nxt) :] + [nxt]
            if colour.get(nxt) == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return None

    for node in graph:
        if colour[node] == white:
            found = visit(node)
            if found:
                return found
    return None


def chain_check(*, chain: ProcessChain) -> list[Problem]:
    """Re-validates a stored chain (e.g. after a site was changed in the registry)."""
    segments = [
        {
            "code": s.code,
            "stage": s.stage,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "site": s.site,
            "feeds": [t.code for t in s.feeds.all()],
        }
        for s in chain.segments.select_related("site").prefetch_related("feeds")
    ]
    return chain_problems(
        product=chain.product,
        segments=segments,
        effective_from=chain.effective_from,
        effective_until=chain.effective_until,
        exclude_chain_id=chain.pk,
    )


def chain_create(
    *,
    actor: User,
    product: Product,
    effective_from: dt.date,
    segments: list[dict],
    effective_until: dt.date | None = None,
    version: int | None = None,
    note: str = "",
    reason: str = "",
) -> ProcessChain:
    """Defines a version of ``product``'s segmented chain. ``segments`` are dicts ``{code, stage, name_zh,
    name_en, site, feeds: [codes]}`` in chain order. Refused with every problem if invalid."""
    _require(actor, (Role.HOLDER_RA, Role.HOLDER_QA), {product.holder_id}, "define a process chain")
    problems = chain_problems(
        product=product, segments=segments, effective_from=effective_from, effective_until=effective_until
    )
    if version is None:
        last = ProcessChain.objects.filter(product=product).order_by("-version").first()
        version = (last.version + 1) if last else 1
    elif ProcessChain.objects.filter(product=product, version=version).exists():
        problems.append(
            Problem("version_exists", f"Version {version} already exists.", f"第 {version} 版已存在。", version=version)
        )
    if problems:
        raise Refused("chain_invalid", "The process chain is invalid", "工艺链无效", problems)
    with transaction.atomic(), audit_context(actor=actor, reason=reason or "process chain defined"):
        chain = ProcessChain.objects.create(
            product=product,
            version=version,
            effective_from=effective_from,
            effective_until=effective_until,
            note=note.strip(),
        )
        by_code = {}
        for position, seg in enumerate(segments, start=1):
            by_code[seg["code"].strip()] = Segment.objects.create(
                chain=chain,
                position=position,
                code=seg["code"].strip(),
                stage=seg["stage"],
                name_zh=seg["name_zh"].strip(),
                name_en=seg["name_en"].strip(),
                site=seg["site"],
            )
        SegmentFeed.objects.bulk_create(
            [
                SegmentFeed(source=by_code[seg["code"].strip()], target=by_code[t])
                for seg in segments
                for t in dict.fromkeys(seg.get("feeds") or [])
            ]
        )
        recheck(chain, scope_for(actor), "process chain")
        return chain


def chain_close(*, actor: User, chain: ProcessChain, effective_until: dt.date, reason: str) -> ProcessChain:
    """Ends a chain version (e.g. before the next version takes over)."""
    _require(actor, (Role.HOLDER_RA, Role.HOLDER_QA), {chain.product.holder_id}, "change a process chain")
    _reason(reason)
    e = Errors()
    e.required("effective_until", effective_until)
    e.date_order("effective_from", chain.effective_from, "effective_until", effective_until)
    if effective_until and Lot.objects.filter(segment__chain=chain, manufactured_on__gt=effective_until).exists():
        e.add(
            "effective_until",
            "Lots were already made under this version after that date.",
            "该日期之后已有按此版本生产的批。",
        )
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        chain.effective_until = effective_until
        chain.save(update_fields=["effective_until", "updated_at"])
        return chain


# --- consignees ------------------------------------------------------------------------------------------


def consignee_create(
    *,
    actor: User,
    name_zh: str,
    name_en: str,
    country_code: str = "CN",
    region_code: str = "",
    address: str = "",
    reason: str = "",
) -> Consignee:
    if actor is None or not actor.is_authenticated or not actor.has_role(*QA_ROLES, Role.HOLDER_RA, Role.SYSTEM_ADMIN):
        raise PermissionDenied("register a consignee")
    e = Errors()
    e.required("name_zh", name_zh)
    e.required("name_en", name_en)
    if not is_country_code(country_code or ""):
        e.add(
            "country_code",
            f"{country_code!r} is not an ISO 3166-1 alpha-2 code.",
            f"{country_code!r} 不是 ISO 3166-1 二字母国家代码。",
        )
    if country_code == "CN" and not is_province_code(region_code or ""):
        e.add(
            "region_code",
            f"{region_code!r} is not a GB/T 2260 provincial code.",
            f"{region_code!r} 不是 GB/T 2260 省级行政区划代码。",
        )
    if country_code != "CN" and region_code:
        e.add("region_code", "A foreign consignee has no Chinese province.", "境外收货方不应填写省级行政区划。")
    if name_en and Consignee.objects.filter(name_en=name_en.strip()).exists():
        e.add("name_en", f"{name_en!r} is already registered.", f"{name_en!r} 已被登记。")
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or "consignee registered"):
        return Consignee.objects.create(
            name_zh=name_zh.strip(),
            name_en=name_en.strip(),
            country_code=country_code,
            region_code=region_code if country_code == "CN" else "",
            address=address.strip(),
        )


# --- lots and transformations -------------------------------------------------------------------------------


def _lot_location_ok(lot: Lot, site: Site) -> bool:
    """A lot is at ``site`` if it was made there or a received shipment brought it there."""
    if lot.site_id == site.pk:
        return True
    return ShipmentLine.objects.filter(lot=lot, shipment__to_site=site, shipment__received_at__isnull=False).exists()


def transformation_record(
    *,
    actor: User,
    kind: str,
    segment: Segment,
    performed_on: dt.date,
    outputs: list[dict],
    inputs: list[tuple[Lot, Any]] | None = None,
    reference: str = "",
    reason: str = "",
) -> Transformation:
    """Records a transformation at ``segment``'s site: ``inputs`` (lot, quantity in the lot's unit) →
    new output lots ``{lot_number, quantity, unit, expires_on, manufactured_on=performed_on}``, and
    materialises one ``LotEdge`` per (input, output).

    Refused, with every problem listed and nothing written, when: an input lot is of another product,
    comes from a segment that does not feed this one (for a rework: is not the same material), is
    rejected, recalled or on hold, is not at this site (made here or received here), was made after or
    expired before the transformation date, or would be consumed beyond what it has left; a lot number
    is already used for this material at this site; a blend has fewer than two inputs or a blend or
    rework more than one output; a segment fed by others is made without inputs; the chain version is not
    in force on that date."""
    inputs = list(inputs or [])
    segment = Segment.objects.select_related("chain", "chain__product", "site").get(pk=segment.pk)
    product = segment.chain.product
    site = segment.site
    _require(actor, (Role.HOLDER_QA, Role.CMO_QA), {site.enterprise_id}, "record a transformation")

    e = Errors()
    e.choice("kind", kind, TransformationKind.values)
    e.required("performed_on", performed_on)
    if not outputs:
        e.add("outputs", "A transformation makes at least one lot.", "一次转化至少产出一个批。")
    if kind in (TransformationKind.BLEND, TransformationKind.REWORK) and len(outputs) > 1:
        e.add("outputs", f"A {kind} makes exactly one lot.", f"{KIND_ZH.get(kind, kind)}只能产出一个批。")
    if kind == TransformationKind.BLEND and len({lot.pk for lot, _ in inputs}) < 2:
        e.add("inputs", "A blend needs at least two input lots.", "混合至少需要两个投入批。")
    if kind in (TransformationKind.FILL, TransformationKind.REWORK) and not inputs:
        e.add("inputs", f"A {kind} needs its input lots.", f"{KIND_ZH.get(kind, kind)}需要投入批。")
    parsed_outputs = []
    numbers = set()
    for i, out in enumerate(outputs):
        f = f"outputs[{i}]"
        number = (out.get("lot_number") or "").strip()
        if not number:
            e.add(f"{f}.lot_number", "A lot needs a lot number.", "批需要批号。")
        elif number in numbers:
            e.add(f"{f}.lot_number", f"Lot number {number} is given twice.", f"批号 {number} 重复。")
        numbers.add(number)
        qty = _decimal(e, f"{f}.quantity", out.get("quantity"))
        if out.get("unit") not in Unit.values:
            e.add(f"{f}.unit", f"{out.get('unit')!r} is not a known unit.", f"{out.get('unit')!r} 不是已知的计量单位。")
        made = out.get("manufactured_on") or performed_on
        expires = out.get("expires_on")
        if expires is None:
            e.add(f"{f}.expires_on", "A lot needs an expiry date.", "批需要有效期。")
        elif made and expires <= made:
            e.add(
                f"{f}.expires_on",
                f"The expiry date ({expires}) is not after the manufacture date ({made}).",
                f"有效期（{expires}）不晚于生产日期（{made}）。",
            )
        parsed_outputs.append(
            {"lot_number": number, "quantity": qty, "unit": out.get("unit"), "made": made, "expires": expires}
        )
    parsed_inputs: list[tuple[Lot, Decimal]] = []
    for i, (lot, qty) in enumerate(inputs):
        d = _decimal(e, f"inputs[{i}].quantity", qty)
        parsed_inputs.append((lot, d))
    e.raise_if_any()

    problems: list[Problem] = []
    with transaction.atomic():
        # lock the input lots (PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers)
        locked = {
            lot.pk: lot
            for lot in Lot.objects.select_for_update()
            .filter(pk__in=[lot.pk for lot, _ in parsed_inputs])
            .order_by("pk")
        }
        chain = segment.chain
        if performed_on < chain.effective_from or (chain.effective_until and performed_on > chain.effective_until):
            problems.append(
                Problem(
                    "chain_not_in_force",
                    f"Version {chain.version} of the chain is not in force on {performed_on}.",
                    f"工艺链第 {chain.version} 版在 {performed_on} 不在有效期内。",
                )
            )
        feeding_codes = set(segment.fed_by.values_list("code", flat=True))
        if not parsed_inputs and feeding_codes:
            problems.append(
                Problem(
                    "inputs_missing",
                    f"Lots of {segment.code} are made from {', '.join(sorted(feeding_codes))}: record the input lots.",
                    f"{segment.code} 的批由 {'、'.join(sorted(feeding_codes))} 制得：请登记投入批。",
                )
            )
        for out in parsed_outputs:
            if Lot.objects.filter(
                product=product, material=segment.code, site=site, lot_number=out["lot_number"]
            ).exists():
                problems.append(
                    Problem(
                        "lot_number_taken",
                        f"Lot number {out['lot_number']} is already used for {segment.code} at this site.",
                        f"批号 {out['lot_number']} 已用于本场地的 {segment.code}。",
                        lot_number=out["lot_number"],
                    )
                )
        wanted: dict[int, Decimal] = defaultdict(Decimal)
        for lot, qty in parsed_inputs:
            wanted[lot.pk] += qty
        for pk in sorted(wanted):
            lot = locked[pk]
            tag = f"Input lot {lot.lot_number}"
            tag_zh = f"投入批 {lot.lot_number}"
            if lot.product_id != product.pk:
                problems.append(
                    Problem(
                        "input_other_product", f"{tag} is of another product.", f"{tag_zh}属于其他产品。", lot_id=pk
                    )
                )
            if kind == TransformationKind.REWORK:
                if lot.material != segment.code:
                    problems.append(
                        Problem(
                            "rework_other_material",
                            f"{tag} ({lot.material}) is not {segment.code}; a rework makes the same material.",
                            f"{tag_zh}（{lot.material}）不是 {segment.code}；返工只能产出同一物料。",
                            lot_id=pk,
                        )
                    )
            elif lot.material not in feeding_codes:
                problems.append(
                    Problem(
                        "segment_does_not_feed",
                        f"{tag} is {lot.material}, which does not feed {segment.code}.",
                        f"{tag_zh}为 {lot.material}，该分段不是 {segment.code} 的上游。",
                        lot_id=pk,
                    )
                )
            if lot.status in UNUSABLE:
                problems.append(
                    Problem(
                        "input_lot_unusable",
                        f"{tag} is {STATUS_EN[lot.status]} and cannot be used.",
                        f"{tag_zh}状态为{STATUS_ZH[lot.status]}，不得使用。",
                        lot_id=pk,
                        status=lot.status,
                    )
                )
            if not _lot_location_ok(lot, site):
                problems.append(
                    Problem(
                        "input_not_at_site",
                        f"{tag} is not at {site.name_en}: it was made elsewhere and no received shipment brought it here.",
                        f"{tag_zh}不在 {site.name_zh}：该批在其他场地生产，且无已接收的运输将其运至此处。",
                        lot_id=pk,
                    )
                )
            if lot.manufactured_on > performed_on:
                problems.append(
                    Problem(
                        "input_made_later",
                        f"{tag} was made on {lot.manufactured_on}, after {performed_on}.",
                        f"{tag_zh}生产于 {lot.manufactured_on}，晚于 {performed_on}。",
                        lot_id=pk,
                    )
                )
            if lot.expires_on <= performed_on:
                problems.append(
                    Problem(
                        "input_expired",
                        f"{tag} expired on {lot.expires_on}.",
                        f"{tag_zh}已于 {lot.expires_on} 过期。",
                        lot_id=pk,
                    )
                )
            left = selectors.lot_available_at(lot=lot, site=site)
            if wanted[pk] > left and _lot_location_ok(lot, site):
                problems.append(
                    Problem(
                        "over_consumption",
                        f"{tag} has {left.normalize():f} {lot.unit} left; {wanted[pk].normalize():f} {lot.unit} were requested.",
                        f"{tag_zh}剩余 {left.normalize():f} {lot.unit}，请求投入 {wanted[pk].normalize():f} {lot.unit}。",
                        lot_id=pk,
                        left=f"{left.normalize():f}",
                        requested=str(wanted[pk]),
                    )
                )
        if problems:
            raise Refused("transformation_refused", "The transformation was refused", "转化记录被拒绝", problems)

        with audit_context(actor=actor, reason=reason or f"{kind} recorded"):
            t = Transformation.objects.create(
                kind=kind,
                product=product,
                segment=segment,
                site=site,
                performed_on=performed_on,
                reference=reference.strip(),
            )
            made = [
                Lot.objects.create(
                    product=product,
                    segment=segment,
                    material=segment.code,
                    site=site,
                    lot_number=out["lot_number"],
                    quantity=out["quantity"],
                    unit=out["unit"],
                    manufactured_on=out["made"],
                    expires_on=out["expires"],
                    produced_by=t,
                )
                for out in parsed_outputs
            ]
            TransformationInput.objects.bulk_create(
                [TransformationInput(transformation=t, lot_id=pk, quantity=qty) for pk, qty in sorted(wanted.items())]
            )
            LotEdge.objects.bulk_create(
                [
                    LotEdge(parent_lot_id=pk, child_lot=child, transformation=t, quantity=qty)
                    for pk, qty in sorted(wanted.items())
                    for child in made
                ]
            )
            recheck(t, scope_for(actor), "transformation")
            return t


def lot_create(
    *,
    actor: User,
    segment: Segment,
    lot_number: str,
    quantity,
    unit: str,
    manufactured_on: dt.date,
    expires_on: dt.date,
    reference: str = "",
    reason: str = "",
) -> Lot:
    """A lot of a segment that nothing feeds (a cell bank, a raw material, a first drug substance):
    a ``manufacture`` transformation without inputs."""
    t = transformation_record(
        actor=actor,
        kind=TransformationKind.MANUFACTURE,
        segment=segment,
        performed_on=manufactured_on,
        outputs=[{"lot_number": lot_number, "quantity": quantity, "unit": unit, "expires_on": expires_on}],
        reference=reference,
        reason=reason or "lot registered",
    )
    return t.outputs.get()


def lot_reject(*, actor: User, lot: Lot, reason: str, password: str) -> Lot:
    """QA of the holder or of the maker rejects a lot in quarantine or on hold, e-signed (meaning "rejected");
    a rejected lot can be neither used nor released. Holds in force stay recorded."""
    lot = Lot.objects.select_related("site", "product").get(pk=lot.pk)
    LOT_WORKFLOW.check_actor(actor, lot, "reject")
    _reason(reason)
    with transition(
        LOT_WORKFLOW,
        actor=actor,
        subject=lot,
        action="reject",
        reason=reason.strip(),
        password=password,
        record_event=lot_event,
        lock_related=("site", "product"),
    ) as t:
        pass
    return t.subject


# --- certificates of analysis ------------------------------------------------------------------------------


RESULT_LIMITS = Decimal("1e12")  # |value| and |limits| stay below this: 18 digits, 6 decimals


def _judge(result: dict) -> str:
    """``pass`` or ``fail``: a numeric result against its limits (both inclusive, either open), a text result by
    whether the analyst found it conforming."""
    value = result.get("value")
    if value is not None:
        low, high = result.get("spec_min"), result.get("spec_max")
        inside = (low is None or value >= low) and (high is None or value <= high)
        return ResultOutcome.PASS if inside else ResultOutcome.FAIL
    return ResultOutcome.PASS if result.get("conforms") else ResultOutcome.FAIL


def _parse_results(e: Errors, results: list[dict] | None) -> list[dict]:
    """Validates the rows of a certificate (each: test, method, unit, spec_min/spec_max or spec_text, value or
    result_text + conforms); the field names in errors are ``results.N.field`` (row N from 1)."""
    parsed: list[dict] = []
    for n, raw in enumerate(results or [], start=1):
        if not isinstance(raw, dict):
            e.add(f"results.{n}", f"Result {n} is not a row.", f"第 {n} 项结果格式不正确。")
            continue
        row = {k: raw.get(k) for k in ("test", "method", "unit", "spec_text", "result_text")}
        for k in row:
            row[k] = str(row[k] or "").strip()
        if not row["test"]:
            e.add(f"results.{n}.test", f"Result {n}: the test is required.", f"第 {n} 项结果：须填写检验项目。")
        for k, limit in (("test", 200), ("method", 200), ("unit", 30), ("spec_text", 300), ("result_text", 300)):
            if len(row[k]) > limit:
                e.add(
                    f"results.{n}.{k}",
                    f"Result {n}: at most {limit} characters.",
                    f"第 {n} 项结果：最多 {limit} 个字符。",
                )
        for k in ("spec_min", "spec_max", "value"):
            v = raw.get(k)
            if v is None or (isinstance(v, str) and not v.strip()):
                row[k] = None
                continue
            try:
                d = Decimal(str(v).strip())
            except (InvalidOperation, ValueError):
                d = None
            if d is None or not d.is_finite() or abs(d) >= RESULT_LIMITS or d.as_tuple().exponent < -6:
                e.add(
                    f"results.{n}.{k}",
                    f"Result {n}: {v!r} is not a number with at most 6 decimals below 10^12.",
                    f"第 {n} 项结果：{v!r} 不是有效数值（小于 10^12，最多 6 位小数）。",
                )
                row[k] = None
            else:
                row[k] = d
        if row["spec_min"] is not None and row["spec_max"] is not None and row["spec_max"] < row["spec_min"]:
            e.add(
                f"results.{n}.spec_max",
                f"Result {n}: the upper limit is below the lower limit.",
                f"第 {n} 项结果：上限低于下限。",
            )
        numeric_spec = any(str(raw.get(k) if raw.get(k) is not None else "").strip() for k in ("spec_min", "spec_max"))
        if numeric_spec and row["value"] is None and f"results.{n}.value" not in e.fields:
            e.add(
                f"results.{n}.value",
                f"Result {n}: a numeric specification needs a numeric result.",
                f"第 {n} 项结果：数值标准须填写数值结果。",
            )
        if not numeric_spec:
            if not row["spec_text"]:
                e.add(
                    f"results.{n}.spec_text",
                    f"Result {n}: give the limits or the specification text.",
                    f"第 {n} 项结果：须填写限度或标准描述。",
                )
            if raw.get("conforms") is None and row["value"] is None:
                e.add(
                    f"results.{n}.conforms",
                    f"Result {n}: say whether the result conforms.",
                    f"第 {n} 项结果：须注明结果是否符合规定。",
                )
            row["conforms"] = bool(raw.get("conforms"))
        row["outcome"] = _judge(row)
        parsed.append(row)
    return parsed


def coa_record(
    *,
    actor: User,
    lot: Lot,
    reference: str,
    file_name: str,
    issued_on: dt.date,
    content: bytes | None = None,
    sha256: str | None = None,
    results: list[dict] | None = None,
    reason: str = "",
) -> CertificateOfAnalysis:
    """Records a lot's certificate of analysis: the file's name and SHA-256 (computed from ``content``, or given)
    and its results, each judged against its specification (``CertificateResult.outcome``). The file itself is
    kept by the caller's document store. A certificate with an out-of-specification result blocks the lot's
    release, and ``signals.certificate_recorded`` tells the quality system (an OOS investigation opens)."""
    _require(actor, QA_ROLES, {lot.site.enterprise_id, lot.product.holder_id}, "record a certificate of analysis")
    e = Errors()
    e.required("reference", reference)
    e.required("file_name", file_name)
    e.required("issued_on", issued_on)
    if content is not None:
        digest = hashlib.sha256(content).hexdigest()
        if sha256 and sha256.lower() != digest:
            e.add("sha256", "The SHA-256 does not match the file.", "SHA-256 与文件不符。")
        sha256 = digest
    if not sha256 or len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256.lower()):
        e.add("sha256", "The file's SHA-256 (64 hex digits) is required.", "须提供文件的 SHA-256（64 位十六进制）。")
    if issued_on and issued_on < lot.manufactured_on:
        e.add(
            "issued_on",
            f"The certificate predates the lot ({lot.manufactured_on}).",
            f"报告日期早于批生产日期（{lot.manufactured_on}）。",
        )
    if issued_on and issued_on > clock.today():
        e.add("issued_on", "The certificate cannot be dated in the future.", "报告日期不能晚于今天。")
    if reference and CertificateOfAnalysis.objects.filter(lot=lot, reference=reference.strip()).exists():
        e.add("reference", f"{reference} is already recorded for this lot.", f"该批已登记 {reference}。")
    rows = _parse_results(e, results)
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or "certificate of analysis recorded"):
        certificate = CertificateOfAnalysis.objects.create(
            lot=lot,
            reference=reference.strip(),
            file_name=file_name.strip(),
            sha256=sha256.lower(),
            issued_on=issued_on,
        )
        CertificateResult.objects.bulk_create(
            [
                CertificateResult(
                    certificate=certificate,
                    position=n,
                    test=r["test"],
                    method=r["method"],
                    unit=r["unit"],
                    spec_min=r["spec_min"],
                    spec_max=r["spec_max"],
                    spec_text=r["spec_text"],
                    value=r["value"],
                    result_text=r["result_text"],
                    outcome=r["outcome"],
                )
                for n, r in enumerate(rows, start=1)
            ]
        )
        failing = list(certificate.results.filter(outcome=ResultOutcome.FAIL).order_by("position"))
        signals.certificate_recorded.send(
            sender=CertificateOfAnalysis, certificate=certificate, actor=actor, failing=failing
        )
        return certificate


# --- shipments and cold chain -------------------------------------------------------------------------------


def shipment_create(
    *,
    actor: User,
    reference: str,
    from_site: Site,
    shipped_at: dt.datetime,
    lines: list[tuple[Lot, Any]],
    to_site: Site | None = None,
    consignee: Consignee | None = None,
    reason: str = "",
) -> Shipment:
    """Ships lots from a site to another site or to a consignee. Each lot must be at ``from_site``,
    usable (not rejected, recalled or on hold), and — to a consignee — released; a line's quantity
    cannot exceed what the lot has left."""
    _require(actor, QA_ROLES, {from_site.enterprise_id}, "record a shipment")
    e = Errors()
    e.required("reference", reference)
    e.required("shipped_at", shipped_at)
    if (to_site is None) == (consignee is None):
        e.add("to_site", "A shipment goes either to a site or to a consignee.", "运输的目的地须为场地或收货方之一。")
    if to_site is not None and to_site.pk == from_site.pk:
        e.add("to_site", "A shipment cannot go to the site it leaves.", "运输的目的地不能与发出场地相同。")
    if shipped_at is not None and shipped_at.tzinfo is None:
        e.add("shipped_at", "The time needs a time zone.", "时间须包含时区。")
    if not lines:
        e.add("lines", "A shipment carries at least one lot.", "运输至少包含一个批。")
    if len({lot.pk for lot, _ in lines}) != len(lines):
        e.add("lines", "A lot appears on two lines.", "同一批出现在两行中。")
    parsed = []
    for i, (lot, qty) in enumerate(lines):
        parsed.append((lot, _decimal(e, f"lines[{i}].quantity", qty)))
    if reference and Shipment.objects.filter(reference=reference.strip()).exists():
        e.add("reference", f"{reference} is already registered.", f"{reference} 已被登记。")
    e.raise_if_any()
    problems: list[Problem] = []
    with transaction.atomic():
        for lot, qty in parsed:
            lot = Lot.objects.select_for_update().get(pk=lot.pk)
            tag, tag_zh = f"Lot {lot.lot_number}", f"批 {lot.lot_number}"
            if lot.status in UNUSABLE:
                problems.append(
                    Problem(
                        "lot_unusable",
                        f"{tag} is {STATUS_EN[lot.status]}.",
                        f"{tag_zh}状态为{STATUS_ZH[lot.status]}。",
                        lot_id=lot.pk,
                    )
                )
            elif consignee is not None and lot.status != LotStatus.RELEASED:
                problems.append(
                    Problem(
                        "lot_not_released",
                        f"{tag} is not released; only released lots go to a consignee.",
                        f"{tag_zh}尚未放行；只有已放行的批可发往收货方。",
                        lot_id=lot.pk,
                    )
                )
            if not _lot_location_ok(lot, from_site):
                problems.append(
                    Problem(
                        "lot_not_at_site",
                        f"{tag} is not at {from_site.name_en}.",
                        f"{tag_zh}不在 {from_site.name_zh}。",
                        lot_id=lot.pk,
                    )
                )
            left = selectors.lot_available_at(lot=lot, site=from_site)
            if qty > left and _lot_location_ok(lot, from_site):
                problems.append(
                    Problem(
                        "over_shipment",
                        f"{tag} has {left.normalize():f} {lot.unit} left at {from_site.name_en}; {qty.normalize():f} {lot.unit} were to be shipped.",
                        f"{tag_zh}在 {from_site.name_zh} 剩余 {left.normalize():f} {lot.unit}，拟发运 {qty.normalize():f} {lot.unit}。",
                        lot_id=lot.pk,
                    )
                )
        if problems:
            raise Refused("shipment_refused", "The shipment was refused", "运输记录被拒绝", problems)
        with audit_context(actor=actor, reason=reason or "shipment recorded"):
            shipment = Shipment.objects.create(
                reference=reference.strip(),
                from_site=from_site,
                to_site=to_site,
                consignee=consignee,
                shipped_at=shipped_at,
            )
            ShipmentLine.objects.bulk_create(
                [ShipmentLine(shipment=shipment, lot=lot, quantity=q) for lot, q in parsed]
            )
            recheck(shipment, scope_for(actor), "shipment")
            return shipment


def shipment_receive(*, actor: User, shipment: Shipment, received_at: dt.datetime, reason: str = "") -> Shipment:
    """The receiving site (or, for a consignee, the shipping site) records receipt."""
    receiver = shipment.to_site.enterprise_id if shipment.to_site_id else shipment.from_site.enterprise_id
    _require(actor, QA_ROLES, {receiver}, "record a receipt")
    e = Errors()
    e.required("received_at", received_at)
    if shipment.received_at is not None:
        e.add("received_at", "The shipment was already received.", "该运输已接收。")
    if received_at is not None and received_at.tzinfo is None:
        e.add("received_at", "The time needs a time zone.", "时间须包含时区。")
    elif received_at is not None and received_at < shipment.shipped_at:
        e.add("received_at", "Received before it was shipped.", "接收时间早于发运时间。")
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or "shipment received"):
        shipment.received_at = received_at
        shipment.save(update_fields=["received_at", "updated_at"])
        return shipment


def temperature_log_upload(
    *, actor: User, shipment: Shipment, file_name: str, content: bytes, reason: str = ""
) -> TemperatureLog:
    """Stores a logger file for ``shipment`` with its statistics. For each product on the shipment whose
    storage range the readings left, an ``Excursion`` is opened and the shipment's lots of that product
    are put on hold until it is assessed. A malformed file is refused naming the line; nothing is stored."""
    parties = {shipment.from_site.enterprise_id}
    if shipment.to_site_id:
        parties.add(shipment.to_site.enterprise_id)
    _require(actor, QA_ROLES, parties, "upload a temperature log")
    e = Errors()
    e.required("file_name", file_name)
    e.raise_if_any()
    try:
        parsed = coldchain.parse_logger_csv(content or b"")
    except coldchain.LoggerFileError as exc:
        raise ApplicationError(
            "logger_file_invalid",
            f"The temperature-logger file is malformed at line {exc.line}: {exc.problem_en}",
            f"温度记录仪文件第 {exc.line} 行格式错误：{exc.problem_zh}",
            details={"line": exc.line, "problem": exc.problem_en, "problem_zh": exc.problem_zh},
        ) from None
    if TemperatureLog.objects.filter(shipment=shipment, sha256=parsed.sha256).exists():
        raise ApplicationError(
            "logger_file_duplicate",
            "This file was already uploaded for this shipment.",
            "该文件已为此运输上传过。",
            details={"sha256": parsed.sha256},
        )
    stats = coldchain.series_stats(parsed.readings)
    with transaction.atomic(), audit_context(actor=actor, reason=reason or "temperature log uploaded"):
        log = TemperatureLog.objects.create(
            shipment=shipment,
            file_name=file_name.strip(),
            sha256=parsed.sha256,
            reading_count=stats.count,
            first_reading_at=stats.first_at,
            last_reading_at=stats.last_at,
            min_c=stats.min_c,
            max_c=stats.max_c,
            mean_c=stats.mean_c,
        )
        TemperatureReading.objects.bulk_create(
            [TemperatureReading(log=log, recorded_at=r.at, celsius=r.celsius) for r in parsed.readings], batch_size=2000
        )
        lines = list(shipment.lines.select_related("lot", "lot__product").order_by("lot_id"))
        by_product: dict[int, list[Lot]] = defaultdict(list)
        products: dict[int, Product] = {}
        for line in lines:
            by_product[line.lot.product_id].append(line.lot)
            products[line.lot.product_id] = line.lot.product
        for pid in sorted(by_product):
            product = products[pid]
            if product.storage_min_c is None or product.storage_max_c is None:
                continue
            check = coldchain.range_check(parsed.readings, product.storage_min_c, product.storage_max_c)
            if not check.excursion:
                continue
            excursion = Excursion.objects.create(
                log=log,
                shipment=shipment,
                product=product,
                storage_min_c=product.storage_min_c,
                storage_max_c=product.storage_max_c,
                lowest_c=check.lowest_c,
                highest_c=check.highest_c,
                minutes_out_of_range=check.minutes_out_of_range,
                first_out_at=check.first_out_at,
            )
            locked = list(
                Lot.objects.select_for_update().filter(pk__in=[lot.pk for lot in by_product[pid]]).order_by("pk")
            )
            holds_place(
                lot_ids=[lot.pk for lot in locked],
                kind=HoldKind.EXCURSION,
                excursion=excursion,
                actor=actor,
                message=(
                    f"Temperature excursion on shipment {shipment.reference}: on hold until it is assessed.",
                    f"运输 {shipment.reference} 出现温度偏离：评估前暂停使用。",
                ),
            )
        return log


def excursion_assess(
    *,
    actor: User,
    password: str,
    excursion: Excursion,
    outcome: str,
    justification: str,
    reason: str = "",
) -> ExcursionAssessment:
    """Records and e-signs the assessment of a temperature excursion (``EXCURSION_WORKFLOW``: ``accepted`` signs
    "approved" and lifts the excursion's holds — each lot returns to its status before its first hold once no
    other hold remains; ``rejected`` signs "rejected" and rejects the held lots)."""
    excursion = Excursion.objects.select_related("shipment", "shipment__to_site", "product").get(pk=excursion.pk)
    e = Errors()
    e.choice("outcome", outcome, AssessmentOutcome.values)
    e.required("justification", justification)
    e.raise_if_any()
    action = "accept" if outcome == AssessmentOutcome.ACCEPTED else "reject"
    why = reason or f"temperature excursion assessed: {outcome}"
    with transition(
        EXCURSION_WORKFLOW,
        actor=actor,
        subject=excursion,
        action=action,
        reason=why,
        password=password,
        record_event=None,
        lock_related=("shipment", "shipment__to_site", "product"),
    ) as t:
        assessment = ExcursionAssessment.objects.create(
            excursion=t.subject, outcome=outcome, justification=justification.strip(), assessed_by=actor
        )
        t.sign(assessment)
        holds_lift(
            holds=LotHold.objects.filter(excursion=t.subject, lifted=False).select_related("excursion", "recall"),
            actor=actor,
            final_status=LotStatus.REJECTED if outcome == AssessmentOutcome.REJECTED else None,
            message=(
                f"Excursion on shipment {t.subject.shipment.reference} assessed: {outcome}.",
                f"运输 {t.subject.shipment.reference} 的温度偏离已评估：{'接受' if action == 'accept' else '拒收'}。",
            ),
        )
    return assessment


# --- release -----------------------------------------------------------------------------------------------


def lot_release(*, actor: User, password: str, lot: Lot, kind: str, reason: str = "") -> Release:
    """Contract-manufacturer QA release (``cmo_qa``, by the QA of the enterprise that made the lot, when
    it is not the holder) or qualified-person release (``qualified_person``, by the holder's 质量受权人),
    e-signed with meaning "released" (``LOT_WORKFLOW`` steps ``release_cmo`` / ``release_qp``). The
    qualified-person release moves the lot to ``released``.

    Refused with EVERY blocker in ``details["blockers"]`` (409 ``release_blocked``): expired, certificate of
    analysis missing, (QP) the contract manufacturer's release missing, an upstream lot not released, an
    unassessed excursion on a shipment that carried it or an upstream lot, and whatever the layers above
    register (``selectors.register_release_blockers``: an open major deviation). A lot not in quarantine is
    ``wrong_state`` (409)."""
    lot = Lot.objects.select_related("site", "product").get(pk=lot.pk)
    if kind not in ReleaseKind.values:
        raise ValidationFailed({"kind": (f"Unknown release kind {kind!r}.", f"未知的放行类型 {kind!r}。")})
    action = "release_cmo" if kind == ReleaseKind.CMO_QA else "release_qp"
    LOT_WORKFLOW.check_actor(actor, lot, action)
    if kind == ReleaseKind.CMO_QA and lot.site.enterprise_id == lot.product.holder_id:
        raise ValidationFailed(
            {
                "kind": (
                    "The holder made this lot itself: only the qualified person releases it.",
                    "该批由持有人自行生产：仅需质量受权人放行。",
                )
            }
        )

    def refuse_if_blocked(subject: Lot) -> None:
        blockers = [
            b for b in selectors.lot_release_blockers(lot=subject, kind=kind) if b.code != "lot_not_in_quarantine"
        ]
        if blockers:
            raise Refused(
                "release_blocked",
                f"Lot {subject.lot_number} cannot be released",
                f"批 {subject.lot_number} 不能放行",
                [Problem(b.code, b.message, b.message_zh, lot_id=b.lot_id, object_id=b.object_id) for b in blockers],
                key="blockers",
                status=409,
            )

    LOT_WORKFLOW.check_state(lot, action)
    refuse_if_blocked(lot)
    why = reason or f"lot released ({kind})"
    with transition(
        LOT_WORKFLOW,
        actor=actor,
        subject=lot,
        action=action,
        reason=why,
        password=password,
        record_event=lot_event,
        lock_related=("site", "product"),
    ) as t:
        refuse_if_blocked(t.subject)  # again, under the lock
        certificate = CertificateOfAnalysis.objects.filter(lot=t.subject).order_by("-issued_on", "-id").first()
        release = Release.objects.create(lot=t.subject, kind=kind, released_by=actor, certificate=certificate)
        t.sign(release)
        t.payload.update(release_id=release.pk, kind=kind)
    return release


# --- recall ------------------------------------------------------------------------------------------------


def lot_recall(
    *, actor: User, lot: Lot, reason: str, password: str, status: str = RecallStatus.ON_HOLD
) -> RecallAction:
    """The holder's QA or QP recalls ``lot``, e-signed (meaning "recalled"): the lot and every lot downstream of
    it get a recall hold (``on_hold``: each stays on hold until the recall is closed, whatever else is lifted)
    or are recalled at once (``recalled``). Rejected and recalled lots stay as they are. One transaction."""
    lot = Lot.objects.select_related("site", "product").get(pk=lot.pk)
    LOT_WORKFLOW.check_actor(actor, lot, "recall")
    _reason(reason)
    if status not in RecallStatus.values:
        raise ValidationFailed(
            {"status": (f"{status!r} is not on_hold or recalled.", f"{status!r} 不是暂停使用或召回。")}
        )
    why = f"recall from lot {lot.lot_number}: {reason.strip()}"
    with transition(
        LOT_WORKFLOW,
        actor=actor,
        subject=lot,
        action="recall",
        reason=why,
        password=password,
        record_event=lot_event,
        lock_related=("site", "product"),
    ) as t:
        recall = RecallAction.objects.create(
            lot=t.subject, status=status, reason=reason.strip(), affected_count=0, initiated_by=actor
        )
        reached = list(
            Lot.objects.filter(id__in=reach(Lot.objects.filter(pk=lot.pk), "forward")).values_list("id", flat=True)
        )
        message = (
            f"Recall from lot {lot.lot_number}: {reason.strip()}",
            f"自批 {lot.lot_number} 发起召回：{reason.strip()}",
        )
        if status == RecallStatus.ON_HOLD:
            changed = holds_place(lot_ids=reached, kind=HoldKind.RECALL, recall=recall, actor=actor, message=message)
            t.moved_to(LotStatus.ON_HOLD)
        else:
            movable = Lot.objects.filter(id__in=reached).exclude(status__in=TERMINAL)
            changed = list(movable.values_list("id", flat=True))
            events = [
                LotEvent(
                    lot_id=pk,
                    kind=LotEventKind.RECALLED,
                    status_from=before,
                    status_to=LotStatus.RECALLED,
                    actor=actor,
                    occurred_at=clock.now(),
                    message_en=message[0],
                    message_zh=message[1],
                    data={"recall_id": recall.pk},
                )
                for pk, before in movable.values_list("id", "status")
                if pk != lot.pk
            ]
            movable.update(status=LotStatus.RECALLED, updated_at=clock.now())
            LotEvent.objects.bulk_create(events)
            t.moved_to(LotStatus.RECALLED)
        recall.affected_count = len(changed)
        recall.save(update_fields=["affected_count", "updated_at"])
        t.sign(recall)
        t.payload.update(recall_id=recall.pk, status=status, affected=len(changed))
    return recall


__all__ = [
    "Problem",
    "Refused",
    "chain_check",
    "chain_close",
    "chain_create",
    "chain_problems",
    "coa_record",
    "consignee_create",
    "excursion_assess",
    "lot_create",
    "lot_recall",
    "lot_reject",
    "lot_release",
    "shipment_create",
    "shipment_receive",
    "temperature_log_upload",
    "transformation_record",
]
