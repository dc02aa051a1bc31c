"""Every write of supervision: inspections, their team and findings, the signed report, samples and their results.

- ``inspection_create`` — an inspection of one kind with its scope (sites, the segment made there), team (≥2, one
  leader qualified to lead, enforcement officials; a joint inspection ≥2 from each province with the leader from the
  lead province, 药品检查管理办法 Art. 56) and dates; refused with every problem at once.
- the steps of ``INSPECTION_WORKFLOW``: notify (never for an unannounced inspection), start, record findings and
  samples, finish on site, sign the report (the leader, e-signed: the conclusion must fit the findings; each finding
  becomes a CAPA of the inspected enterprise with the inspectors' deadline), close (every CAPA closed), cancel.
- ``sample_result_record`` — an unqualified result is a signal: the quality system opens an OOS investigation at the
  enterprise, a for-cause inspection is planned, the site is re-rated (``supervision_signal``).

The CAPAs, OOS investigations and notifications are written in the same transaction as the act.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction

from bioseg.accounts.models import User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.audit.context import audit_context
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied
from bioseg.common.validation import Errors
from bioseg.oversight.models import (
    CONCLUSION_LABELS_ZH,
    Conclusion,
    Finding,
    Grade,
    Inspection,
    InspectionEvent,
    InspectionKind,
    InspectionMember,
    InspectionSite,
    InspectionStatus,
    InspectorConflict,
    InspectorProfile,
    Sample,
    SampleResult,
)
from bioseg.oversight.signals import supervision_signal
from bioseg.oversight.workflows import AUTO, INSPECTION_WORKFLOW, inspection_event
from bioseg.quality.capa import capa_raise_for_finding
from bioseg.quality.models import Activity
from bioseg.quality.notifications import notify, quality_people, regulator_people
from bioseg.quality.oos import oos_open_for_regulatory_sample
from bioseg.quality.references import next_reference, with_fresh_reference

TEXT_LIMIT = 10_000
KIND_LABELS_ZH = {
    InspectionKind.ANNUAL_COMPREHENSIVE: "年度全面检查",
    InspectionKind.GMP_COMPLIANCE: "药品GMP符合性检查",
    InspectionKind.SAMPLING: "抽样检验",
    InspectionKind.UNANNOUNCED: "飞行检查",
    InspectionKind.FOR_CAUSE: "有因检查",
    InspectionKind.FOLLOW_UP: "跟踪检查",
    InspectionKind.ENTRUSTED: "委托检查",
}
GRADE_LABELS_ZH = {Grade.CRITICAL: "严重缺陷", Grade.MAJOR: "主要缺陷", Grade.MINOR: "一般缺陷"}
FOR_CAUSE_WITHIN_DAYS = 10  # LR-25/26: the province inspects within 10 working days of a failing sample (≈ 14 days)


MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")


def site_city(site) -> str:
    """The city of a site, read from its Chinese address ("江苏省苏州市…" → "苏州市"); in a municipality, where the
    whole province is one city, its district ("上海市浦东新区…" → "浦东新区": the unit the recusal of unannounced
    inspectors needs there); abroad or unreadable: the country code. The registry keeps no separate city field."""
    address = (site.address or "").strip()
    for city in MUNICIPALITIES:
        if address.startswith(city):
            district = re.match(r"^([^区县]{1,6}新?区|[^区县]{1,6}县)", address[len(city) :])
            return district.group(1) if district else city
    m = re.match(r"^(?:[^省]{2,7}省|[^区]{2,10}自治区)?([^市]{2,7}市)", address)
    return m.group(1) if m else (site.region_code or site.country_code)


def is_inspector(user) -> bool:
    """An active inspector of a provincial regulator: who may plan inspections."""
    org = getattr(user, "organisation", None)
    return bool(
        user.is_authenticated
        and user.has_role(Role.PROVINCIAL_INSPECTOR)
        and org is not None
        and org.kind == OrganisationKind.PROVINCIAL_REGULATOR
    )


def _inspector(actor: User, action: str, action_zh: str) -> None:
    if not is_inspector(actor):
        raise PermissionDenied(action, action_zh)


def _name(user) -> str:
    return user.printed_name or user.username


# --- creating an inspection ------------------------------------------------------------------------------------


def inspection_create(
    *,
    actor: User,
    kind: str,
    product,
    sites: list,
    team: list[User],
    leader: User | None,
    planned_from: dt.date | None,
    planned_to: dt.date | None,
    purpose: str = "",
    partner_region_code: str = "",
    segments: dict | None = None,
    requested_by=None,
    follow_up_of: Inspection | None = None,
    plan_job: str = "",
    approved_by: User | None = None,
    partner_to_name: bool = False,
    reason: str = "",
) -> Inspection:
    """An inspector of the lead province plans an inspection (``sites``: registry sites; ``segments``: site id →
    the segment inspected there; ``team`` includes the leader)."""
    _inspector(actor, "plan an inspection", "计划检查")
    region = actor.organisation.region_code
    e = Errors()
    e.choice("kind", kind, InspectionKind.values)
    if product is None:
        e.add("product_id", "Name the product inspected.", "请选择被检查的产品。")
    if not sites:
        e.add("site_ids", "Name at least one site to inspect.", "请至少选择一个被检查场地。")
    partner = (partner_region_code or "").strip()
    if partner and partner == region:
        e.add("partner_region_code", "The partner province is your own province.", "协作省份不能是本省。")
    provinces = {region, partner} - {""}
    for s in sites:
        if s.region_code not in provinces:
            e.add(
                "site_ids",
                f"{s.name_en} is in another province: a joint inspection with that province is needed.",
                f"{s.name_zh}位于其他省份：须与该省联合检查。",
            )
    if product is not None and partner and product.holder.region_code not in (region, ""):
        e.add(
            "partner_region_code",
            "A joint inspection is led by the province of the holder (药品检查管理办法 Art. 56).",
            "联合检查由持有人所在地省级药品监督管理部门牵头（《药品检查管理办法（试行）》第五十六条）。",
        )
    if planned_from is None or planned_to is None:
        e.add("planned_from", "Give the planned dates.", "请填写计划检查日期。")
    elif planned_to < planned_from:
        e.add("planned_to", "The last day is before the first.", "结束日期早于开始日期。")
    if kind == InspectionKind.ENTRUSTED and requested_by is None:
        e.add("requested_by_id", "Name the enterprise that entrusted the inspection.", "请选择委托检查的企业。")
    if kind == InspectionKind.FOLLOW_UP and follow_up_of is None:
        e.add("follow_up_of_id", "Name the inspection followed up.", "请选择所跟踪的检查。")
    if len(purpose or "") > TEXT_LIMIT:
        e.add("purpose", "Too long.", "内容过长。")
    if plan_job:
        from bioseg.oversight.selectors import approved_plan_of_job

        source = approved_plan_of_job(plan_job)
        if source is None or source.region_code != region:
            e.add("plan_job", "No approved plan of your province has this job.", "本省已批准的检查计划中没有该任务。")
        elif approved_by is None:
            approved_by = source.approved_by  # an unannounced inspection stays visible to its plan's approver
    if partner_to_name and not partner:
        e.add(
            "partner_region_code",
            "Name the partner province that names its inspectors.",
            "请选择指派检查员的协作省份。",
        )
    _check_team(
        e,
        kind=kind,
        sites=sites,
        team=team,
        leader=leader,
        region=region,
        partner=partner,
        partner_pending=partner_to_name,
    )
    e.raise_if_any()

    def create() -> Inspection:
        with transaction.atomic(), audit_context(actor=actor, reason=reason or AUTO + "inspection planned"):
            inspection = Inspection.objects.create(
                reference=next_reference(Inspection, "INS", clock.today()),
                kind=kind,
                region_code=region,
                partner_region_code=partner,
                product=product,
                planned_from=planned_from,
                planned_to=planned_to,
                purpose=(purpose or "").strip(),
                requested_by=requested_by,
                follow_up_of=follow_up_of,
                plan_job=plan_job,
                approved_by=approved_by,
                recorded_by=actor,
            )
            segs = segments or {}
            InspectionSite.objects.bulk_create(
                [InspectionSite(inspection=inspection, site=s, segment=segs.get(s.pk)) for s in sites]
            )
            profiles = {p.user_id: p for p in InspectorProfile.objects.filter(user__in=team)}
            InspectionMember.objects.bulk_create(
                [
                    InspectionMember(
                        inspection=inspection,
                        user=u,
                        region_code=u.organisation.region_code,
                        is_leader=u.pk == leader.pk,
                        is_official=bool(profiles.get(u.pk) and profiles[u.pk].has("official")),
                    )
                    for u in team
                ]
            )
            _planned_event(
                inspection,
                actor,
                (
                    f"{InspectionKind(kind).label} planned, {planned_from.isoformat()} to {planned_to.isoformat()}.",
                    f"计划{KIND_LABELS_ZH[kind]}，{planned_from.isoformat()} 至 {planned_to.isoformat()}。",
                ),
                {"team": [u.pk for u in team], "sites": [s.pk for s in sites], "partner_to_name": partner_to_name},
            )
            if partner_to_name:
                notify(
                    enterprise_ids=(),
                    people=regulator_people(partner),
                    activity=Activity.REGULATORY_INSPECTION,
                    subject=inspection,
                    title=(
                        f"Name your inspectors for {inspection.reference}",
                        f"请为 {inspection.reference} 指派检查员",
                    ),
                    body=(
                        f"Joint {InspectionKind(kind).label.lower()} led by {region}, {planned_from} to {planned_to}: "
                        "name at least two inspectors of your province.",
                        f"{region} 牵头的联合{KIND_LABELS_ZH[kind]}，{planned_from} 至 {planned_to}：请指派本省至少两名检查员。",
                    ),
                    within_hours=24 * 5,
                )
            return inspection

    return with_fresh_reference(create)


def _check_team(e: Errors, *, kind, sites, team, leader, region, partner, partner_pending: bool = False) -> None:
    """``partner_pending``: a joint inspection whose partner province names its own people later (it shares counts,
    not its roster); its two are then checked before the inspection is notified or starts."""
    ids = [u.pk for u in team]
    if len(set(ids)) != len(ids):
        e.add("team", "A person is named twice in the team.", "检查组中有人员重复。")
    if len(set(ids)) < 2:
        e.add(
            "team",
            "An inspection team has at least two inspectors (Art. 56).",
            "检查组至少由两名检查员组成（第五十六条）。",
        )
    if leader is None or leader.pk not in ids:
        e.add("leader_id", "Name the team's leader among its members.", "请从检查组成员中指定组长。")
    provinces = {region, partner} - {""}
    by_region: dict[str, int] = {}
    profiles = {p.user_id: p for p in InspectorProfile.objects.filter(user_id__in=ids)}
    conflicts = set(
        InspectorConflict.objects.filter(profile__user_id__in=ids, site__in=sites).values_list(
            "profile__user_id", flat=True
        )
    )
    cities = {site_city(s) for s in sites}
    for u in team:
        org = u.organisation
        if not (
            u.is_active
            and u.has_role(Role.PROVINCIAL_INSPECTOR)
            and org is not None
            and org.kind == OrganisationKind.PROVINCIAL_REGULATOR
            and org.region_code in provinces
        ):
            e.add(
                "team",
                f"{_name(u)} is not an inspector of the provinces inspecting.",
                f"{_name(u)}不是参与检查省份的检查员。",
            )
            continue
        by_region[org.region_code] = by_region.get(org.region_code, 0) + 1
        if u.pk in conflicts:
            e.add(
                "team",
                f"{_name(u)} must not inspect this site (conflict of interest).",
                f"{_name(u)}须回避该场地的检查。",
            )
        profile = profiles.get(u.pk)
        if kind == InspectionKind.UNANNOUNCED and profile is not None and profile.city in cities:
            e.add(
                "team",
                f"{_name(u)} lives in {profile.city}: not on an unannounced inspection there.",
                f"{_name(u)}居住于{profile.city}，不得参加当地的飞行检查。",
            )
    if leader is not None and leader.pk in ids:
        profile = profiles.get(leader.pk)
        if profile is not None and not profile.has("lead"):
            e.add("leader_id", f"{_name(leader)} is not qualified to lead.", f"{_name(leader)}不具备组长资格。")
        if partner and getattr(leader.organisation, "region_code", "") != region:
            e.add(
                "leader_id",
                "The leader of a joint inspection comes from the lead province (Art. 56).",
                "联合检查的组长由牵头省份派出（第五十六条）。",
            )
    if partner:
        for code in (region,) if partner_pending else (region, partner):
            if by_region.get(code, 0) < 2:
                e.add(
                    "team",
                    f"A joint inspection has at least two inspectors from each province ({code}).",
                    f"联合检查每个省份至少派出两名检查员（{code}）。",
                )


def _planned_event(inspection, actor, message: tuple[str, str], data: dict) -> None:
    InspectionEvent.objects.create(
        inspection=inspection,
        kind="planned",
        status_to=inspection.status,
        actor=actor,
        occurred_at=clock.now(),
        message_en=message[0],
        message_zh=message[1],
        data=data,
    )


def inspection_assign_team(
    *, actor: User, inspection: Inspection, team: list[User], leader: User | None, reason: str = ""
) -> Inspection:
    """Name (or change) the team of an inspection not yet started: a for-cause inspection an unqualified sample made
    due, or a plan's inspection whose inspector fell ill. The same rules as at creation."""
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "assign_team")
    sites = [s.site for s in inspection.sites.select_related("site")]
    e = Errors()
    if getattr(actor.organisation, "region_code", "") != inspection.region_code:  # the partner names its own people
        members = list(inspection.members.select_related("user__organisation"))
        others = {m.user_id for m in members if m.region_code != inspection.partner_region_code}
        current_leader = next((m.user for m in members if m.is_leader), None)
        if {
            u.pk for u in team if getattr(u.organisation, "region_code", "") != inspection.partner_region_code
        } != others:
            e.add(
                "team",
                "The partner province names only its own inspectors.",
                "协作省份只能指派本省检查员。",
            )
        if leader is None or current_leader is None or leader.pk != current_leader.pk:
            e.add("leader_id", "The lead province names the leader.", "组长由牵头省份指定。")
    _check_team(
        e,
        kind=inspection.kind,
        sites=sites,
        team=team,
        leader=leader,
        region=inspection.region_code,
        partner=inspection.partner_region_code,
    )
    if set(inspection.members.values_list("user_id", flat=True)) - {u.pk for u in team}:
        e.add(
            "team",
            "A member cannot be taken off the team (the record stays): cancel the inspection and plan it again.",
            "检查组成员不能移除（记录须保留）：请取消本次检查后重新计划。",
        )
    e.raise_if_any()
    with _go(inspection, actor, "assign_team", reason or AUTO + "inspection team named") as t:
        t.subject.members.all().update(is_leader=False)
        existing = {m.user_id: m for m in t.subject.members.all()}
        profiles = {p.user_id: p for p in InspectorProfile.objects.filter(user__in=team)}
        for u in team:
            m = existing.get(u.pk)
            if m is None:
                InspectionMember.objects.create(
                    inspection=t.subject,
                    user=u,
                    region_code=u.organisation.region_code,
                    is_leader=u.pk == leader.pk,
                    is_official=bool(profiles.get(u.pk) and profiles[u.pk].has("official")),
                )
            elif u.pk == leader.pk:
                m.is_leader = True
                m.save(update_fields=["is_leader", "updated_at"])
        t.payload.update({"team": [u.pk for u in team], "leader": leader.pk})
    return t.subject


