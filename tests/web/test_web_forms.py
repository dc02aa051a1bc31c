"""Site and product forms: the service's field errors appear on the form in the active language, a refused
write changes nothing, and an edit with its reason shows up on the history page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.registry.models import Product, Site


def _product_post(world, **overrides):
    data = {
        "holder": world.innovator.pk,
        "name_zh": "新抗体注射液",
        "name_en": "New antibody injection",
        "category": "antibody",
        "approval_number": "",
        "origin": "originally_developed",
        "storage_min_c": "2",
        "storage_max_c": "8",
        "reason": "",
    }
    data.update(overrides)
    return data


def _counts():
    return Product.objects.count(), Site.objects.count(), AuditEvent.objects.count()


def test_holder_creates_a_product(world, login, page):
    c = login(world.holder_qa)
    response = c.post("/products/new/", _product_post(world, approval_number="国药准字S20250002"))
    product = Product.objects.get(name_en="New antibody injection")
    assert response.status_code == 302
    assert response["Location"] == f"/products/{product.pk}/"
    assert product.holder == world.innovator
    assert product.approval_number == "国药准字S20250002"
    assert (product.storage_min_c, product.storage_max_c) == (Decimal("2.0"), Decimal("8.0"))


def test_bad_approval_number_is_a_field_error_and_changes_nothing(world, login, page):
    c = login(world.holder_qa)
    before = _counts()
    response = c.post("/products/new/", _product_post(world, approval_number="国药准字H12345678"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["approval_number"] == ["'国药准字H12345678' 不是生物制品批准文号（国药准字S + 8 位数字）。"]
    assert "'国药准字H12345678' 不是生物制品批准文号（国药准字S + 8 位数字）。" in page.text(response)
    assert 'data-testid="error-approval_number"' in response.content.decode()
    assert _counts() == before


def test_bad_approval_number_in_english(world, login, page):
    c = login(world.holder_qa)
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    before = _counts()
    response = c.post("/products/new/", _product_post(world, approval_number="国药准字H12345678"))
    assert response.context["form"].errors["approval_number"] == [
        "'国药准字H12345678' is not a biologics approval number (国药准字S followed by 8 digits)."
    ]
    assert _counts() == before


def test_reversed_storage_limits_are_refused(world, login, page):
    c = login(world.holder_qa)
    before = _counts()
    response = c.post("/products/new/", _product_post(world, storage_min_c="8", storage_max_c="2"))
    assert response.status_code == 200
    assert response.context["form"].errors["storage_max_c"] == ["上限（2 °C）低于下限（8 °C）。"]
    assert "上限（2 °C）低于下限（8 °C）。" in page.text(response)
    assert _counts() == before


def test_editing_a_product_with_reversed_limits_changes_nothing(world, login, page):
    c = login(world.holder_qa)
    before = _counts()
    data = _product_post(
        world,
        name_zh=world.antibody.name_zh,
        name_en=world.antibody.name_en,
        approval_number=world.antibody.approval_number,
        innovative="on",
        storage_min_c="8",
        storage_max_c="2",
        reason="Storage corrected",
    )
    response = c.post(f"/products/{world.antibody.pk}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["storage_max_c"] == ["上限（2 °C）低于下限（8 °C）。"]
    world.antibody.refresh_from_db()
    assert (world.antibody.storage_min_c, world.antibody.storage_max_c) == (Decimal("2.0"), Decimal("8.0"))
    assert _counts() == before


def test_product_edit_needs_a_reason(world, login, page):
    c = login(world.holder_qa)
    before = _counts()
    data = _product_post(world, name_zh=world.antibody.name_zh, name_en="Renamed", reason="")
    response = c.post(f"/products/{world.antibody.pk}/edit/", data)
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    world.antibody.refresh_from_db()
    assert world.antibody.name_en == "Anti-PD-1 antibody injection"
    assert _counts() == before


def test_product_edit_with_reason_is_on_the_history_page(world, login, page):
    c = login(world.holder_qa)
    data = _product_post(
        world,
        name_zh=world.antibody.name_zh,
        name_en=world.antibody.name_en,
        approval_number=world.antibody.approval_number,
        innovative="on",
        storage_min_c="2",
        storage_max_c="25",
        reason="Stability data support room temperature",
    )
    response = c.post(f"/products/{world.antibody.pk}/edit/", data)
    assert response.status_code == 302
    world.antibody.refresh_from_db()
    assert world.antibody.storage_max_c == Decimal("25.0")
    history = c.get(f"/products/{world.antibody.pk}/history/")
    html = page.text(history)
    assert "Stability data support room temperature" in html
    assert 'data-field="storage_max_c"' in html
    assert "贮存温度上限（°C）" in html


def test_site_edit_with_reason_is_on_the_history_page(world, login, page):
    c = login(world.holder_qa)
    site = world.innovator_site
    response = c.post(
        f"/sites/{site.pk}/edit/",
        {
            "name_zh": site.name_zh,
            "name_en": site.name_en,
            "address": "苏州工业园区星湖街 218 号",
            "country_code": "CN",
            "region_code": "320000",
            "activities": ["drug_substance", "testing"],
            "reason": "Address corrected after the site survey",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/sites/{site.pk}/"
    site.refresh_from_db()
    assert site.address == "苏州工业园区星湖街 218 号"
    assert site.activities == "drug_substance,testing"

    history = c.get(f"/sites/{site.pk}/history/")
    assert history.status_code == 200
    rows = history.context["rows"]
    assert [r["action"] for r in rows] == ["insert", "update"]
    assert rows[1]["reason"] == "Address corrected after the site survey"
    assert rows[1]["actor"] == "holder_qa"
    assert {ch["field"] for ch in rows[1]["changed"]} == {"address", "activities"}
    html = page.text(history)
    assert '<td data-testid="reason">Address corrected after the site survey</td>' in html
    assert 'data-field="address"' in html
    assert "苏州工业园区星湖街 218 号" in html
    assert "<strong>地址</strong>" in html
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "<strong>address</strong>" in page.text(c.get(f"/sites/{site.pk}/history/"))


def test_site_edit_without_reason_changes_nothing(world, login, page):
    c = login(world.holder_qa)
    site = world.innovator_site
    before = _counts()
    response = c.post(
        f"/sites/{site.pk}/edit/",
        {
            "name_zh": site.name_zh,
            "name_en": site.name_en,
            "address": "Elsewhere",
            "country_code": "CN",
            "region_code": "320000",
            "activities": ["drug_substance"],
            "reason": "",
        },
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    site.refresh_from_db()
    assert site.address == "苏州工业园区星湖街 1 号"
    assert _counts() == before


def test_site_service_errors_map_onto_fields(world, login, page):
    c = login(world.holder_qa)
    before = _counts()
    response = c.post(
        "/sites/new/",
        {
            "enterprise": world.innovator.pk,
            "name_zh": "新场地",
            "name_en": "New site",
            "address": "苏州",
            "country_code": "CN",
            "region_code": "",
            "activities": ["packaging"],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["region_code"] == ["境内记录须填写所在省级行政区（GB/T 2260）。"]
    assert _counts() == before


def test_holder_registers_a_site(world, login, page):
    c = login(world.holder_qa)
    response = c.post(
        "/sites/new/",
        {
            "enterprise": world.innovator.pk,
            "name_zh": "苏州检验中心",
            "name_en": "Suzhou QC lab",
            "address": "苏州工业园区 5 号",
            "country_code": "cn",
            "region_code": "320000",
            "activities": ["testing"],
        },
    )
    site = Site.objects.get(name_en="Suzhou QC lab")
    assert response.status_code == 302
    assert response["Location"] == f"/sites/{site.pk}/"
    assert site.enterprise == world.innovator
    assert site.country_code == "CN"
    assert site.pk in page.row_ids(c.get("/sites/"), "site-list")


def test_cannot_create_for_an_enterprise_not_ones_own(world, login, page):
    c = login(world.holder_qa)
    before = _counts()
    response = c.post(
        "/sites/new/",
        {
            "enterprise": world.cdmo.pk,  # a partner: visible, but not the user's to write
            "name_zh": "x",
            "name_en": "x",
            "address": "x",
            "country_code": "CN",
            "region_code": "310000",
            "activities": ["testing"],
        },
    )
    assert response.status_code == 200
    assert "enterprise" in response.context["form"].errors
    assert _counts() == before


@pytest.mark.parametrize(
    ("user", "url", "status"),
    [
        ("js_inspector", "/sites/new/", 403),
        ("js_inspector", "/products/new/", 403),
        ("js_inspector", "site-edit:innovator_site", 403),
        ("nmpa", "product-edit:antibody", 403),
        ("cmo_qa", "site-edit:innovator_site", 403),  # a partner's site: visible, not writable
        ("cmo_qa", "product-edit:antibody", 403),
        ("cmo_qa", "site-edit:guangdong_site", 404),  # out of scope: existence does not leak
        ("cmo_qa", "/products/new/", 403),  # a contract manufacturer holds no products
        ("holder_qa", "site-edit:innovator_site", 200),
        ("admin", "site-edit:guangdong_site", 200),
    ],
)
def test_who_may_open_the_forms(world, login, user, url, status):
    if ":" in url:
        kind, attr = url.split(":")
        obj = getattr(world, attr)
        url = f"/{'sites' if kind == 'site-edit' else 'products'}/{obj.pk}/edit/"
    assert login(getattr(world, user)).get(url).status_code == status


def test_refused_post_by_a_reader_changes_nothing(world, login):
    c = login(world.js_inspector)
    before = _counts()
    site = world.innovator_site
    response = c.post(
        f"/sites/{site.pk}/edit/",
        {
            "name_zh": "x",
            "name_en": "x",
            "address": "x",
            "country_code": "CN",
            "region_code": "320000",
            "activities": ["testing"],
            "reason": "trying",
        },
    )
    assert response.status_code == 403
    assert _counts() == before


def test_edit_links_only_for_writers(world, login):
    assert 'data-testid="edit"' in login(world.holder_qa).get(f"/sites/{world.innovator_site.pk}/").content.decode()
    assert 'data-testid="edit"' not in login(world.cmo_qa).get(f"/sites/{world.innovator_site.pk}/").content.decode()
    assert 'data-testid="site-create"' not in login(world.js_inspector).get("/sites/").content.decode()


@pytest.mark.parametrize("path", ["/sites/new/", "/products/new/"])
def test_the_hidden_version_field_has_no_label_on_the_form(world, login, page, path):
    html = page.text(login(world.holder_qa).get(path))
    assert '<input type="hidden" name="version"' in html
    assert 'data-field="version"' not in html and "Version" not in html  # the label of a field nobody sees
