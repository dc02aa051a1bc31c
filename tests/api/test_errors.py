"""One error shape for every refusal: {code, message, message_zh, details}."""

from __future__ import annotations

import pytest

from bioseg.registry.models import Product

pytestmark = pytest.mark.django_db


def test_unknown_route_is_a_json_404(world, client_for):
    response = client_for(world.nmpa).get("/api/v1/no-such-thing/7")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "code": "not_found",
        "message": "No API endpoint at /api/v1/no-such-thing/7.",
        "message_zh": "不存在此 API 接口：/api/v1/no-such-thing/7。",
        "details": {"path": "/api/v1/no-such-thing/7"},
    }


def test_unknown_route_for_anonymous_and_non_numeric_ids_are_404(client):
    assert client.get("/api/v1/").json()["code"] == "not_found"
    assert client.post("/api/v1/nowhere").status_code == 404
    assert client.get("/api/v1/sites/abc").json() == {
        "code": "not_found",
        "message": "No API endpoint at /api/v1/sites/abc.",
        "message_zh": "不存在此 API 接口：/api/v1/sites/abc。",
        "details": {"path": "/api/v1/sites/abc"},
    }


def test_unknown_id_is_a_404(world, client_for):
    response = client_for(world.nmpa).get("/api/v1/sites/999999")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "site 999999 was not found.",
        "message_zh": "未找到生产场地 999999。",
        "details": {"object": "site", "id": "999999"},
    }


def test_wrong_method_is_a_json_405(world, client_for):
    response = client_for(world.nmpa).put("/api/v1/regions")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == {
        "code": "method_not_allowed",
        "message": "PUT is not allowed here; allowed: GET.",
        "message_zh": "此处不允许 PUT 请求；允许：GET。",
        "details": {"method": "PUT", "allowed": ["GET"]},
    }
    patch_only = client_for(world.nmpa).delete(f"/api/v1/products/{world.pd1.id}")
    assert patch_only.status_code == 405
    assert patch_only.json()["details"] == {"method": "DELETE", "allowed": ["GET", "PATCH"]}


