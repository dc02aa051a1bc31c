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
    "Level",
    "RatingCause",
    "RiskRating",
    "RiskRatingQuerySet",
]
