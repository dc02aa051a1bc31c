"""Lots and transformations (with their edges), rejection, certificates of analysis and their results."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import Problem, Refused, ValidationFailed
from bioseg.common.formatting import format_quantity
from bioseg.common.scoping import recheck
from bioseg.common.validation import Errors, unique_or_conflict
from bioseg.production import selectors, signals
from bioseg.production.models import (
    STATUS_EN,
    STATUS_ZH,
    CertificateOfAnalysis,
    CertificateResult,
    Lot,
    LotEdge,
    ResultOutcome,
    Segment,
    Transformation,
    TransformationInput,
    TransformationKind,
    Unit,
)
from bioseg.production.services.common import KIND_ZH, QA_ROLES, UNUSABLE, _decimal, _lot_location_ok, _reason, _require
from bioseg.production.workflows import LOT_WORKFLOW, lot_event
from bioseg.registry.scope import scope_for

FUTURE_TRANSFORMATION = ("A transformation cannot be recorded for a day still to come.", "加工日期不能晚于今天。")
FUTURE_LOT = ("A lot cannot be manufactured on a day still to come.", "生产日期不能晚于今天。")

# What a transformation's audit rows say when the user gives no reason: the platform's own English text, shown in
# the reader's language on the history page (gettext_noop: in the catalogue, stored untranslated).
TRANSFORMATION_REASONS = {
    "manufacture": gettext_noop("manufacture recorded"),
    "blend": gettext_noop("blend recorded"),
    "fill": gettext_noop("fill recorded"),
    "rework": gettext_noop("rework recorded"),
}


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
    e.fits(Transformation, {"reference": reference})
    if performed_on and performed_on > clock.today():
        e.add("performed_on", *FUTURE_TRANSFORMATION)
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
        else:
            e.fits(Lot, {"lot_number": number}, names={"lot_number": f"{f}.lot_number"})
        numbers.add(number)
        qty = _decimal(e, f"{f}.quantity", out.get("quantity"), unit=out.get("unit") or "")
        if out.get("unit") not in Unit.values:
            e.add(f"{f}.unit", f"{out.get('unit')!r} is not a known unit.", f"{out.get('unit')!r} 不是已知的计量单位。")
        made = out.get("manufactured_on") or performed_on
        if out.get("manufactured_on") and out["manufactured_on"] > clock.today():
            e.add(f"{f}.manufactured_on", *FUTURE_LOT)
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
        d = _decimal(e, f"inputs[{i}].quantity", qty, unit=lot.unit)
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
                        f"{tag} has {format_quantity(left, lot.unit, 'en')} left; "
                        f"{format_quantity(wanted[pk], lot.unit, 'en')} were requested.",
                        f"{tag_zh}剩余 {format_quantity(left, lot.unit, 'zh')}，"
                        f"请求投入 {format_quantity(wanted[pk], lot.unit, 'zh')}。",
                        lot_id=pk,
                        left=f"{left.normalize():f}",
                        requested=str(wanted[pk]),
                    )
                )
        if problems:
            raise Refused("transformation_refused", "The transformation was refused", "转化记录被拒绝", problems)

        with audit_context(actor=actor, reason=reason or TRANSFORMATION_REASONS[kind]):
            t = Transformation.objects.create(
                kind=kind,
                product=product,
                segment=segment,
                site=site,
                performed_on=performed_on,
                reference=reference.strip(),
            )
            with unique_or_conflict("lot_number", ", ".join(out["lot_number"] for out in parsed_outputs)):
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
    a ``manufacture`` transformation without inputs. Its refusals name the lot's own fields (``expires_on``,
    ``manufactured_on``), never the transformation's (``outputs[0].expires_on``, ``performed_on``)."""
    try:
        t = transformation_record(
            actor=actor,
            kind=TransformationKind.MANUFACTURE,
            segment=segment,
            performed_on=manufactured_on,
            outputs=[{"lot_number": lot_number, "quantity": quantity, "unit": unit, "expires_on": expires_on}],
            reference=reference,
            reason=reason or gettext_noop("lot registered"),
        )
    except ValidationFailed as exc:
        raise ValidationFailed(_as_lot_fields(exc.details["fields"])) from None
    return t.outputs.get()


def _as_lot_fields(fields: dict[str, dict]) -> dict[str, tuple[str, str]]:
    """A transformation's field errors as the lot's: ``outputs[0].quantity`` → ``quantity``, the day of the
    transformation → the lot's manufacture date, in words about the lot."""
    out = {}
    for name, msg in fields.items():
        if name == "performed_on":
            said = (msg["message"], msg["message_zh"])
            out["manufactured_on"] = FUTURE_LOT if said == FUTURE_TRANSFORMATION else said
            continue
        out[name.removeprefix("outputs[0].")] = (msg["message"], msg["message_zh"])
    return out


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
    results_file_name: str = "",
    results_content: bytes | None = None,
    reason: str = "",
) -> CertificateOfAnalysis:
    """Records a lot's certificate of analysis: the file's name and SHA-256 (computed from ``content``, or given)
    and its results, each judged against its specification (``CertificateResult.outcome``); when the results were
    imported from a file (``results_file_name``, ``results_content``), that file's name and SHA-256 too. The files
    themselves are kept by the caller's document store. A certificate with an out-of-specification result blocks the lot's
    release, and ``signals.certificate_recorded`` tells the quality system (an OOS investigation opens)."""
    _require(actor, QA_ROLES, {lot.site.enterprise_id, lot.product.holder_id}, "record a certificate of analysis")
    e = Errors()
    e.required("reference", reference)
    e.required("file_name", file_name)
    e.fits(CertificateOfAnalysis, {"reference": reference, "file_name": file_name})
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
    if results_content is not None and not (results_file_name or "").strip():
        e.add("results_file_name", "Name the results file.", "请填写结果文件的名称。")
    e.fits(CertificateOfAnalysis, {"results_file_name": (results_file_name or "").strip()})
    e.raise_if_any()
    results_sha256 = hashlib.sha256(results_content).hexdigest() if results_content is not None else ""
    with (
        transaction.atomic(),
        audit_context(actor=actor, reason=reason or gettext_noop("certificate of analysis recorded")),
    ):
        certificate = CertificateOfAnalysis.objects.create(
            lot=lot,
            reference=reference.strip(),
            file_name=file_name.strip(),
            sha256=sha256.lower(),
            issued_on=issued_on,
            results_file_name=(results_file_name or "").strip() if results_content is not None else "",
            results_sha256=results_sha256,
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
