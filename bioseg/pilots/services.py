"""Every write of the pilot-application workflow (issue 3 §4).

Each service is keyword-only with ``actor=``; it validates everything first (so a refusal raises an
``ApplicationError`` with a bilingual message and writes nothing), then writes inside one transaction with
the audit actor and reason, and records the step's domain event (``ApplicationEvent``) in that same
transaction. E-signatures re-check the password *before* (outside) the transaction, so a wrong password
counts toward the account lockout even though nothing else is written.

Workflow (``ApplicationStatus``)::

    draft ──submit✍──▶ submitted ──review──▶ under_review ──(every province recommends)──▶ recommended
      ▲                   ▲    │                 │  ▲                                       │
      │                   │    └──────┬──────────┘  │ (a province objects → objected;       │ cross-province:
      │      submit✍ (response)       ▼             │  it may still recommend later)        │ joint plan, each
      └── (facts, evidence)  information_requested ─┘                                       │ province signs✍
                                                                                            ▼
                       NMPA decide✍ (approve + 一品一策 conditions / reject / return) ◀── joint_plan_agreed
                       (single province: straight from recommended)
    NMPA return✍: from any filed, undecided state → returned.

Submission rules (decided here; see also bioseg/pilots/README.md):
- first submission only on or before the ``application_deadline`` parameter of ``pilot2024`` (today from
  ``bioseg.common.clock.today``); a response to an information request keeps the original submission day
  and is not refused by the deadline (the application was filed in time);
- the determination on the submission day (``application.submitted_on`` = that day) must not be
  ``ineligible`` (refused, listing the failing rules) nor ``incomplete`` (refused, listing the missing
  facts: declare them first); ``needs_determination`` is accepted — deciding those open questions is what
  the provincial review, the joint plan and the NMPA decision are for — and the authorities named are
  recorded in the submission event; ``eligible`` is accepted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.audit.context import audit_context
from bioseg.audit.services import signature_sign, signer_check
from bioseg.common import clock
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from bioseg.pilots import cases, evidence, permissions
from bioseg.pilots.models import (
    DECIDED_STATES,
    EDITABLE_STATES,
    RETURNABLE_STATES,
    REVIEWABLE_STATES,
    STATUS_EN,
    STATUS_ZH,
    ApplicationEvent,
    ApplicationParty,
    ApplicationStatus,
    Decision,
    DeterminationPurpose,
    EventKind,
    Evidence,
    EvidenceKind,
    JointPlanApproval,
    JointPlanStatus,
    JointRegulatoryPlan,
    NmpaDecision,
    PartyRole,
    PilotApplication,
    ProvincialReview,
    ReviewAction,
    RuleDetermination,
    RuleOutcome,
    StoredDetermination,
)
from bioseg.pilots.workflow import PILOT_WORKFLOW
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.models import Enterprise, Product
from bioseg.registry.scope import scope_for
from bioseg.regulation import RULESET_NAMES, get_ruleset, load_parameters, ruleset_for
from bioseg.regulation.facts import province_name
from bioseg.regulation.labels import fact_labels

PILOT_RULESET = "pilot2024"  # whose application deadline a submission is held to (not a default ruleset)


class WorkflowRefused(ApplicationError):
    """A step the application's state, the calendar or the rules do not allow."""

    status = 409


# ------------------------------------------------------------------------------------------------ helpers


def registry_case(*, product: Product, as_of: dt.date | None) -> dict[str, Any]:
    """What the registry knows about a product, in the case format (``bioseg.pilots.facts``, issue 3 §3)."""
    from bioseg.pilots import facts  # written alongside; imported late so this module loads without it

    return facts.case_from_product(product=product, as_of=as_of)


def _state_refusal(
    application: PilotApplication, action_en: str, action_zh: str, action: str | None = None
) -> WorkflowRefused:
    """409 ``wrong_state``; with the workflow's ``action``, the details every workflow table gives (action, state,
    allowed_from) beside the application's status and reference."""
    status = application.status
    details: dict[str, Any] = {"status": status, "reference": application.reference}
    if action is not None:
        details |= {"action": action, "state": status, "allowed_from": sorted(PILOT_WORKFLOW.get(action).sources)}
    return WorkflowRefused(
        "wrong_state",
        f"Application {application.reference} is {STATUS_EN[status]}: it cannot be {action_en} now.",
        f"申请 {application.reference} 当前状态为“{STATUS_ZH[status]}”，现在不能{action_zh}。",
        details=details,
    )


def _check_state(application: PilotApplication, action: str, action_en: str, action_zh: str) -> None:
    """Refuses ``action`` unless ``PILOT_WORKFLOW`` allows it from the application's state."""
    if application.status not in PILOT_WORKFLOW.get(action).sources:
        raise _state_refusal(application, action_en, action_zh, action)


def _require_holder_writer(actor: User, application_or_holder, action: str) -> None:
    if not permissions.is_holder_writer(actor, application_or_holder):
        raise PermissionDenied(action)


def _require_visible(actor: User, application: PilotApplication) -> None:
    """An application outside the actor's scope is a 404 (never a hint that it exists)."""
    from bioseg.pilots.selectors import application_list

    if not application_list(scope=scope_for(actor)).filter(pk=application.pk).exists():
        raise NotFound("pilot application", application.pk)


def _require_password(actor: User, password: str) -> None:
    """Re-authentication for an e-signature, outside any transaction so a failure counts toward lockout."""
    signer_check(user=actor, password=password)


def _choice_label(choices, value: str, language: str) -> str:
    """A choice's label in one language, for the bilingual texts stored with an event."""
    with translation.override(language):
        return str(choices(value).label)