def test_schema_validation_is_a_422_with_field_paths(world, client_for):
    before = Product.objects.count()
    response = client_for(world.holder_qa).post(
        "/api/v1/products",
        {"holder_id": world.suzhou.id, "name_en": "X", "category": "antibody", "colour": "red", "innovative": "maybe"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"] == "Invalid input: colour, innovative, name_zh."
    assert body["message_zh"] == "输入无效：colour, innovative, name_zh。"
    assert body["details"]["fields"] == {
        "name_zh": {"message": "Field required", "message_zh": "此字段为必填项。"},
        "innovative": {
            "message": "Input should be a valid boolean, unable to interpret input",
            "message_zh": "应为布尔值（true/false）。",
        },
        "colour": {"message": "Extra inputs are not permitted", "message_zh": "不允许提交此字段。"},
    }
    assert sorted(tuple(e["loc"]) for e in body["details"]["errors"]) == [
        ("body", "payload", "colour"),
        ("body", "payload", "innovative"),
        ("body", "payload", "name_zh"),
    ]
    assert Product.objects.count() == before


def test_query_validation_is_a_422(world, client_for):
    response = client_for(world.nmpa).get("/api/v1/products?limit=0&offset=-1")
    assert response.status_code == 422
    assert response.json()["details"]["fields"] == {
        "limit": {"message": "Input should be greater than or equal to 1", "message_zh": "数值过小（不得小于 1）。"},
        "offset": {"message": "Input should be greater than or equal to 0", "message_zh": "数值过小（不得小于 0）。"},
    }


def test_malformed_json_is_a_400(world, client_for):
    response = client_for(world.holder_qa).post("/api/v1/products", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_json",
        "message": "The request body is not valid JSON.",
        "message_zh": "请求体不是有效的 JSON。",
        "details": {},
    }
    assert Product.objects.count() == 2


def test_unexpected_error_is_a_500_without_a_trace(world, client_for, monkeypatch):
    from bioseg.registry import selectors

    def boom(**kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(selectors, "enterprise_list", boom)
    response = client_for(world.nmpa).get("/api/v1/enterprises", HTTP_X_REQUEST_ID="req-123")
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "An unexpected error occurred. It has been logged; quote the request id when you report it.",
        "message_zh": "发生意外错误，已记录日志；报告问题时请提供请求编号。",
        "details": {"request_id": "req-123"},
    }
    assert b"hunter2" not in response.content
    assert b"Traceback" not in response.content


def test_application_error_keeps_its_status_and_details(world, client_for):
    before = Product.objects.count()
    response = client_for(world.js_inspector).post(
        "/api/v1/products",
        {"holder_id": world.suzhou.id, "name_zh": "新药", "name_en": "New", "category": "antibody"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "Your role does not allow you to register a product.",
        "message_zh": "您的角色无权登记产品。",
        "details": {"action": "register a product"},
    }
    assert Product.objects.count() == before


def test_query_messages_in_chinese_keep_the_limit_and_the_allowed_values(world, client_for):
    too_many = client_for(world.nmpa).get("/api/v1/products?limit=100000")
    assert too_many.status_code == 422
    assert too_many.json()["details"]["fields"] == {
        "limit": {"message": "Input should be less than or equal to 500", "message_zh": "数值过大（不得大于 500）。"}
    }
    direction = client_for(world.nmpa).get("/api/v1/lots/1/trace?direction=sideways")
    assert direction.status_code == 422
    assert direction.json()["details"]["fields"] == {
        "direction": {
            "message": "Input should be 'forward' or 'backward'",
            "message_zh": "应为以下值之一：'forward'、'backward'。",
        }
    }


@pytest.mark.parametrize(
    ("path", "field", "allowed"),
    [
        ("/api/v1/products?category=zzz", "category", "adc、antibody、blood_product"),
        ("/api/v1/products?origin=zzz", "origin", "co_developed、licensed_in、originally_developed"),
        ("/api/v1/licences?licence_class=zzz", "licence_class", "A、B、C、D"),
        ("/api/v1/gmp-records?outcome=zzz", "outcome", "compliant、non_compliant"),
        ("/api/v1/pilot-applications?status=zzz", "status", "approved、draft、information_requested"),
        ("/api/v1/lots?status=zzz", "status", "on_hold、quarantine、recalled、rejected、released"),
    ],
)
def test_an_unknown_filter_value_is_a_400_naming_the_field(world, client_for, path, field, allowed):
    response = client_for(world.nmpa).get(path)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"] == f"Invalid input: {field}."
    assert body["message_zh"] == f"输入无效：{field}。"
    assert list(body["details"]["fields"]) == [field]
    assert body["details"]["fields"][field]["message"].startswith("'zzz' is not one of ")
    zh = body["details"]["fields"][field]["message_zh"]
    assert zh.startswith(f"'zzz' 不是可选值，可选值为：{allowed}") and zh.endswith("。")


def test_product_category_filter_message_in_full(world, client_for):
    response = client_for(world.nmpa).get("/api/v1/products?category=zzz")
    values = "adc, antibody, blood_product, cell_gene_therapy, chemical_drug, glp1, insulin, other_biologic, vaccine, "
    values += "vaccine_combination, vaccine_multivalent"
    assert response.json()["details"]["fields"] == {
        "category": {
            "message": f"'zzz' is not one of {values}.",
            "message_zh": f"'zzz' 不是可选值，可选值为：{values.replace(', ', '、')}。",
        }
    }


def test_openapi_summaries_use_the_right_article(world, client_for):
    schema = client_for(world.nmpa).get("/api/v1/openapi.json").json()
    summaries = {op["summary"] for path in schema["paths"].values() for op in path.values()}
    assert "Audit trail and signatures of an enterprise" in summaries
    assert "Audit trail and signatures of a site" in summaries
    assert not any(" a enterprise" in s for s in summaries)
