"""Every list shows only what the user's scope allows; an object outside it is a 404, never a 403."""

from __future__ import annotations

import pytest

from bioseg.registry import services


def test_jiangsu_inspector_sees_only_jiangsu(world, login, page):
    c = login(world.js_inspector)
    assert page.row_ids(c.get("/enterprises/"), "enterprise-list") == {world.innovator.pk}
    assert page.row_ids(c.get("/sites/"), "site-list") == {world.innovator_site.pk}
    assert page.row_ids(c.get("/products/"), "product-list") == {world.antibody.pk}


def test_jiangsu_inspector_gets_404_for_a_guangdong_site(world, login, page):
    c = login(world.js_inspector)
    gd = world.guangdong_site.pk
    for url in [f"/sites/{gd}/", f"/sites/{gd}/history/", f"/sites/{gd}/edit/"]:
        response = c.get(url)
        assert response.status_code == 404, url
        assert 'data-testid="error-page"' in response.content.decode()
    assert page.text(c.get(f"/sites/{gd}/")).count("未找到") >= 1
    assert c.get(f"/enterprises/{world.guangdong.pk}/").status_code == 404
    assert c.get(f"/products/{world.glp1.pk}/").status_code == 404
    assert c.get(f"/sites/{world.cdmo_site.pk}/").status_code == 404  # Shanghai
    assert c.get(f"/sites/{world.innovator_site.pk}/").status_code == 200


def test_unknown_ids_and_kinds_are_404(world, login):
    c = login(world.nmpa)
    assert c.get("/sites/999999/").status_code == 404
    assert c.get("/products/999999/history/").status_code == 404
    assert c.get(f"/widgets/{world.antibody.pk}/history/").status_code == 404
    assert c.get("/no-such-page/").status_code == 404


def test_contract_manufacturer_sees_own_and_partner(world, login, page):
    c = login(world.cmo_qa)
    assert page.row_ids(c.get("/enterprises/"), "enterprise-list") == {world.cdmo.pk, world.innovator.pk}
    assert page.row_ids(c.get("/sites/"), "site-list") == {world.cdmo_site.pk, world.innovator_site.pk}
    assert page.row_ids(c.get("/products/"), "product-list") == {world.antibody.pk}
    assert c.get(f"/sites/{world.guangdong_site.pk}/").status_code == 404
    assert c.get(f"/products/{world.glp1.pk}/").status_code == 404
    assert c.get(f"/enterprises/{world.guangdong.pk}/").status_code == 404


def test_holder_sees_own_and_partner(world, login, page):
    c = login(world.holder_qa)
    assert page.row_ids(c.get("/enterprises/"), "enterprise-list") == {world.cdmo.pk, world.innovator.pk}
    assert page.row_ids(c.get("/products/"), "product-list") == {world.antibody.pk}


def test_nmpa_sees_everything(world, login, page):
    c = login(world.nmpa)
    assert page.row_ids(c.get("/enterprises/"), "enterprise-list") == {
        world.innovator.pk,
        world.cdmo.pk,
        world.guangdong.pk,
    }
    assert page.row_ids(c.get("/products/"), "product-list") == {world.antibody.pk, world.glp1.pk}


def test_personnel_in_scope(world, login, page):
    innovator_qp = services.person_create(
        actor=world.admin,
        enterprise=world.innovator,
        name="王质量",
        name_en="Wang Zhiliang",
        roles=["qualified_person"],
    )
    gd_qa = services.person_create(actor=world.admin, enterprise=world.guangdong, name="李检验", roles=["qa"])
    c = login(world.js_inspector)
    assert page.row_ids(c.get("/personnel/"), "person-list") == {innovator_qp.pk}
    assert c.get(f"/personnel/{gd_qa.pk}/").status_code == 404
    assert c.get(f"/personnel/{gd_qa.pk}/history/").status_code == 404
    response = c.get(f"/personnel/{innovator_qp.pk}/")
    assert response.status_code == 200
    assert "王质量" in page.text(response)