def raise_if_gone(e: Errors, gone: set[int]) -> None:
    e.add(
        "team",
        "A member cannot be taken off the team; cancel and plan again.",
        "不能移除检查组成员；请取消后重新计划。",
    )
    e.raise_if_any()


# --- steps -----------------------------------------------------------------------------------------------------


def _go(inspection, actor, action, reason, password=None):
    return transition(
        INSPECTION_WORKFLOW,
        actor=actor,
        subject=inspection,
        action=action,
        reason=reason,
        password=password,
        record_event=inspection_event,
    )


def _enterprise_ids(inspection) -> set[int]:
    ids = set(inspection.sites.values_list("site__enterprise_id", flat=True))
    if inspection.product_id:
        ids.add(inspection.product.holder_id)
    return ids


def _require_partner_team(inspection: Inspection) -> None:
    partner = inspection.partner_region_code
    if partner and inspection.members.filter(region_code=partner).count() < 2:
        e = Errors()
        e.add(
            "team",
            f"The partner province ({partner}) has not yet named its two inspectors.",
            f"协作省份（{partner}）尚未指派两名检查员。",
        )
        e.raise_if_any()


def inspection_notify(*, actor: User, inspection: Inspection, reason: str = "") -> Inspection:
    """The enterprises inspected are told of the dates (never for an unannounced inspection)."""
    if inspection.is_unannounced:  # said plainly, before the table's 403 (it has no "announcer")
        e = Errors()
        e.add(
            "kind",
            "An unannounced inspection is never notified in advance.",
            "飞行检查不得事先告知被检查单位。",
        )
        e.raise_if_any()
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "notify")
    _require_partner_team(inspection)
    with _go(inspection, actor, "notify", reason or AUTO + "inspection notified") as t:
        i = t.subject
        i.notified_at = clock.now()
        i.save(update_fields=["notified_at", "updated_at"])
        notify(
            enterprise_ids=_enterprise_ids(i),
            activity=Activity.REGULATORY_INSPECTION,
            subject=i,
            title=(f"Inspection {i.reference} notified", f"检查通知：{i.reference}"),
            body=(
                f"{InspectionKind(i.kind).label} from {i.planned_from} to {i.planned_to}.",
                f"{KIND_LABELS_ZH[i.kind]}：{i.planned_from} 至 {i.planned_to}。",
            ),
            within_hours=24,
        )
    return t.subject


