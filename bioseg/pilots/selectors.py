"""Every read of pilot applications for an interface, restricted by the user's scope.

- The holder's users see their enterprise's applications, drafts included.
- A contract manufacturer's users see the applications that name their enterprise (read-only).
- A provincial regulator sees filed applications (submitted at least once) that involve its province
  (the holder's province or any domestic segment's).
- NMPA and the system operator see every filed application. Drafts stay with the holder until submitted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from bioseg.common.scoping import get_in_scope
from bioseg.pilots import cases
from bioseg.pilots.models import (
    DECIDED_STATES,
    ApplicationEvent,
    ApplicationStatus,
    DeterminationPurpose,
    Evidence,
    JointRegulatoryPlan,
    PilotApplication,
    ProvincialReview,
    StoredDetermination,
)
from bioseg.registry.scope import Scope
from bioseg.regulation import InputError, get_ruleset


def application_list(*, scope: Scope) -> QuerySet[PilotApplication]:
    return PilotApplication.objects.select_related("product", "holder").restrict(scope)


def application_get(*, scope: Scope, pk) -> PilotApplication:
    return get_in_scope(application_list(scope=scope), None, pk, "pilot application")


def awaiting_count(*, scope: Scope, user) -> int:
    """Applications waiting for this user's kind of action (the dashboard's second card)."""
    from bioseg.pilots import permissions

    qs = application_list(scope=scope)
    if scope.is_enterprise:
        return qs.filter(
            holder__organisation_id=scope.organisation_id,
            status__in=[ApplicationStatus.DRAFT, ApplicationStatus.INFORMATION_REQUESTED],
        ).count()
    if scope.is_provincial and permissions.reviewer_province(user):
        return qs.filter(
            status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.RECOMMENDED]
        ).count()
    if scope.is_national and permissions.is_nmpa_officer(user):
        return qs.filter(status__in=[ApplicationStatus.RECOMMENDED, ApplicationStatus.JOINT_PLAN_AGREED]).count()
    return 0


def determination_list(*, application: PilotApplication) -> QuerySet[StoredDetermination]:
    return StoredDetermination.objects.filter(application=application).select_related("created_by")


def decided_determination(*, application: PilotApplication) -> StoredDetermination | None:
    """The determination NMPA's decision was taken on, once decided: it stays the application's answer; a
    later assessment is a new record for information and never replaces it."""
    if application.status not in DECIDED_STATES:
        return None
    return (
        determination_list(application=application)
        .filter(purpose=DeterminationPurpose.DECISION)
        .order_by("-id")
        .first()
    )


def determination_get(*, application: PilotApplication, pk) -> StoredDetermination:
    return get_in_scope(determination_list(application=application), None, pk, "determination")


def evidence_list(*, application: PilotApplication) -> QuerySet[Evidence]:
    return Evidence.objects.filter(application=application).select_related("uploaded_by")


def evidence_get(*, application: PilotApplication, pk) -> Evidence:
    return get_in_scope(evidence_list(application=application), None, pk, "evidence")


def review_list(*, application: PilotApplication) -> QuerySet[ProvincialReview]:
    return ProvincialReview.objects.filter(application=application).select_related("reviewer")


def event_list(*, application: PilotApplication) -> QuerySet[ApplicationEvent]:
    return ApplicationEvent.objects.filter(application=application).select_related("actor")


def joint_plan_for(*, application: PilotApplication) -> JointRegulatoryPlan | None:
    return JointRegulatoryPlan.objects.filter(application=application).prefetch_related("approvals__approver").first()


def decision_for(*, application: PilotApplication):
    from bioseg.pilots.models import NmpaDecision

    return NmpaDecision.objects.filter(application=application).select_related("officer").first()


def determination_data(stored: StoredDetermination) -> dict[str, Any]:
    return json.loads(stored.determination_json)


# ------------------------------------------------------------------------------------------------ reproducing


@dataclass(frozen=True)
class Reproduction:
    """The result of re-running a stored determination."""

    determination_id: int
    ruleset: str
    stored_version: str
    current_version: str | None
    as_of: str
    reproducible: bool  # the same ruleset version and parameters are available
    identical: bool  # the re-run gives byte-identical canonical JSON
    stored_sha256: str
    current_sha256: str | None
    parameters_match: bool
    case_intact: bool  # the stored case still hashes to its recorded SHA-256
    differences: list[str] = field(default_factory=list)
    message_en: str = ""
    message_zh: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "determination_id": self.determination_id,
            "ruleset": self.ruleset,
            "stored_version": self.stored_version,
            "current_version": self.current_version,
            "as_of": self.as_of,
            "reproducible": self.reproducible,
            "identical": self.identical,
            "stored_sha256": self.stored_sha256,
            "current_sha256": self.current_sha256,
            "parameters_match": self.parameters_match,
            "case_intact": self.case_intact,
            "differences": self.differences,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
        }


def _diff(old: Any, new: Any, path: str, out: list[str], limit: int = 20) -> None:
    if len(out) >= limit or old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _diff(old.get(key), new.get(key), f"{path}.{key}" if path else key, out, limit)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(a, b, f"{path}[{i}]", out, limit)
    else:
        out.append(path or "(root)")


def determination_reproduce(*, stored: StoredDetermination) -> Reproduction:
    """Re-runs the stored case with the same ruleset and ``as_of`` and compares the result byte for byte.

    It writes nothing. If the ruleset's current version differs from the stored one (the rules changed
    since), the result says so instead of comparing different law.
    """
    case_intact = cases.sha256_text(stored.case_json) == stored.case_sha256
    base = {
        "determination_id": stored.pk,
        "ruleset": stored.ruleset,
        "stored_version": stored.ruleset_version,
        "as_of": stored.as_of.isoformat(),
        "stored_sha256": stored.determination_sha256,
        "case_intact": case_intact,
    }
    try:
        ruleset = get_ruleset(stored.ruleset)
    except InputError:
        return Reproduction(
            **base,
            current_version=None,
            reproducible=False,
            identical=False,
            current_sha256=None,
            parameters_match=False,
            message_en=f"Ruleset {stored.ruleset} is no longer available.",
            message_zh=f"规则集 {stored.ruleset} 已不可用。",
        )
    parameters_match = cases.parameters_digest(ruleset) == stored.parameters_sha256
    if ruleset.version != stored.ruleset_version:
        return Reproduction(
            **base,
            current_version=ruleset.version,
            reproducible=False,
            identical=False,
            current_sha256=None,
            parameters_match=parameters_match,
            message_en=(
                f"Stored with {stored.ruleset} version {stored.ruleset_version}; this installation has version "
                f"{ruleset.version}. Run the stored version to reproduce it."
            ),
            message_zh=(
                f"该结论按 {stored.ruleset} 版本 {stored.ruleset_version} 作出；本系统当前为版本 {ruleset.version}，"
                "请使用原版本复现。"
            ),
        )
    result = cases.run(json.loads(stored.case_json), as_of=stored.as_of, ruleset_name=stored.ruleset)
    identical = (
        case_intact
        and result["determination_json"] == stored.determination_json
        and result["determination_sha256"] == stored.determination_sha256
    )
    differences: list[str] = []
    if not identical:
        _diff(json.loads(stored.determination_json), result["data"], "", differences)
    return Reproduction(
        **base,
        current_version=ruleset.version,
        reproducible=True,
        identical=identical,
        current_sha256=result["determination_sha256"],
        parameters_match=parameters_match,
        differences=differences,
        message_en=(
            "Reproduced exactly: the same case, ruleset version and as_of give the same determination."
            if identical
            else "The re-run differs from the stored determination: " + ", ".join(differences)
        ),
        message_zh=(
            "已完全复现：相同的案例、规则集版本和评估日得出相同的结论。"
            if identical
            else "重新评估的结果与存档结论不同：" + "、".join(differences)
        ),
    )


# ------------------------------------------------------------------------------------------------ standing route


def approved_pilot_for(*, product) -> PilotApplication | None:
    """The product's pilot application NMPA approved (the standing route starts from it), if any."""
    return (
        PilotApplication.objects.filter(product=product, status=ApplicationStatus.APPROVED)
        .select_related("decision")
        .order_by("-decided_on", "-id")
        .first()
    )


