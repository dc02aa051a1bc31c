"""Change control across the sites of a segmented chain: writes (services) and reads (selectors).

A change is raised at one site, classified by regulatory route (Drug Registration Measures 2020 Art. 78–80:
审批类 prior approval, 备案类 filing before implementation — with the holder's provincial regulator, or CDE for a drug
made abroad — and 报告类 annual report) and by GMP impact (GMP 2010 Art. 242). bioseg computes the affected parties
over the chain in force that day (the changed segments, every segment downstream of them, and for a change of the
site itself every segment made there); each affected enterprise other than the requester records its impact
assessment (e-signed). The approving party of the agreement (by default the holder) approves; implementation is
refused — naming what is missing — until every required assessment, that approval and the regulator's approval or
filing reference are recorded. After a key change (major GMP impact) the first three lots made under it are flagged
for evaluation and, where the change may affect shelf life, stability follow-up (Art. 243–244). A regulator may
re-classify a change (Order 828 Art. 27); the record shows it. Each transition is a step of ``CHANGE_WORKFLOW``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.audit.context import audit_context
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied, Problem, Refused
from bioseg.common.scoping import get_in_scope, recheck
from bioseg.common.validation import Errors
from bioseg.production.genealogy import reach_sql
from bioseg.production.models import Lot, ProcessChain, SegmentFeed
from bioseg.quality.change_workflow import (
    CHANGE_WORKFLOW,
    change_event,
    change_party_enterprise_ids,
    pending_assessors,
    required_assessors,
)
from bioseg.quality.duties import duty_for
from bioseg.quality.models import (
    Activity,
    AffectedBecause,
    AssessmentConclusion,
    ChangeAffectedSegment,
    ChangeAssessment,
    ChangeEvent,
    ChangeKind,
    ChangeRequest,
    ChangeRoute,
    ChangeStatus,
    GmpImpact,
    RegulatoryRecordKind,
)
from bioseg.quality.notifications import QUALITY_ROLES, notify
from bioseg.quality.services import agreement_in_force
from bioseg.registry.models import Enterprise
from bioseg.registry.scope import own_enterprise_ids, scope_for
from bioseg.regulation.facts import province_name

TEXT_LIMIT = 10_000
FLAGGED_LOTS = 3  # GMP 2010 Art. 244: "最初至少三个批次"
ROUTE_EN = {"prior_approval": "prior approval", "filing": "filing", "annual_report": "annual report"}
ROUTE_ZH = {"prior_approval": "审批类", "filing": "备案类", "annual_report": "报告类"}
IMPACT_EN = {"major": "major", "minor": "minor"}
IMPACT_ZH = {"major": "主要", "minor": "次要"}
ACTIVITY = {
    ChangeRoute.PRIOR_APPROVAL: Activity.CHANGE_MAJOR,
    ChangeRoute.FILING: Activity.CHANGE_MODERATE,
    ChangeRoute.ANNUAL_REPORT: Activity.CHANGE_MINOR,
}
# the regulatory record each route needs before implementation (an annual report comes after it)
REQUIRED_RECORD = {
    ChangeRoute.PRIOR_APPROVAL: RegulatoryRecordKind.APPROVAL,
    ChangeRoute.FILING: RegulatoryRecordKind.FILING,
    ChangeRoute.ANNUAL_REPORT: RegulatoryRecordKind.ANNUAL_REPORT,
}
NEEDED_BEFORE = {ChangeRoute.PRIOR_APPROVAL, ChangeRoute.FILING}


def _texts(e: Errors, **values: str) -> None:
    for name, value in values.items():
        e.required(name, value)
        if value and len(value) > TEXT_LIMIT:
            e.add(name, f"At most {TEXT_LIMIT:,} characters.", f"最多 {TEXT_LIMIT:,} 个字符。")


def _not_future(e: Errors, field: str, value: dt.date | None, what: tuple[str, str]) -> None:
    if value and value > clock.today():
        e.add(field, f"The {what[0]} cannot be in the future.", f"{what[1]}不能晚于今天。")


def chain_in_force(product, on_date: dt.date) -> ProcessChain | None:
    return (
        ProcessChain.objects.filter(product=product, effective_from__lte=on_date)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on_date))
        .order_by("-version")
        .first()
    )


def filing_authority(change: ChangeRequest) -> tuple[str, str]:
    """Where the change is filed or applied for (Art. 78–80): CDE for a supplementary application and for a drug
    made abroad; otherwise the provincial regulator of the holder's province (an annual report goes there too)."""
    holder = change.product.holder
    abroad = not holder.domestic or change.site.country_code != "CN"
    if change.route == ChangeRoute.PRIOR_APPROVAL or (abroad and change.route == ChangeRoute.FILING):
        return ("NMPA Center for Drug Evaluation (CDE)", "国家药监局药品审评中心（CDE）")
    code = holder.region_code
    return (f"{province_name(code, 'en')} MPA", f"{province_name(code, 'zh')}药品监督管理局")


