"""Pilot applications (试点申请), their review workflow, stored determinations, evidence, joint regulatory
plans (联合监管方案) and NMPA decisions (一品一策). Issue 3 §4.

Every table is a ``RegulatedModel``: database triggers copy each insert and update into the audit trail,
an update needs a reason and a delete is refused. State lives in status fields; nothing is deleted. Writes
go through ``bioseg.pilots.services``; reads through ``bioseg.pilots.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bioseg.audit.models import EventRecord, RegulatedModel
from bioseg.common.scoping import ScopedQuerySet, in_csv
from bioseg.registry.models import Enterprise, Product


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under provincial review")
    INFORMATION_REQUESTED = "information_requested", _("Information requested")
    RECOMMENDED = "recommended", _("Recommended by every province")
    OBJECTED = "objected", _("Objected by a province")
    JOINT_PLAN_AGREED = "joint_plan_agreed", _("Joint regulatory plan agreed")
    APPROVED = "approved", _("Approved by NMPA")
    REJECTED = "rejected", _("Rejected by NMPA")
    RETURNED = "returned", _("Returned by NMPA")


# States in which the holder edits the application (facts, evidence) and may (re-)submit it.
EDITABLE_STATES = {ApplicationStatus.DRAFT, ApplicationStatus.INFORMATION_REQUESTED}
# States in which a provincial reviewer records a review action.
REVIEWABLE_STATES = {ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.OBJECTED}
# Final states.
DECIDED_STATES = {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.RETURNED}
# States NMPA may return an application from (anything filed and not yet decided).
RETURNABLE_STATES = {
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.INFORMATION_REQUESTED,
    ApplicationStatus.RECOMMENDED,
    ApplicationStatus.OBJECTED,
    ApplicationStatus.JOINT_PLAN_AGREED,
}

# Fixed wording for bilingual service messages (``.label`` follows the active language instead).
STATUS_EN = {
    "draft": "a draft",
    "submitted": "submitted",
    "under_review": "under provincial review",
    "information_requested": "waiting for information requested by a province",
    "recommended": "recommended by every province",
    "objected": "objected to by a province",
    "joint_plan_agreed": "covered by an agreed joint regulatory plan",
    "approved": "approved",
    "rejected": "rejected",
    "returned": "returned",
}
STATUS_ZH = {
    "draft": "草稿",
    "submitted": "已提交",
    "under_review": "省级审查中",
    "information_requested": "待补充省局要求的资料",
    "recommended": "各相关省份均已推荐",
    "objected": "有省份提出异议",
    "joint_plan_agreed": "联合监管方案已商定",
    "approved": "已批准",
    "rejected": "未批准",
    "returned": "已退回",
}


class ApplicationQuerySet(ScopedQuerySet):
    """Holder users see their applications, drafts included; contract manufacturers named in the facts see
    them read-only; provinces see filed applications involving them; NMPA and the operator every filed one."""

    def restrict(self, scope):
        if scope.is_national:
            return self.filter(submitted_on__isnull=False)
        return super().restrict(scope)

    def provincial_q(self, scope):
        if not scope.region_code:
            return None
        return Q(submitted_on__isnull=False) & in_csv("involved_provinces", scope.region_code)

    def enterprise_q(self, scope):
        named = ApplicationParty.objects.filter(enterprise_id__in=scope.enterprise_ids, active=True).values(
            "application_id"
        )
        return Q(holder_id__in=scope.enterprise_ids) | Q(id__in=named)


class PilotApplication(RegulatedModel):
    """A holder's application to take part in the pilot with one product.

    ``registry_facts`` is what the registry knew when last read (``case_from_product``); ``declared_facts``
    what the holder added (facts the registry does not hold, e.g. the holder's capabilities);
    ``case_facts`` the effective case (registry ⊕ declared) assessed and frozen at submission. Facts the
    workflow owns (the submission day, which provinces agreed the joint plan) are laid over it when the
    case is assessed (``bioseg.pilots.services.case_for``).
    """

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="pilot_applications")
    holder = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="pilot_applications")
    status = models.CharField(
        _("status"), max_length=30, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT, db_index=True
    )
    ruleset = models.CharField(_("ruleset"), max_length=20, default="pilot2024")
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    submission_round = models.PositiveIntegerField(_("submission round"), default=0)
    registry_facts = models.JSONField(_("facts from the registry"), default=dict)
    declared_facts = models.JSONField(_("facts declared by the holder"), default=dict)
    case_facts = models.JSONField(_("case facts"), default=dict)
    involved_provinces = models.CharField(_("provinces involved"), max_length=250, blank=True, default="")
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def province_list(self) -> list[str]:
        return [c for c in self.involved_provinces.split(",") if c]

    @property
    def is_cross_province(self) -> bool:
        return len(self.province_list) > 1


class PartyRole(models.TextChoices):
    HOLDER = "holder", _("Holder (MAH)")
    CONTRACT_MANUFACTURER = "contract_manufacturer", _("Contract manufacturer")


class ApplicationParty(RegulatedModel):
    """An enterprise the application names. Contract manufacturers named here see the application
    (read-only). ``active`` turns false when a later version of the facts no longer names it."""

    application = models.ForeignKey(PilotApplication, on_delete=models.PROTECT, related_name="parties")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="pilot_parties")
    role = models.CharField(_("role"), max_length=30, choices=PartyRole.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["application_id", "role", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "enterprise", "role"], name="uniq_pilot_party"),
        ]


class DeterminationPurpose(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    SUBMISSION = "submission", _("At submission")
    DECISION = "decision", _("At the NMPA decision")
    REGULATOR_DETERMINATION = "regulator_determined", _("After a regulator's determination")


class StoredDetermination(RegulatedModel):
    """One determination as it was produced, kept so a regulator can reproduce it years later: the exact
    case JSON and determination JSON (canonical text, with their SHA-256), the ruleset id and version,
    ``as_of`` and a digest of the dated parameters used."""

    application = models.ForeignKey(PilotApplication, on_delete=models.PROTECT, related_name="determinations")
    purpose = models.CharField(_("purpose"), max_length=20, choices=DeterminationPurpose.choices)
    ruleset = models.CharField(_("ruleset"), max_length=20)
    ruleset_version = models.CharField(_("ruleset version"), max_length=40)
    as_of = models.DateField(_("as of"))
    outcome = models.CharField(_("outcome"), max_length=30)
    case_json = models.TextField(_("case (canonical JSON)"))
    case_sha256 = models.CharField(max_length=64)
    determination_json = models.TextField(_("determination (canonical JSON)"))
    determination_sha256 = models.CharField(max_length=64)
    parameters_sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]


class EvidenceKind(models.TextChoices):
    QUALITY_AGREEMENT = "quality_agreement", _("Quality agreement")
    PERSONNEL_QUALIFICATION = "personnel_qualification", _("Personnel qualification")
    PRODUCTION_HISTORY = "production_history", _("Production history")
    OTHER = "other", _("Other")


class Evidence(RegulatedModel):
    """A file supporting one requirement (a rule id). The file is stored once under MEDIA_ROOT by its
    SHA-256 (content-addressed), so the same bytes are never stored twice and any change is evident."""

    application = models.ForeignKey(PilotApplication, on_delete=models.PROTECT, related_name="evidence")
    requirement = models.CharField(_("requirement (rule id)"), max_length=80)
    kind = models.CharField(_("kind"), max_length=30, choices=EvidenceKind.choices)
    description = models.TextField(_("description"), blank=True, default="")
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    storage_name = models.CharField(max_length=120)
    submission_round = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["requirement", "id"]


class ReviewAction(models.TextChoices):
    REQUEST_INFORMATION = "request_information", _("Request information")
    RECOMMEND = "recommend", _("Recommend")
    OBJECT = "object", _("Object")


class ProvincialReview(RegulatedModel):
    """One action of one province's reviewer on one submission round."""

    application = models.ForeignKey(PilotApplication, on_delete=models.PROTECT, related_name="reviews")
    province_code = models.CharField(_("province"), max_length=6)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=30, choices=ReviewAction.choices)
    comment = models.TextField(_("comment"), blank=True, default="")
    at = models.DateTimeField(_("at"))
    submission_round = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["at", "id"]


class JointPlanStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approvals")
    AGREED = "agreed", _("Agreed")


class JointRegulatoryPlan(RegulatedModel):
    """联合监管方案: opened when every province involved has recommended a cross-province application;
    agreed when each of those provinces has approved it with an e-signature."""

    application = models.OneToOneField(PilotApplication, on_delete=models.PROTECT, related_name="joint_plan")
    provinces = models.CharField(_("provinces"), max_length=250)
    status = models.CharField(_("status"), max_length=20, choices=JointPlanStatus.choices, default="pending")
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)

    @property
    def province_list(self) -> list[str]:
        return [c for c in self.provinces.split(",") if c]


class JointPlanApproval(RegulatedModel):
    """One province's approval of a joint plan; the approval row is what the approver signs."""

    plan = models.ForeignKey(JointRegulatoryPlan, on_delete=models.PROTECT, related_name="approvals")
    province_code = models.CharField(_("province"), max_length=6)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["province_code"]
        constraints = [models.UniqueConstraint(fields=["plan", "province_code"], name="uniq_plan_province")]


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return")


class NmpaDecision(RegulatedModel):
    """NMPA's decision on an application: approve with product-specific conditions (一品一策), reject, or
    return. Written once and signed by the officer."""

    application = models.OneToOneField(PilotApplication, on_delete=models.PROTECT, related_name="decision")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    conditions = models.TextField(_("product-specific conditions (一品一策)"), blank=True, default="")
    reason = models.TextField(_("reason"))
    decided_on = models.DateField(_("decided on"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class RuleOutcome(models.TextChoices):
    """How a regulator's determination settles a rule that awaits it."""

    PASS = "pass", _("The rule is met")
    FAIL = "fail", _("The rule is not met")
    NOT_APPLICABLE = "not_applicable", _("The rule does not apply")


class RuleDetermination(RegulatedModel):
    """A regulator's determination on one rule of an application that awaits it (认定): who, when, the outcome
    it settles the rule with, its words and reasoning; e-signed (authored), written once. The rules read it
    (``regulator_determinations`` of the case)."""

    application = models.ForeignKey(PilotApplication, on_delete=models.PROTECT, related_name="rule_determinations")
    rule = models.CharField(_("rule"), max_length=120)
    authority = models.CharField(_("authority"), max_length=20)
    outcome = models.CharField(_("outcome"), max_length=20, choices=RuleOutcome.choices)
    determination = models.TextField(_("determination"))
    reasoning = models.TextField(_("reasoning"))
    determined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    determined_at = models.DateTimeField(_("determined at"))
    determined_on = models.DateField(_("determined on"))  # the business day the rules read it from

    class Meta:
        ordering = ["application_id", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "rule"], name="uniq_application_rule_det")]