def test_detail_pages_show_only_in_scope_children(world, login, page):
    c = login(world.cmo_qa)
    response = c.get(f"/enterprises/{world.innovator.pk}/")
    assert response.status_code == 200
    html = page.text(response)
    assert "苏州原液车间" in html
    assert "PD-1 单抗注射液" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("role=holder", {"innovator", "guangdong"}),
        ("role=contract_manufacturer", {"cdmo"}),
        ("origin=foreign", set()),
        ("origin=domestic", {"innovator", "cdmo", "guangdong"}),
        ("province=440000", {"guangdong"}),
        ("q=CDMO", {"cdmo"}),
        ("q=苏州", {"innovator"}),
        ("role=bogus", {"innovator", "cdmo", "guangdong"}),  # an invalid filter is ignored, never widened
    ],
)
def test_enterprise_filters(world, login, page, query, expected):
    c = login(world.nmpa)
    ids = page.row_ids(c.get(f"/enterprises/?{query}"), "enterprise-list")
    assert ids == {getattr(world, name).pk for name in expected}


def test_filters_cannot_widen_scope(world, login, page):
    c = login(world.js_inspector)
    assert page.row_ids(c.get("/sites/?province=440000"), "site-list") == set()
    # an enterprise outside the scope is not a valid choice: the filter is ignored, the scope still holds
    assert page.row_ids(c.get(f"/sites/?enterprise={world.guangdong.pk}"), "site-list") == {world.innovator_site.pk}
    assert page.row_ids(c.get(f"/products/?holder={world.guangdong.pk}"), "product-list") == {world.antibody.pk}


def test_site_and_product_filters(world, login, page):
    c = login(world.nmpa)
    assert page.row_ids(c.get("/sites/?activity=fill_finish"), "site-list") == {world.cdmo_site.pk}
    assert page.row_ids(c.get("/sites/?province=320000"), "site-list") == {world.innovator_site.pk}
    assert page.row_ids(c.get(f"/sites/?enterprise={world.guangdong.pk}"), "site-list") == {world.guangdong_site.pk}
    assert page.row_ids(c.get("/sites/?q=张江"), "site-list") == {world.cdmo_site.pk}
    assert page.row_ids(c.get("/products/?category=glp1"), "product-list") == {world.glp1.pk}
    assert page.row_ids(c.get("/products/?flags=innovative"), "product-list") == {world.antibody.pk}
    assert page.row_ids(c.get(f"/products/?holder={world.innovator.pk}"), "product-list") == {world.antibody.pk}
    assert page.row_ids(c.get("/products/?q=S20250001"), "product-list") == {world.antibody.pk}


def test_personnel_filters_and_pagination(world, login, page):
    for i in range(26):
        services.person_create(actor=world.admin, enterprise=world.innovator, name=f"员工{i:02d}", roles=["technical"])
    services.person_create(actor=world.admin, enterprise=world.cdmo, name="赵受托", roles=["qa", "qc"])
    c = login(world.nmpa)
    first = c.get("/personnel/")
    assert len(page.row_ids(first, "person-list")) == 25
    assert "共 27 条记录" in page.text(first)
    assert "第 1 页，共 2 页" in page.text(first)
    second = c.get("/personnel/?page=2")
    assert len(page.row_ids(second, "person-list")) == 2
    assert len(page.row_ids(c.get("/personnel/?page=2&role=technical"), "person-list")) == 1
    assert len(page.row_ids(c.get("/personnel/?role=qc"), "person-list")) == 1
    assert len(page.row_ids(c.get(f"/personnel/?enterprise={world.cdmo.pk}"), "person-list")) == 1
    assert len(page.row_ids(c.get("/personnel/?page=99"), "person-list")) == 2  # past the end: the last page


def test_htmx_filter_returns_only_the_results(world, login, page):
    c = login(world.nmpa)
    response = c.get("/sites/?activity=fill_finish", headers={"HX-Request": "true", "HX-Target": "results"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="results">')
    assert page.row_ids(response, "site-list") == {world.cdmo_site.pk}


def test_audit_page_is_for_nmpa_and_admin_only(world, login, page):
    c = login(world.js_inspector)
    assert c.get("/audit/").status_code == 403
    assert 'data-testid="nav-audit"' not in c.get("/").content.decode()
    c = login(world.nmpa)
    response = c.get("/audit/")
    assert response.status_code == 200
    assert 'data-ok="true"' in response.content.decode()
    assert "审计追踪完整。" in page.text(response)
    assert 'data-testid="nav-audit"' in c.get("/").content.decode()