def inspection_start(*, actor: User, inspection: Inspection, started_on: dt.date, reason: str = "") -> Inspection:
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "start")
    e = Errors()
    if not isinstance(started_on, dt.date):
        e.add("started_on", "Give the first day on site.", "请填写现场检查开始日期。")
    elif started_on > clock.today():
        e.add("started_on", "The first day on site cannot be in the future.", "现场检查开始日期不能晚于今天。")
    if inspection.status == InspectionStatus.PLANNED and not inspection.is_unannounced:
        e.add("status", "Notify the enterprise before the inspection starts.", "开始检查前须先告知企业。")
    e.raise_if_any()
    _require_partner_team(inspection)
    with _go(inspection, actor, "start", reason or AUTO + "inspection started on site") as t:
        t.subject.started_on = started_on
        t.subject.save(update_fields=["started_on", "updated_at"])
        t.payload["started_on"] = started_on.isoformat()
    return t.subject


def finding_record(
    *,
    actor: User,
    inspection: Inspection,
    site,
    grade: str,
    gmp_clause: str,
    description: str,
    rectification_due: dt.date | None,
    reason: str = "",
) -> Finding:
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "record_finding")
    e = Errors()
    e.choice("grade", grade, Grade.values)
    e.required("gmp_clause", gmp_clause)
    e.required("description", description)
    if gmp_clause and len(gmp_clause) > 120:
        e.add("gmp_clause", "At most 120 characters.", "最多 120 个字符。")
    if description and len(description) > TEXT_LIMIT:
        e.add("description", "Too long.", "内容过长。")
    if site is None or not inspection.sites.filter(site=site).exists():
        e.add("site_id", "The site is not in the inspection's scope.", "该场地不在本次检查范围内。")
    if not isinstance(rectification_due, dt.date):
        e.add("rectification_due", "Give the rectification deadline.", "请填写整改期限。")
    elif rectification_due <= clock.today():
        e.add("rectification_due", "The rectification deadline lies in the future.", "整改期限须晚于今天。")
    e.raise_if_any()
    with _go(inspection, actor, "record_finding", reason or AUTO + "inspection finding recorded") as t:
        number = (t.subject.findings.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        finding = Finding.objects.create(
            inspection=t.subject,
            number=number,
            site=site,
            grade=grade,
            gmp_clause=gmp_clause.strip(),
            description=description.strip(),
            rectification_due=rectification_due,
            recorded_by=actor,
        )
        t.payload.update({"finding": number, "grade": grade})
    return finding


def sample_record(
    *,
    actor: User,
    inspection: Inspection,
    lot,
    quantity,
    unit: str,
    laboratory: str,
    taken_on: dt.date | None,
    reason: str = "",
) -> Sample:
    """A sample of a named lot, taken at one of the inspected sites, sent to a named laboratory."""
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "record_sample")
    e = Errors()
    try:
        q = Decimal(str(quantity))
        if not q.is_finite() or q <= 0 or q >= Decimal("1e9"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        e.add("quantity", "A positive quantity below 1,000,000,000.", "数量须为小于 10 亿的正数。")
        q = None
    e.required("unit", unit)
    e.required("laboratory", laboratory)
    if lot is None or not inspection.sites.filter(site_id=lot.site_id).exists():
        e.add("lot_id", "The lot was not made at an inspected site.", "该批次不是在被检查场地生产的。")
    elif inspection.product_id and lot.product_id != inspection.product_id:
        e.add("lot_id", "The lot is of another product.", "该批次属于其他产品。")
    if not isinstance(taken_on, dt.date):
        e.add("taken_on", "Give the sampling date.", "请填写抽样日期。")
    elif taken_on > clock.today():
        e.add("taken_on", "The sampling date cannot be in the future.", "抽样日期不能晚于今天。")
    e.raise_if_any()

    def create() -> Sample:
        with _go(inspection, actor, "record_sample", reason or AUTO + "regulatory sample taken") as t:
            sample = Sample.objects.create(
                reference=next_reference(Sample, "SMP", clock.today()),
                inspection=t.subject,
                lot=lot,
                quantity=q,
                unit=unit.strip(),
                laboratory=laboratory.strip(),
                taken_on=taken_on,
                recorded_by=actor,
            )
            t.payload.update({"sample": sample.reference, "lot": lot.lot_number})
        return sample

    return with_fresh_reference(create)


def inspection_finish_site(*, actor: User, inspection: Inspection, ended_on: dt.date, reason: str = "") -> Inspection:
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "finish_site_work")
    e = Errors()
    if not isinstance(ended_on, dt.date):
        e.add("ended_on", "Give the last day on site.", "请填写现场检查结束日期。")
    elif ended_on > clock.today():
        e.add("ended_on", "The last day on site cannot be in the future.", "现场检查结束日期不能晚于今天。")
    elif inspection.started_on and ended_on < inspection.started_on:
        e.add("ended_on", "The last day on site is before the first.", "现场检查结束日期早于开始日期。")
    e.raise_if_any()
    with _go(inspection, actor, "finish_site_work", reason or AUTO + "on-site inspection ended") as t:
        t.subject.ended_on = ended_on
        t.subject.save(update_fields=["ended_on", "updated_at"])
    return t.subject