@dataclass(frozen=True)
class Affected:
    segment: object
    because: str


def affected_segments(*, chain: ProcessChain, site, segment=None, kind: str) -> list[Affected]:
    """The segments of ``chain`` a change at ``site`` touches: the changed ones (``segment``, or every segment made
    at the site when none is named), every segment downstream of them (they use the changed material) and, for a
    change of the site itself, every other segment made there."""
    segments = {s.pk: s for s in chain.segments.select_related("site", "site__enterprise")}
    feeds: dict[int, list[int]] = {}
    for source, target in SegmentFeed.objects.filter(source__chain=chain).values_list("source_id", "target_id"):
        feeds.setdefault(source, []).append(target)
    changed = [segment.pk] if segment is not None else [pk for pk, s in segments.items() if s.site_id == site.pk]
    because = dict.fromkeys(changed, AffectedBecause.CHANGED)
    todo = list(changed)
    while todo:
        for nxt in feeds.get(todo.pop(), []):
            if nxt not in because:
                because[nxt] = AffectedBecause.DOWNSTREAM
                todo.append(nxt)
    if kind == ChangeKind.SITE:
        for pk, s in segments.items():
            if s.site_id == site.pk and pk not in because:
                because[pk] = AffectedBecause.SAME_SITE
    return [Affected(segments[pk], str(b)) for pk, b in sorted(because.items(), key=lambda i: segments[i[0]].position)]


def region_codes(site, product, affected: list[Affected]) -> str:
    """The provinces a change concerns: the requesting site's, the holder's and every affected site's."""
    codes = {site.region_code, product.holder.region_code} | {a.segment.site.region_code for a in affected}
    return ",".join(sorted(c for c in codes if c))


