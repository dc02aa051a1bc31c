"""Registry writes: validation, permissions and re-checks — and a refusal changes nothing."""

from __future__ import annotations

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.audit.selectors import history_rows
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.registry import services
from bioseg.registry.models import Enterprise, Product, Site

pytestmark = pytest.mark.django_db


def counts():
    return (
        Enterprise.objects.count(),
        Site.objects.count(),
        Product.objects.count(),
        AuditEvent.objects.count(),
    )


def test_bad_credit_code_region_and_roles_are_all_reported_and_nothing_is_written(world):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.enterprise_create(
            actor=world.admin,
            name_zh="坏",
            name_en="Bad",
            credit_code="91320594MA1XY00019",
            region_code="329900",
            roles=["brewer"],
        )
    fields = exc.value.details["fields"]
    assert sorted(fields) == ["credit_code", "region_code", "roles"]
    assert "check character" in fields["credit_code"]["message"]
    assert "校验码" in fields["credit_code"]["message_zh"]
    assert counts() == before


def test_foreign_enterprises_have_no_credit_code_and_no_province(world):
    with pytest.raises(ValidationFailed) as exc:
        services.enterprise_create(
            actor=world.admin,
            name_zh="外",
            name_en="Basel AG",
            credit_code="91350100M000100Y43",
            domestic=False,
            country_code="CN",
            region_code="310000",
            roles=["holder"],
        )
    assert sorted(exc.value.details["fields"]) == ["country_code", "credit_code", "region_code"]
    e = services.enterprise_create(
        actor=world.admin,
        name_zh="巴塞尔",
        name_en="Basel AG",
        credit_code=None,
        domestic=False,
        country_code="CH",
        roles=["contract_manufacturer"],
    )
    assert (e.credit_code, e.region_code, e.roles) == (None, "", ["contract_manufacturer"])


def test_a_duplicate_credit_code_is_refused(world):
    with pytest.raises(ValidationFailed) as exc:
        services.enterprise_create(
            actor=world.admin,
            name_zh="复",
            name_en="Copy",
            credit_code=world.holder.credit_code,
            region_code="320000",
            roles=["holder"],
        )
    assert list(exc.value.details["fields"]) == ["credit_code"]


def test_only_the_admin_registers_enterprises(world):
    before = counts()
    for user in (world.holder_qa, world.js_inspector, world.nmpa):
        with pytest.raises(PermissionDenied):
            services.enterprise_create(
                actor=user,
                name_zh="新",
                name_en="New",
                credit_code=None,
                domestic=False,
                country_code="DE",
                roles=["holder"],
            )
    assert counts() == before


def test_product_validation_approval_number_storage_and_category(world):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.product_create(
            actor=world.holder_qa,
            holder=world.holder,
            name_zh="坏",
            name_en="Bad",
            category="biscuit",
            approval_number="国药准字H12345678",
            storage_min_c=8,
            storage_max_c=2,
        )
    assert sorted(exc.value.details["fields"]) == ["approval_number", "category", "storage_max_c"]
    assert counts() == before


def test_a_contract_manufacturer_cannot_register_products_for_the_holder(world):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.product_create(actor=world.cmo_qa, holder=world.holder, name_zh="x", name_en="X", category="antibody")
    with pytest.raises(PermissionDenied):
        services.site_update(actor=world.cmo_qa, site=world.js_site, reason="r", address="elsewhere")
    assert counts() == before
    assert Site.objects.get(pk=world.js_site.pk).address == "1 Road"


def test_an_update_needs_a_reason_and_lands_in_the_history(world):
    with pytest.raises(ValidationFailed) as exc:
        services.product_update(actor=world.holder_qa, product=world.pd1, reason=" ", storage_max_c=6)
    assert list(exc.value.details["fields"]) == ["reason"]
    assert Product.objects.get(pk=world.pd1.pk).storage_max_c == 8
    services.product_update(actor=world.holder_qa, product=world.pd1, reason="stability data", storage_max_c=6)
    last = history_rows(world.pd1)[-1]
    assert (last["action"], last["actor"], last["reason"]) == ("update", "holder-qa", "stability data")
    assert [c["field"] for c in last["changed"]] == ["storage_max_c"]


def test_unknown_fields_cannot_be_changed(world):
    with pytest.raises(ValidationFailed) as exc:
        services.product_update(actor=world.holder_qa, product=world.pd1, reason="r", holder_id=world.gd.pk)
    assert list(exc.value.details["fields"]) == ["holder_id"]


def test_a_site_moved_out_of_the_users_own_records_is_still_its_own(world):
    site = services.site_update(
        actor=world.holder_qa,
        site=world.js_site,
        reason="new address",
        address="2 Road",
        activities=["drug_substance", "testing"],
    )
    assert (site.address, site.activity_list) == ("2 Road", ["drug_substance", "testing"])
    with pytest.raises(ValidationFailed) as exc:
        services.site_update(actor=world.holder_qa, site=world.js_site, reason="r", region_code="999999")
    assert list(exc.value.details["fields"]) == ["region_code"]
    assert Site.objects.get(pk=world.js_site.pk).region_code == "320000"


def test_a_writer_without_an_organisation_cannot_write_an_enterprise_without_one(world):
    """The write rule compares organisations; two missing ones are not a match."""
    from bioseg.accounts.models import Membership, User

    orphan_ent = services.enterprise_create(
        actor=world.admin,
        name_zh="无主",
        name_en="Orphan AG",
        credit_code=None,
        domestic=False,
        country_code="DE",
        roles=["holder"],
    )
    user = User.objects.create(username="no-org")
    Membership.objects.create(user=user, role="holder_qa")
    before = counts()
    with pytest.raises(PermissionDenied):
        services.site_create(
            actor=user,
            enterprise=orphan_ent,
            name_zh="厂",
            name_en="Plant",
            address="1 Str",
            country_code="DE",
            activities=["testing"],
        )
    assert counts() == before