def conclusion_problems(conclusion: str, grades: list[str]) -> tuple[str, str] | None:
    """Whether ``conclusion`` fits the findings (药品检查管理办法（试行）: a critical defect makes the site
    non-compliant; a major defect keeps it from "compliant"); ``None`` when it fits, else the reason (en, zh)."""
    if Grade.CRITICAL in grades and conclusion != Conclusion.NON_COMPLIANT:
        return (
            "With a critical finding the conclusion is “non-compliant”.",
            "存在严重缺陷时，结论应为“不符合要求”。",
        )
    if Grade.MAJOR in grades and conclusion == Conclusion.COMPLIANT:
        return (
            "With a major finding the conclusion cannot be “compliant”.",
            "存在主要缺陷时，结论不能为“符合要求”。",
        )
    return None


def inspection_sign_report(
    *, actor: User, inspection: Inspection, conclusion: str, summary: str, password: str, reason: str = ""
) -> Inspection:
    """The leader signs the report: the conclusion is fixed; each finding becomes a CAPA of the inspected
    enterprise due on its rectification deadline; the enterprises and the other provinces concerned are told; the
    sites are re-rated. Without findings the inspection is closed at once."""
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "sign_report")
    e = Errors()
    e.choice("conclusion", conclusion, Conclusion.values)
    e.required("summary", summary)
    if summary and len(summary) > TEXT_LIMIT:
        e.add("summary", "Too long.", "内容过长。")
    e.raise_if_any()
    with _go(inspection, actor, "sign_report", reason or AUTO + "inspection report signed", password) as t:
        i = t.subject
        findings = list(i.findings.select_related("site", "site__enterprise"))
        problem = conclusion_problems(conclusion, [f.grade for f in findings])
        if problem:
            e.add("conclusion", *problem)
            e.raise_if_any()
        i.conclusion = conclusion
        i.report_summary = summary.strip()
        owners = {f.site.enterprise for f in findings}
        unowned = sorted((x for x in owners if not quality_people([x.pk])), key=lambda x: x.name_en)
        if unowned:
            e.add(
                "findings",
                "No quality person of " + ", ".join(x.name_en for x in unowned) + " can own the rectification.",
                "、".join(x.name_zh for x in unowned) + "没有可负责整改的质量人员。",
            )
            e.raise_if_any()
        i.report_signed_at = clock.now()
        i.save(update_fields=["conclusion", "report_summary", "report_signed_at", "updated_at"])
        for f in findings:
            ref = f"{i.reference}-{f.number}"
            f.capa = capa_raise_for_finding(
                actor=actor,
                product=i.product,
                owner=f.site.enterprise,
                source_reference=ref,
                title=f"{ref} {GRADE_LABELS_ZH[f.grade]}缺陷：{f.gmp_clause}",  # record text, not a label: one language
                problem=f.description,
                due_on=f.rectification_due,
            )
            f.save(update_fields=["capa", "updated_at"])
        if not findings:
            t.go_to(InspectionStatus.CLOSED)
        t.sign(i)
        t.payload.update({"conclusion": conclusion, "findings": len(findings)})
        label_zh = CONCLUSION_LABELS_ZH[conclusion]
        body = (
            f"Report of {i.reference} signed: {Conclusion(conclusion).label}, {len(findings)} finding(s).",
            f"检查报告 {i.reference} 已签署：{label_zh}，缺陷 {len(findings)} 项。",
        )
        title = (f"Inspection report {i.reference}", f"检查报告 {i.reference}")
        notify(
            enterprise_ids=_enterprise_ids(i),
            activity=Activity.REGULATORY_INSPECTION,
            subject=i,
            title=title,
            body=body,
            within_hours=24,
        )
        others = _other_provinces(i)
        if others:
            notify(
                enterprise_ids=(),
                people=[u for code in sorted(others) for u in regulator_people(code)],
                activity=Activity.REGULATORY_INSPECTION,
                subject=i,
                title=title,
                body=body,
                within_hours=24 * 5,
            )
        supervision_signal.send(
            sender=Inspection,
            sites=[s.site for s in i.sites.select_related("site")],
            kind="inspection_reported",
            subject=i,
            actor=actor,
        )
    return t.subject