def _next_reference(today: dt.date) -> str:
    prefix = f"CHG-{today.year}-"
    last = (
        ChangeRequest.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
    )
    n = int(last[0][len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:05d}"


def _agreement_with(product, site, on_date):
    return agreement_in_force(product=product, site=site, on_date=on_date)


def change_raise(
    *,
    actor: User,
    product,
    site,
    kind: str,
    title: str,
    description: str,
    justification: str,
    raised_on: dt.date | None,
    route: str,
    gmp_impact: str,
    classification_reason: str,
    segment=None,
    planned_on: dt.date | None = None,
    stability_followup: bool = False,
    reason: str = "",
) -> ChangeRequest:
    """A QA of the site's enterprise (or of the product's holder) raises a change at ``site``. bioseg computes the
    affected segments and enterprises over the chain in force on ``raised_on``, fixes the approving party from the
    agreement and notifies each affected enterprise and the holder within the agreement's time limit."""
    own = own_enterprise_ids(actor)
    if not (actor.has_role(*QUALITY_ROLES) and (site.enterprise_id in own or product.holder_id in own)):
        raise PermissionDenied("raise a change at this site", "在该场地提出变更")
    e = Errors()
    _texts(
        e,
        title=title,
        description=description,
        justification=justification,
        classification_reason=classification_reason,
    )
    if title and len(title) > 200:
        e.add("title", "At most 200 characters.", "最多 200 个字符。")
    e.choice("kind", kind, ChangeKind.values)
    e.choice("route", route, ChangeRoute.values)
    e.choice("gmp_impact", gmp_impact, GmpImpact.values)
    e.required("raised_on", raised_on)
    _not_future(e, "raised_on", raised_on, ("date the change is raised", "变更提出日期"))
    if planned_on and raised_on and planned_on < raised_on:
        e.add(
            "planned_on", "The planned implementation is before the change is raised.", "计划实施日期早于变更提出日期。"
        )
    chain = chain_in_force(product, raised_on) if raised_on else None
    agreement = None
    affected: list[Affected] = []
    if raised_on and chain is None:
        e.add(
            "site",
            f"{product.name_en} has no process chain in force on {raised_on}.",
            f"{raised_on} 当日{product.name_zh}没有有效的工艺链。",
        )
    elif chain is not None:
        at_site = [s for s in chain.segments.all() if s.site_id == site.pk]
        if not at_site:
            e.add(
                "site",
                f"{site.name_en} makes no segment of {product.name_en}'s chain in force on {raised_on}.",
                f"{site.name_zh}不承担{raised_on}有效的{product.name_zh}工艺链中的任何工序段。",
            )
        elif segment is not None and segment.pk not in {s.pk for s in at_site}:
            e.add(
                "segment_id",
                f"The segment is not made at {site.name_en} in the chain in force on {raised_on}.",
                f"在{raised_on}有效的工艺链中，该工序段不在{site.name_zh}生产。",
            )
        else:
            affected = affected_segments(chain=chain, site=site, segment=segment, kind=kind)
            for s in {a.segment.site_id: a.segment.site for a in affected}.values():
                if s.enterprise_id == product.holder_id:
                    continue
                found = _agreement_with(product, s, raised_on)
                if found is None:
                    e.add(
                        "site",
                        f"No quality agreement between the holder and {s.name_en} covering {product.name_en} was in "
                        f"force on {raised_on}.",
                        f"{raised_on} 当日，持有人与{s.name_zh}之间没有涵盖{product.name_zh}的有效质量协议。",
                    )
                elif s.pk == site.pk:
                    agreement = found
    e.raise_if_any()
    duty = duty_for(agreement, ACTIVITY[route])
    today = clock.today()
    for attempt in range(3):
        try:
            with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("change raised")):
                change = ChangeRequest.objects.create(
                    reference=_next_reference(today),
                    product=product,
                    site=site,
                    segment=segment,
                    chain=chain,
                    agreement=agreement,
                    kind=kind,
                    title=title.strip(),
                    description=description.strip(),
                    justification=justification.strip(),
                    raised_on=raised_on,
                    planned_on=planned_on,
                    route=route,
                    gmp_impact=gmp_impact,
                    classification_reason=classification_reason.strip(),
                    stability_followup=bool(stability_followup),
                    approver_party=duty.approver,
                    requested_by=actor,
                    region_codes=region_codes(site, product, affected),
                )
                ChangeAffectedSegment.objects.bulk_create(
                    [
                        ChangeAffectedSegment(
                            change=change,
                            segment=a.segment,
                            site=a.segment.site,
                            enterprise_id=a.segment.site.enterprise_id,
                            because=a.because,
                            assessment_required=a.segment.site.enterprise_id != site.enterprise_id,
                        )
                        for a in affected
                    ]
                )
                assessors = required_assessors(change)
                ChangeEvent.objects.create(
                    change=change,
                    kind="raised",
                    status_to=change.status,
                    actor=actor,
                    occurred_at=clock.now(),
                    message_en=(
                        f"Change raised at {site.name_en} ({ROUTE_EN[route]}, {IMPACT_EN[gmp_impact]} GMP impact); "
                        f"{len(affected)} segments affected, {len(assessors)} impact assessments required."
                    ),
                    message_zh=(
                        f"在{site.name_zh}提出变更（{ROUTE_ZH[route]}，GMP影响{IMPACT_ZH[gmp_impact]}）；"
                        f"涉及 {len(affected)} 个工序段，需 {len(assessors)} 方进行影响评估。"
                    ),
                    data={
                        "route": route,
                        "gmp_impact": gmp_impact,
                        "affected_segments": [a.segment.code for a in affected],
                        "assessors": sorted(assessors),
                    },
                )
                _announce(change, actor, (assessors | {product.holder_id}) - own, "raised")
                recheck(change, scope_for(actor), "change request")
                return change
        except IntegrityError:  # two changes took the same reference at once: take the next one
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _announce(change: ChangeRequest, actor: User, enterprise_ids: set[int], what: str) -> None:
    ref, route_en, route_zh = change.reference, ROUTE_EN[change.route], ROUTE_ZH[change.route]
    texts = {
        "raised": (
            (f"Change {ref} ({route_en}): your impact assessment", f"变更 {ref}（{route_zh}）：请进行影响评估"),
            (
                f"{change.title} — raised at {change.site.name_en} on {change.raised_on}.",
                f"{change.title}——{change.raised_on} 由{change.site.name_zh}提出。",
            ),
        ),
        "assessed": (
            (f"Change {ref}: an impact assessment was recorded", f"变更 {ref}：已记录一方的影响评估"),
            (change.title, change.title),
        ),
        "approved": ((f"Change {ref} approved", f"变更 {ref} 已批准"), (change.title, change.title)),
        "implemented": ((f"Change {ref} implemented", f"变更 {ref} 已实施"), (change.title, change.title)),
        "rejected": ((f"Change {ref} rejected", f"变更 {ref} 已否决"), (change.title, change.title)),
        "reclassified": (
            (
                f"Change {ref} re-classified by the regulator as {route_en}",
                f"变更 {ref} 已被药监部门重新确定为{route_zh}",
            ),
            (change.classification_reason, change.classification_reason),
        ),
    }
    title, body = texts[what]
    activity = ACTIVITY[change.route]
    sites = {change.site.enterprise_id: change.site}
    sites.update({a.enterprise_id: a.site for a in change.affected.select_related("site")})
    for enterprise_id in sorted(enterprise_ids):
        site = sites.get(enterprise_id)
        agreement = _agreement_with(change.product, site, change.raised_on) if site is not None else None
        notify(
            enterprise_ids={enterprise_id},
            activity=activity,
            subject=change,
            title=title,
            body=body,
            within_hours=duty_for(agreement or change.agreement, activity).notify_within_hours,
            exclude=actor,
        )


