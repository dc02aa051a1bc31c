"""Consignees, shipments and receipts, temperature logs, excursions and their assessment."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import ApplicationError, PermissionDenied, Problem, Refused, ValidationFailed
from bioseg.common.formatting import format_quantity
from bioseg.common.regions import is_country_code, is_province_code
from bioseg.common.scoping import recheck
from bioseg.common.validation import Errors, unique_or_conflict
from bioseg.production import coldchain, selectors
from bioseg.production.disposition import authority_basis, authority_names, excursion_disposition_authority
from bioseg.production.holds import holds_lift, holds_place
from bioseg.production.models import (
    STATUS_EN,
    STATUS_ZH,
    AssessmentOutcome,
    Consignee,
    Excursion,
    ExcursionAssessment,
    HoldKind,
    Lot,
    LotHold,
    LotStatus,
    Shipment,
    ShipmentLine,
    TemperatureLog,
    TemperatureReading,
)
from bioseg.production.services.common import QA_ROLES, UNUSABLE, _decimal, _lot_location_ok, _require
from bioseg.production.workflows import EXCURSION_WORKFLOW
from bioseg.registry.models import Product, Site
from bioseg.registry.scope import own_enterprise_ids, scope_for

# What an excursion assessment's audit rows say when the user gives no reason, shown in the reader's language.
ASSESSMENT_REASONS = {
    "accepted": gettext_noop("temperature excursion assessed: accepted"),
    "rejected": gettext_noop("temperature excursion assessed: rejected"),
}


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
    e.fits(Consignee, {"name_zh": name_zh, "name_en": name_en, "address": address})
    if not is_country_code(country_code or ""):
        e.add(
            "country_code",
            f"{country_code!r} is not an ISO 3166-1 alpha-2 code.",
            f"{country_code!r} 不是 ISO 3166-1 二字母国家代码。",
        )
    if country_code == "CN" and not region_code:
        e.add("region_code", "A consignee in China needs its province.", "境内收货方须填写所在省份。")
    elif country_code == "CN" and not is_province_code(region_code):
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
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("consignee registered")):
        return Consignee.objects.create(
            name_zh=name_zh.strip(),
            name_en=name_en.strip(),
            country_code=country_code,
            region_code=region_code if country_code == "CN" else "",
            address=address.strip(),
        )


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
    e.fits(Shipment, {"reference": reference})
    if shipped_at is not None and shipped_at.tzinfo is not None and shipped_at > clock.now() + dt.timedelta(minutes=5):
        e.add("shipped_at", "A shipment cannot leave in the future.", "发运时间不能晚于当前时间。")
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
        parsed.append((lot, _decimal(e, f"lines[{i}].quantity", qty, unit=lot.unit)))
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
                        f"{tag} has {format_quantity(left, lot.unit, 'en')} left at {from_site.name_en}; "
                        f"{format_quantity(qty, lot.unit, 'en')} were to be shipped.",
                        f"{tag_zh}在{from_site.name_zh}剩余 {format_quantity(left, lot.unit, 'zh')}，"
                        f"拟发运 {format_quantity(qty, lot.unit, 'zh')}。",
                        lot_id=lot.pk,
                    )
                )
        if problems:
            raise Refused("shipment_refused", "The shipment was refused", "运输记录被拒绝", problems)
        with (
            audit_context(actor=actor, reason=reason or gettext_noop("shipment recorded")),
            unique_or_conflict("reference", reference.strip()),
        ):
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
    if received_at is not None and received_at.tzinfo is not None:
        if received_at > clock.now() + dt.timedelta(minutes=5):
            e.add("received_at", "A receipt cannot be in the future.", "接收时间不能晚于当前时间。")
        if received_at < shipment.shipped_at:
            e.add("received_at", "A shipment is received after it was shipped.", "接收时间不能早于发运时间。")
    if shipment.received_at is not None:
        e.add("received_at", "The shipment was already received.", "该运输已接收。")
    if received_at is not None and received_at.tzinfo is None:
        e.add("received_at", "The time needs a time zone.", "时间须包含时区。")
    elif received_at is not None and received_at < shipment.shipped_at:
        e.add("received_at", "Received before it was shipped.", "接收时间早于发运时间。")
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("shipment received")):
        locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if locked.received_at is not None:  # received by a simultaneous request since the check above
            raise ValidationFailed({"received_at": ("The shipment was already received.", "该运输已接收。")})
        locked.received_at = received_at
        locked.save(update_fields=["received_at", "updated_at"])
        return locked


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
    e.fits(TemperatureLog, {"file_name": file_name})
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
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("temperature log uploaded")):
        Shipment.objects.select_for_update().get(pk=shipment.pk)  # uploads to one shipment take turns
        if TemperatureLog.objects.filter(shipment=shipment, sha256=parsed.sha256).exists():
            raise ApplicationError(
                "logger_file_duplicate",
                "This file was already uploaded for this shipment.",
                "该文件已为此运输上传过。",
                details={"sha256": parsed.sha256},
            )
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


def _refuse_unless_disposer(actor: User, excursion: Excursion) -> None:
    """A quality person of a party to the shipment who is not the party the quality agreement names for the
    disposition after an excursion is refused (403) with the name of the one who is; anyone else gets the
    workflow's plain refusal."""
    if actor is None or not actor.is_authenticated or not actor.has_role(*EXCURSION_WORKFLOW.get("accept").roles):
        return
    shipment = excursion.shipment
    concerned = {excursion.product.holder_id, shipment.from_site.enterprise_id}
    if shipment.to_site_id is not None:
        concerned.add(shipment.to_site.enterprise_id)
    own = own_enterprise_ids(actor)
    authority = excursion_disposition_authority(excursion)
    if not own & concerned or authority.enterprise_ids & own:
        return
    who_en, who_zh = authority_names(authority)
    basis_en, basis_zh = authority_basis(authority)
    raise Refused(
        "not_disposition_party",
        "You may not disposition these lots",
        "您无权处置这些批",
        [
            Problem(
                "disposition_party",
                f"The lots held by the excursion on shipment {shipment.reference} are dispositioned by {who_en}, "
                f"{basis_en}.",
                f"运输 {shipment.reference} 温度偏离所涉的批应由{who_zh}处置，{basis_zh}。",
                party=authority.party,
                enterprise_ids=sorted(authority.enterprise_ids),
                default=authority.default,
            )
        ],
        status=403,
    )


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
    excursion = Excursion.objects.select_related("shipment", "shipment__from_site", "shipment__to_site", "product").get(
        pk=excursion.pk
    )
    _refuse_unless_disposer(actor, excursion)
    e = Errors()
    e.choice("outcome", outcome, AssessmentOutcome.values)
    e.required("justification", justification)
    e.raise_if_any()
    action = "accept" if outcome == AssessmentOutcome.ACCEPTED else "reject"
    why = reason or ASSESSMENT_REASONS[outcome]
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
