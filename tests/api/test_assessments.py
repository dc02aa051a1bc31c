"""POST /api/v1/assessments (+ /pdf), GET /api/v1/schemas/case and GET /api/v1/rulesets."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json

import pypdf
import pytest
from django.test import Client
from django.utils import timezone

from bioseg.accounts.roles import Role
from bioseg.accounts.services import api_token_create
from bioseg.regulation import case_json_schema, get_ruleset, ruleset_for

pytestmark = pytest.mark.django_db

ELIGIBLE = {
    "as_of": "2025-06-30",
    "name": "HX-101 antibody, Jiangsu + Shanghai",
    "application": {"submitted_on": "2025-06-30"},
    "holder": {
        "name": "Huaxin Biologics",
        "domestic": True,
        "import_drug_holder": False,
        "region": "320500",
        "capabilities": {
            "independent_rd": True,
            "quality_management": True,
            "risk_control": True,
            "liability_compensation": True,
        },
    },
    "product": {
        "name": "HX-101",
        "category": "antibody",
        "innovative": True,
        "urgent_clinical_need": False,
        "nmpa_specified": False,
        "origin": "originally_developed",
    },
    "segments": [
        {"stage": "drug_substance", "enterprise": "Huaxin Biologics", "region": "320500"},
        {"stage": "drug_product", "enterprise": "Pudong Fill-Finish", "region": "310115"},
    ],
    "contract_manufacturers": [
        {
            "name": "Pudong Fill-Finish",
            "commercial_biologics_production_since": "2018-03-01",
            "qa_system_complete": True,
            "unified_quality_system": True,
        }
    ],
    "stationed_personnel": [
        {"name": "Li Wei", "qualified": True, "stationed_at": "Pudong Fill-Finish"},
        {"name": "Zhang Min", "qualified": True, "stationed_at": "Pudong Fill-Finish"},
    ],
    "joint_regulatory_plan": {"agreed_by": ["320000", "310000"]},
    "nmpa_consent": False,
}


@pytest.fixture
def user(make_user):
    return make_user(Role.HOLDER_RA)


@pytest.fixture
def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **extra)


def test_an_eligible_case_gets_the_full_determination(api):
    response = post(api, "/api/v1/assessments", ELIGIBLE)
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "eligible"
    assert body["outcome_zh"] == "符合条件"
    assert body["ruleset"] == "pilot2024"
    assert body["as_of"] == "2025-06-30"
    assert body["missing_facts"] == []
    assert [f["rule"] for f in body["findings"]] == list(get_ruleset("pilot2024").rule_ids)
    by_rule = {f["rule"]: f for f in body["findings"]}
    assert by_rule["pilot2024.cmo.experience"]["outcome"] == "pass"
    assert by_rule["pilot2024.scope.vaccine_segmentation"]["outcome"] == "not_applicable"
    citation = by_rule["pilot2024.scope.prohibited"]["citations"][0]
    assert {"document", "article_zh", "article_en", "text_zh", "text_en"} <= set(citation)
    assert body["explanation"]["kind"] == "determination"


@pytest.mark.parametrize(("as_of", "ruleset"), [("2026-05-14", "pilot2024"), ("2026-05-15", "reg2026")])
def test_without_a_ruleset_the_ruleset_of_as_of(api, as_of, ruleset):
    body = post(api, "/api/v1/assessments", {**ELIGIBLE, "as_of": as_of}).json()
    assert (body["ruleset"], body["as_of"]) == (ruleset, as_of)
    assert ruleset_for(dt.date.fromisoformat(as_of)) == ruleset


def test_a_joint_plan_not_yet_agreed_awaits_the_provinces_not_the_applicant(api):
    case = {k: v for k, v in ELIGIBLE.items() if k != "joint_regulatory_plan"}
    body = post(api, "/api/v1/assessments", case).json()
    assert body["outcome"] == "needs_determination"
    assert (body["missing_facts"], body["awaited_facts"]) == ([], ["joint_regulatory_plan"])
    plan = next(f for f in body["findings"] if f["rule"] == "pilot2024.cross_province.joint_plan")
    assert [a["authority"] for a in plan["needs_determination_by"]] == ["PROV-310000", "PROV-320000"]
    assert plan["awaited_facts"] == ["joint_regulatory_plan"]
    assert plan["reason_zh"] == "该产品跨上海市、江苏省生产，尚无相关省级药品监管部门共同制定监管方案的记录，待其同意。"


def test_the_ruleset_option_and_missing_facts(api):
    case = {"as_of": "2026-06-30", "ruleset": "reg2026", "product": {"category": "antibody"}}
    body = post(api, "/api/v1/assessments", case).json()
    assert body["ruleset"] == "reg2026"
    assert body["outcome"] == "incomplete"
    assert "holder.segmentation_need" in body["missing_facts"]
    assert all(f["rule"].startswith("reg2026.") for f in body["findings"])


def test_a_chemical_drug_is_ineligible(api):
    case = copy.deepcopy(ELIGIBLE)
    case["product"]["category"] = "chemical_drug"
    body = post(api, "/api/v1/assessments", case).json()
    assert body["outcome"] == "ineligible"
    assert {f["rule"]: f["outcome"] for f in body["findings"]}["pilot2024.scope.biologic"] == "fail"


def test_an_unknown_category_is_a_400_naming_the_field(api):
    case = copy.deepcopy(ELIGIBLE)
    case["product"]["category"] = "antibodyy"
    response = post(api, "/api/v1/assessments", case)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "message_zh", "details"}
    assert body["code"] == "invalid_case"
    assert body["message"].startswith("product.category: ")
    assert body["message_zh"].startswith("字段 product.category 有误：")
    assert body["details"]["field"] == "product.category"
    assert body["details"]["errors"][0]["field"] == "product.category"
    assert body["details"]["errors"][0]["input"] == "antibodyy"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"holder": {"name": "X", "colour": "blue"}}, "invalid_case", "holder.colour"),
        (
            {"contract_manufacturers": [{"qa_system_complete": "yes"}]},
            "invalid_case",
            "contract_manufacturers[0].qa_system_complete",
        ),
        ({"as_of": "2024-01-01"}, "as_of_before_ruleset", "as_of"),
        ({"as_of": "2025-02-30"}, "invalid_case", "as_of"),
        ({"as_of": None}, "as_of_missing", "as_of"),
        ({"ruleset": "pilot2023"}, "unknown_ruleset", "ruleset"),
        ({"lang": "fr"}, "unknown_lang", "lang"),
    ],
)
def test_bad_input_names_the_field(api, change, code, field):
    case = {**copy.deepcopy(ELIGIBLE), **change}
    response = post(api, "/api/v1/assessments", case)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert body["details"]["field"] == field
    assert body["message"] and body["message_zh"]


def test_a_body_that_is_not_json_is_refused_in_the_error_shape(api):
    response = post(api, "/api/v1/assessments", "{not json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_json",
        "message": "The request body is not valid JSON.",
        "message_zh": "请求体不是有效的 JSON。",
        "details": {},
    }


def test_anonymous_callers_are_refused(client):
    response = post(client, "/api/v1/assessments", ELIGIBLE)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert client.get("/api/v1/rulesets").status_code == 401
    assert client.get("/api/v1/schemas/case").status_code == 401


def test_an_api_token_works(user):
    _token, raw = api_token_create(user=user, name="ci")
    response = Client().post(
        "/api/v1/assessments",
        data=json.dumps(ELIGIBLE),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "eligible"


def test_the_pdf_report(api):
    case = copy.deepcopy(ELIGIBLE)
    case["product"]["origin"] = "licensed_in"
    case["lang"] = "en"
    response = post(api, "/api/v1/assessments/pdf", case)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="assessment-pilot2024-2025-06-30.pdf"'
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "needs_determination" in text
    assert "pilot2024.holder.original_product" in text
    assert "National Medical Products Administration" in text


def test_the_pdf_report_refuses_bad_input_in_the_error_shape(api):
    response = post(api, "/api/v1/assessments/pdf", {"as_of": "2025-06-30", "product": {"category": 7}})
    assert response.status_code == 400
    assert response.json()["details"]["field"] == "product.category"


def test_the_case_schema(api):
    response = api.get("/api/v1/schemas/case")
    assert response.status_code == 200
    assert response.json() == case_json_schema()
    assert response.json()["$defs"]["Category"]["enum"][:2] == ["antibody", "adc"]


def test_the_rulesets(api):
    body = api.get("/api/v1/rulesets").json()
    assert [r["id"] for r in body] == ["pilot2024", "reg2026"]
    pilot, reg = body
    today = ruleset_for(timezone.localdate())
    assert (pilot["default"], reg["default"]) == (today == "pilot2024", today == "reg2026")
    assert pilot["valid_from"] == "2024-10-21"
    assert reg["valid_from"] == "2026-05-15"
    assert pilot["rule_ids"] == list(get_ruleset("pilot2024").rule_ids)
    rule = next(r for r in pilot["rules"] if r["id"] == "pilot2024.cmo.experience")
    assert rule["title_zh"] and rule["title_en"]
    assert rule["effective_from"] == "2024-10-21"
    assert rule["citations"][0]["text_zh"]
    prohibited = [r for r in pilot["rules"] if r["id"] == "pilot2024.scope.prohibited"]
    assert [(r["effective_from"], r["effective_until"]) for r in prohibited] == [
        ("2024-10-21", "2026-05-14"),
        ("2026-05-15", None),
    ]


def test_the_operations_are_in_the_openapi_schema(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/assessments"]) == {"post"}
    assert set(paths["/api/v1/assessments/pdf"]) == {"post"}
    assert "application/pdf" in paths["/api/v1/assessments/pdf"]["post"]["responses"]["200"]["content"]
    assert set(paths["/api/v1/schemas/case"]) == {"get"}
    assert set(paths["/api/v1/rulesets"]) == {"get"}
