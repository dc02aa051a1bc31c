"""The standing route (常设途径): a holder's segmented-production arrangement under State Council Order No. 828
Arts. 31–34 (ruleset ``reg2026``), its review by the provinces and — for vaccines — NMPA's approval.

Workflow (``ARRANGEMENT_WORKFLOW``; ✍ = e-signature with the password re-entered)::

    draft ⇄ assessed ──submit✍──▶ submitted ──pass_review✍ (holder's province; every consent given)──┐
      ▲  (declare facts → draft)     │  consent✍ / withhold_consent✍ (each contract manufacturer's    │
      │                              │  province, NMPA 2023 No. 132 §一(一)) ; refuse✍ → refused       │
      │                              ▼                                                                ▼
      │                    withheld → refused             not a vaccine: reviewed ──record✍──▶ recorded
      │                                                   vaccine (Art. 33): awaiting_nmpa
      │                                                        ──nmpa_approve✍──▶ approved ──record✍──▶ recorded
      │                                                        ──nmpa_reject✍──▶ rejected

Art. 32 has no approval step of its own: for a drug that is not a vaccine the holder's province records the
licence or registration change (``record``). A product with an NMPA pilot approval starts from it: its declared
facts come over, and ``carry_over`` lists what came over and which open question each item waits on. What
Order No. 828 does not settle is an ``OpenQuestion`` awaiting NMPA (never guessed); NMPA records its
determination per question (``QUESTION_WORKFLOW``, e-signed). While one is open the province cannot record the
arrangement and NMPA cannot approve it (``open_determination``). Once submitted the facts and the submission's
determination are frozen: the holder can neither change nor re-assess them (``wrong_state``).

Each service is keyword-only with ``actor=``; it validates first and writes nothing on refusal; every step runs
through ``bioseg.audit.transitions.transition`` (lock, re-check, state, event, signature in one transaction).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.audit.context import audit_context
from bioseg.audit.models import SignatureMeaning
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import ApplicationError, NotFound
from bioseg.common.scoping import recheck
from bioseg.common.validation import Errors
from bioseg.common.workflow import Workflow, WrongState, step
from bioseg.pilots import cases, selectors
from bioseg.pilots.models import (
    ArrangementConsent,
    ArrangementDetermination,
    ArrangementEvent,
    ArrangementStatus,
    ConsentStatus,
    DeterminationPurpose,
    OpenQuestion,
    PilotApplication,
    QuestionOutcome,
    QuestionStatus,
    SegmentedArrangement,
)
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.models import Product
from bioseg.registry.scope import scope_for
from bioseg.regulation import load_parameters
from bioseg.regulation.case import VACCINES
from bioseg.regulation.facts import province_name
from bioseg.regulation.labels import fact_labels

STANDING_RULESET = "reg2026"
HOLDER_WRITERS = (Role.HOLDER_RA, Role.HOLDER_QA)
S = ArrangementStatus
# Facts the workflow or a regulator's act owns: never declared by the holder.
WORKFLOW_FACTS = ("as_of", "application", "pilot_approval", "nmpa_consent", "joint_regulatory_plan")

# States after submission in which the arrangement is still being decided (NMPA may determine questions).
PENDING_STATES = (S.SUBMITTED, S.REVIEWED, S.AWAITING_NMPA, S.APPROVED)
FINAL_STATES = (S.RECORDED, S.REFUSED, S.REJECTED)

STATE_LABELS = {
    S.DRAFT: ("a draft", "草稿"),
    S.ASSESSED: ("assessed", "已评估"),
    S.SUBMITTED: ("submitted to the province", "已报送省局"),
    S.REVIEWED: ("reviewed by the province", "省局审查通过"),
    S.AWAITING_NMPA: ("awaiting NMPA approval", "待国家药监局批准"),
    S.APPROVED: ("approved by NMPA", "国家药监局已批准"),
    S.RECORDED: ("recorded by the province", "省局已登记变更"),
    S.REFUSED: ("refused by a province", "省局不予同意"),
    S.REJECTED: ("rejected by NMPA", "国家药监局不予批准"),
}


class StandingRefused(ApplicationError):
    """A step the arrangement, its open questions or the calendar do not allow."""

    status = 409


# ------------------------------------------------------------------------------------------------ the tables


def _org(user):
    return getattr(user, "organisation", None)


def _province_of(user) -> str:
    org = _org(user)
    if org is None or org.kind != OrganisationKind.PROVINCIAL_REGULATOR:
        return ""
    return org.region_code or ""


def _arrangement_party(user, arrangement: SegmentedArrangement, party: str) -> bool:
    org = _org(user)
    if org is None:
        return False
    if party == "holder":
        return arrangement.holder.organisation_id is not None and arrangement.holder.organisation_id == org.pk
    if party == "holder_province":
        return bool(_province_of(user)) and _province_of(user) == arrangement.holder_province
    if party == "consent_province":
        province = _province_of(user)
        return bool(province) and (
            ArrangementConsent.objects.filter(
                arrangement_id=arrangement.pk, province_code=province, status=ConsentStatus.PENDING
            ).exists()
        )
    if party == "nmpa":
        return org.kind == OrganisationKind.NMPA
    raise KeyError(party)


ARRANGEMENT_WORKFLOW = Workflow(
    name="standing_arrangement",
    subject_en="arrangement",
    subject_zh="分段生产安排",
    is_party=_arrangement_party,
    state_labels=STATE_LABELS,
    steps=(
        step(
            "declare_facts",
            [S.DRAFT, S.ASSESSED],
            S.DRAFT,
            event="facts_declared",
            label=("Declare facts of the arrangement", "补充分段生产安排的事实"),
            roles=HOLDER_WRITERS,
            parties=["holder"],
        ),
        step(
            "assess",
            [S.DRAFT, S.ASSESSED],
            S.ASSESSED,
            event="assessed",
            label=("Assess the arrangement with reg2026", "按 reg2026 评估分段生产安排"),
            roles=HOLDER_WRITERS,
            parties=["holder"],
        ),
        step(
            "submit",
            [S.ASSESSED],
            S.SUBMITTED,
            event="submitted",
            label=("Submit the arrangement to the province", "向省局报送分段生产安排"),
            roles=HOLDER_WRITERS,
            parties=["holder"],
            signature=SignatureMeaning.AUTHORED,
        ),
        step(
            "consent",
            [S.SUBMITTED],
            None,
            event="consent_given",
            label=("Consent as the contract manufacturer's province", "作为受托方所在地省局出具同意意见"),
            roles=[Role.PROVINCIAL_REVIEWER],
            parties=["consent_province"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "withhold_consent",
            [S.SUBMITTED],
            S.REFUSED,
            event="consent_withheld",
            label=("Withhold consent as the contract manufacturer's province", "作为受托方所在地省局不予同意"),
            roles=[Role.PROVINCIAL_REVIEWER],
            parties=["consent_province"],
            signature=SignatureMeaning.REJECTED,
        ),
        step(
            "pass_review",
            [S.SUBMITTED],
            S.REVIEWED,  # a vaccine goes on to NMPA (Art. 33): the step sets awaiting_nmpa
            event="reviewed",
            label=("Pass the province's review", "省局审查通过"),
            roles=[Role.PROVINCIAL_REVIEWER],
            parties=["holder_province"],
            signature=SignatureMeaning.REVIEWED,
        ),
        step(
            "refuse",
            [S.SUBMITTED],
            S.REFUSED,
            event="refused",
            label=("Refuse the arrangement", "不予同意分段生产安排"),
            roles=[Role.PROVINCIAL_REVIEWER],
            parties=["holder_province"],
            signature=SignatureMeaning.REJECTED,
        ),
        step(
            "nmpa_approve",
            [S.AWAITING_NMPA],
            S.APPROVED,
            event="nmpa_approved",
            label=("Approve the vaccine arrangement (Art. 33)", "批准疫苗分段生产（第三十三条）"),
            roles=[Role.NMPA_OFFICER],
            parties=["nmpa"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "nmpa_reject",
            [S.AWAITING_NMPA],
            S.REJECTED,
            event="nmpa_rejected",
            label=("Reject the vaccine arrangement (Art. 33)", "不予批准疫苗分段生产（第三十三条）"),
            roles=[Role.NMPA_OFFICER],
            parties=["nmpa"],
            signature=SignatureMeaning.REJECTED,
        ),
        step(
            "record",
            [S.REVIEWED, S.APPROVED],
            S.RECORDED,
            event="recorded",
            label=("Record the licence or registration change", "登记许可或注册变更"),
            roles=[Role.PROVINCIAL_REVIEWER],
            parties=["holder_province"],
            signature=SignatureMeaning.APPROVED,
        ),
    ),
)


def _question_party(user, question: OpenQuestion, party: str) -> bool:
    if party == "nmpa":
        org = _org(user)
        return org is not None and org.kind == OrganisationKind.NMPA and question.authority == "NMPA"
    raise KeyError(party)


QUESTION_WORKFLOW = Workflow(
    name="standing_open_question",
    subject_en="open question",
    subject_zh="待认定问题",
    is_party=_question_party,
    state_labels={
        QuestionStatus.OPEN: ("awaiting NMPA", "待国家药监局认定"),
        QuestionStatus.DETERMINED: ("determined", "已认定"),
    },
    steps=(
        step(
            "determine",
            [QuestionStatus.OPEN],
            QuestionStatus.DETERMINED,
            event="question_determined",
            label=("Record NMPA's determination", "记录国家药监局的认定"),
            roles=[Role.NMPA_OFFICER],
            parties=["nmpa"],
            signature=SignatureMeaning.AUTHORED,
        ),
    ),
)


# ------------------------------------------------------------------------------------------------ helpers


def _event_writer(message: tuple[str, str] | None = None, data: dict[str, Any] | None = None):
    """The event writer of one call of ``transition`` (the messages are the service's, in both languages)."""

    def write(*, subject, step, actor, payload, state_from, state_to, reason) -> ArrangementEvent:
        arrangement = subject if isinstance(subject, SegmentedArrangement) else subject.arrangement
        en, zh = message or (step.label_en + ".", step.label_zh + "。")
        return ArrangementEvent.objects.create(
            arrangement=arrangement,
            kind=step.event,
            status_from=state_from if isinstance(subject, SegmentedArrangement) else "",
            status_to=state_to if isinstance(subject, SegmentedArrangement) else "",
            actor=actor,
            occurred_at=clock.now(),
            message_en=en,
            message_zh=zh,
            data=cases.jsonable({**(data or {}), **payload}),
        )

    return write


def _event(arrangement, kind: str, actor, en: str, zh: str, *, status_to: str = "", data=None) -> ArrangementEvent:
    return ArrangementEvent.objects.create(
        arrangement=arrangement,
        kind=kind,
        status_to=status_to,
        actor=actor,
        occurred_at=clock.now(),
        message_en=en,
        message_zh=zh,
        data=cases.jsonable(data or {}),
    )


def _names(codes, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(province_name(c, lang) for c in codes)


def _next_reference(today: dt.date) -> str:
    prefix = f"SA-{today.year}-"
    n = SegmentedArrangement.objects.filter(reference__startswith=prefix).count() + 1
    while SegmentedArrangement.objects.filter(reference=f"{prefix}{n:04d}").exists():
        n += 1
    return f"{prefix}{n:04d}"


def _in_force_from() -> dt.date:
    return load_parameters(STANDING_RULESET).value("in_force_from", dt.date(2026, 5, 15))


def _consent_provinces(case: dict[str, Any], holder_name: str, holder_province: str) -> list[str]:
    """Provinces of the contract manufacturers' domestic segments other than the holder's province (No. 132
    §一(一): the contract manufacturer's provincial regulator consents)."""
    out: set[str] = set()
    for seg in case.get("segments") or []:
        if not isinstance(seg, dict) or seg.get("enterprise") == holder_name:
            continue
        for code in cases.involved_provinces({"segments": [seg]}):
            if code != holder_province:
                out.add(code)
    return sorted(out)


# What Order No. 828 does not settle, asked of NMPA (the domain brief's open questions, ../shared/domain).
Q11 = (
    "Q11",
    "Does the pilot approval continue under Art. 32 after the pilot ends on 2026-12-31, does the product need a "
    "new application, or does the approval lapse?",
    "试点于2026年12月31日结束后，试点批复是否依第三十二条延续、需重新申请，还是失效？",
)
Q11_CONDITIONS = (
    "Q11.conditions",
    "Do the product-specific conditions of the pilot approval (一品一策) keep binding the arrangement?",
    "试点批复中的“一品一策”条件是否继续约束本分段生产安排？",
)
Q12 = (
    "Q12",
    "Do the pilot's extra conditions (≥3 years of commercial biologics production, ≥2 stationed people, a joint "
    "regulatory plan, pilot regions) still apply on the standing route?",
    "试点的附加条件（三年以上生物制品商业化生产经验、派驻不少于两人、联合监管方案、试点地区）在常设途径下是否仍适用？",
)
Q12_APPROVAL = (
    "Q12.approval",
    "Art. 32 has no approval step: does segmented production of this drug, which is not a vaccine, still need "
    "NMPA's approval?",
    "第三十二条未规定批准程序：本品（非疫苗）的分段生产是否仍须经国家药监局批准？",
)


def _carry_over(application: PilotApplication | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What comes over from an approved pilot application: the list shown to people, and the facts."""
    if application is None:
        return [], {}
    decision = getattr(application, "decision", None)
    items: list[dict[str, Any]] = [
        {
            "key": "pilot_approval",
            "title_en": "NMPA pilot approval",
            "title_zh": "国家药监局试点批复",
            "detail_en": f"{application.reference}, approved on {application.decided_on.isoformat()}"
            if application.decided_on
            else application.reference,
            "detail_zh": f"{application.reference}，{application.decided_on.isoformat()}批准"
            if application.decided_on
            else application.reference,
            "awaits": Q11[0],
        }
    ]
    if decision is not None and decision.conditions:
        items.append(
            {
                "key": "conditions",
                "title_en": "Product-specific conditions (一品一策)",
                "title_zh": "一品一策条件",
                "detail_en": decision.conditions,
                "detail_zh": decision.conditions,
                "awaits": Q11_CONDITIONS[0],
            }
        )
    declared = cases.jsonable(application.declared_facts or {})
    if declared:
        keys = sorted(declared)
        items.append(
            {
                "key": "declared_facts",
                "title_en": "Facts the holder declared in the pilot application",
                "title_zh": "持有人在试点申请中声明的事实",
                "detail_en": "; ".join(fact_labels(keys)),
                "detail_zh": "；".join(fact_labels(keys, lang="zh")),
                "awaits": "",
            }
        )
    plan = getattr(application, "joint_plan", None)
    if plan is not None and plan.agreed_on is not None:
        items.append(
            {
                "key": "joint_plan",
                "title_en": "Joint regulatory plan",
                "title_zh": "联合监管方案",
                "detail_en": f"agreed by {_names(plan.province_list, 'en')} on {plan.agreed_on.isoformat()}",
                "detail_zh": f"{_names(plan.province_list, 'zh')}于{plan.agreed_on.isoformat()}商定",
                "awaits": Q12[0],
            }
        )
    files = list(application.evidence.order_by("requirement", "id"))
    if files:
        items.append(
            {
                "key": "evidence",
                "title_en": "Evidence of the pilot application",
                "title_zh": "试点申请的证明材料",
                "detail_en": "; ".join(f"{e.file_name} ({e.requirement}, SHA-256 {e.sha256[:12]}…)" for e in files),
                "detail_zh": "；".join(f"{e.file_name}（{e.requirement}，SHA-256 {e.sha256[:12]}…）" for e in files),
                "awaits": "",
            }
        )
    return items, declared


_OUTCOME_WORDS = {
    QuestionOutcome.PASS: ("the rule is met", "规则符合"),
    QuestionOutcome.FAIL: ("the rule is not met", "规则不符合"),
    QuestionOutcome.NOT_APPLICABLE: ("the rule does not apply", "规则不适用"),
    QuestionOutcome.YES: ("yes", "是"),
    QuestionOutcome.NO: ("no", "否"),
}

# The rule a question's answer settles (the others are answered yes or no and read by the workflow).
QUESTION_RULES = {Q11[0]: "reg2026.transition.pilot_approval"}


def _initial_questions(*, pilot: bool, vaccine: bool) -> list[tuple[str, str, str, str]]:
    """(key, source, English, Chinese) of the questions every arrangement of this kind starts with."""
    out = []
    if pilot:
        out += [(Q11[0], "domain Q11", Q11[1], Q11[2]), (Q11_CONDITIONS[0], "domain Q11", *Q11_CONDITIONS[1:])]
    out.append((Q12[0], "domain Q12", Q12[1], Q12[2]))
    if not vaccine:
        out.append((Q12_APPROVAL[0], "domain Q12", *Q12_APPROVAL[1:]))
    return out


def _questions_from_findings(arrangement: SegmentedArrangement, data: dict[str, Any]) -> list[OpenQuestion]:
    """A rule whose outcome awaits NMPA becomes an open question (key: the rule id), unless a question on it
    was already asked (Q11 is the question on ``reg2026.transition.pilot_approval``)."""
    asked = OpenQuestion.objects.filter(arrangement=arrangement).values_list("key", "rule")
    have = {key for key, _ in asked} | {rule for _, rule in asked if rule}
    made = []
    for f in data["findings"]:
        if f["outcome"] != "undetermined" or f["rule"] in have:
            continue
        if not any(a["authority"] == "NMPA" for a in f["needs_determination_by"]):
            continue
        if arrangement.vaccine and set(f.get("awaited_facts") or ()) == {"nmpa_consent"} and not f["missing_facts"]:
            continue  # NMPA's approval of a vaccine arrangement is the workflow's own step (nmpa_approve)
        made.append(
            OpenQuestion.objects.create(
                arrangement=arrangement,
                key=f["rule"],
                source=f["rule"],
                rule=f["rule"],
                text_en=f["reason_en"],
                text_zh=f["reason_zh"],
            )
        )
        have.add(f["rule"])
    return made


def _store(arrangement, result, purpose: str, actor) -> ArrangementDetermination:
    return ArrangementDetermination.objects.create(
        arrangement=arrangement,
        purpose=purpose,
        ruleset=result["ruleset"],
        ruleset_version=result["ruleset_version"],
        as_of=result["as_of"],
        outcome=result["outcome"],
        case_json=result["case_json"],
        case_sha256=result["case_sha256"],
        determination_json=result["determination_json"],
        determination_sha256=result["determination_sha256"],
        parameters_sha256=result["parameters_sha256"],
        created_by=actor,
    )


def _visible(actor: User, arrangement: SegmentedArrangement) -> None:
    if not SegmentedArrangement.objects.restrict(scope_for(actor)).filter(pk=arrangement.pk).exists():
        raise NotFound("arrangement", arrangement.pk)


def _case(arrangement: SegmentedArrangement) -> dict[str, Any]:
    case = dict(arrangement.case_facts)
    if arrangement.submitted_on is not None:
        case["application"] = {"submitted_on": arrangement.submitted_on.isoformat()}
    settled = _regulator_determinations(arrangement)
    if settled:
        case["regulator_determinations"] = settled
    return case


def _regulator_determinations(arrangement: SegmentedArrangement) -> list[dict[str, Any]]:
    """NMPA's determinations on rules, as the case records them (the rules read them: ``rulebook.evaluate``)."""
    # read by the answer (set in the determination's own transaction, before the step moves the status)
    rows = OpenQuestion.objects.filter(arrangement=arrangement).exclude(rule="").exclude(outcome="")
    return [
        {
            "rule": q.rule,
            "authority": q.authority,
            "outcome": q.outcome,
            "determined_on": q.determined_on.isoformat(),
            "text": q.determination,
            "reference": f"{arrangement.reference} {q.key}",
        }
        for q in rows.order_by("id")
    ]


def _nmpa_requires_approval(arrangement: SegmentedArrangement) -> bool:
    """NMPA determined (Q12.approval) that this drug's segmented production still needs its approval."""
    return OpenQuestion.objects.filter(
        arrangement=arrangement, key=Q12_APPROVAL[0], outcome=QuestionOutcome.YES
    ).exists()


def _refuse_if_settled_ineligible(arrangement: SegmentedArrangement, action_en: str, action_zh: str) -> None:
    """Once NMPA's determinations are read, a rule they settled as not met stops the arrangement."""
    latest = (
        ArrangementDetermination.objects.filter(
            arrangement=arrangement, purpose=DeterminationPurpose.REGULATOR_DETERMINATION
        )
        .order_by("-id")
        .first()
    )
    if latest is None or latest.outcome != "ineligible":
        return
    failing = [f for f in json.loads(latest.determination_json)["findings"] if f["outcome"] == "fail"]
    raise StandingRefused(
        "ineligible",
        f"The arrangement cannot be {action_en}: with NMPA's determinations read, it is ineligible; failing rules: "
        + "; ".join(f"{f['rule']} ({f['reason_en']})" for f in failing),
        f"不能{action_zh}：计入国家药监局的认定后，评估结论为不符合条件；不符合的规则："
        + "；".join(f"{f['rule']}（{f['reason_zh']}）" for f in failing),
        details={"outcome": "ineligible", "failing_rules": [f["rule"] for f in failing], "determination": latest.pk},
    )


def _open_questions(arrangement: SegmentedArrangement) -> list[OpenQuestion]:
    return list(OpenQuestion.objects.filter(arrangement=arrangement, status=QuestionStatus.OPEN).order_by("id"))


def _refuse_if_open(arrangement: SegmentedArrangement, action_en: str, action_zh: str) -> None:
    open_ = _open_questions(arrangement)
    if open_:
        raise StandingRefused(
            "open_determination",
            f"The arrangement cannot be {action_en}: {len(open_)} question(s) await NMPA's determination "
            f"({', '.join(q.key for q in open_)}).",
            f"不能{action_zh}：尚有{len(open_)}个问题待国家药监局认定（{'、'.join(q.key for q in open_)}）。",
            details={"open_questions": [q.key for q in open_]},
        )


# ------------------------------------------------------------------------------------------------ services


def arrangement_draft(*, actor: User, product: Product) -> SegmentedArrangement:
    """The holder's RA or QA drafts an arrangement for one of its products from the registry; a product with
    an NMPA pilot approval starts from that approval (its declared facts and the carry-over list)."""
    registry_selectors.product_get(scope=scope_for(actor), pk=product.pk)  # out of scope → 404
    if not (
        actor.has_role(*HOLDER_WRITERS)
        and product.holder.organisation_id is not None
        and product.holder.organisation_id == actor.organisation_id
    ):
        from bioseg.common.errors import PermissionDenied

        raise PermissionDenied("draft a segmented-production arrangement", "起草分段生产安排")
    today = clock.today()
    first_day = _in_force_from()
    if today < first_day:
        raise StandingRefused(
            "not_in_force",
            f"The standing route (Order No. 828 Arts. 31–34) applies from {first_day.isoformat()}; "
            f"today is {today.isoformat()}.",
            f"常设途径（国务院令第828号第三十一条至第三十四条）自{first_day.isoformat()}起施行；今天是{today.isoformat()}。",
            details={"in_force_from": first_day.isoformat(), "today": today.isoformat()},
            status=400,
        )
    existing = SegmentedArrangement.objects.filter(product=product).exclude(status__in=[S.REFUSED, S.REJECTED]).first()
    if existing is not None:
        raise StandingRefused(
            "arrangement_exists",
            f"{product.name_en} already has arrangement {existing.reference} ({STATE_LABELS[existing.status][0]}).",
            f"{product.name_zh} 已有分段生产安排 {existing.reference}（{STATE_LABELS[existing.status][1]}）。",
            details={"reference": existing.reference, "id": existing.pk},
        )
    from bioseg.pilots.facts import case_from_product

    registry = cases.jsonable(case_from_product(product=product, as_of=today))
    registry.pop("as_of", None)
    pilot = selectors.approved_pilot_for(product=product)
    carry_over, carried = _carry_over(pilot)
    effective = cases.deep_merge(registry, carried)
    effective.pop("application", None)
    effective.pop("as_of", None)
    if pilot is None:
        # bioseg holds the pilot's approvals: none recorded for this product means it has none (not unknown).
        effective["pilot_approval"] = {"approved": False}
    cases.check_facts(effective)
    holder = product.holder
    holder_province = holder.region_code if holder.domestic and holder.region_code else ""
    consent = _consent_provinces(effective, holder.name_en, holder_province)
    involved = sorted({*([holder_province] if holder_province else []), *consent})
    vaccine = product.category in {str(v) for v in VACCINES}
    with (
        transaction.atomic(),
        audit_context(actor=actor, reason=gettext_noop("segmented-production arrangement drafted")),
    ):
        arrangement = SegmentedArrangement(
            reference=_next_reference(today),
            product=product,
            holder=holder,
            vaccine=vaccine,
            pilot_application=pilot,
            registry_facts=registry,
            carried_facts=carried,
            case_facts=effective,
            carry_over=carry_over,
            holder_province=holder_province,
            consent_provinces=",".join(consent),
            involved_provinces=",".join(involved),
            created_by=actor,
        )
        try:
            with transaction.atomic():
                arrangement.save()
        except IntegrityError:
            raise StandingRefused(
                "reference_taken",
                "Another arrangement was drafted at the same moment; try again.",
                "另一份分段生产安排同时创建，请重试。",
            ) from None
        for key, source, en, zh in _initial_questions(pilot=pilot is not None, vaccine=vaccine):
            OpenQuestion.objects.create(
                arrangement=arrangement,
                key=key,
                source=source,
                rule=QUESTION_RULES.get(key, ""),
                text_en=en,
                text_zh=zh,
            )
        if pilot is not None:
            en = f"Drafted from the registry data of {product.name_en} and pilot approval {pilot.reference}."
            zh = f"依据{product.name_zh}的登记数据和试点批复 {pilot.reference} 起草。"
        else:
            en = f"Drafted from the registry data of {product.name_en}."
            zh = f"依据{product.name_zh}的登记数据起草。"
        _event(arrangement, "drafted", actor, en, zh, status_to=S.DRAFT, data={"pilot_application": pilot and pilot.pk})
    return arrangement


def arrangement_facts_declare(
    *, actor: User, arrangement: SegmentedArrangement, facts: dict[str, Any], reason: str
) -> SegmentedArrangement:
    """The holder adds facts the registry and the pilot did not give (laid over the case; the arrangement goes
    back to draft until it is assessed again). Workflow facts (the submission day) cannot be declared."""
    _visible(actor, arrangement)
    e = Errors()
    if not isinstance(facts, dict):
        e.add("facts", "The facts must be an object.", "事实必须是一个对象。")
    else:
        for key in sorted(k for k in facts if k in WORKFLOW_FACTS):
            e.add(
                f"facts.{key}", f"{key} is recorded by the workflow, not declared.", f"{key} 由流程记录，不能自行声明。"
            )
    if not (reason or "").strip():
        e.add("reason", "A change needs a reason.", "修改需要填写原因。")
    e.raise_if_any()
    merged = cases.deep_merge(arrangement.case_facts, cases.jsonable(facts))
    cases.check_facts(merged)
    with transition(
        ARRANGEMENT_WORKFLOW,
        actor=actor,
        subject=arrangement,
        action="declare_facts",
        reason=reason.strip(),
        record_event=_event_writer(
            (f"Facts declared. Reason: {reason.strip()}", f"补充事实。原因：{reason.strip()}"),
            {"keys": sorted(facts)},
        ),
    ) as t:
        t.subject.case_facts = cases.deep_merge(t.subject.case_facts, cases.jsonable(facts))
        t.subject.save(update_fields=["case_facts", "updated_at"])
    arrangement.case_facts = t.subject.case_facts
    return t.subject


def arrangement_assess(*, actor: User, arrangement: SegmentedArrangement) -> ArrangementDetermination:
    """The holder assesses the draft with reg2026 as of today; the determination is stored."""
    _visible(actor, arrangement)
    ARRANGEMENT_WORKFLOW.check_actor(actor, arrangement, "assess")
    ARRANGEMENT_WORKFLOW.check_state(arrangement, "assess")
    result = cases.run(_case(arrangement), as_of=clock.today(), ruleset_name=arrangement.ruleset)
    data = result["data"]
    with transition(
        ARRANGEMENT_WORKFLOW,
        actor=actor,
        subject=arrangement,
        action="assess",
        reason=gettext_noop("segmented-production arrangement assessed"),
        record_event=_event_writer(
            (
                f"Assessed with {result['ruleset']} {result['ruleset_version']} as of {data['as_of']}: "
                f"{data['outcome_en']}.",
                f"按 {result['ruleset']} {result['ruleset_version']} 评估（评估日 {data['as_of']}）：{data['outcome_zh']}。",
            )
        ),
    ) as t:
        if t.subject.case_facts != arrangement.case_facts:
            raise StandingRefused(
                "changed_meanwhile",
                "The arrangement changed while it was being assessed; assess it again.",
                "评估期间分段生产安排已被修改，请重新评估。",
            )
        stored = _store(t.subject, result, DeterminationPurpose.ASSESSMENT, actor)
        t.payload.update({"determination_id": stored.pk, "outcome": result["outcome"]})
    return stored


def arrangement_submit(*, actor: User, arrangement: SegmentedArrangement, password: str) -> SegmentedArrangement:
    """The holder submits to its province with an e-signature (authored). The determination on the submission
    day must be neither ``ineligible`` nor ``incomplete``; ``needs_determination`` is accepted and each rule
    awaiting NMPA becomes an open question. A consent is requested from each contract manufacturer's province."""
    _visible(actor, arrangement)
    ARRANGEMENT_WORKFLOW.check_actor(actor, arrangement, "submit")
    ARRANGEMENT_WORKFLOW.check_state(arrangement, "submit")
    today = clock.today()
    if not arrangement.holder_province:
        raise StandingRefused(
            "no_province",
            "The holder has no domestic province: bioseg cannot route the arrangement to a provincial regulator.",
            "持有人不在境内省份，无法确定受理的省级药品监督管理部门。",
            status=400,
        )
    case = {**arrangement.case_facts, "application": {"submitted_on": today.isoformat()}}
    result = cases.run(case, as_of=today, ruleset_name=arrangement.ruleset)
    data = result["data"]
    if result["outcome"] == "ineligible":
        failing = [f for f in data["findings"] if f["outcome"] == "fail"]
        raise StandingRefused(
            "ineligible",
            "The arrangement cannot be submitted: the determination is ineligible; failing rules: "
            + "; ".join(f"{f['rule']} ({f['reason_en']})" for f in failing),
            "不能报送：评估结论为不符合条件；不符合的规则："
            + "；".join(f"{f['rule']}（{f['reason_zh']}）" for f in failing),
            details={"outcome": "ineligible", "failing_rules": [f["rule"] for f in failing]},
            status=400,
        )
    if result["outcome"] == "incomplete":
        missing = data["missing_facts"]
        raise StandingRefused(
            "incomplete",
            f"The arrangement cannot be submitted: facts are missing: {', '.join(missing)}. Declare them first.",
            f"不能报送：缺少以下事实：{'、'.join(missing)}。请先补充。",
            details={"outcome": "incomplete", "missing_facts": missing},
            status=400,
        )
    consent = arrangement.consent_province_list
    en = f"Submitted to {province_name(arrangement.holder_province)}" + (
        f"; consent requested from {_names(consent, 'en')} (NMPA 2023 No. 132 §一(一))." if consent else "."
    )
    zh = f"已报送{province_name(arrangement.holder_province, 'zh')}" + (
        f"；已请求{_names(consent, 'zh')}出具同意意见（国家药监局2023年第132号公告第一条第（一）项）。"
        if consent
        else "。"
    )
    with transition(
        ARRANGEMENT_WORKFLOW,
        actor=actor,
        subject=arrangement,
        action="submit",
        reason=gettext_noop("segmented-production arrangement submitted"),
        password=password,
        record_event=_event_writer((en, zh)),
    ) as t:
        t.subject.submitted_on = today
        t.subject.save(update_fields=["submitted_on", "updated_at"])
        stored = _store(t.subject, result, DeterminationPurpose.SUBMISSION, actor)
        for code in consent:
            ArrangementConsent.objects.create(arrangement=t.subject, province_code=code)
        asked = _questions_from_findings(t.subject, data)
        t.payload.update(
            {
                "determination_id": stored.pk,
                "outcome": result["outcome"],
                "consent_requested": consent,
                "questions_added": [q.key for q in asked],
            }
        )
    arrangement.submitted_on = today
    return t.subject


def _pending_consent(arrangement: SegmentedArrangement, province: str) -> ArrangementConsent:
    return ArrangementConsent.objects.select_for_update().get(
        arrangement=arrangement, province_code=province, status=ConsentStatus.PENDING
    )


def arrangement_consent(
    *, actor: User, arrangement: SegmentedArrangement, give: bool, comment: str, password: str
) -> ArrangementConsent:
    """A reviewer of a contract manufacturer's province gives (or withholds) its consent, e-signed. Withholding
    it refuses the arrangement; a reason is required then."""
    _visible(actor, arrangement)
    action = "consent" if give else "withhold_consent"
    if not give and not (comment or "").strip():
        e = Errors()
        e.add("comment", "Say why consent is withheld.", "请说明不予同意的理由。")
        e.raise_if_any()
    province = _province_of(actor)
    en = (
        f"{province_name(province)} consents as the contract manufacturer's province."
        if give
        else f"{province_name(province)} withholds its consent: {comment.strip()}"
    )
    zh = (
        f"{province_name(province, 'zh')}作为受托方所在地省局同意。"
        if give
        else f"{province_name(province, 'zh')}不予同意：{comment.strip()}"
    )
    with transition(
        ARRANGEMENT_WORKFLOW,
        actor=actor,
        subject=arrangement,
        action=action,
        reason=f"consent of {province} {'given' if give else 'withheld'}",
        password=password,
        record_event=_event_writer((en, zh), {"province": province}),
    ) as t:
        row = _pending_consent(t.subject, province)
        row.status = ConsentStatus.GIVEN if give else ConsentStatus.WITHHELD
        row.reviewer = actor
        row.at = clock.now()
        row.comment = (comment or "").strip()
        row.save()
        t.sign(row)
    return row


def arrangement_review(
    *, actor: User, arrangement: SegmentedArrangement, passed: bool, comment: str, password: str
) -> SegmentedArrangement:
    """The holder's province reviews, e-signed: passed once every consent is given (a vaccine then goes to NMPA,
    Art. 33; any other drug waits for the province to record the change, Art. 32), or refused with a reason."""
    _visible(actor, arrangement)
    action = "pass_review" if passed else "refuse"
    if not passed and not (comment or "").strip():
        e = Errors()
        e.add("comment", "Say why the arrangement is refused.", "请说明不予同意的理由。")
        e.raise_if_any()
    ARRANGEMENT_WORKFLOW.check_actor(actor, arrangement, action)
    ARRANGEMENT_WORKFLOW.check_state(arrangement, action)
    if passed:
        _refuse_if_consent_pending(arrangement)
    if passed:
        to_nmpa = arrangement.vaccine or _nmpa_requires_approval(arrangement)
        nxt = S.AWAITING_NMPA if to_nmpa else S.REVIEWED
        if arrangement.vaccine:
            en = "Review passed; the vaccine arrangement goes to NMPA for approval (Art. 33)."
            zh = "审查通过；疫苗分段生产报国家药监局批准（第三十三条）。"
        elif to_nmpa:
            en = "Review passed; NMPA determined that this arrangement needs its approval (Q12): it goes to NMPA."
            zh = "审查通过；国家药监局已认定本分段生产安排须经其批准（Q12），报国家药监局。"
        else:
            en = "Review passed; the province will record the licence or registration change (Art. 32 has no approval step)."
            zh = "审查通过；由省局登记许可或注册变更（第三十二条未设批准程序）。"
    else:
        nxt = S.REFUSED
        en, zh = f"Refused: {comment.strip()}", f"不予同意：{comment.strip()}"
    if comment and comment.strip() and passed:
        en, zh = f"{en} {comment.strip()}", f"{zh}{comment.strip()}"
    with transition(
        ARRANGEMENT_WORKFLOW,
        actor=actor,
        subject=arrangement,
        action=action,
        reason=gettext_noop("arrangement reviewed by the holder's province"),
        password=password,
        record_event=_event_writer((en, zh), {"comment": (comment or "").strip()}),
    ) as t:
        if passed:
            _refuse_if_consent_pending(t.subject)
        t.go_to(nxt)
    return t.subject


def _refuse_if_consent_pending(arrangement: SegmentedArrangement) -> None:
    pending = sorted(
        ArrangementConsent.objects.filter(arrangement=arrangement)
        .exclude(status=ConsentStatus.GIVEN)
        .values_list("province_code", flat=True)
    )
    if pending:
        raise StandingRefused(
            "consent_pending",
            f"The review cannot pass before {_names(pending, 'en')} consents as the contract manufacturer's "
            "province (NMPA 2023 No. 132 §一(一)).",
            f"{_names(pending, 'zh')}作为受托方所在地省局出具同意意见前，审查不能通过（国家药监局2023年第132号公告第一条第（一）项）。",
            details={"pending": pending},
        )


def arrangement_nmpa_decide(
    *, actor: User, arrangement: SegmentedArrangement, approve: bool, reason: str, password: str
) -> SegmentedArrangement:
    """NMPA approves (or rejects) a vaccine arrangement (Art. 33), e-signed; approval is refused while a
    question awaits NMPA's own determination."""
    _visible(actor, arrangement)
    action = "nmpa_approve" if approve else "nmpa_reject"
    e = Errors()
    e.required("reason", reason)
    e.raise_if_any()
    ARRANGEMENT_WORKFLOW.check_actor(actor, arrangement, action)
    ARRANGEMENT_WORKFLOW.check_state(arrangement, action)
    if approve:
        _refuse_if_open(arrangement, "approved", "批准")
        _refuse_if_settled_ineligible(arrangement, "approved", "批准")
    en = ("Approved by NMPA (Art. 33): " if approve else "Rejected by NMPA (Art. 33): ") + reason.strip()
    zh = ("国家药监局批准（第三十三条）：" if approve else "国家药监局不予批准（第三十三条）：") + reason.strip()
    with transition(
        ARRANGEMENT_WORKFLOW,
        actor=actor,
        subject=arrangement,
        action=action,
        reason=reason.strip(),
        password=password,
        record_event=_event_writer((en, zh)),
    ) as t:
        if approve:
            _refuse_if_open(t.subject, "approved", "批准")
            _refuse_if_settled_ineligible(t.subject, "approved", "批准")
    return t.subject


def arrangement_record(
    *, actor: User, arrangement: SegmentedArrangement, reference: str, password: str
) -> SegmentedArrangement:
    """The holder's province records the licence or registration change (e-signed); refused while a question
    awaits NMPA (e.g. whether this drug still needs NMPA's approval, Q12)."""
    _visible(actor, arrangement)
    e = Errors()
    if not (reference or "").strip():
        e.add("reference", "Give the licence or registration change.", "请填写许可或注册变更的文号。")
    elif len(reference.strip()) > 100:
        e.add("reference", "At most 100 characters.", "不超过100个字符。")
    e.raise_if_any()
    ARRANGEMENT_WORKFLOW.check_actor(actor, arrangement, "record")
    ARRANGEMENT_WORKFLOW.check_state(arrangement, "record")
    _refuse_if_open(arrangement, "recorded", "登记")
    _refuse_if_settled_ineligible(arrangement, "recorded", "登记")
    ref = reference.strip()
    with transition(
        ARRANGEMENT_WORKFLOW,
        actor=actor,
        subject=arrangement,
        action="record",
        reason=f"licence or registration change {ref} recorded",
        password=password,
        record_event=_event_writer(
            (f"Licence or registration change {ref} recorded.", f"已登记许可或注册变更 {ref}。"), {"reference": ref}
        ),
    ) as t:
        _refuse_if_open(t.subject, "recorded", "登记")
        _refuse_if_settled_ineligible(t.subject, "recorded", "登记")
        t.subject.record_reference = ref
        t.subject.recorded_on = clock.today()
        t.subject.save(update_fields=["record_reference", "recorded_on", "updated_at"])
    return t.subject


def question_determine(
    *,
    actor: User,
    question: OpenQuestion,
    determination: str,
    reasoning: str,
    password: str,
    outcome: str = "",
) -> OpenQuestion:
    """NMPA records its determination on one open question (who, when, what, why, and its answer: a question
    on a rule settles the rule — met, not met, does not apply —, any other is answered yes or no), e-signed
    (authored). Only while the arrangement is submitted and not yet final; never changed afterwards.

    The rules read it: a determination on a rule enters the case (``regulator_determinations``) and the
    arrangement is assessed again that day, stored as a new determination (the submission's stays as it was).
    NMPA's "yes" to Q12.approval sends a reviewed arrangement that is not a vaccine on to NMPA's approval."""
    arrangement = question.arrangement
    _visible(actor, arrangement)
    e = Errors()
    if not (determination or "").strip():
        e.add("determination", "State NMPA's determination.", "请填写国家药监局的认定。")
    if not (reasoning or "").strip():
        e.add("reasoning", "Give the reasoning.", "请填写理由。")
    if outcome not in question.outcomes:
        e.add(
            "outcome",
            "Choose whether the rule is met, not met or does not apply."
            if question.rule
            else "Answer the question yes or no.",
            "请选择该规则符合、不符合或不适用。" if question.rule else "请回答是或否。",
        )
    e.raise_if_any()
    QUESTION_WORKFLOW.check_actor(actor, question, "determine")
    if arrangement.status not in PENDING_STATES:
        raise WrongState(
            "wrong_state",
            f"The arrangement is {STATE_LABELS[arrangement.status][0]}: NMPA determines its open questions only "
            "once it is submitted and until it is decided.",
            f"该分段生产安排当前状态为“{STATE_LABELS[arrangement.status][1]}”：国家药监局只在报送后、办结前认定待定问题。",
            details={"action": "determine", "state": arrangement.status, "allowed_from": sorted(PENDING_STATES)},
        )
    answer_en, answer_zh = _OUTCOME_WORDS[outcome]
    with transition(
        QUESTION_WORKFLOW,
        actor=actor,
        subject=question,
        action="determine",
        reason=f"NMPA determination on {question.key}",
        password=password,
        record_event=_event_writer(
            (
                f"NMPA determined {question.key} ({answer_en}): {determination.strip()}",
                f"国家药监局认定 {question.key}（{answer_zh}）：{determination.strip()}",
            ),
            {"question": question.key, "outcome": outcome},
        ),
    ) as t:
        held = SegmentedArrangement.objects.select_for_update().get(pk=arrangement.pk)
        if held.status not in PENDING_STATES:
            raise WrongState(
                "wrong_state",
                f"The arrangement became {STATE_LABELS[held.status][0]} meanwhile.",
                f"该分段生产安排已变为“{STATE_LABELS[held.status][1]}”。",
                details={"action": "determine", "state": held.status, "allowed_from": sorted(PENDING_STATES)},
            )
        t.subject.outcome = outcome
        t.subject.determination = determination.strip()
        t.subject.reasoning = reasoning.strip()
        t.subject.determined_by = actor
        t.subject.determined_at = clock.now()
        t.subject.determined_on = clock.today()
        t.subject.save(
            update_fields=[
                "outcome",
                "determination",
                "reasoning",
                "determined_by",
                "determined_at",
                "determined_on",
                "updated_at",
            ]
        )
        t.sign(t.subject)
        if t.subject.rule:
            result = cases.run(_case(held), as_of=clock.today(), ruleset_name=held.ruleset)
            stored = _store(held, result, DeterminationPurpose.REGULATOR_DETERMINATION, actor)
            t.payload.update({"determination_id": stored.pk, "assessed": result["outcome"]})
        if question.key == Q12_APPROVAL[0] and outcome == QuestionOutcome.YES and held.status == S.REVIEWED:
            held.status = S.AWAITING_NMPA
            held.save(update_fields=["status", "updated_at"])
            _event(
                held,
                "sent_to_nmpa",
                actor,
                "NMPA determined that this arrangement needs its approval (Q12): it awaits NMPA's decision.",
                "国家药监局认定本分段生产安排须经其批准（Q12）：待国家药监局决定。",
                status_to=S.AWAITING_NMPA,
                data={"question": question.key},
            )
    recheck(arrangement, scope_for(actor), "arrangement")
    return t.subject