def _other_provinces(inspection) -> set[str]:
    """PSM-50: the provinces of the other parties (the partner, the holder's, the inspected sites') hear of it."""
    codes = set(inspection.sites.values_list("site__region_code", flat=True))
    if inspection.product_id:
        codes.add(inspection.product.holder.region_code)
    if inspection.partner_region_code:
        codes.add(inspection.partner_region_code)
    return codes - {"", inspection.region_code}


def inspection_close(*, actor: User, inspection: Inspection, password: str, reason: str = "") -> Inspection:
    """The lead province closes the inspection once every finding's CAPA is closed."""
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "close")
    with _go(inspection, actor, "close", reason or AUTO + "inspection closed: rectification verified", password) as t:
        open_ = [f for f in t.subject.findings.select_related("capa") if f.capa is None or f.capa.status != "closed"]
        if open_:
            e = Errors()
            refs = ", ".join(f.capa.reference if f.capa else str(f.number) for f in open_)
            e.add(
                "findings",
                f"Rectification is not yet closed: {refs}.",
                f"整改尚未关闭：{refs}。",
            )
            e.raise_if_any()
        t.sign(t.subject)
    return t.subject


def inspection_cancel(*, actor: User, inspection: Inspection, reason: str) -> Inspection:
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "cancel")
    e = Errors()
    e.required("reason", reason)
    e.raise_if_any()
    with _go(inspection, actor, "cancel", reason) as t:
        if t.subject.notified_at:
            notify(
                enterprise_ids=_enterprise_ids(t.subject),
                activity=Activity.REGULATORY_INSPECTION,
                subject=t.subject,
                title=(f"Inspection {t.subject.reference} cancelled", f"检查 {t.subject.reference} 已取消"),
                body=(reason, reason),
                within_hours=24,
            )
    return t.subject