def _parties(change: ChangeRequest) -> set[int]:
    return change_party_enterprise_ids(change, "both") | required_assessors(change)


def _required_reason(reason: str, what: tuple[str, str]) -> str:
    e = Errors()
    _texts(e, reason=reason)
    if e.fields:
        e.fields["reason"] = (f"Give the reason to {what[0]}.", f"请填写{what[1]}的理由。")
    e.raise_if_any()
    return reason.strip()


def change_record_assessment(
    *, actor: User, change: ChangeRequest, conclusion: str, assessment: str, password: str, actions: str = "", reason=""
) -> ChangeAssessment:
    """An affected enterprise's QA records its impact assessment (e-signed, meaning "reviewed")."""
    CHANGE_WORKFLOW.check_actor(actor, change, "record_assessment")
    e = Errors()
    e.choice("conclusion", conclusion, AssessmentConclusion.values)
    _texts(e, assessment=assessment)
    if conclusion == AssessmentConclusion.ACCEPTABLE and not (actions or "").strip():
        e.add("actions", "State the actions that make the impact acceptable.", "请说明使影响可接受的措施。")
    if len(actions or "") > TEXT_LIMIT:
        e.add("actions", f"At most {TEXT_LIMIT:,} characters.", f"最多 {TEXT_LIMIT:,} 个字符。")
    e.raise_if_any()
    with transition(
        CHANGE_WORKFLOW,
        actor=actor,
        subject=change,
        action="record_assessment",
        reason=reason or gettext_noop("change impact assessment recorded"),
        password=password,
        record_event=change_event,
        lock_related=("site", "product"),
    ) as t:
        c = t.subject
        enterprise_id = min(pending_assessors(c) & own_enterprise_ids(actor))
        row = ChangeAssessment.objects.create(
            change=c,
            enterprise_id=enterprise_id,
            conclusion=conclusion,
            assessment=assessment.strip(),
            actions=(actions or "").strip(),
            assessed_by=actor,
            assessed_at=clock.now(),
        )
        t.sign(row)
        t.payload.update({"enterprise_id": enterprise_id, "conclusion": conclusion})
        _announce(c, actor, change_party_enterprise_ids(c, "both") - own_enterprise_ids(actor), "assessed")
    return row


def change_approve(*, actor: User, change: ChangeRequest, password: str, reason: str = "") -> ChangeRequest:
    """The approving party approves the change (e-signed, meaning "approved")."""
    with transition(
        CHANGE_WORKFLOW,
        actor=actor,
        subject=change,
        action="approve",
        reason=reason or gettext_noop("change approved"),
        password=password,
        record_event=change_event,
        lock_related=("site", "product"),
    ) as t:
        c = t.subject
        c.approved_at, c.approved_by = clock.now(), actor
        c.save(update_fields=["approved_at", "approved_by", "updated_at"])
        t.sign(c)
        _announce(c, actor, _parties(c) - own_enterprise_ids(actor), "approved")
    return t.subject