class EventKind(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    FACTS_DECLARED = "facts_declared", _("Facts declared")
    ASSESSED = "assessed", _("Assessed")
    EVIDENCE_ATTACHED = "evidence_attached", _("Evidence attached")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")
    JOINT_PLAN_OPENED = "joint_plan_opened", _("Joint plan opened")
    JOINT_PLAN_APPROVED = "joint_plan_approved", _("Joint plan approved by a province")
    JOINT_PLAN_AGREED = "joint_plan_agreed", _("Joint plan agreed")
    DECIDED = "decided", _("Decided by NMPA")
    RULE_DETERMINED = "rule_determined", _("Rule determined by a regulator")


class ApplicationEvent(EventRecord):
    """The domain event of one workflow step, written in the same transaction as the step (the timeline)."""

    application = models.ForeignKey(PilotApplication, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)

    class Meta(EventRecord.Meta):
        pass


# ================================================================================================ standing route
#
# After the pilot: a segmented-production arrangement under Order No. 828 Arts. 31–34 (ruleset reg2026).
# The workflow table is ``bioseg.pilots.standing.ARRANGEMENT_WORKFLOW``; see bioseg/pilots/README.md.


class ArrangementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSESSED = "assessed", _("Assessed")
    SUBMITTED = "submitted", _("Submitted to the province")
    REVIEWED = "reviewed", _("Reviewed by the province")
    AWAITING_NMPA = "awaiting_nmpa", _("Awaiting NMPA approval")
    APPROVED = "approved", _("Approved by NMPA")
    RECORDED = "recorded", _("Recorded by the province")
    REFUSED = "refused", _("Refused by a province")
    REJECTED = "rejected", _("Rejected by NMPA")


class ArrangementQuerySet(ScopedQuerySet):
    """The holder's users see their arrangements, drafts included; provinces see submitted arrangements that
    involve them (the holder's province and every contract manufacturer's); NMPA every submitted one."""

    def restrict(self, scope):
        if scope.is_national:
            return self.filter(submitted_on__isnull=False)
        return super().restrict(scope)

    def provincial_q(self, scope):
        if not scope.region_code:
            return None
        return Q(submitted_on__isnull=False) & in_csv("involved_provinces", scope.region_code)

    def enterprise_q(self, scope):
        return Q(holder_id__in=scope.enterprise_ids)


class SegmentedArrangement(RegulatedModel):
    """A holder's segmented-production arrangement on the standing route (分段生产安排, Order No. 828 Art. 32/33).

    ``registry_facts`` is what the registry knew when the arrangement was drafted; ``carried_facts`` what came
    over from the product's approved pilot application (its declared facts); ``case_facts`` the case the rules
    read (registry ⊕ carried ⊕ what the holder answered since), frozen at submission. ``carry_over`` lists, for
    the people reading it, what came over from the pilot approval and which open question each item waits on.
    """

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="standing_arrangements")
    holder = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="standing_arrangements")
    status = models.CharField(
        _("status"), max_length=20, choices=ArrangementStatus.choices, default=ArrangementStatus.DRAFT, db_index=True
    )
    ruleset = models.CharField(_("ruleset"), max_length=20, default="reg2026")
    vaccine = models.BooleanField(_("vaccine (NMPA approval, Art. 33)"), default=False)
    pilot_application = models.ForeignKey(
        PilotApplication, on_delete=models.PROTECT, null=True, blank=True, related_name="standing_arrangements"
    )
    registry_facts = models.JSONField(_("facts from the registry"), default=dict)
    carried_facts = models.JSONField(_("facts carried over from the pilot application"), default=dict)
    case_facts = models.JSONField(_("case facts"), default=dict)
    carry_over = models.JSONField(_("what carries over from the pilot approval"), default=list)
    holder_province = models.CharField(_("holder's province"), max_length=6, blank=True, default="")
    consent_provinces = models.CharField(_("provinces whose consent is needed"), max_length=250, blank=True, default="")
    involved_provinces = models.CharField(_("provinces involved"), max_length=250, blank=True, default="")
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    record_reference = models.CharField(_("licence or registration change"), max_length=100, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ArrangementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def province_list(self) -> list[str]:
        return [c for c in self.involved_provinces.split(",") if c]

    @property
    def consent_province_list(self) -> list[str]:
        return [c for c in self.consent_provinces.split(",") if c]


class ArrangementDetermination(RegulatedModel):
    """One reg2026 determination of an arrangement as it was produced (canonical case and determination JSON
    with their SHA-256, ruleset version, ``as_of``, parameters digest). The submission's is never replaced."""

    arrangement = models.ForeignKey(SegmentedArrangement, on_delete=models.PROTECT, related_name="determinations")
    purpose = models.CharField(_("purpose"), max_length=20, choices=DeterminationPurpose.choices)
    ruleset = models.CharField(_("ruleset"), max_length=20)
    ruleset_version = models.CharField(_("ruleset version"), max_length=40)
    as_of = models.DateField(_("as of"))
    outcome = models.CharField(_("outcome"), max_length=30)
    case_json = models.TextField(_("case (canonical JSON)"))
    case_sha256 = models.CharField(max_length=64)
    determination_json = models.TextField(_("determination (canonical JSON)"))
    determination_sha256 = models.CharField(max_length=64)
    parameters_sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]