def sample_result_record(
    *, actor: User, sample: Sample, result: str, result_on: dt.date | None, detail: str, reason: str = ""
) -> Sample:
    """The laboratory's result. Unqualified: an OOS investigation opens at the enterprise that made the lot, a
    for-cause inspection of its site is planned (due within ``FOR_CAUSE_WITHIN_DAYS``), and the site is re-rated."""
    inspection = sample.inspection
    INSPECTION_WORKFLOW.check_actor(actor, inspection, "record_sample_result")
    e = Errors()
    e.choice("result", result, [SampleResult.QUALIFIED, SampleResult.UNQUALIFIED])
    if not isinstance(result_on, dt.date):
        e.add("result_on", "Give the date of the result.", "请填写检验结果日期。")
    elif result_on > clock.today():
        e.add("result_on", "The date of the result cannot be in the future.", "检验结果日期不能晚于今天。")
    elif result_on < sample.taken_on:
        e.add("result_on", "The result is dated before the sample was taken.", "检验结果日期早于抽样日期。")
    if result == SampleResult.UNQUALIFIED:
        e.required("detail", detail)
    if sample.result != SampleResult.PENDING:
        e.add("result", "The sample's result is already recorded.", "该样品的检验结果已登记。")
    e.raise_if_any()
    with _go(inspection, actor, "record_sample_result", reason or AUTO + "sample result recorded") as t:
        s = Sample.objects.select_for_update().get(pk=sample.pk)
        if s.result != SampleResult.PENDING:
            e.add("result", "The sample's result is already recorded.", "该样品的检验结果已登记。")
            e.raise_if_any()
        s.result, s.result_on, s.result_detail = result, result_on, (detail or "").strip()
        fields = ["result", "result_on", "result_detail", "updated_at"]
        t.payload.update({"sample": s.reference, "result": result})
        if result == SampleResult.UNQUALIFIED:
            lot = s.lot
            s.oos = oos_open_for_regulatory_sample(
                actor=actor,
                lot=lot,
                summary=(
                    f"{lot.lot_number}, regulatory sample {s.reference} ({s.laboratory}): unqualified — {s.result_detail}",
                    f"批 {lot.lot_number}，监督抽检样品 {s.reference}（{s.laboratory}）：不合格——{s.result_detail}",
                ),
                sample_reference=s.reference,
            )
            s.for_cause = _plan_for_cause(actor, s, lot)
            fields += ["oos", "for_cause"]
        s.save(update_fields=fields)
        if result == SampleResult.UNQUALIFIED:  # after the save: the re-rating reads the result
            supervision_signal.send(
                sender=Sample, sites=[s.lot.site], kind="sample_unqualified", subject=s, actor=actor
            )
    sample.refresh_from_db()
    return sample


def _plan_for_cause(actor: User, sample: Sample, lot) -> Inspection:
    """The for-cause inspection an unqualified sample makes due: same province as the site, team to be named."""
    today = clock.today()
    due = today + dt.timedelta(days=14)
    i = Inspection.objects.create(
        reference=next_reference(Inspection, "INS", today),
        kind=InspectionKind.FOR_CAUSE,
        region_code=lot.site.region_code,
        product=lot.product,
        planned_from=today + dt.timedelta(days=1),
        planned_to=due,
        purpose=f"不合格样品 {sample.reference}（批 {lot.lot_number}） / unqualified sample {sample.reference}",
        recorded_by=actor,
    )
    InspectionSite.objects.create(inspection=i, site=lot.site)
    _planned_event(
        i,
        actor,
        (
            f"For-cause inspection due by {due.isoformat()}: unqualified sample {sample.reference}.",
            f"因样品 {sample.reference} 不合格，须于 {due.isoformat()} 前开展有因检查。",
        ),
        {"sample": sample.reference},
    )
    return i
