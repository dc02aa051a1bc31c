"""Registry endpoints: who sees what, writes through the services (refusals change nothing), pagination,
filters and the reference lists."""

from __future__ import annotations

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.registry.models import Enterprise, Product, Site
from tests.api.conftest import SUZHOU_CODE

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- scope -------------------------------------------------------------------------------------------------


def test_jiangsu_inspector_gets_404_for_a_guangdong_only_site(world, client_for):
    client = client_for(world.js_inspector)
    gd = world.guangdong_site.id
    for path in (f"/api/v1/sites/{gd}", f"/api/v1/sites/{gd}/history", f"/api/v1/sites/{gd}/signatures"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {
            "code": "not_found",
            "message": f"site {gd} was not found.",
            "message_zh": f"未找到生产场地 {gd}。",
            "details": {"object": "site", "id": str(gd)},
        }
    # exactly what an id that does not exist gets
    unknown = client.get("/api/v1/sites/987654").json()
    assert unknown["code"] == "not_found"
    assert unknown["details"] == {"object": "site", "id": "987654"}
    # and a PATCH cannot probe it either: 404, nothing changed
    patch = client.patch(f"/api/v1/sites/{gd}", {"address": "x", "reason": "probe"}, content_type="application/json")
    assert patch.status_code == 404
    assert Site.objects.get(pk=gd).address == "Shenzhen plant road 1"


def test_jiangsu_inspector_lists_only_jiangsu(world, client_for):
    client = client_for(world.js_inspector)
    assert ids(client.get("/api/v1/sites")) == [world.suzhou_site.id]
    assert client.get("/api/v1/sites").json()["count"] == 1
    assert ids(client.get("/api/v1/enterprises")) == [world.suzhou.id]
    assert ids(client.get("/api/v1/products")) == [world.pd1.id]
    assert client.get(f"/api/v1/products/{world.gd_product.id}").status_code == 404
    assert client.get(f"/api/v1/enterprises/{world.guangdong.id}/history").status_code == 404
    site = client.get(f"/api/v1/sites/{world.suzhou_site.id}").json()
    assert site == {
        "id": world.suzhou_site.id,
        "enterprise_id": world.suzhou.id,
        "enterprise_name_zh": "苏州创新生物",
        "enterprise_name_en": "Suzhou Innovator",
        "name_zh": "Suzhou DS plant厂区",
        "name_en": "Suzhou DS plant",
        "address": "Suzhou DS plant road 1",
        "country_code": "CN",
        "region_code": "320000",
        "region_name_zh": "江苏省",
        "region_name_en": "Jiangsu",
        "activities": ["drug_substance", "testing"],
        "created_at": site["created_at"],
        "updated_at": site["updated_at"],
    }


def test_enterprise_user_sees_own_and_partner_only(world, client_for):
    holder = client_for(world.holder_qa)
    assert ids(holder.get("/api/v1/enterprises")) == [world.shanghai.id, world.suzhou.id]  # by name_en
    assert ids(holder.get("/api/v1/sites")) == [world.shanghai_site.id, world.suzhou_site.id]
    assert ids(holder.get("/api/v1/products")) == [world.pd1.id]
    assert ids(holder.get("/api/v1/quality-agreements")) == [world.agreement.id]
    assert holder.get(f"/api/v1/enterprises/{world.guangdong.id}").status_code == 404

    cmo = client_for(world.cmo_qa)
    assert ids(cmo.get("/api/v1/enterprises")) == [world.shanghai.id, world.suzhou.id]
    assert ids(cmo.get("/api/v1/products")) == [world.pd1.id]  # shared under the agreement

    outsider = client_for(world.gd_ra)
    assert ids(outsider.get("/api/v1/enterprises")) == [world.guangdong.id]
    assert ids(outsider.get("/api/v1/products")) == [world.gd_product.id]
    assert ids(outsider.get("/api/v1/quality-agreements")) == []
    assert outsider.get(f"/api/v1/quality-agreements/{world.agreement.id}").status_code == 404
    assert outsider.get(f"/api/v1/products/{world.pd1.id}/history").status_code == 404


def test_quality_agreement_detail(world, client_for):
    response = client_for(world.cmo_qa).get(f"/api/v1/quality-agreements/{world.agreement.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == "QA-2025-001"
    assert body["holder_id"] == world.suzhou.id
    assert body["contract_manufacturer_name_en"] == "Shanghai CDMO"
    assert body["product_ids"] == [world.pd1.id]
    assert body["effective_from"] == "2025-01-01"
    assert body["effective_until"] is None


# --- writes ------------------------------------------------------------------------------------------------


def test_create_product_with_a_chemical_drug_approval_number_is_refused(world, client_for):
    before = Product.objects.count()
    response = client_for(world.holder_qa).post(
        "/api/v1/products",
        {
            "holder_id": world.suzhou.id,
            "name_zh": "新抗体",
            "name_en": "New antibody",
            "category": "antibody",
            "approval_number": "国药准字H12345678",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": "Invalid input: approval_number.",
        "message_zh": "输入无效：approval_number。",
        "details": {
            "fields": {
                "approval_number": {
                    "message": "'国药准字H12345678' is not a biologics approval number (国药准字S followed by 8 digits).",
                    "message_zh": "'国药准字H12345678' 不是生物制品批准文号（国药准字S + 8 位数字）。",
                }
            }
        },
    }
    assert Product.objects.count() == before


def test_create_product(world, client_for):
    events = AuditEvent.objects.count()
    response = client_for(world.holder_qa).post(
        "/api/v1/products",
        {
            "holder_id": world.suzhou.id,
            "name_zh": "新抗体",
            "name_en": "New antibody",
            "category": "antibody",
            "approval_number": "国药准字S20250002",
            "storage_min_c": "2",
            "storage_max_c": 8,
            "reason": "new product",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    product = Product.objects.get(name_en="New antibody")
    assert body["id"] == product.id
    assert body["holder_name_en"] == "Suzhou Innovator"
    assert (body["storage_min_c"], body["storage_max_c"]) == (2.0, 8.0)
    assert product.approval_number == "国药准字S20250002"
    event = AuditEvent.objects.get(table_name=Product._meta.db_table, row_pk=str(product.id))
    assert (event.action, event.actor, event.reason) == ("insert", "suzhou_qa", "new product")
    assert AuditEvent.objects.count() == events + 1


def test_create_product_for_an_enterprise_out_of_scope_is_a_field_error(world, client_for):
    before = Product.objects.count()
    response = client_for(world.holder_qa).post(
        "/api/v1/products",
        {"holder_id": world.guangdong.id, "name_zh": "x", "name_en": "x", "category": "antibody"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["details"]["fields"] == {
        "holder_id": {
            "message": f"There is no enterprise {world.guangdong.id} that you can see.",
            "message_zh": f"不存在您可查看的enterprise {world.guangdong.id}。",
        }
    }
    assert Product.objects.count() == before


def test_enterprise_with_a_bad_credit_code_check_character_is_refused(world, client_for):
    before = Enterprise.objects.count()
    bad = SUZHOU_CODE[:17] + "A"  # the right check character is L
    response = client_for(world.admin).post(
        "/api/v1/enterprises",
        {"name_zh": "新企业", "name_en": "New Co", "credit_code": bad, "region_code": "320000", "roles": ["holder"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"]["fields"] == {
        "credit_code": {
            "message": "The check character is 'A'; GB 32100-2015 gives 'L' for the first 17 characters.",
            "message_zh": "校验码为 'A'，按 GB 32100-2015 前 17 位应得 'L'。",
        }
    }
    assert Enterprise.objects.count() == before


def test_only_the_admin_registers_enterprises(world, client_for):
    before = Enterprise.objects.count()
    payload = {"name_zh": "外企", "name_en": "Foreign Co", "domestic": False, "country_code": "DE", "roles": ["holder"]}
    refused = client_for(world.holder_qa).post("/api/v1/enterprises", payload, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert Enterprise.objects.count() == before
    created = client_for(world.admin).post("/api/v1/enterprises", payload, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert (body["domestic"], body["country_code"], body["credit_code"], body["roles"]) == (
        False,
        "DE",
        None,
        ["holder"],
    )
    assert (body["region_code"], body["region_name_en"]) == ("", "")
    assert Enterprise.objects.count() == before + 1


def test_provincial_user_cannot_write(world, client_for):
    before = (Site.objects.count(), AuditEvent.objects.count())
    response = client_for(world.js_inspector).post(
        "/api/v1/sites",
        {
            "enterprise_id": world.suzhou.id,
            "name_zh": "新厂",
            "name_en": "New plant",
            "address": "1 Road",
            "region_code": "320000",
            "activities": ["testing"],
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "Your role does not allow you to register a site.",
        "message_zh": "您的角色无权登记生产场地。",
        "details": {"action": "register a site"},
    }
    assert (Site.objects.count(), AuditEvent.objects.count()) == before


def test_patch_without_reason_is_refused_and_changes_nothing(world, client_for):
    site = world.suzhou_site
    events = AuditEvent.objects.count()
    response = client_for(world.holder_qa).patch(
        f"/api/v1/sites/{site.id}", {"address": "88 New Road"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": "Invalid input: reason.",
        "message_zh": "输入无效：reason。",
        "details": {"fields": {"reason": {"message": "A change needs a reason.", "message_zh": "修改需要填写原因。"}}},
    }
    site.refresh_from_db()
    assert site.address == "Suzhou DS plant road 1"
    assert AuditEvent.objects.count() == events


def test_patch_with_reason_shows_in_history(world, client_for):
    client = client_for(world.holder_qa)
    site = world.suzhou_site
    response = client.patch(
        f"/api/v1/sites/{site.id}",
        {"address": "88 New Road", "activities": ["drug_substance", "storage"], "reason": "moved warehouse"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-patch-1",
    )
    assert response.status_code == 200
    assert response.json()["address"] == "88 New Road"
    assert response.json()["activities"] == ["drug_substance", "storage"]

    history = client.get(f"/api/v1/sites/{site.id}/history")
    assert history.status_code == 200
    body = history.json()
    assert (body["kind"], body["id"]) == ("sites", site.id)
    assert [e["action"] for e in body["events"]] == ["insert", "update"]
    update = body["events"][1]
    assert (update["actor"], update["organisation"], update["reason"], update["request_id"]) == (
        "suzhou_qa",
        "Suzhou Innovator",
        "moved warehouse",
        "req-patch-1",
    )
    assert update["changed"] == [
        {"field": "activities", "old": "drug_substance,testing", "new": "drug_substance,storage"},
        {"field": "address", "old": "Suzhou DS plant road 1", "new": "88 New Road"},
    ]
    assert body["signatures"] == []


def test_partner_cannot_change_the_holders_product(world, client_for):
    response = client_for(world.cmo_qa).patch(
        f"/api/v1/products/{world.pd1.id}", {"name_en": "Hijacked", "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    world.pd1.refresh_from_db()
    assert world.pd1.name_en == "Anti-PD-1 mAb injection"


def test_unknown_patch_fields_are_refused(world, client_for):
    response = client_for(world.holder_qa).patch(
        f"/api/v1/products/{world.pd1.id}",
        {"holder_id": world.guangdong.id, "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert list(response.json()["details"]["fields"]) == ["holder_id"]
    world.pd1.refresh_from_db()
    assert world.pd1.holder_id == world.suzhou.id


def test_other_writes(world, client_for):
    client = client_for(world.holder_qa)
    licence = client.post(
        "/api/v1/licences",
        {
            "enterprise_id": world.suzhou.id,
            "number": "苏20250001",
            "licence_class": "B",
            "scope": "治疗用生物制品",
            "valid_from": "2025-01-01",
            "valid_until": "2029-12-31",
        },
        content_type="application/json",
    )
    assert licence.status_code == 201
    assert licence.json()["valid_until"] == "2029-12-31"
    backwards = client.post(
        "/api/v1/licences",
        {
            "enterprise_id": world.suzhou.id,
            "number": "苏20250002",
            "licence_class": "B",
            "scope": "x",
            "valid_from": "2025-01-01",
            "valid_until": "2024-12-31",
        },
        content_type="application/json",
    )
    assert backwards.status_code == 400
    assert list(backwards.json()["details"]["fields"]) == ["valid_until"]

    gmp = client.post(
        "/api/v1/gmp-records",
        {"site_id": world.suzhou_site.id, "inspected_on": "2025-03-01", "scope": "原液", "outcome": "compliant"},
        content_type="application/json",
    )
    assert gmp.status_code == 201
    assert ids(client.get(f"/api/v1/gmp-records?site={world.suzhou_site.id}")) == [gmp.json()["id"]]
    assert client.get(f"/api/v1/gmp-records/{gmp.json()['id']}/history").json()["events"][0]["action"] == "insert"

    person = client.post(
        "/api/v1/personnel",
        {"enterprise_id": world.suzhou.id, "name": "李明", "roles": ["qualified_person"]},
        content_type="application/json",
    )
    assert person.status_code == 201
    pid = person.json()["id"]
    qualification = client.post(
        "/api/v1/qualifications",
        {"person_id": pid, "kind": "执业药师", "valid_from": "2020-01-01", "valid_until": "2030-01-01"},
        content_type="application/json",
    )
    assert qualification.status_code == 201
    assert ids(client.get(f"/api/v1/qualifications?person={pid}")) == [qualification.json()["id"]]
    assert ids(client.get("/api/v1/personnel?role=qualified_person")) == [pid]
    assert ids(client.get("/api/v1/personnel?role=qa")) == []
    # the inspector of the holder's province sees them; the Guangdong enterprise does not
    assert ids(client_for(world.js_inspector).get("/api/v1/personnel")) == [pid]
    assert client_for(world.gd_ra).get(f"/api/v1/personnel/{pid}").status_code == 404
    assert client_for(world.gd_ra).get(f"/api/v1/qualifications/{qualification.json()['id']}").status_code == 404


def test_quality_agreement_create(world, client_for):
    second = (
        client_for(world.admin)
        .post(
            "/api/v1/products",
            {"holder_id": world.suzhou.id, "name_zh": "第二", "name_en": "Second", "category": "adc"},
            content_type="application/json",
        )
        .json()["id"]
    )
    response = client_for(world.holder_qa).post(
        "/api/v1/quality-agreements",
        {
            "reference": "QA-2025-002",
            "holder_id": world.suzhou.id,
            "contract_manufacturer_id": world.shanghai.id,
            "product_ids": [second],
            "effective_from": "2025-06-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["product_ids"] == [second]
    # the CMO now sees the second product
    assert ids(client_for(world.cmo_qa).get("/api/v1/products")) == [world.pd1.id, second]
    refused = client_for(world.cmo_qa).post(
        "/api/v1/quality-agreements",
        {
            "reference": "QA-2025-003",
            "holder_id": world.suzhou.id,
            "contract_manufacturer_id": world.shanghai.id,
            "product_ids": [second],
            "effective_from": "2025-06-01",
        },
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert ids(client_for(world.holder_qa).get("/api/v1/quality-agreements")) == [
        world.agreement.id,
        response.json()["id"],
    ]


# --- pagination and filters ------------------------------------------------------------------------------


def test_pagination(world, client_for):
    client = client_for(world.nmpa)
    everything = client.get("/api/v1/enterprises").json()
    assert everything["count"] == 3
    assert (everything["limit"], everything["offset"]) == (50, 0)
    order = [world.shanghai.id, world.guangdong.id, world.suzhou.id]  # Shanghai CDMO, Shenzhen…, Suzhou…
    assert [e["id"] for e in everything["items"]] == order
    page = client.get("/api/v1/enterprises?limit=1&offset=1").json()
    assert page == {**page, "count": 3, "limit": 1, "offset": 1}
    assert [e["id"] for e in page["items"]] == [world.guangdong.id]
    assert client.get("/api/v1/enterprises?limit=2&offset=2").json()["items"][0]["id"] == world.suzhou.id
    beyond = client.get("/api/v1/enterprises?offset=10").json()
    assert (beyond["items"], beyond["count"]) == ([], 3)
    filtered = client.get("/api/v1/sites?region=440000&limit=1").json()
    assert (filtered["count"], [s["id"] for s in filtered["items"]]) == (1, [world.guangdong_site.id])
    assert client.get("/api/v1/products?limit=501").status_code == 422


def test_filters(world, client_for):
    client = client_for(world.nmpa)
    assert ids(client.get("/api/v1/enterprises?role=contract_manufacturer")) == [world.shanghai.id, world.guangdong.id]
    assert ids(client.get("/api/v1/enterprises?region=320000")) == [world.suzhou.id]
    assert ids(client.get("/api/v1/enterprises?domestic=false")) == []
    assert ids(client.get("/api/v1/enterprises?q=shenzhen")) == [world.guangdong.id]
    assert ids(client.get(f"/api/v1/enterprises?q={SUZHOU_CODE[:10]}")) == [world.suzhou.id]
    assert ids(client.get("/api/v1/sites?activity=drug_product")) == [world.shanghai_site.id, world.guangdong_site.id]
    assert ids(client.get("/api/v1/sites?activity=testing")) == [world.suzhou_site.id]
    assert ids(client.get(f"/api/v1/sites?enterprise={world.suzhou.id}")) == [world.suzhou_site.id]
    assert ids(client.get("/api/v1/products?category=insulin")) == [world.gd_product.id]
    assert ids(client.get("/api/v1/products?innovative=true")) == [world.pd1.id]
    assert ids(client.get(f"/api/v1/products?holder={world.suzhou.id}")) == [world.pd1.id]
    assert ids(client.get("/api/v1/products?q=S2024")) == [world.pd1.id]
    bad = client.get("/api/v1/enterprises?role=pharmacy")
    assert bad.status_code == 400
    assert bad.json()["details"]["fields"] == {
        "role": {
            "message": "'pharmacy' is not one of contract_manufacturer, holder, logistics_provider, "
            "testing_laboratory.",
            "message_zh": "'pharmacy' 不是可选值，可选值为：contract_manufacturer、holder、logistics_provider、"
            "testing_laboratory。",
        }
    }


# --- reference lists ---------------------------------------------------------------------------------------


def test_regions_and_countries(world, client_for):
    client = client_for(world.gd_ra)
    regions = client.get("/api/v1/regions").json()
    assert len(regions) == 34
    assert regions[0] == {"code": "110000", "name_zh": "北京市", "name_en": "Beijing"}
    assert {"code": "440000", "name_zh": "广东省", "name_en": "Guangdong"} in regions
    countries = {c["code"]: c for c in client.get("/api/v1/countries").json()}
    assert len(countries) == 249
    assert countries["CN"] == {"code": "CN", "name_zh": "中国", "name_en": "China"}
    assert countries["DE"]["name_zh"] == "德国"