class ConsentStatus(models.TextChoices):
    PENDING = "pending", _("Consent requested")
    GIVEN = "given", _("Consent given")
    WITHHELD = "withheld", _("Consent withheld")


class ArrangementConsent(RegulatedModel):
    """The consent of a contract manufacturer's provincial regulator (NMPA 2023 No. 132 §一(一)), requested at
    submission; the row is what that province's reviewer signs."""

    arrangement = models.ForeignKey(SegmentedArrangement, on_delete=models.PROTECT, related_name="consents")
    province_code = models.CharField(_("province"), max_length=6)
    status = models.CharField(_("status"), max_length=20, choices=ConsentStatus.choices, default="pending")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    at = models.DateTimeField(_("at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, default="")

    class Meta:
        ordering = ["province_code"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "province_code"], name="uniq_arrangement_consent")
        ]


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("Awaiting NMPA")
    DETERMINED = "determined", _("Determined by NMPA")


class QuestionOutcome(models.TextChoices):
    """NMPA's answer: a question on a rule settles the rule (pass / fail / does not apply); any other question
    is answered yes or no."""

    PASS = "pass", _("The rule is met")
    FAIL = "fail", _("The rule is not met")
    NOT_APPLICABLE = "not_applicable", _("The rule does not apply")
    YES = "yes", _("Yes")
    NO = "no", _("No")