def change_record_regulatory(
    *, actor: User, change: ChangeRequest, reference: str, recorded_on: dt.date | None, reason: str = ""
) -> ChangeRequest:
    """The holder records the regulator's approval number, the filing reference or the annual-report reference
    the change's route needs (a later record replaces it; the audit trail keeps the earlier one)."""
    CHANGE_WORKFLOW.check_actor(actor, change, "record_regulatory")
    e = Errors()
    _texts(e, reference=reference)
    if reference and len(reference.strip()) > 80:
        e.add("reference", "At most 80 characters.", "最多 80 个字符。")
    e.required("recorded_on", recorded_on)
    _not_future(e, "recorded_on", recorded_on, ("date of the regulatory record", "药监记录日期"))
    if recorded_on and recorded_on < change.raised_on:
        e.add("recorded_on", "The date is before the change was raised.", "该日期早于变更提出日期。")
    e.raise_if_any()
    with transition(
        CHANGE_WORKFLOW,
        actor=actor,
        subject=change,
        action="record_regulatory",
        reason=reason or gettext_noop("regulatory record of the change"),
        record_event=change_event,
        lock_related=("site", "product"),
    ) as t:
        c = t.subject
        c.regulatory_kind = REQUIRED_RECORD[c.route]
        c.regulatory_reference, c.regulatory_date = reference.strip(), recorded_on
        c.save(update_fields=["regulatory_kind", "regulatory_reference", "regulatory_date", "updated_at"])
        t.payload.update({"kind": c.regulatory_kind, "reference": c.regulatory_reference, "date": str(recorded_on)})
    return t.subject


def change_missing(change: ChangeRequest) -> list[Problem]:
    """What must still be recorded before ``change`` may be implemented (empty: nothing)."""
    missing: list[Problem] = []
    if change.approved_at is None:
        party_en = "holder" if change.approver_party == "holder" else "approving party"
        missing.append(
            Problem(
                "approval_missing",
                f"The {party_en}'s approval is not recorded.",
                "持有人的批准尚未记录。" if change.approver_party == "holder" else "批准方的批准尚未记录。",
            )
        )
    pending = pending_assessors(change)
    for ent in Enterprise.objects.filter(id__in=pending).order_by("name_en"):
        missing.append(
            Problem(
                "assessment_missing",
                f"The impact assessment of {ent.name_en} is not recorded.",
                f"{ent.name_zh}的影响评估尚未记录。",
                enterprise_id=ent.pk,
            )
        )
    refused = change.assessments.filter(conclusion=AssessmentConclusion.NOT_ACCEPTABLE).select_related("enterprise")
    for a in refused:
        missing.append(
            Problem(
                "assessment_not_acceptable",
                f"{a.enterprise.name_en} assessed the change as not acceptable.",
                f"{a.enterprise.name_zh}评估认为该变更不可接受。",
                enterprise_id=a.enterprise_id,
            )
        )
    if change.route in NEEDED_BEFORE and change.regulatory_kind != REQUIRED_RECORD[change.route]:
        en, zh = filing_authority(change)
        if change.route == ChangeRoute.PRIOR_APPROVAL:
            missing.append(
                Problem(
                    "regulatory_missing",
                    f"The approval of the supplementary application by {en} is not recorded.",
                    f"{zh}对补充申请的批准尚未记录。",
                )
            )
        else:
            missing.append(
                Problem("regulatory_missing", f"The filing with {en} is not recorded.", f"向{zh}的备案尚未记录。")
            )
    return missing


