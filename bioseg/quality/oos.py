"""OOS investigations: opened by bioseg for each out-of-specification result of a certificate of analysis
(``production.signals.certificate_recorded``), then the workflow table, its services and the reads.

::

    open ──record_investigation (QA of the testing site's enterprise or of the holder; state stays)
    open ──invalidate✍ (approving party: an assignable laboratory error, with its root cause)──▶ invalidated
    open ──confirm✍ (approving party: the result stands)──▶ confirmed — reported to the testing site's provincial
           regulator at once (GMP 2010 Art. 238); the recall assessment of the lot and its descendants is due
    confirmed ──decide_recall✍ (the holder's QA or QP: recall or not, with the reasoning)──▶ closed
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.audit.models import SignatureMeaning
from bioseg.audit.transitions import event_writer, transition
from bioseg.common import clock
from bioseg.common.scoping import get_in_scope
from bioseg.common.validation import Errors
from bioseg.common.workflow import Workflow, step
from bioseg.production.signals import certificate_recorded
from bioseg.quality.duties import duty_for
from bioseg.quality.models import Activity, OosEvent, OosInvestigation, OosStatus, RecallDecision, StabilityResult
from bioseg.quality.notifications import notify, regulator_people
from bioseg.quality.references import next_reference
from bioseg.quality.services import agreement_in_force
from bioseg.quality.workflows import QA, party_enterprise_ids
from bioseg.registry.scope import own_enterprise_ids

O_, V_, C_, X_ = OosStatus.OPEN, OosStatus.INVALIDATED, OosStatus.CONFIRMED, OosStatus.CLOSED


def _oos_party(user, oos, party: str) -> bool:
    own = own_enterprise_ids(user)
    if party == "tester":
        return oos.site.enterprise_id in own
    if party == "holder":
        return oos.product.holder_id in own
    if party == "approver":
        return bool(party_enterprise_ids(oos, oos.approver_party) & own)
    raise KeyError(party)


OOS_WORKFLOW = Workflow(
    name="oos",
    subject_en="OOS investigation",
    subject_zh="检验结果超标调查",
    is_party=_oos_party,
    state_labels={
        O_: ("under investigation", "调查中"),
        V_: ("invalidated (laboratory error)", "已判定无效（实验室误差）"),
        C_: ("confirmed (recall assessment due)", "已确认（待召回评估）"),
        X_: ("closed", "已关闭"),
    },
    steps=(
        step(
            "record_investigation",
            [O_],
            None,
            event="investigation_recorded",
            label=("Record the investigation", "记录调查情况"),
            roles=QA,
            parties=["tester", "holder"],
        ),
        step(
            "invalidate",
            [O_],
            V_,
            event="invalidated",
            label=("Invalidate the result: laboratory error", "判定结果无效：实验室误差"),
            roles=QA,
            parties=["approver"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "confirm",
            [O_],
            C_,
            event="confirmed",
            label=("Confirm the OOS result", "确认检验结果超标"),
            roles=QA,
            parties=["approver"],
            signature=SignatureMeaning.APPROVED,
        ),
        step(
            "decide_recall",
            [C_],
            X_,
            event="recall_decided",
            label=("Record the recall decision", "记录召回决定"),
            roles=(Role.HOLDER_QA, Role.QUALIFIED_PERSON),
            parties=["holder"],
            signature=SignatureMeaning.APPROVED,
        ),
    ),
)
oos_event = event_writer(OosEvent, "oos")


def _shown(result) -> str:
    value = f"{result.value.normalize():f}" if result.value is not None else (result.result_text or "—")
    return f"{value} {result.unit}".strip()


def _spec(result) -> str:
    if result.spec_text:
        return result.spec_text
    lo = "" if result.spec_min is None else f"{result.spec_min.normalize():f}"
    hi = "" if result.spec_max is None else f"{result.spec_max.normalize():f}"
    return (
        f"{lo}–{hi} {result.unit}".strip()
        if lo and hi
        else (f"≥ {lo} {result.unit}" if lo else f"≤ {hi} {result.unit}").strip()
    )


def _open(*, actor, lot, summary: tuple[str, str], source: dict, data: dict) -> OosInvestigation:
    """Opens one investigation (inside the caller's transaction) and tells the other party at once."""
    product, site = lot.product, lot.site
    agreement = agreement_in_force(product=product, site=site, on_date=clock.today())
    duty = duty_for(agreement, Activity.OOS_INVESTIGATION)
    en, zh = summary
    with audit_context(actor=actor, reason=gettext_noop("OOS investigation opened")):
        oos = OosInvestigation.objects.create(
            reference=next_reference(OosInvestigation, "OOS", clock.today()),
            lot=lot,
            product=product,
            site=site,
            agreement=agreement,
            approver_party=duty.approver,
            summary_en=en[:400],
            summary_zh=zh[:400],
            opened_by=actor,
            **source,
        )
        OosEvent.objects.create(
            oos=oos,
            kind="opened",
            status_to=oos.status,
            actor=actor,
            occurred_at=clock.now(),
            message_en=f"OOS investigation opened: {en}.",
            message_zh=f"开启检验结果超标调查：{zh}。",
            data=data,
        )
        notify(
            enterprise_ids=party_enterprise_ids(oos, "both") - own_enterprise_ids(actor),
            activity=Activity.OOS_INVESTIGATION,
            subject=oos,
            title=(f"Out-of-specification result: {oos.reference}", f"检验结果超标：{oos.reference}"),
            body=(en, zh),
            within_hours=duty.notify_within_hours,
            exclude=actor,
        )
    return oos


def oos_open_for_regulatory_sample(*, actor, lot, summary: tuple[str, str], sample_reference: str) -> OosInvestigation:
    """A regulator's sample failed (监督抽检不合格): the quality system opens the investigation at the enterprise
    that made the lot, inside the regulator's act, and tells both parties at once."""
    return _open(
        actor=actor,
        lot=lot,
        summary=summary,
        source={"regulatory_sample_reference": sample_reference},
        data={"regulatory_sample": sample_reference},
    )


@receiver(certificate_recorded)
def open_for_failing_results(sender, certificate, actor, failing, **kwargs) -> None:
    """In the certificate's transaction: one investigation per failing result, the other party told at once."""
    lot = certificate.lot
    for result in failing:
        en = (
            f"{lot.lot_number}, certificate {certificate.reference}: {result.test} = {_shown(result)} "
            f"(specification {_spec(result)})"
        )
        zh = f"批 {lot.lot_number}，检验报告书 {certificate.reference}：{result.test} 结果 {_shown(result)}（标准 {_spec(result)}）"
        _open(
            actor=actor,
            lot=lot,
            summary=(en, zh),
            source={"result": result},
            data={"result_id": result.pk, "certificate_id": certificate.pk},
        )


def stability_result_record(
    *,
    actor: User,
    lot,
    study: str,
    condition: str,
    timepoint_months,
    test: str,
    value,
    tested_on,
    spec_min=None,
    spec_max=None,
    unit: str = "",
    method: str = "",
) -> StabilityResult:
    """A QA of the lot's maker or holder records one stability result; judged against its limits (both inclusive,
    either open); a result outside them opens an OOS investigation in the same transaction."""
    from decimal import Decimal, InvalidOperation

    from bioseg.common.errors import PermissionDenied

    own = own_enterprise_ids(actor)
    if not (actor.has_role(*QA) and {lot.site.enterprise_id, lot.product.holder_id} & own):
        raise PermissionDenied("record a stability result", "记录稳定性考察结果")
    e = Errors()
    for name, v in (("study", study), ("condition", condition), ("test", test)):
        e.required(name, v)
        if v and len(v) > (200 if name == "test" else 80):
            e.add(name, "Too long.", "内容过长。")
    numbers = {}
    for name, v in (("value", value), ("spec_min", spec_min), ("spec_max", spec_max)):
        if v in (None, "") and name != "value":
            numbers[name] = None
            continue
        try:
            d = Decimal(str(v).strip())
            if not d.is_finite() or abs(d) >= Decimal(10) ** 12 or d.as_tuple().exponent < -6:
                raise InvalidOperation
            numbers[name] = d
        except (InvalidOperation, ValueError):
            e.add(name, f"{v!r} is not a number below 10^12 with at most 6 decimals.", f"{v!r} 不是有效数值。")
            numbers[name] = None
    if numbers.get("spec_min") is None and numbers.get("spec_max") is None and "spec_min" not in e.fields:
        e.add("spec_min", "Give at least one limit.", "请至少填写一个限度。")
    if (
        numbers.get("spec_min") is not None
        and numbers.get("spec_max") is not None
        and numbers["spec_max"] < numbers["spec_min"]
    ):
        e.add("spec_max", "The upper limit is below the lower limit.", "上限低于下限。")
    try:
        months = int(timepoint_months)
        if not 0 <= months <= 120:
            raise ValueError
    except (TypeError, ValueError):
        e.add("timepoint_months", "A time point between 0 and 120 months.", "时间点应在 0 至 120 个月之间。")
        months = 0
    e.required("tested_on", tested_on)
    if tested_on and tested_on > clock.today():
        e.add("tested_on", "The test date is in the future.", "检验日期不能晚于今天。")
    if tested_on and tested_on < lot.manufactured_on:
        e.add(
            "tested_on",
            f"Before the lot was made ({lot.manufactured_on}).",
            f"早于该批生产日期（{lot.manufactured_on}）。",
        )
    e.raise_if_any()
    v, lo, hi = numbers["value"], numbers["spec_min"], numbers["spec_max"]
    outcome = "pass" if (lo is None or v >= lo) and (hi is None or v <= hi) else "fail"
    with transaction.atomic(), audit_context(actor=actor, reason=gettext_noop("stability result recorded")):
        row = StabilityResult.objects.create(
            lot=lot,
            study=study.strip(),
            condition=condition.strip(),
            timepoint_months=months,
            test=test.strip(),
            method=(method or "").strip(),
            unit=(unit or "").strip(),
            spec_min=lo,
            spec_max=hi,
            value=v,
            outcome=outcome,
            tested_on=tested_on,
            recorded_by=actor,
        )
        if outcome == "fail":
            where_en = f"stability study {row.study}, {row.condition}, {row.timepoint_months} months"
            where_zh = f"稳定性考察 {row.study}，{row.condition}，{row.timepoint_months} 个月"
            _open(
                actor=actor,
                lot=lot,
                summary=(
                    f"{lot.lot_number}, {where_en}: {row.test} = {_shown(row)} (specification {_spec(row)})",
                    f"批 {lot.lot_number}，{where_zh}：{row.test} 结果 {_shown(row)}（标准 {_spec(row)}）",
                ),
                source={"stability_result": row},
                data={"stability_result_id": row.pk},
            )
    return row


# --- reads -----------------------------------------------------------------------------------------------------


def oos_list(*, scope):
    return OosInvestigation.objects.restrict(scope).select_related("product", "site", "lot").order_by("-id")


def oos_get(*, scope, pk) -> OosInvestigation:
    qs = OosInvestigation.objects.select_related("product", "product__holder", "site", "lot", "result", "agreement")
    return get_in_scope(qs, scope, pk, "OOS investigation")


def lots_concerned(oos) -> list[int]:
    """The lot and every lot downstream of it: what the recall assessment covers."""
    from bioseg.production.genealogy import lot_descendant_ids

    return [oos.lot_id, *sorted(lot_descendant_ids(lot=oos.lot))]


# --- writes ----------------------------------------------------------------------------------------------------


def _go(oos, actor, action, reason, password=None):
    return transition(
        OOS_WORKFLOW,
        actor=actor,
        subject=oos,
        action=action,
        reason=reason,
        password=password,
        record_event=oos_event,
        lock_related=("product", "site"),
    )


def oos_record_investigation(*, actor: User, oos: OosInvestigation, investigation: str, reason: str = ""):
    OOS_WORKFLOW.check_actor(actor, oos, "record_investigation")
    e = Errors()
    e.required("investigation", investigation)
    e.raise_if_any()
    with _go(oos, actor, "record_investigation", reason or gettext_noop("OOS investigation recorded")) as t:
        t.subject.investigation = investigation.strip()
        t.subject.save(update_fields=["investigation", "updated_at"])
    return t.subject


def oos_invalidate(*, actor: User, oos: OosInvestigation, root_cause: str, password: str, reason: str = ""):
    """An assignable laboratory error: the result is invalid (a retest needs a new certificate)."""
    OOS_WORKFLOW.check_actor(actor, oos, "invalidate")
    e = Errors()
    e.required("root_cause", root_cause)
    e.raise_if_any()
    with _go(
        oos, actor, "invalidate", reason or gettext_noop("OOS result invalidated: laboratory error"), password
    ) as t:
        t.subject.root_cause = root_cause.strip()
        t.subject.save(update_fields=["root_cause", "updated_at"])
        t.sign(t.subject)
    return t.subject


def oos_confirm(*, actor: User, oos: OosInvestigation, password: str, reason: str = ""):
    """The OOS stands: the testing site's provincial regulator is told at once, and the recall assessment is due."""
    OOS_WORKFLOW.check_actor(actor, oos, "confirm")
    with _go(oos, actor, "confirm", reason or gettext_noop("OOS result confirmed"), password) as t:
        d = t.subject
        if not (d.investigation or "").strip():  # read under the lock
            e = Errors()
            e.add("investigation", "Record the investigation before confirming.", "确认前请先记录调查情况。")
            e.raise_if_any()
        d.regulator_reported_at = clock.now()
        d.save(update_fields=["regulator_reported_at", "updated_at"])
        t.sign(d)
        t.payload["region_code"] = d.site.region_code
        body = (f"{d.summary_en}. The recall assessment is due.", f"{d.summary_zh}。须进行召回评估。")
        notify(
            enterprise_ids=set(),
            people=regulator_people(d.site.region_code),
            activity=Activity.OOS_INVESTIGATION,
            subject=d,
            title=(f"Confirmed OOS result reported: {d.reference}", f"检验结果超标已确认并报告：{d.reference}"),
            body=body,
            within_hours=24,
        )
        notify(
            enterprise_ids=party_enterprise_ids(d, "both"),
            activity=Activity.RECALL_DECISION,
            subject=d,
            title=(
                f"OOS {d.reference} confirmed: recall assessment due",
                f"检验结果超标 {d.reference} 已确认：须进行召回评估",
            ),
            body=body,
            within_hours=duty_for(d.agreement, Activity.RECALL_DECISION).notify_within_hours,
            exclude=actor,
        )
    return t.subject


def oos_decide_recall(*, actor: User, oos: OosInvestigation, decision: str, reasoning: str, password: str):
    """The holder's recall decision on the lots concerned (a recall itself is then started from the lot's page)."""
    OOS_WORKFLOW.check_actor(actor, oos, "decide_recall")
    e = Errors()
    e.choice("decision", decision, RecallDecision.values)
    e.required("reasoning", reasoning)
    e.raise_if_any()
    with transaction.atomic():
        with _go(oos, actor, "decide_recall", f"recall decision: {decision}", password) as t:
            t.subject.recall_decision, t.subject.recall_reasoning = decision, reasoning.strip()
            t.subject.save(update_fields=["recall_decision", "recall_reasoning", "updated_at"])
            t.payload.update({"decision": decision, "lots": len(lots_concerned(t.subject))})
            t.sign(t.subject)
    return t.subject
