"""The demo scenario: what it creates, that a second run creates nothing, and the scoping facts the
browser test relies on. The scenario is loaded once for the module, inside a transaction that is rolled
back at the end (each test runs in its own savepoint within it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from bioseg.accounts.models import Membership, Organisation, User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import user_check_password
from bioseg.audit import chain
from bioseg.audit.models import AuditEvent
from bioseg.common.errors import NotFound
from bioseg.demo.data import SCENARIO, organisation_code_check_char
from bioseg.demo.scenario import DEMO_PASSWORD, load
from bioseg.oversight.models import (
    Finding,
    Inspection,
    InspectionEvent,
    InspectionMember,
    InspectionSite,
    InspectorProfile,
    Sample,
    SecretAccess,
)
from bioseg.pilots.models import (
    Evidence,
    JointRegulatoryPlan,
    NmpaDecision,
    PilotApplication,
    ProvincialReview,
    StoredDetermination,
)
from bioseg.production import selectors as production_selectors
from bioseg.production.models import (
    CertificateOfAnalysis,
    Consignee,
    Excursion,
    ExcursionAssessment,
    Gs1Location,
    Gs1TradeItem,
    Lot,
    LotEdge,
    LotHold,
    ProcessChain,
    RecallAction,
    Release,
    Segment,
    SegmentFeed,
    Shipment,
    ShipmentLine,
    TemperatureLog,
    TemperatureReading,
    Transformation,
    TransformationInput,
)
from bioseg.quality.models import (
    Capa,
    CapaAction,
    ChangeAffectedSegment,
    ChangeAssessment,
    ChangeEvent,
    ChangeRequest,
    Deviation,
    DeviationImpact,
    DeviationLot,
    Notification,
    OosInvestigation,
    Stationing,
    TrainingRecord,
)
from bioseg.registry import selectors
from bioseg.registry.models import (
    Enterprise,
    GmpRecord,
    ManufacturingLicence,
    Person,
    Product,
    Qualification,
    QualityAgreement,
    QualityAgreementProduct,
    Site,
)
from bioseg.registry.scope import scope_for
from bioseg.registry.validators import credit_code_check_char, credit_code_problem

pytestmark = pytest.mark.django_db

EXPECTED_COUNTS = {
    Organisation: 18,  # operator, NMPA, 6 provincial regulators, 10 enterprises
    User: 36,  # 26 of the registry scenario, 6 QA / QP logins (demo/production.py), 4 inspectors (demo/oversight.py)
    Membership: 36,
    Enterprise: 10,
    Site: 11,
    ManufacturingLicence: 9,  # every domestic enterprise
    GmpRecord: 10,  # every site but the cell-therapy centre (clinical stage)
    Product: 6,
    Person: 18,
    Qualification: 22,
    QualityAgreement: 5,
    QualityAgreementProduct: 5,
    # segmented production (bioseg/demo/production.py)
    ProcessChain: 4,  # PD-1, ADC, PCV13, GLP-1
    Segment: 23,  # 3 + 4 + 14 (13 serotype conjugates + formulation) + 2
    SegmentFeed: 19,
    Consignee: 2,
    Lot: 26,  # 5 + 4 + 14 + 3
    Transformation: 26,
    TransformationInput: 22,
    LotEdge: 22,  # 5 + 3 + 13 (the PCV13 blend) + 1
    Shipment: 8,
    ShipmentLine: 21,
    TemperatureLog: 6,
    TemperatureReading: 234,
    Excursion: 1,  # GLP-1 shipment SHP-QT-2611-001, awaiting assessment
    ExcursionAssessment: 0,
    LotHold: 1,
    CertificateOfAnalysis: 22,  # + the ADC fill's certificate with an out-of-specification assay (bioseg/demo/quality.py)
    Release: 24,
    RecallAction: 0,
    # GS1 keys for EPCIS export (prefix 952): one GTIN per material, one GLN per site and consignee
    Gs1TradeItem: 23,
    Gs1Location: 13,  # 11 sites + 2 consignees
    # pilot applications (bioseg/demo/pilots.py): PD-1 approved, ADC awaiting the provincial reviews
    PilotApplication: 2,
    StoredDetermination: 5,  # PD-1: assessed, submitted, decided; ADC: assessed, submitted
    Evidence: 1,
    ProvincialReview: 2,
    JointRegulatoryPlan: 1,
    NmpaDecision: 1,
    # the quality system (bioseg/demo/quality.py): an open major deviation at Qilan blocking QL-DP-2609-02, and a
    # minor one at Xinghu Suzhou, investigated and closed
    Deviation: 2,
    DeviationLot: 2,
    DeviationImpact: 3,  # QL-DP-2609-02; XH-DS-2608-02 and its descendant QL-DP-2609-02
    # minor: Qilan's QA (a lot in the impact), the QP (investigation to approve), the QA (approved, closed) — 4;
    # major: Xinghu's QA and QP — 2; the CAPAs: 1 + 1 and 2; the OOS: Zifeng's QA and QP — 2; the change
    # (bioseg/demo/changes.py): Qilan's QA, asked for its assessment — 1
    # supervision (bioseg/demo/oversight.py): the inspections notified and reported to the enterprises and the other
    # province — 22; the two CAPAs of the joint inspection's findings — 5; the unqualified sample's OOS — 2
    Notification: 42,
    # one from each deviation (the minor one's second action, due 2026-11-30, is overdue) and one from each finding
    # of the joint annual inspection
    Capa: 4,
    CapaAction: 5,
    # FP-FILL-2608-01, assay 92.1 % (95–105 %), under investigation; XH-DS-2608-01, Jiangsu's unqualified sample
    OosInvestigation: 2,
    Stationing: 2,  # Xinghu's two QAs at Qilan since 2025-09-15
    TrainingRecord: 3,  # Zhao Yuting's lapsed on 2026-11-20 and was renewed on 2026-11-24: a three-day gap
    # change control: a moderate change at Xinghu Suzhou's DS segment; DS (changed) and Qilan's DP (downstream)
    # affected; Qilan's impact assessment awaited
    ChangeRequest: 1,
    ChangeAffectedSegment: 2,
    ChangeAssessment: 0,
    ChangeEvent: 1,
    # supervision: six inspectors with profiles; a GMP inspection (closed), the joint annual inspection (under
    # rectification), a sampling inspection with one qualified and one unqualified sample, the for-cause inspection
    # the unqualified one made due, and a secret unannounced inspection
    InspectorProfile: 6,
    Inspection: 5,
    InspectionSite: 6,
    InspectionMember: 10,
    Finding: 2,
    Sample: 2,
    InspectionEvent: 22,
    SecretAccess: 0,
}

JIANGSU_SITES = {
    "Xinghu Suzhou Drug Substance Plant",
    "Xinghu Suzhou Cell Therapy Centre",
    "Zifeng Jiangning Antibody Intermediate Plant",
}
GUANGDONG_SITE = "Nanling Shaoguan Plasma Fractionation Plant"
PD1 = "Xinglimab Injection (anti-PD-1)"
ADC = "Zituzumab Vedotin for Injection (anti-HER2 ADC)"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            counts_before = {model: model.objects.count() for model in EXPECTED_COUNTS}
            result = load()
            yield counts_before, result
            transaction.set_rollback(True)


def counts() -> dict:
    return {model: model.objects.count() for model in EXPECTED_COUNTS}


def user(username: str) -> User:
    return User.objects.get(username=username)


def names(qs) -> set[str]:
    return set(qs.values_list("name_en", flat=True))


def test_loading_an_empty_database_creates_exactly_the_scenario(demo):
    before, result = demo
    assert before == dict.fromkeys(EXPECTED_COUNTS, 0)
    assert counts() == EXPECTED_COUNTS
    assert result.created == 281 and result.existing == 0
    assert dict(result.created_by_kind) == {
        "organisation": 18,
        "user": 36,
        "enterprise": 10,
        "site": 11,
        "licence": 9,
        "gmp_record": 10,
        "product": 6,
        "person": 18,
        "qualification": 22,
        "quality_agreement": 5,
        "consignee": 2,
        "process_chain": 4,
        "lot": 26,
        "shipment": 8,
        "temperature_log": 6,
        "certificate": 21,
        "release": 24,
    }
    assert set(Organisation.objects.values_list("kind", flat=True).distinct()) == set(OrganisationKind.values)
    assert {r for (r,) in Membership.objects.values_list("role").distinct()} == set(Role.values)


def test_a_second_load_creates_nothing_and_writes_no_audit_event(demo):
    _, first = demo
    events = AuditEvent.objects.count()
    second = load()
    assert second.created == 0
    assert second.existing == 282
    assert dict(second.created_by_kind) == {}
    assert second.logins == first.logins
    assert counts() == EXPECTED_COUNTS
    assert AuditEvent.objects.count() == events


def test_the_audit_trail_is_intact_and_names_the_real_actors(demo):
    assert chain.verify().ok
    first = AuditEvent.objects.order_by("id").first()
    assert (first.table_name, first.actor, first.organisation) == ("accounts_organisation", "demo-loader", "")
    enterprise_actors = set(
        AuditEvent.objects.filter(table_name="registry_enterprise").values_list("actor", flat=True).distinct()
    )
    assert enterprise_actors == {"admin"}
    pd1_site = Site.objects.get(name_en="Xinghu Suzhou Drug Substance Plant")
    event = AuditEvent.objects.get(table_name="registry_site", row_pk=str(pd1_site.pk))
    assert (event.action, event.actor, event.organisation, event.reason) == (
        "insert",
        "suzhou-ra",
        "Suzhou Xinghu Biopharmaceutical Co., Ltd.",
        "site registered",
    )
    agreement = QualityAgreement.objects.get(reference="QA-XH-QL-2024-001")
    event = AuditEvent.objects.get(table_name="quality_qualityagreement", row_pk=str(agreement.pk))
    assert event.actor == "suzhou-qa"


def test_every_domestic_credit_code_is_valid_and_foreign_enterprises_have_none(demo):
    for e in Enterprise.objects.all():
        if e.domestic:
            assert e.credit_code.startswith("91"), e.name_en
            assert credit_code_problem(e.credit_code) is None, e.name_en
        else:
            assert (e.credit_code, e.country_code, e.region_code) == (None, "CH", "")
    assert Enterprise.objects.filter(domestic=False).count() == 1


def test_the_credit_code_helper_reproduces_a_published_code():
    # Huawei Technologies Co., Ltd.: 914403001922038216 (organisation code 19220382-1).
    assert organisation_code_check_char("19220382") == "1"
    assert credit_code_check_char("91440300192203821") == "6"


def test_every_demo_user_logs_in_with_the_demo_password(demo):
    _, result = demo
    assert len(result.logins) == 36
    assert len({u for u, _, _ in result.logins}) == 36
    for username, role, org_name in result.logins:
        u = user_check_password(username=username, password=DEMO_PASSWORD)
        assert u.roles == {role}
        assert u.organisation.name_en == org_name
        assert u.printed_name


def test_the_logins_cover_every_role_and_the_named_users(demo):
    _, result = demo
    by_name = {u: (r, o) for u, r, o in result.logins}
    assert {r for r, _ in by_name.values()} == set(Role.values)
    assert by_name["admin"][0] == Role.SYSTEM_ADMIN
    assert by_name["nmpa"][0] == Role.NMPA_OFFICER
    assert by_name["js-inspector"] == (Role.PROVINCIAL_INSPECTOR, "Jiangsu Medical Products Administration")
    assert by_name["js-reviewer"] == (Role.PROVINCIAL_REVIEWER, "Jiangsu Medical Products Administration")
    assert by_name["suzhou-ra"] == (Role.HOLDER_RA, "Suzhou Xinghu Biopharmaceutical Co., Ltd.")
    assert by_name["suzhou-qa"] == (Role.HOLDER_QA, "Suzhou Xinghu Biopharmaceutical Co., Ltd.")
    assert by_name["suzhou-qp"] == (Role.QUALIFIED_PERSON, "Suzhou Xinghu Biopharmaceutical Co., Ltd.")
    assert by_name["shcdmo-qa"] == (Role.CMO_QA, "Shanghai Qilan Biologics Co., Ltd.")
    regulator_regions = set(
        Organisation.objects.filter(kind=OrganisationKind.PROVINCIAL_REGULATOR).values_list("region_code", flat=True)
    )
    assert regulator_regions == {"320000", "310000", "330000", "110000", "130000", "440000"}
    for region in regulator_regions:
        roles = set(
            Membership.objects.filter(
                user__organisation__region_code=region, user__organisation__kind="provincial_regulator"
            ).values_list("role", flat=True)
        )
        assert roles == {Role.PROVINCIAL_REVIEWER, Role.PROVINCIAL_INSPECTOR}


def test_the_jiangsu_inspector_sees_exactly_the_jiangsu_sites_and_not_guangdong(demo):
    scope = scope_for(user("js-inspector"))
    assert names(selectors.site_list(scope=scope)) == JIANGSU_SITES
    assert names(selectors.enterprise_list(scope=scope)) == {
        "Suzhou Xinghu Biopharmaceutical Co., Ltd.",
        "Nanjing Zifeng Biopharma Co., Ltd.",
    }
    assert names(selectors.product_list(scope=scope)) == {
        PD1,
        "XH-19 Autologous Anti-CD19 CAR-T Cell Injection",
        ADC,
    }
    guangdong_site = Site.objects.get(name_en=GUANGDONG_SITE)
    with pytest.raises(NotFound):
        selectors.site_get(scope=scope, pk=guangdong_site.pk)


def test_the_guangdong_site_belongs_to_the_guangdong_inspector_only(demo):
    guangdong_site = Site.objects.get(name_en=GUANGDONG_SITE)
    assert guangdong_site.region_code == "440000"
    assert names(selectors.site_list(scope=scope_for(user("gd-inspector")))) == {GUANGDONG_SITE}
    outside = [
        u
        for u in User.objects.exclude(organisation__kind__in=["nmpa", "operator"])
        if u.username not in {"gd-inspector", "gd-reviewer", "guangdong-ra"}
    ]
    assert len(outside) == 31  # 36 users less admin, nmpa and the three Guangdong users
    for u in outside:
        assert not selectors.site_list(scope=scope_for(u)).filter(pk=guangdong_site.pk).exists(), u.username
    assert selectors.site_get(scope=scope_for(user("nmpa")), pk=guangdong_site.pk) == guangdong_site


def test_the_shanghai_cdmo_qa_sees_only_its_own_and_the_pd1_it_makes(demo):
    scope = scope_for(user("shcdmo-qa"))
    assert names(selectors.product_list(scope=scope)) == {PD1}
    assert names(selectors.enterprise_list(scope=scope)) == {
        "Shanghai Qilan Biologics Co., Ltd.",
        "Suzhou Xinghu Biopharmaceutical Co., Ltd.",
    }
    assert names(selectors.site_list(scope=scope)) == {
        "Qilan Zhangjiang Drug Product Plant",
        "Xinghu Suzhou Drug Substance Plant",
        "Xinghu Suzhou Cell Therapy Centre",
    }
    adc = Product.objects.get(name_en=ADC)
    with pytest.raises(NotFound):
        selectors.product_get(scope=scope, pk=adc.pk)


def test_each_province_sees_the_products_made_or_held_there(demo):
    expected = {
        "sh-inspector": {PD1, ADC},
        "zj-inspector": {"Qianglutide Injection (GLP-1 receptor agonist)"},
        "bj-inspector": {"13-valent Pneumococcal Polysaccharide Conjugate Vaccine (CRM197)"},
        "hb-inspector": {"13-valent Pneumococcal Polysaccharide Conjugate Vaccine (CRM197)"},
        "gd-inspector": {"Human Albumin 20% (10 g/50 ml)"},
        "swiss-qa": {ADC},
        "shadc-qa": {ADC},
        "nanjing-ra": {ADC},
        "suzhou-qp": {PD1, "XH-19 Autologous Anti-CD19 CAR-T Cell Injection"},
    }
    for username, products in expected.items():
        assert names(selectors.product_list(scope=scope_for(user(username)))) == products, username
    assert selectors.product_list(scope=scope_for(user("nmpa"))).count() == 6


def test_the_products_carry_the_facts_the_rules_need(demo):
    rows = {
        p.name_en: (
            p.category,
            p.approval_number,
            p.innovative,
            p.nmpa_specified,
            p.origin,
            (float(p.storage_min_c), float(p.storage_max_c)),
            p.holder.region_code,
        )
        for p in Product.objects.select_related("holder")
    }
    assert rows == {
        PD1: ("antibody", "国药准字S20210031", True, False, "originally_developed", (2.0, 8.0), "320000"),
        "XH-19 Autologous Anti-CD19 CAR-T Cell Injection": (
            "cell_gene_therapy",
            None,
            True,
            False,
            "originally_developed",
            (-196.0, -150.0),
            "320000",
        ),
        ADC: ("adc", "国药准字S20240018", True, False, "originally_developed", (2.0, 8.0), "320000"),
        "Qianglutide Injection (GLP-1 receptor agonist)": (
            "glp1",
            "国药准字S20230052",
            True,
            False,
            "originally_developed",
            (2.0, 8.0),
            "330000",
        ),
        "13-valent Pneumococcal Polysaccharide Conjugate Vaccine (CRM197)": (
            "vaccine_multivalent",
            "国药准字S20220009",
            False,
            True,
            "originally_developed",
            (2.0, 8.0),
            "110000",
        ),
        "Human Albumin 20% (10 g/50 ml)": (
            "blood_product",
            "国药准字S20103021",
            False,
            False,
            "",
            (2.0, 8.0),
            "440000",
        ),
    }


def test_segments_licences_and_agreements_are_where_the_scenario_says(demo):
    agreements = {
        (
            a.holder.name_en,
            a.contract_manufacturer.name_en,
            tuple(sorted(a.product_links.values_list("product__name_en", flat=True))),
        )
        for a in QualityAgreement.objects.select_related("holder", "contract_manufacturer")
    }
    assert agreements == {
        ("Suzhou Xinghu Biopharmaceutical Co., Ltd.", "Shanghai Qilan Biologics Co., Ltd.", (PD1,)),
        ("Nanjing Zifeng Biopharma Co., Ltd.", "Shanghai Fengpu Bioconjugation Technology Co., Ltd.", (ADC,)),
        ("Nanjing Zifeng Biopharma Co., Ltd.", "Rheinau Bioconjugates AG", (ADC,)),
        (
            "Hangzhou Qiantang Biotechnology Co., Ltd.",
            "Zhejiang Heyuan Pharmaceutical Co., Ltd.",
            ("Qianglutide Injection (GLP-1 receptor agonist)",),
        ),
        (
            "Beijing Yongding Biological Products Co., Ltd.",
            "Hebei Taihang Biopharmaceutical Co., Ltd.",
            ("13-valent Pneumococcal Polysaccharide Conjugate Vaccine (CRM197)",),
        ),
    }
    classes = {
        lic.enterprise.name_en: (lic.number, lic.licence_class)
        for lic in ManufacturingLicence.objects.select_related("enterprise")
    }
    assert classes["Suzhou Xinghu Biopharmaceutical Co., Ltd."] == ("苏20160001", "B")
    assert classes["Shanghai Qilan Biologics Co., Ltd."] == ("沪20180123", "C")
    for lic in ManufacturingLicence.objects.select_related("enterprise"):
        e = lic.enterprise
        expected_class = "C" if e.is_contract_manufacturer else ("B" if e.agreements_as_holder.exists() else "A")
        assert lic.licence_class == expected_class, e.name_en
        assert lic.valid_from < lic.valid_until
    fengpu = Site.objects.get(name_en="Fengpu Conjugation and Aseptic Fill Plant")
    assert (fengpu.region_code, fengpu.activity_list) == (
        "310000",
        ["drug_product", "drug_substance", "fill_finish", "testing"],
    )
    swiss = Site.objects.get(enterprise__name_en="Rheinau Bioconjugates AG")
    assert (swiss.country_code, swiss.region_code) == ("CH", "")
    hebei = Site.objects.get(enterprise__name_en="Hebei Taihang Biopharmaceutical Co., Ltd.")
    assert (hebei.region_code, "drug_product" in hebei.activity_list) == ("130000", True)


def test_each_holder_has_at_least_two_qualified_people_with_current_qualifications(demo):
    today = dt.date(2026, 11, 25)
    for holder in Enterprise.objects.filter(is_holder=True):
        qualified = [
            p
            for p in holder.personnel.all()
            if {"qualified_person", "qa"} & set(p.role_list)
            and any(
                q.valid_from <= today and (q.valid_until is None or q.valid_until >= today)
                for q in p.qualifications.all()
            )
        ]
        assert len(qualified) >= 2, holder.name_en
    suzhou_people = Person.objects.filter(enterprise__name_en="Suzhou Xinghu Biopharmaceutical Co., Ltd.")
    assert set(suzhou_people.values_list("name_en", flat=True)) == {
        "Chen Siyuan",
        "Lin Xiaomei",
        "Wang Haitao",
        "Zhao Yuting",
    }


def test_the_scenario_data_matches_what_was_loaded(demo):
    assert {e.name_en for e in SCENARIO.enterprises} == set(Enterprise.objects.values_list("name_en", flat=True))


def test_the_segmented_production_has_something_real_on_every_page(demo):
    lots = dict(Lot.objects.values_list("lot_number", "status"))
    assert lots["TH-PCV13-2608-01"] == "released"
    assert lots["QL-DP-2609-01"] == "released"
    assert lots["QL-DP-2609-02"] == "quarantine"
    assert lots["FP-FILL-2608-01"] == "quarantine"
    assert lots["QT-DS-2610-01"] == "on_hold"  # its shipment's excursion awaits assessment
    assert sorted(s for s in set(lots.values())) == ["on_hold", "quarantine", "released"]
    vaccine = Lot.objects.get(lot_number="TH-PCV13-2608-01")
    parents = LotEdge.objects.filter(child_lot=vaccine).values_list("parent_lot__material", flat=True)
    assert sorted(parents) == sorted(f"DS-ST{st}" for st in production_selectors_serotypes())
    assert vaccine.produced_by.kind == "blend"
    excursion = Excursion.objects.get()
    assert (excursion.shipment.reference, excursion.status, str(excursion.highest_c)) == (
        "SHP-QT-2611-001",
        "open",
        "11.50",
    )
    crossings = {
        chain.product.name_en: sorted({c.kind for c in production_selectors.chain_border_crossings(chain=chain)})
        for chain in ProcessChain.objects.select_related("product")
    }
    assert crossings == {
        PD1: ["provincial"],
        ADC: ["national", "provincial"],
        "13-valent Pneumococcal Polysaccharide Conjugate Vaccine (CRM197)": ["provincial"],
        "Qianglutide Injection (GLP-1 receptor agonist)": [],
    }
    trace = production_selectors.lot_trace(
        scope=scope_for(user("suzhou-qa")),
        pk=Lot.objects.get(lot_number="XH-WCB-2601").pk,
        direction="forward",
    )
    assert [c.name_en for c in trace.consignees] == [
        "Beijing Kangtai Pharmaceutical Logistics Co., Ltd.",
        "Guangzhou Nanfang Pharmaceutical Distribution Co., Ltd.",
    ]
    assert len(trace.lots) == 5
    # every release is e-signed, and each province sees the lots made or shipped there
    from bioseg.audit.models import Signature

    assert Signature.objects.filter(table_name=Release._meta.db_table, meaning="released").count() == 24
    assert production_selectors.lot_list(scope=scope_for(user("hb-inspector"))).count() == 14
    assert production_selectors.lot_list(scope=scope_for(user("gd-inspector"))).count() == 1  # shipped into Guangdong
    assert production_selectors.lot_list(scope=scope_for(user("shcdmo-qa"))).count() == 5


def production_selectors_serotypes():
    from bioseg.demo.production import PCV13_SEROTYPES

    return PCV13_SEROTYPES


def test_a_product_with_an_approved_pilot_carries_its_pilot_status_into_the_case(demo):
    """The wizard and new drafts start from case_from_product: the PD-1's submission day, approval and joint
    plan are facts the workflow knows, so an assessment today does not fail the application deadline."""
    import datetime as dt

    from bioseg.pilots.facts import case_from_product
    from bioseg.regulation import assess_to_dict

    pd1 = Product.objects.get(name_en=PD1)
    case = case_from_product(product=pd1, as_of=dt.date(2026, 11, 25))
    assert case["application"] == {"submitted_on": "2025-06-30"}
    assert case["pilot_approval"] == {"approved": True, "approved_on": "2025-09-12", "reference": "PA-2025-0001"}
    assert case["joint_regulatory_plan"] == {"agreed_by": ["310000", "320000"]}
    findings = {f["rule"]: f["outcome"] for f in assess_to_dict(case, ruleset="pilot2024")["findings"]}
    assert findings["pilot2024.timeline.application_deadline"] == "pass"
    assert findings["pilot2024.cross_province.joint_plan"] == "pass"
    # before it was submitted, the product had no pilot status
    before = case_from_product(product=pd1, as_of=dt.date(2025, 6, 29))
    assert "application" not in before and "pilot_approval" not in before


def test_the_demo_change_awaits_the_cmos_impact_assessment(demo):
    from bioseg.quality import changes
    from bioseg.quality.change_workflow import CHANGE_WORKFLOW

    change = ChangeRequest.objects.get()
    assert (change.site.name_en, change.route, change.status) == (
        "Xinghu Suzhou Drug Substance Plant",
        "filing",
        "assessing",
    )
    assert [p["code"] for p in changes.change_missing(change)] == [
        "approval_missing",
        "assessment_missing",
        "regulatory_missing",
    ]
    assert changes.change_missing(change)[1]["message_zh"] == "上海启澜生物制药有限公司的影响评估尚未记录。"
    assert CHANGE_WORKFLOW.allowed_actions(user("shcdmo-qa"), change) == ["record_assessment"]
    assert (
        Notification.objects.filter(
            subject_table="quality_changerequest", subject_id=change.pk, recipient__username="shcdmo-qa"
        ).count()
        == 1
    )
    assert CHANGE_WORKFLOW.allowed_actions(user("sh-reviewer"), change) == ["reclassify"]


def test_a_change_at_one_contract_manufacturer_reaches_the_next_one_downstream(demo):
    """The ADC: a change of the linker-payload at Rheinau (Switzerland) must be assessed by Shanghai Fengpu, which
    conjugates and fills it — Fengpu sees the change although it is no partner of Rheinau; a filing goes to CDE."""
    from bioseg.quality import changes
    from bioseg.quality.change_workflow import CHANGE_WORKFLOW

    rheinau = Site.objects.get(enterprise__name_en="Rheinau Bioconjugates AG")
    lp = Segment.objects.get(chain__product__name_en=ADC, chain__version=1, code="LP")
    with transaction.atomic():
        change = changes.change_raise(
            actor=user("swiss-qa"),
            product=lp.chain.product,
            site=rheinau,
            segment=lp,
            kind="process",
            title="Linker-payload crystallisation solvent",
            description="Replace the crystallisation solvent of vc-MMAE.",
            justification="Solvent supply.",
            raised_on=dt.date(2026, 11, 30),
            route="filing",
            gmp_impact="major",
            classification_reason="A process change of a starting material of the conjugate.",
        )
        assert list(change.affected.order_by("segment__position").values_list("segment__code", flat=True)) == [
            "LP",
            "ADC",
            "FILL",
        ]
        assert changes.filing_authority(change)[0] == "NMPA Center for Drug Evaluation (CDE)"
        fengpu = user("shadc-qa")
        assert changes.change_get(scope=scope_for(fengpu), pk=change.pk) == change
        assert CHANGE_WORKFLOW.allowed_actions(fengpu, change) == ["record_assessment"]
        assert changes.change_get(scope=scope_for(user("sh-reviewer")), pk=change.pk) == change
        transaction.set_rollback(True)