def arrangement_list(*, scope: Scope):
    """Arrangements on the standing route: the holder's own (drafts included); provinces the submitted ones
    that involve them; NMPA every submitted one."""
    from bioseg.pilots.models import SegmentedArrangement

    return SegmentedArrangement.objects.select_related("product", "holder", "pilot_application").restrict(scope)


def arrangement_get(*, scope: Scope, pk):
    return get_in_scope(arrangement_list(scope=scope), None, pk, "arrangement")


def arrangement_questions(*, arrangement):
    from bioseg.pilots.models import OpenQuestion

    return OpenQuestion.objects.filter(arrangement=arrangement).select_related("determined_by").order_by("id")


def arrangement_question_get(*, arrangement, pk):
    return get_in_scope(arrangement_questions(arrangement=arrangement), None, pk, "open question")


def arrangement_consents(*, arrangement):
    from bioseg.pilots.models import ArrangementConsent

    return ArrangementConsent.objects.filter(arrangement=arrangement).select_related("reviewer")


def arrangement_determinations(*, arrangement):
    from bioseg.pilots.models import ArrangementDetermination

    return ArrangementDetermination.objects.filter(arrangement=arrangement).select_related("created_by")


def arrangement_events(*, arrangement):
    from bioseg.pilots.models import ArrangementEvent

    return ArrangementEvent.objects.filter(arrangement=arrangement).select_related("actor")


def arrangement_missing_facts(*, arrangement) -> list[str]:
    """The facts the latest assessment of the current facts still lacks (its ``missing_facts``)."""
    latest = arrangement_determinations(arrangement=arrangement).first()
    if latest is None:
        return []
    return list(json.loads(latest.determination_json).get("missing_facts") or [])


def arrangement_awaiting_count(*, scope: Scope, user) -> int:
    """Arrangements waiting for this user's kind of action (the dashboard)."""
    from bioseg.pilots.standing import ARRANGEMENT_WORKFLOW, QUESTION_WORKFLOW

    qs = arrangement_list(scope=scope).exclude(status__in=["recorded", "refused", "rejected"])
    n = 0
    for arrangement in qs[:500]:
        if ARRANGEMENT_WORKFLOW.allowed_steps(user, arrangement):
            n += 1
        elif any(
            QUESTION_WORKFLOW.allowed_steps(user, q) for q in arrangement_questions(arrangement=arrangement)
        ) and arrangement.status in ("submitted", "reviewed", "awaiting_nmpa", "approved"):
            n += 1
    return n