def _event(
    application: PilotApplication,
    kind: str,
    actor: User,
    en: str,
    zh: str,
    *,
    status_from: str = "",
    status_to: str = "",
    data: dict[str, Any] | None = None,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        status_from=status_from,
        status_to=status_to,
        actor=actor,
        occurred_at=clock.now(),
        message_en=en,
        message_zh=zh,
        data=cases.jsonable(data or {}),
    )


def _agreed_provinces(application: PilotApplication) -> list[str]:
    plan = JointRegulatoryPlan.objects.filter(application=application).first()
    if plan is None:
        return []
    return sorted(a.province_code for a in plan.approvals.all() if a.approved_at is not None)


def case_for(application: PilotApplication, *, facts: dict | None = None, submitted_on: dt.date | None = None) -> dict:
    """The case the rules read: the application's facts with the workflow's own facts laid over them, and the
    regulators' recorded determinations on its rules."""
    case = cases.workflow_case(
        application.case_facts if facts is None else facts,
        submitted_on=submitted_on or application.submitted_on,
        agreed_by=_agreed_provinces(application),
    )
    settled = [
        {
            "rule": d.rule,
            "authority": d.authority,
            "outcome": d.outcome,
            "determined_on": d.determined_on.isoformat(),
            "text": d.determination,
            "reference": f"{application.reference} {d.rule}",
        }
        for d in RuleDetermination.objects.filter(application=application).order_by("id")
    ]
    if settled:
        case["regulator_determinations"] = settled
    return case


def _store_determination(
    application: PilotApplication, result: dict[str, Any], purpose: str, actor: User
) -> StoredDetermination:
    return StoredDetermination.objects.create(
        application=application,
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


def _fresh_registry_facts(application: PilotApplication, as_of: dt.date) -> dict[str, Any]:
    raw = registry_case(product=application.product, as_of=as_of)
    return cases.jsonable(raw or {})


def _apply_facts(application: PilotApplication, registry: dict, declared: dict) -> list[str]:
    """Sets the facts and what derives from them on the (unsaved) application; returns the changed fields."""
    effective = cases.effective_facts(registry, declared)
    provinces = ",".join(cases.involved_provinces(effective, _holder_province(application.holder)))
    changed = []
    for field, value in (
        ("registry_facts", registry),
        ("declared_facts", declared),
        ("case_facts", effective),
        ("involved_provinces", provinces),
    ):
        if getattr(application, field) != value:
            setattr(application, field, value)
            changed.append(field)
    return changed


def _holder_province(holder: Enterprise) -> str:
    return holder.region_code if holder.domestic and holder.region_code else ""


def _sync_parties(application: PilotApplication) -> None:
    """Holder and the contract manufacturers the facts name (matched on the registry's names)."""
    raw = set()
    facts = application.case_facts
    for seg in facts.get("segments") or []:
        if isinstance(seg, dict) and isinstance(seg.get("enterprise"), str):
            raw.add(seg["enterprise"].strip())
    for cmo in facts.get("contract_manufacturers") or []:
        if isinstance(cmo, dict) and isinstance(cmo.get("name"), str):
            raw.add(cmo["name"].strip())
    wanted = {(application.holder_id, PartyRole.HOLDER)}
    if raw:
        for ent in Enterprise.objects.filter(Q(name_en__in=raw) | Q(name_zh__in=raw)).exclude(pk=application.holder_id):
            wanted.add((ent.pk, PartyRole.CONTRACT_MANUFACTURER))
    existing = {(p.enterprise_id, p.role): p for p in ApplicationParty.objects.filter(application=application)}
    for key, party in existing.items():
        if party.active != (key in wanted):
            party.active = key in wanted
            party.save(update_fields=["active", "updated_at"])
    for enterprise_id, role in wanted - set(existing):
        ApplicationParty.objects.create(application=application, enterprise_id=enterprise_id, role=role)


def _next_reference(today: dt.date) -> str:
    prefix = f"PA-{today.year}-"
    n = PilotApplication.objects.filter(reference__startswith=prefix).count() + 1
    while PilotApplication.objects.filter(reference=f"{prefix}{n:04d}").exists():
        n += 1
    return f"{prefix}{n:04d}"


def _deadline(today: dt.date):
    """The application deadline in force today, with its citations (from the regulation's parameters)."""
    return load_parameters(PILOT_RULESET).get("application_deadline").at(today)


def applications_closed_on(today: dt.date) -> dt.date | None:
    """The deadline if pilot applications are closed on ``today`` (interfaces then point to the standing
    route, ``bioseg.pilots.standing``), else ``None``."""
    deadline = _deadline(today)
    return deadline.value if today > deadline.value else None


def _refuse_after_deadline(today: dt.date, *, creating: bool) -> None:
    """After ``pilot2024.application_deadline`` no pilot application is drafted (refused at creation) nor
    first submitted; the refusal cites the deadline and, at creation, points to the standing route."""
    deadline = _deadline(today)
    if today <= deadline.value:
        return
    cite = deadline.citations[0]
    en = (
        f"Pilot applications closed on {deadline.value.isoformat()} ({cite.document.title_en}, "
        f"{cite.article_en}: “{cite.text_zh}”); today is {today.isoformat()}."
    )
    zh = (
        f"试点申请已于 {deadline.value.isoformat()} 截止（{cite.document.title_zh}，{cite.article_zh}："
        f"“{cite.text_zh}”）；今天是 {today.isoformat()}。"
    )
    details = {
        "deadline": deadline.value.isoformat(),
        "today": today.isoformat(),
        "parameter": "pilot2024.application_deadline",
        "citations": [c.as_dict() for c in deadline.citations],
    }
    if creating:
        en += (
            " Draft a segmented-production arrangement on the standing route instead "
            "(Order No. 828 Arts. 31–34, ruleset reg2026)."
        )
        zh += "请改为按常设途径起草分段生产安排（国务院令第828号第三十一条至第三十四条，规则集 reg2026）。"
        details["standing_route"] = "reg2026"
    raise WorkflowRefused("deadline_passed", en, zh, details=details, status=400)


def _failing_rules(data: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"rule": f["rule"], "reason_en": f["reason_en"], "reason_zh": f["reason_zh"]}
        for f in data["findings"]
        if f["outcome"] == "fail"
    ]