def change_implement(
    *,
    actor: User,
    change: ChangeRequest,
    implemented_on: dt.date | None,
    password: str,
    new_chain: ProcessChain | None = None,
    reason: str = "",
) -> ChangeRequest:
    """The change is implemented (e-signed) — refused, naming each missing record, until the required assessments,
    the approval and the regulator's approval or filing are in. It may name the chain version it creates."""
    CHANGE_WORKFLOW.check_actor(actor, change, "implement")
    CHANGE_WORKFLOW.check_state(change, "implement")
    e = Errors()
    e.required("implemented_on", implemented_on)
    _not_future(e, "implemented_on", implemented_on, ("implementation date", "实施日期"))
    if implemented_on and implemented_on < change.raised_on:
        e.add("implemented_on", "The date is before the change was raised.", "该日期早于变更提出日期。")
    if (
        implemented_on
        and change.route in NEEDED_BEFORE
        and change.regulatory_date
        and implemented_on < change.regulatory_date
    ):
        e.add(
            "implemented_on",
            "A change of this route is implemented only after the regulator's approval or the filing.",
            "此类变更须在药监部门批准或备案之后方可实施。",
        )
    if new_chain is not None and (
        new_chain.product_id != change.product_id or new_chain.version <= change.chain.version
    ):
        e.add(
            "new_chain_id",
            "The chain version the change creates must be a later version of this product's chain.",
            "变更所产生的工艺链版本须为本产品工艺链的更新版本。",
        )
    e.raise_if_any()
    _refuse_if_missing(ChangeRequest.objects.select_related("product__holder", "site").get(pk=change.pk))
    with transition(
        CHANGE_WORKFLOW,
        actor=actor,
        subject=change,
        action="implement",
        reason=reason or gettext_noop("change implemented"),
        password=password,
        record_event=change_event,
        lock_related=("site", "product"),
    ) as t:
        c = t.subject
        _refuse_if_missing(c)  # again under the lock: an assessment cannot be withdrawn, but the class may change
        c.implemented_on, c.new_chain = implemented_on, new_chain
        c.save(update_fields=["implemented_on", "new_chain", "updated_at"])
        t.sign(c)
        t.payload.update({"implemented_on": str(implemented_on), "new_chain_id": new_chain.pk if new_chain else None})
        _announce(c, actor, _parties(c) - own_enterprise_ids(actor), "implemented")
    return t.subject


def _refuse_if_missing(change: ChangeRequest) -> None:
    missing = change_missing(change)
    if missing:
        raise Refused(
            "change_not_ready",
            "The change cannot be implemented yet",
            "该变更尚不能实施",
            missing,
            key="missing",
            status=409,
        )


def change_reject(*, actor: User, change: ChangeRequest, password: str, reason: str) -> ChangeRequest:
    """The approving party rejects the change (e-signed, meaning "rejected"), with the reason."""
    CHANGE_WORKFLOW.check_actor(actor, change, "reject")
    why = _required_reason(reason, ("reject the change", "否决该变更"))
    with transition(
        CHANGE_WORKFLOW,
        actor=actor,
        subject=change,
        action="reject",
        reason=why,
        password=password,
        record_event=change_event,
        lock_related=("site", "product"),
    ) as t:
        t.sign(t.subject)
        _announce(t.subject, actor, _parties(t.subject) - own_enterprise_ids(actor), "rejected")
    return t.subject


def change_reclassify(
    *, actor: User, change: ChangeRequest, reason: str, route: str | None = None, gmp_impact: str | None = None
) -> ChangeRequest:
    """A regulator re-classifies the change (Order 828 Art. 27): a new route and/or GMP impact, with the reason. The
    record shows it (flag, event with before and after); a record of the former route no longer counts."""
    CHANGE_WORKFLOW.check_actor(actor, change, "reclassify")
    route = route or change.route
    gmp_impact = gmp_impact or change.gmp_impact
    e = Errors()
    e.choice("route", route, ChangeRoute.values)
    e.choice("gmp_impact", gmp_impact, GmpImpact.values)
    _texts(e, reason=reason)
    if route == change.route and gmp_impact == change.gmp_impact:
        e.add("route", "The change already has this classification.", "该变更已是此类别。")
    e.raise_if_any()
    with transition(
        CHANGE_WORKFLOW,
        actor=actor,
        subject=change,
        action="reclassify",
        reason=reason.strip(),
        record_event=change_event,
        lock_related=("site", "product"),
    ) as t:
        c = t.subject
        t.payload.update(
            {"route": [c.route, route], "gmp_impact": [c.gmp_impact, gmp_impact], "regulator": actor.organisation_id}
        )
        c.route, c.gmp_impact, c.classification_reason = route, gmp_impact, reason.strip()
        c.reclassified_by_regulator = True
        c.save(
            update_fields=["route", "gmp_impact", "classification_reason", "reclassified_by_regulator", "updated_at"]
        )
        _announce(c, actor, change_party_enterprise_ids(c, "both"), "reclassified")
    return t.subject


