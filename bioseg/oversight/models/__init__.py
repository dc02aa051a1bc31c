"""Supervision records: inspectors' profiles, inspections with their scope, team, findings and samples.

Risk ratings, annual programmes, inspection plans and joint regulatory plans have their own modules here."""

from .inspections import (
    CONCLUSION_LABELS_ZH,
    Conclusion,
    Finding,
    Grade,
    Inspection,
    InspectionEvent,
    InspectionKind,
    InspectionMember,
    InspectionQuerySet,
    InspectionSite,
    InspectionStatus,
    InspectorAbsence,
    InspectorConflict,
    InspectorProfile,
    Sample,
    SampleResult,
    SecretAccess,
)
from .joint import JointPlanEvent, JointPlanQuerySet, JointStatus, JointSupervisionPlan
from .plans import InspectionPlan, InspectionPlanEvent, InspectionPlanQuerySet, PlanSecretAccess, PlanStatus
from .risk import Level, RatingCause, RiskRating, RiskRatingQuerySet

__all__ = [
    "CONCLUSION_LABELS_ZH",
    "Conclusion",
    "Finding",
    "Grade",
    "Inspection",
    "InspectionEvent",
    "InspectionKind",
    "InspectionMember",
    "InspectionQuerySet",
    "InspectionSite",
    "InspectionStatus",
    "InspectorAbsence",
    "InspectorConflict",
    "InspectorProfile",
    "Sample",
    "SampleResult",
    "SecretAccess",
    "InspectionPlan",
    "JointPlanEvent",
    "JointPlanQuerySet",
    "JointStatus",
    "JointSupervisionPlan",
    "InspectionPlanEvent",
    "InspectionPlanQuerySet",
    "PlanSecretAccess",
    "PlanStatus",
    "Level",
    "RatingCause",
    "RiskRating",
    "RiskRatingQuerySet",
]