def _authorities(data: dict[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for f in data["findings"]:
        for a in f["needs_determination_by"]:
            seen.setdefault(a["authority"], None)
    return list(seen)


def _refuse_outcome(result: dict[str, Any], action_en: str, action_zh: str) -> None:
    data = result["data"]
    if result["outcome"] == "ineligible":
        failing = _failing_rules(data)
        raise WorkflowRefused(
            "ineligible",
            f"The application cannot be {action_en}: the determination is ineligible; failing rules: "
            + "; ".join(f"{f['rule']} ({f['reason_en']})" for f in failing),
            f"不能{action_zh}：评估结论为不符合条件；不符合的规则："
            + "；".join(f"{f['rule']}（{f['reason_zh']}）" for f in failing),
            details={"outcome": "ineligible", "failing_rules": failing, "as_of": data["as_of"]},
            status=400,
        )


def awaiting_rules(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings that await a regulator's determination on the rule itself: undetermined, nothing missing,
    no act of the workflow awaited (a joint plan is agreed through its own step)."""
    return [
        f
        for f in data["findings"]
        if f["outcome"] == "undetermined" and not f["missing_facts"] and not f["awaited_facts"]
    ]


def _refuse_awaiting(result: dict[str, Any], action_en: str, action_zh: str) -> None:
    """NMPA cannot approve while a rule awaits a regulator's determination: the regulator records it first."""
    waiting = awaiting_rules(result["data"])
    if not waiting:
        return
    who = [{"rule": f["rule"], "authorities": [a["authority"] for a in f["needs_determination_by"]]} for f in waiting]
    raise WorkflowRefused(
        "open_determination",
        f"The application cannot be {action_en}: "
        + "; ".join(
            f"{f['rule']} awaits the determination of {', '.join(a['name_en'] for a in f['needs_determination_by'])}"
            for f in waiting
        )
        + ". Record the determination on the rule first.",
        f"不能{action_zh}："
        + "；".join(
            f"规则 {f['rule']} 尚待{'、'.join(a['name_zh'] for a in f['needs_determination_by'])}认定" for f in waiting
        )
        + "。请先记录对该规则的认定。",
        details={"awaiting": who},
    )


def _refuse_incomplete(result: dict[str, Any], action_en: str, action_zh: str) -> None:
    data = result["data"]
    if result["outcome"] == "incomplete":
        missing = data["missing_facts"]
        raise WorkflowRefused(
            "incomplete",
            f"The application cannot be {action_en}: facts are missing: {', '.join(missing)}. Declare them first.",
            f"不能{action_zh}：缺少以下事实：{'、'.join(missing)}。请先补充。",
            details={"outcome": "incomplete", "missing_facts": missing, "as_of": data["as_of"]},
            status=400,
        )


# ------------------------------------------------------------------------------------------------ drafting


def application_draft(*, actor: User, product: Product, ruleset: str | None = None) -> PilotApplication:
    """A holder's RA or QA drafts an application for one of the holder's products, from registry data.
    Without ``ruleset``: the one that applies today (``regulation.ruleset_for``)."""
    ruleset = ruleset if ruleset is not None else ruleset_for(clock.today())
    registry_selectors.product_get(scope=scope_for(actor), pk=product.pk)  # out of scope → 404
    _require_holder_writer(actor, product.holder, "draft a pilot application")
    if ruleset not in RULESET_NAMES:
        raise ValidationFailed({"ruleset": (f"Unknown ruleset {ruleset!r}.", f"未知规则集 {ruleset!r}。")})
    _refuse_after_deadline(clock.today(), creating=True)
    open_app = (
        PilotApplication.objects.filter(product=product)
        .exclude(status__in=[ApplicationStatus.REJECTED, ApplicationStatus.RETURNED])
        .first()
    )
    if open_app is not None:
        raise WorkflowRefused(
            "application_exists",
            f"{product.name_en} already has pilot application {open_app.reference} ({STATUS_EN[open_app.status]}).",
            f"{product.name_zh} 已有试点申请 {open_app.reference}（{STATUS_ZH[open_app.status]}）。",
            details={"reference": open_app.reference, "id": open_app.pk},
        )
    today = clock.today()
    registry = cases.jsonable(registry_case(product=product, as_of=today) or {})
    cases.check_facts(cases.effective_facts(registry, {}))
    with transaction.atomic(), audit_context(actor=actor, reason=gettext_noop("pilot application drafted")):
        application = PilotApplication(
            reference=_next_reference(today),
            product=product,
            holder=product.holder,
            ruleset=ruleset,
            created_by=actor,
        )
        _apply_facts(application, registry, {})
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:
            raise WorkflowRefused(
                "reference_taken",
                "Another application was drafted at the same moment; try again.",
                "另一份申请同时创建，请重试。",
            ) from None
        _sync_parties(application)
        _event(
            application,
            EventKind.DRAFTED,
            actor,
            f"Drafted from the registry data of {product.name_en}.",
            f"依据{product.name_zh}的登记数据起草。",
            status_to=ApplicationStatus.DRAFT,
        )
    return application


def application_facts_declare(
    *, actor: User, application: PilotApplication, facts: dict[str, Any], reason: str
) -> PilotApplication:
    """The holder states facts the registry does not hold (e.g. its capabilities, a CMO's start of commercial
    production). They are laid over the registry's facts; workflow facts cannot be declared."""
    _require_visible(actor, application)
    _require_holder_writer(actor, application, "declare facts of a pilot application")
    _check_state(application, "declare_facts", "changed", "修改")
    if not isinstance(facts, dict):
        raise ValidationFailed({"facts": ("The facts must be an object.", "事实必须是一个对象。")})
    owned = sorted(k for k in facts if k in cases.WORKFLOW_KEYS)
    if owned:
        raise ValidationFailed(
            {
                f"facts.{k}": (
                    f"{k} is recorded by the workflow, not declared.",
                    f"{k} 由申请流程记录，不能自行声明。",
                )
                for k in owned
            }
        )
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ("A change needs a reason.", "修改需要填写原因。")})
    declared = cases.jsonable(facts)
    cases.check_facts(cases.effective_facts(application.registry_facts, declared))
    with transaction.atomic(), audit_context(actor=actor, reason=reason.strip()):
        changed = _apply_facts(application, application.registry_facts, declared)
        if changed:
            application.save(update_fields=[*changed, "updated_at"])
            _sync_parties(application)
        _event(
            application,
            EventKind.FACTS_DECLARED,
            actor,
            f"Facts declared: {'; '.join(fact_labels(sorted(declared))) or '(none)'}. Reason: {reason.strip()}",
            f"声明事实：{'；'.join(fact_labels(sorted(declared), lang='zh')) or '（无）'}。原因：{reason.strip()}",
            data={"keys": sorted(declared)},
        )
    return application


# ------------------------------------------------------------------------------------------------ assessing


def application_assess(
    *, actor: User, application: PilotApplication, as_of: dt.date | None = None, ruleset: str | None = None
) -> StoredDetermination:
    """Runs the rules on the application and stores the determination.

    The holder may assess at any time; while the application is editable its registry facts are re-read
    first. Involved provincial reviewers and NMPA assess filed applications on their frozen facts.
    """
    _require_visible(actor, application)
    holder = permissions.is_holder_writer(actor, application)
    regulator = application.status != ApplicationStatus.DRAFT and (
        permissions.is_involved_reviewer(actor, application) or permissions.is_nmpa_officer(actor)
    )
    if not (holder or regulator):
        raise PermissionDenied("assess a pilot application")
    day = as_of or clock.today()
    name = ruleset or application.ruleset
    if name not in RULESET_NAMES:
        raise ValidationFailed({"ruleset": (f"Unknown ruleset {name!r}.", f"未知规则集 {name!r}。")})
    registry = application.registry_facts
    refresh = holder and application.status in EDITABLE_STATES
    if refresh:
        registry = _fresh_registry_facts(application, day)
        cases.check_facts(cases.effective_facts(registry, application.declared_facts))
    effective = cases.effective_facts(registry, application.declared_facts) if refresh else application.case_facts
    result = cases.run(case_for(application, facts=effective), as_of=day, ruleset_name=name)
    with transaction.atomic(), audit_context(actor=actor, reason=gettext_noop("pilot application assessed")):
        if refresh:
            changed = _apply_facts(application, registry, application.declared_facts)
            if changed:
                with audit_context(reason=gettext_noop("registry facts re-read for the assessment")):
                    application.save(update_fields=[*changed, "updated_at"])
                _sync_parties(application)
        stored = _store_determination(application, result, DeterminationPurpose.ASSESSMENT, actor)
        _event(
            application,
            EventKind.ASSESSED,
            actor,
            f"Assessed with {result['ruleset']} {result['ruleset_version']} as of {day.isoformat()}: "
            f"{result['data']['outcome_en']}.",
            f"按 {result['ruleset']} {result['ruleset_version']} 评估（评估日 {day.isoformat()}）：{result['data']['outcome_zh']}。",
            data={"determination_id": stored.pk, "outcome": result["outcome"]},
        )
    return stored


# ------------------------------------------------------------------------------------------------ evidence


def evidence_attach(
    *,
    actor: User,
    application: PilotApplication,
    requirement: str,
    kind: str,
    file_name: str,
    content: bytes,
    description: str = "",
) -> Evidence:
    """The holder attaches a file supporting one requirement (a rule id of the application's ruleset)."""
    _require_visible(actor, application)
    _require_holder_writer(actor, application, "attach evidence to a pilot application")
    _check_state(application, "attach_evidence", "given new evidence", "添加证明材料")
    errors: dict[str, tuple[str, str]] = {}
    rule_ids = get_ruleset(application.ruleset).rule_ids
    if requirement not in rule_ids:
        errors["requirement"] = (
            f"{requirement!r} is not a rule of {application.ruleset}.",
            f"{requirement!r} 不是规则集 {application.ruleset} 中的规则。",
        )
    if kind not in EvidenceKind.values:
        errors["kind"] = (f"{kind!r} is not one of {sorted(EvidenceKind.values)}.", f"{kind!r} 不在可选值中。")
    if errors:
        raise ValidationFailed(errors)
    checked = evidence.check_file(file_name, content)
    with (
        transaction.atomic(),
        audit_context(actor=actor, reason=gettext_noop("evidence attached to a pilot application")),
    ):
        evidence.store(checked, content)
        item = Evidence.objects.create(
            application=application,
            requirement=requirement,
            kind=kind,
            description=(description or "").strip(),
            file_name=checked.file_name,
            content_type=checked.content_type,
            sha256=checked.sha256,
            size=checked.size,
            storage_name=checked.storage_name,
            submission_round=application.submission_round,
            uploaded_by=actor,
        )
        _event(
            application,
            EventKind.EVIDENCE_ATTACHED,
            actor,
            f"Evidence {checked.file_name} ({_choice_label(EvidenceKind, kind, 'en')}) attached for {requirement}.",
            f"为 {requirement} 添加证明材料 {checked.file_name}（{_choice_label(EvidenceKind, kind, 'zh-hans')}）。",
            data={"evidence_id": item.pk, "sha256": checked.sha256},
        )
    return item


# ------------------------------------------------------------------------------------------------ submitting


def application_submit(*, actor: User, application: PilotApplication, password: str) -> PilotApplication:
    """The holder submits (or, after an information request, re-submits) with an e-signature (authored)."""
    _require_visible(actor, application)
    _require_holder_writer(actor, application, "submit a pilot application")
    _check_state(application, "submit", "submitted", "提交")
    today = clock.today()
    first = application.submitted_on is None
    if first:
        _refuse_after_deadline(today, creating=False)
    submitted_on = application.submitted_on or today
    registry = _fresh_registry_facts(application, today)
    effective = cases.effective_facts(registry, application.declared_facts)
    cases.check_facts(effective)
    result = cases.run(
        case_for(application, facts=effective, submitted_on=submitted_on), as_of=today, ruleset_name=application.ruleset
    )
    _refuse_outcome(result, "submitted", "提交")
    _refuse_incomplete(result, "submitted", "提交")
    provinces = cases.involved_provinces(effective, _holder_province(application.holder))
    if not provinces:
        raise WorkflowRefused(
            "no_province",
            "No province is involved (no domestic holder or site): bioseg cannot route the review.",
            "没有涉及的省份（无境内持有人或场地），无法确定审查部门。",
            status=400,
        )
    _require_password(actor, password)
    status_from = application.status
    reason = "pilot application submitted" if first else "pilot application re-submitted with the requested information"
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        application = _lock_unchanged(application, "submitted", "提交")
        _apply_facts(application, registry, application.declared_facts)
        application.status = ApplicationStatus.SUBMITTED
        application.submitted_on = submitted_on
        application.submission_round += 1
        application.save()
        _sync_parties(application)
        stored = _store_determination(application, result, DeterminationPurpose.SUBMISSION, actor)
        authorities = _authorities(result["data"])
        names_en = ", ".join(province_name(c) for c in provinces)
        names_zh = "、".join(province_name(c, "zh") for c in provinces)
        event = _event(
            application,
            EventKind.SUBMITTED,
            actor,
            f"{'Submitted' if first else 'Re-submitted'} on {today.isoformat()} (round {application.submission_round}); "
            f"determination: {result['data']['outcome_en']}; reviewed by {names_en}.",
            f"于 {today.isoformat()} {'提交' if first else '重新提交'}（第{application.submission_round}轮）；"
            f"评估结论：{result['data']['outcome_zh']}；审查省份：{names_zh}。",
            status_from=status_from,
            status_to=ApplicationStatus.SUBMITTED,
            data={
                "determination_id": stored.pk,
                "determination_sha256": stored.determination_sha256,
                "case_sha256": stored.case_sha256,
                "outcome": result["outcome"],
                "needs_determination_by": authorities,
                "provinces": provinces,
                "round": application.submission_round,
            },
        )
        signature_sign(user=actor, password=password, obj=event, meaning="authored", reason=reason)
    return application


# ------------------------------------------------------------------------------------------------ reviewing


def _lock_unchanged(
    application: PilotApplication, action_en: str, action_zh: str, allowed: frozenset[str] | None = None
) -> PilotApplication:
    """Inside the caller's transaction: lock the application's row, refresh the caller's instance, and refuse
    if another request changed its state since the caller's checks (into a state outside ``allowed``, when
    given). Two requests can then never both pass the same check: on SQLite the IMMEDIATE transaction
    already serialises writers, on PostgreSQL the row lock does."""
    before = (application.status, application.submission_round)
    now = (
        PilotApplication.objects.select_for_update().filter(pk=application.pk).values_list("status", "submission_round")
    )
    status, submission_round = now.get()
    application.refresh_from_db()
    same = status in allowed if allowed is not None else status == before[0]
    if not same or submission_round != before[1]:
        raise _state_refusal(application, action_en, action_zh)
    return application


def _positions(application: PilotApplication) -> dict[str, str]:
    """Each province's latest action in the current submission round."""
    out: dict[str, str] = {}
    for review in ProvincialReview.objects.filter(
        application=application, submission_round=application.submission_round
    ).order_by("at", "id"):
        out[review.province_code] = review.action
    return out


def review_record(*, actor: User, application: PilotApplication, action: str, comment: str = "") -> ProvincialReview:
    """A provincial reviewer of a province involved records: request information, recommend or object."""
    _require_visible(actor, application)
    if not permissions.is_involved_reviewer(actor, application):
        # A regulator of another province never sees the application; anyone else lacks the role.
        if permissions.reviewer_province(actor):
            raise NotFound("pilot application", application.pk)
        raise PermissionDenied("review a pilot application")
    _check_state(application, "review", "reviewed", "审查")
    if action not in ReviewAction.values:
        raise ValidationFailed(
            {"action": (f"{action!r} is not one of {sorted(ReviewAction.values)}.", f"{action!r} 不在可选值中。")}
        )
    comment = (comment or "").strip()
    if action in (ReviewAction.REQUEST_INFORMATION, ReviewAction.OBJECT) and not comment:
        raise ValidationFailed(
            {"comment": ("Say what is needed or why you object.", "请说明需要补充的内容或异议理由。")}
        )
    province = permissions.reviewer_province(actor)
    reason = f"provincial review: {action}"
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        application = _lock_unchanged(application, "reviewed", "审查", allowed=frozenset(REVIEWABLE_STATES))
        return _review_write(actor, application, province, action, comment)


def _review_write(
    actor: User, application: PilotApplication, province: str, action: str, comment: str
) -> ProvincialReview:
    """Decides the new state from the positions read under the application's lock, then writes."""
    status_from = application.status
    positions = _positions(application)
    positions[province] = action
    if action == ReviewAction.REQUEST_INFORMATION:
        status_to = ApplicationStatus.INFORMATION_REQUESTED
    elif any(a == ReviewAction.OBJECT for a in positions.values()):
        status_to = ApplicationStatus.OBJECTED
    elif all(positions.get(p) == ReviewAction.RECOMMEND for p in application.province_list):
        status_to = ApplicationStatus.RECOMMENDED
    else:
        status_to = ApplicationStatus.UNDER_REVIEW
    labels = {
        "request_information": ("requested information", "要求补充资料"),
        "recommend": ("recommended", "推荐"),
        "object": ("objected", "提出异议"),
    }[action]
    review = ProvincialReview.objects.create(
        application=application,
        province_code=province,
        reviewer=actor,
        action=action,
        comment=comment,
        at=clock.now(),
        submission_round=application.submission_round,
    )
    if status_to != status_from:
        application.status = status_to
        application.save(update_fields=["status", "updated_at"])
    _event(
        application,
        EventKind.REVIEWED,
        actor,
        f"{province_name(province)} {labels[0]}" + (f": {comment}" if comment else "."),
        f"{province_name(province, 'zh')}{labels[1]}" + (f"：{comment}" if comment else "。"),
        status_from=status_from,
        status_to=status_to,
        data={"review_id": review.pk, "province": province, "action": action},
    )
    if status_to == ApplicationStatus.RECOMMENDED and application.is_cross_province:
        plan = JointRegulatoryPlan.objects.create(
            application=application, provinces=",".join(application.province_list)
        )
        for code in application.province_list:
            JointPlanApproval.objects.create(plan=plan, province_code=code)
        _event(
            application,
            EventKind.JOINT_PLAN_OPENED,
            actor,
            "Every province recommended; the joint regulatory plan awaits the approval of "
            + ", ".join(province_name(c) for c in application.province_list)
            + ".",
            "各相关省份均已推荐；联合监管方案待"
            + "、".join(province_name(c, "zh") for c in application.province_list)
            + "批准。",
            data={"plan_id": plan.pk, "provinces": application.province_list},
        )
    return review


def _refuse_if_approved(approval: JointPlanApproval, province: str) -> None:
    if approval.approved_at is not None:
        raise WorkflowRefused(
            "already_approved",
            f"{province_name(province)} already approved this joint regulatory plan.",
            f"{province_name(province, 'zh')}已批准该联合监管方案。",
        )


def joint_plan_approve(*, actor: User, plan: JointRegulatoryPlan, password: str) -> JointRegulatoryPlan:
    """The reviewer of one province in the plan approves it with an e-signature (approved)."""
    application = plan.application
    _require_visible(actor, application)
    province = permissions.reviewer_province(actor)
    if not province:
        raise PermissionDenied("approve a joint regulatory plan")
    approval = JointPlanApproval.objects.filter(plan=plan, province_code=province).first()
    if approval is None:
        raise NotFound("joint regulatory plan", plan.pk)
    if plan.status != JointPlanStatus.PENDING or application.status != ApplicationStatus.RECOMMENDED:
        raise _state_refusal(application, "given joint-plan approvals", "批准联合监管方案")
    _refuse_if_approved(approval, province)
    _require_password(actor, password)
    reason = "joint regulatory plan approved"
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        # Every approval of one application serialises on the application's row; then decide afresh.
        application = _lock_unchanged(application, "given joint-plan approvals", "批准联合监管方案")
        plan.refresh_from_db()
        approval.refresh_from_db()
        if plan.status != JointPlanStatus.PENDING:
            raise _state_refusal(application, "given joint-plan approvals", "批准联合监管方案")
        _refuse_if_approved(approval, province)
        pending = [
            a.province_code
            for a in JointPlanApproval.objects.filter(plan=plan)
            if a.approved_at is None and a.province_code != province
        ]
        approval.approver = actor
        approval.approved_at = clock.now()
        approval.save(update_fields=["approver", "approved_at", "updated_at"])
        signature_sign(user=actor, password=password, obj=approval, meaning="approved", reason=reason)
        _event(
            application,
            EventKind.JOINT_PLAN_APPROVED,
            actor,
            f"{province_name(province)} approved the joint regulatory plan.",
            f"{province_name(province, 'zh')}批准了联合监管方案。",
            data={"plan_id": plan.pk, "province": province, "pending": pending},
        )
        if not pending:
            plan.status = JointPlanStatus.AGREED
            plan.agreed_on = clock.today()
            plan.save(update_fields=["status", "agreed_on", "updated_at"])
            application.status = ApplicationStatus.JOINT_PLAN_AGREED
            application.save(update_fields=["status", "updated_at"])
            _event(
                application,
                EventKind.JOINT_PLAN_AGREED,
                actor,
                "The joint regulatory plan is agreed by every province involved.",
                "联合监管方案已获所有相关省份同意。",
                status_from=ApplicationStatus.RECOMMENDED,
                status_to=ApplicationStatus.JOINT_PLAN_AGREED,
                data={"plan_id": plan.pk, "provinces": plan.province_list},
            )
    return plan


# ------------------------------------------------------------------------------------------------ deciding


def _require_nmpa(actor: User, action: str) -> None:
    if not permissions.is_nmpa_officer(actor):
        raise PermissionDenied(action)


def _not_ready(application: PilotApplication) -> WorkflowRefused | None:
    """Why NMPA cannot decide yet (None when it can)."""
    if application.status in DECIDED_STATES:
        return _state_refusal(application, "decided again", "再次决定")
    positions = _positions(application) if application.submission_round else {}
    waiting = [p for p in application.province_list if positions.get(p) != ReviewAction.RECOMMEND]
    if waiting or application.status not in (ApplicationStatus.RECOMMENDED, ApplicationStatus.JOINT_PLAN_AGREED):
        return WorkflowRefused(
            "not_ready_for_decision",
            "NMPA decides only after every province involved recommended; still waiting for "
            + (", ".join(province_name(c) for c in waiting) or "the provinces")
            + f" (the application is {STATUS_EN[application.status]}).",
            "国家药监局须待所有相关省份推荐后方可作出决定；尚待"
            + ("、".join(province_name(c, "zh") for c in waiting) or "相关省份")
            + f"（申请当前状态：{STATUS_ZH[application.status]}）。",
            details={"waiting_for": waiting, "status": application.status},
        )
    if application.is_cross_province and application.status != ApplicationStatus.JOINT_PLAN_AGREED:
        agreed = set(_agreed_provinces(application))
        pending = [c for c in application.province_list if c not in agreed]
        return WorkflowRefused(
            "joint_plan_not_agreed",
            "NMPA decides a cross-province application only once the joint regulatory plan is agreed; "
            "still awaiting " + ", ".join(province_name(c) for c in pending) + ".",
            "跨省申请须待联合监管方案商定后方可决定；尚待"
            + "、".join(province_name(c, "zh") for c in pending)
            + "批准。",
            details={"pending_provinces": pending},
        )
    return None


def _decide(
    *, actor: User, application: PilotApplication, decision: str, conditions: str, reason: str, password: str
) -> NmpaDecision:
    """Validated by the callers; writes the decision, the determination of the day, the event, the signature."""
    today = clock.today()
    result = cases.run(case_for(application), as_of=today, ruleset_name=application.ruleset)
    if decision == Decision.APPROVE:
        _refuse_outcome(result, "approved", "批准")
        _refuse_awaiting(result, "approved", "批准")
    _require_password(actor, password)
    status_to = {
        Decision.APPROVE: ApplicationStatus.APPROVED,
        Decision.REJECT: ApplicationStatus.REJECTED,
        Decision.RETURN: ApplicationStatus.RETURNED,
    }[decision]
    words = {
        Decision.APPROVE: ("approved", "批准"),
        Decision.REJECT: ("rejected", "不予批准"),
        Decision.RETURN: ("returned", "退回"),
    }[decision]
    status_from = application.status
    audit_reason = f"NMPA decision: {decision}"
    with transaction.atomic(), audit_context(actor=actor, reason=audit_reason):
        application = _lock_unchanged(application, words[0], words[1])
        stored = _store_determination(application, result, DeterminationPurpose.DECISION, actor)
        item = NmpaDecision.objects.create(
            application=application,
            decision=decision,
            conditions=conditions,
            reason=reason,
            decided_on=today,
            officer=actor,
        )
        application.status = status_to
        application.decided_on = today
        application.save(update_fields=["status", "decided_on", "updated_at"])
        _event(
            application,
            EventKind.DECIDED,
            actor,
            f"NMPA {words[0]} the application: {reason}" + (f" Conditions: {conditions}" if conditions else ""),
            f"国家药监局{words[1]}该申请：{reason}" + (f" 一品一策条件：{conditions}" if conditions else ""),
            status_from=status_from,
            status_to=status_to,
            data={"decision_id": item.pk, "decision": decision, "determination_id": stored.pk},
        )
        signature_sign(user=actor, password=password, obj=item, meaning="approved", reason=audit_reason)
    return item


def nmpa_decide(
    *,
    actor: User,
    application: PilotApplication,
    decision: str,
    conditions: str = "",
    reason: str,
    password: str,
) -> NmpaDecision:
    """NMPA approves with product-specific conditions (一品一策), rejects or returns — only after every
    province involved recommended and, across provinces, the joint regulatory plan is agreed."""
    _require_visible(actor, application)
    _require_nmpa(actor, "decide a pilot application")
    errors: dict[str, tuple[str, str]] = {}
    if decision not in Decision.values:
        errors["decision"] = (f"{decision!r} is not one of {sorted(Decision.values)}.", f"{decision!r} 不在可选值中。")
    conditions = (conditions or "").strip()
    reason = (reason or "").strip()
    if decision == Decision.APPROVE and not conditions:
        errors["conditions"] = (
            "An approval states the product-specific conditions (一品一策).",
            "批准须写明该品种的一品一策条件。",
        )
    if not reason:
        errors["reason"] = ("A decision needs its reasons.", "决定须说明理由。")
    if errors:
        raise ValidationFailed(errors)
    refusal = _not_ready(application)
    if refusal is not None:
        raise refusal
    return _decide(
        actor=actor, application=application, decision=decision, conditions=conditions, reason=reason, password=password
    )


def _authority_of(actor: User) -> str:
    """The authority code a regulator determines for: NMPA, or its province's ``PROV-<code>``."""
    if permissions.is_nmpa_officer(actor):
        return "NMPA"
    province = permissions.reviewer_province(actor)
    return f"PROV-{province}" if province else ""


def rule_determine(
    *,
    actor: User,
    application: PilotApplication,
    rule: str,
    outcome: str,
    determination: str,
    reasoning: str,
    password: str,
) -> RuleDetermination:
    """The regulator a rule awaits records its determination on it (who, when, the outcome, its words and
    reasoning), e-signed (authored), once. Only while the application is filed and undecided, and only on a
    rule that today's assessment shows awaiting this very regulator; the rules then read it."""
    _require_visible(actor, application)
    authority = _authority_of(actor)
    if not authority:
        raise PermissionDenied("determine a rule of a pilot application")
    errors: dict[str, tuple[str, str]] = {}
    if outcome not in RuleOutcome.values:
        errors["outcome"] = (
            "Choose whether the rule is met, not met or does not apply.",
            "请选择该规则符合、不符合或不适用。",
        )
    if not (determination or "").strip():
        errors["determination"] = ("State the determination.", "请填写认定内容。")
    elif len(determination.strip()) > 4000:
        errors["determination"] = ("At most 4,000 characters.", "不超过4000个字符。")
    if not (reasoning or "").strip():
        errors["reasoning"] = ("Give the reasoning.", "请填写理由。")
    elif len(reasoning.strip()) > 4000:
        errors["reasoning"] = ("At most 4,000 characters.", "不超过4000个字符。")
    if errors:
        raise ValidationFailed(errors)
    _check_state(application, "determine_rule", "determined on", "认定")
    result = cases.run(case_for(application), as_of=clock.today(), ruleset_name=application.ruleset)
    finding = next((f for f in awaiting_rules(result["data"]) if f["rule"] == rule), None)
    if finding is None or authority not in [a["authority"] for a in finding["needs_determination_by"]]:
        raise WorkflowRefused(
            "not_awaiting",
            f"Rule {rule} of {application.reference} does not await your determination today.",
            f"申请 {application.reference} 的规则 {rule} 今日不待贵单位认定。",
            details={
                "rule": rule,
                "authority": authority,
                "awaiting": [f["rule"] for f in awaiting_rules(result["data"])],
            },
        )
    _require_password(actor, password)
    outcome_en, outcome_zh = (_choice_label(RuleOutcome, outcome, lang) for lang in ("en", "zh-hans"))
    reason = f"determination on {rule}"
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        application = _lock_unchanged(application, "determined on", "认定", allowed=frozenset(RETURNABLE_STATES))
        if RuleDetermination.objects.filter(application=application, rule=rule).exists():
            raise WorkflowRefused(
                "wrong_state",
                f"Rule {rule} of {application.reference} is already determined; a determination is never changed.",
                f"申请 {application.reference} 的规则 {rule} 已认定；认定不可更改。",
                details={"rule": rule, "status": application.status},
            )
        item = RuleDetermination.objects.create(
            application=application,
            rule=rule,
            authority=authority,
            outcome=outcome,
            determination=determination.strip(),
            reasoning=reasoning.strip(),
            determined_by=actor,
            determined_at=clock.now(),
            determined_on=clock.today(),
        )
        after = cases.run(case_for(application), as_of=clock.today(), ruleset_name=application.ruleset)
        stored = _store_determination(application, after, DeterminationPurpose.REGULATOR_DETERMINATION, actor)
        _event(
            application,
            EventKind.RULE_DETERMINED,
            actor,
            f"{_authority_name(finding, authority, 'en')} determined {rule} ({outcome_en}): {item.determination}",
            f"{_authority_name(finding, authority, 'zh')}认定规则 {rule}（{outcome_zh}）：{item.determination}",
            data={"rule_determination_id": item.pk, "rule": rule, "outcome": outcome, "determination_id": stored.pk},
        )
        signature_sign(user=actor, password=password, obj=item, meaning="authored", reason=reason)
    return item


def rules_awaiting(application: PilotApplication, actor: User) -> list[dict[str, Any]]:
    """The rules that await a regulator's determination today (assessed now, nothing stored), each with
    ``may_determine``: the actor is the regulator it awaits and the application is filed and undecided."""
    if application.status not in RETURNABLE_STATES:
        return []
    result = cases.run(case_for(application), as_of=clock.today(), ruleset_name=application.ruleset)
    mine = _authority_of(actor)
    return [
        {**f, "may_determine": bool(mine) and mine in [a["authority"] for a in f["needs_determination_by"]]}
        for f in awaiting_rules(result["data"])
    ]


def _authority_name(finding: dict[str, Any], code: str, lang: str) -> str:
    """The authority's name as the finding gives it."""
    for a in finding["needs_determination_by"]:
        if a["authority"] == code:
            return a["name_zh"] if lang == "zh" else a["name_en"]
    return code


def application_return(*, actor: User, application: PilotApplication, reason: str, password: str) -> NmpaDecision:
    """NMPA returns a filed, undecided application (e.g. after a province objected) without a decision on
    the merits; the holder may draft a new application for the product."""
    _require_visible(actor, application)
    _require_nmpa(actor, "return a pilot application")
    _check_state(application, "return", "returned", "退回")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ("Say why the application is returned.", "请说明退回理由。")})
    return _decide(
        actor=actor, application=application, decision=Decision.RETURN, conditions="", reason=reason, password=password
    )