RULE_OUTCOMES = (QuestionOutcome.PASS, QuestionOutcome.FAIL, QuestionOutcome.NOT_APPLICABLE)
YES_NO = (QuestionOutcome.YES, QuestionOutcome.NO)


class OpenQuestion(RegulatedModel):
    """A question Order No. 828 does not settle for this arrangement (e.g. whether the pilot approval continues,
    Q11), marked as awaiting NMPA — never guessed. NMPA records its determination once, e-signed (authored)."""

    arrangement = models.ForeignKey(SegmentedArrangement, on_delete=models.PROTECT, related_name="questions")
    key = models.CharField(_("question"), max_length=80)
    source = models.CharField(_("source"), max_length=80)
    authority = models.CharField(_("authority"), max_length=20, default="NMPA")
    text_en = models.TextField(_("question (English)"))
    text_zh = models.TextField(_("question (Chinese)"))
    status = models.CharField(_("status"), max_length=20, choices=QuestionStatus.choices, default="open")
    rule = models.CharField(_("rule settled"), max_length=120, blank=True, default="")
    outcome = models.CharField(_("outcome"), max_length=20, choices=QuestionOutcome.choices, blank=True, default="")
    determination = models.TextField(_("NMPA's determination"), blank=True, default="")
    reasoning = models.TextField(_("reasoning"), blank=True, default="")
    determined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    determined_at = models.DateTimeField(_("determined at"), null=True, blank=True)
    determined_on = models.DateField(_("determined on"), null=True, blank=True)  # the day the rules read it from

    class Meta:
        ordering = ["arrangement_id", "id"]
        constraints = [models.UniqueConstraint(fields=["arrangement", "key"], name="uniq_arrangement_question")]

    def text(self, language: str | None) -> str:
        return self.text_zh if (language or "").startswith("zh") else self.text_en

    @property
    def outcomes(self) -> tuple[QuestionOutcome, ...]:
        """The answers NMPA may give: a question on a rule settles it; any other is answered yes or no."""
        return RULE_OUTCOMES if self.rule else YES_NO


class ArrangementEvent(EventRecord):
    """The domain event of one step of an arrangement (its timeline), written in the step's transaction."""

    arrangement = models.ForeignKey(SegmentedArrangement, on_delete=models.PROTECT, related_name="events")

    class Meta(EventRecord.Meta):
        pass