# --- reads -------------------------------------------------------------------------------------------------------


def change_list(*, scope, status: str | None = None, route: str | None = None, product=None, site=None):
    qs = ChangeRequest.objects.restrict(scope).select_related("product", "site", "site__enterprise")
    if status == "open_any":
        qs = qs.filter(status__in=(ChangeStatus.ASSESSING, ChangeStatus.APPROVED))
    elif status:
        qs = qs.filter(status=status)
    if route:
        qs = qs.filter(route=route)
    if product:
        qs = qs.filter(product_id=product)
    if site:
        qs = qs.filter(site_id=site)
    return qs.order_by("-id")


def change_get(*, scope, pk) -> ChangeRequest:
    qs = ChangeRequest.objects.select_related(
        "product", "product__holder", "site", "site__enterprise", "segment", "chain", "new_chain", "agreement"
    )
    return get_in_scope(qs, scope, pk, "change request")


def change_affected(change: ChangeRequest):
    return change.affected.select_related("segment", "site", "enterprise").order_by("segment__position")


def change_assessments(change: ChangeRequest):
    return change.assessments.select_related("enterprise", "assessed_by").order_by("assessed_at", "id")


def change_signatures(change: ChangeRequest) -> list:
    """The e-signatures of the change and of its impact assessments, in the order they were given."""
    from bioseg.audit.selectors import signatures_for

    found = list(signatures_for(change))
    for a in change.assessments.all():
        found += list(signatures_for(a))
    return sorted(found, key=lambda s: (s.signature.signed_at, s.signature.pk))


@dataclass(frozen=True)
class LotFlag:
    lot: Lot
    because: str  # "changed": made by the changed segment; "downstream": made from such a lot
    stability: bool


def change_lot_flags(change: ChangeRequest) -> list[LotFlag]:
    """After a key change is implemented: the first three lots of each changed material made at its site on or after
    the implementation date, and the first three lots of each downstream material made from them — each to be
    evaluated (GMP Art. 244), with stability follow-up where the change may affect shelf life."""
    if change.status != ChangeStatus.IMPLEMENTED or not change.key_change or change.implemented_on is None:
        return []
    flags: list[LotFlag] = []
    roots: list[int] = []
    changed = change.affected.filter(because=AffectedBecause.CHANGED).select_related("segment")
    for a in changed:
        lots = list(
            Lot.objects.filter(
                product_id=change.product_id,
                material=a.segment.code,
                site_id=a.site_id,
                manufactured_on__gte=change.implemented_on,
            ).order_by("manufactured_on", "id")[:FLAGGED_LOTS]
        )
        roots += [lot.pk for lot in lots]
        flags += [LotFlag(lot, "changed", change.stability_followup) for lot in lots]
    if roots:
        reach, params = reach_sql(Lot.objects.filter(id__in=roots), "forward")
        with connection.cursor() as cur:
            cur.execute(reach, params)
            reached = {row[0] for row in cur.fetchall()} - set(roots)
        per_material: dict[tuple[str, int], int] = {}
        for lot in Lot.objects.filter(id__in=reached).order_by("manufactured_on", "id"):
            key = (lot.material, lot.site_id)
            if per_material.get(key, 0) < FLAGGED_LOTS:
                per_material[key] = per_material.get(key, 0) + 1
                flags.append(LotFlag(lot, "downstream", change.stability_followup))
    return flags


def changes_flagging_lot(*, scope, lot) -> list[tuple[ChangeRequest, LotFlag]]:
    """The implemented key changes in scope that flag ``lot`` among their first lots (its page shows them)."""
    candidates = ChangeRequest.objects.restrict(scope).filter(
        product_id=lot.product_id,
        status=ChangeStatus.IMPLEMENTED,
        gmp_impact=GmpImpact.MAJOR,
        implemented_on__lte=lot.manufactured_on,
        affected__segment__code=lot.material,
    )
    found = []
    for change in candidates.distinct().order_by("-implemented_on", "-id")[:20]:
        for flag in change_lot_flags(change):
            if flag.lot.pk == lot.pk:
                found.append((change, flag))
    return found
