"""The standing route's test world: the pilot world of ``helpers.py`` with PD-1's pilot application approved in
2025 (as the demo's PA-2025-0001), a multivalent vaccine of the same holder, and the facts reg2026 still needs."""

from __future__ import annotations

import datetime as dt

from bioseg.audit.models import AuditEvent, Signature
from bioseg.pilots import models as pm
from bioseg.pilots import services
from bioseg.registry import services as registry_services
from bioseg.registry.services import quality_agreement_create
from tests.conftest import PASSWORD
from tests.pilots.helpers import PD1_DECLARED

TODAY = dt.date(2026, 12, 4)
CONDITIONS = "一品一策：原液仅限苏州原液车间；制剂仅限张江制剂工厂。"

# What reg2026 asks beyond the pilot's facts (the demo's PD-1 chain as the test world has it).
PD1_STANDING_FACTS = {
    "holder": {"segmentation_need": True},
    "product": {"special_process_or_facility_need": True},
    "contract_manufacturers": [{"name": "Shanghai CDMO", "redelegates": False}],
    "segments": [
        {"stage": "drug_substance", "enterprise": "Suzhou Innovator", "region": "320000", "electronic_records": True},
        {"stage": "drug_product", "enterprise": "Shanghai CDMO", "region": "310000", "electronic_records": True},
    ],
}

VACCINE_FACTS = {
    "holder": {"vaccine_capacity_exceeded": True, "segmentation_need": True},
    "product": {"special_process_or_facility_need": True},
    "contract_manufacturers": [
        {"name": "Shanghai CDMO", "redelegates": False, "unified_quality_system": True, "qa_system_complete": True}
    ],
    "segments": [
        {"stage": "drug_substance", "enterprise": "Suzhou Innovator", "region": "320000", "electronic_records": True},
        {"stage": "drug_product", "enterprise": "Shanghai CDMO", "region": "310000", "electronic_records": True},
    ],
}


def approve_pd1_pilot(pw, on_day) -> pm.PilotApplication:
    """PD-1's pilot application, drafted, submitted, recommended, joint plan agreed and approved in 2025."""
    on_day(dt.date(2025, 6, 30))
    app = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    app = services.application_facts_declare(
        actor=pw.sz_ra, application=app, facts=PD1_DECLARED, reason="facts the registry does not hold"
    )
    app = services.application_submit(actor=pw.sz_ra, application=app, password=PASSWORD)
    services.review_record(actor=pw.js_reviewer, application=app, action="recommend", comment="")
    services.review_record(actor=pw.sh_reviewer, application=app, action="recommend", comment="")
    app.refresh_from_db()
    services.joint_plan_approve(actor=pw.js_reviewer, plan=app.joint_plan, password=PASSWORD)
    services.joint_plan_approve(actor=pw.sh_reviewer, plan=app.joint_plan, password=PASSWORD)
    on_day(dt.date(2025, 9, 12))
    app.refresh_from_db()
    services.nmpa_decide(
        actor=pw.nmpa,
        application=app,
        decision="approve",
        conditions=CONDITIONS,
        reason="Meets the pilot plan.",
        password=PASSWORD,
    )
    app.refresh_from_db()
    assert app.status == "approved"
    return app


def make_vaccine(pw):
    vaccine = registry_services.product_create(
        actor=pw.admin,
        holder=pw.suzhou,
        name_zh="四价流感疫苗",
        name_en="Quadrivalent influenza vaccine",
        category="vaccine_multivalent",
        innovative=True,
        origin="originally_developed",
    )
    quality_agreement_create(
        actor=pw.admin,
        reference="QA-2026-002",
        holder=pw.suzhou,
        contract_manufacturer=pw.shanghai,
        products=[vaccine],
        effective_from=dt.date(2026, 1, 1),
    )
    return vaccine


def counts() -> dict[str, int]:
    """Rows of every table a standing-route step writes — compared before and after a refused step."""
    return {
        "arrangements": pm.SegmentedArrangement.objects.count(),
        "determinations": pm.ArrangementDetermination.objects.count(),
        "consents": pm.ArrangementConsent.objects.count(),
        "questions": pm.OpenQuestion.objects.count(),
        "events": pm.ArrangementEvent.objects.count(),
        "pilot_applications": pm.PilotApplication.objects.count(),
        "signatures": Signature.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def snapshot(obj) -> dict:
    """A row's own columns, for 'nothing changed' assertions."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return {f.name: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}
