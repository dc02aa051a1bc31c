"""History pages: audit events of one object and its e-signatures, intact or broken."""

from __future__ import annotations

from bioseg.audit.services import signature_sign
from bioseg.registry import services


def test_signature_is_intact_then_broken_after_a_change(world, login, page, make_user):
    signer = world.holder_qa
    signer.set_password(page.password)
    signer.save()
    signature_sign(
        user=signer, password=page.password, obj=world.antibody, meaning="approved", reason="Registry entry checked"
    )
    c = login(world.nmpa)
    html = page.text(c.get(f"/products/{world.antibody.pk}/history/"))
    assert 'data-testid="signature-status"><span class="tag tag-good">有效</span>' in html
    assert "<td>批准</td>" in html
    assert "Registry entry checked" in html

    services.product_update(actor=world.admin, product=world.antibody, reason="Name clarified", name_en="Anti-PD-1 mAb")
    response = c.get(f"/products/{world.antibody.pk}/history/")
    html = page.text(response)
    assert "已失效" in html
    assert [s.intact for s in response.context["signatures"]] == [False]
    assert "Name clarified" in html


def test_history_of_each_kind(world, login, page):
    person = services.person_create(
        actor=world.admin, enterprise=world.innovator, name="王质量", roles=["qualified_person"]
    )
    c = login(world.holder_qa)
    for url in [
        f"/enterprises/{world.innovator.pk}/history/",
        f"/sites/{world.innovator_site.pk}/history/",
        f"/products/{world.antibody.pk}/history/",
        f"/personnel/{person.pk}/history/",
    ]:
        response = c.get(url)
        assert response.status_code == 200, url
        rows = response.context["rows"]
        assert rows[0]["action"] == "insert"
        assert "首次记录" in page.text(response)


def test_detail_pages_link_to_history(world, login):
    c = login(world.nmpa)
    html = c.get(f"/sites/{world.cdmo_site.pk}/").content.decode()
    assert f'href="/sites/{world.cdmo_site.pk}/history/" data-testid="history-link"' in html
