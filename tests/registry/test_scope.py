"""Who sees what: every registry selector restricts by the user's scope; out of scope is 'not found'."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from bioseg.common.errors import NotFound
from bioseg.registry import selectors
from bioseg.registry.scope import scope_for

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(o.name_en for o in qs)


def test_nmpa_sees_everything(world):
    s = scope_for(world.nmpa)
    assert names(selectors.site_list(scope=s)) == ["Guangzhou site", "Shanghai site", "Suzhou site"]
    assert names(selectors.product_list(scope=s)) == ["GZ insulin", "Other mAb", "PD-1 mAb"]


def test_a_provincial_inspector_sees_its_province(world):
    js = scope_for(world.js_inspector)
    assert names(selectors.enterprise_list(scope=js)) == ["Suzhou Holder"]
    assert names(selectors.site_list(scope=js)) == ["Suzhou site"]
    assert names(selectors.product_list(scope=js)) == ["Other mAb", "PD-1 mAb"]
    sh = scope_for(world.sh_inspector)
    assert names(selectors.site_list(scope=sh)) == ["Shanghai site"]
    # the PD-1 is made by a Shanghai contract manufacturer, so Shanghai's regulator sees it too
    assert names(selectors.product_list(scope=sh)) == ["PD-1 mAb"]


def test_out_of_province_is_not_found_not_forbidden(world):
    js = scope_for(world.js_inspector)
    with pytest.raises(NotFound) as exc:
        selectors.site_get(scope=js, pk=world.gd_site.pk)
    assert exc.value.status == 404
    with pytest.raises(NotFound):
        selectors.site_get(scope=js, pk=999999)
    with pytest.raises(NotFound):
        selectors.site_get(scope=js, pk="abc")
    assert selectors.site_get(scope=js, pk=world.js_site.pk) == world.js_site


def test_an_enterprise_sees_itself_and_what_its_partner_shares(world):
    cmo = scope_for(world.cmo_qa)
    assert names(selectors.enterprise_list(scope=cmo)) == ["Shanghai CDMO", "Suzhou Holder"]
    assert names(selectors.product_list(scope=cmo)) == ["PD-1 mAb"]  # not the holder's other product
    assert names(selectors.site_list(scope=cmo)) == ["Shanghai site", "Suzhou site"]
    holder = scope_for(world.holder_qa)
    assert names(selectors.product_list(scope=holder)) == ["Other mAb", "PD-1 mAb"]
    gd = scope_for(world.gd_qa)
    assert names(selectors.enterprise_list(scope=gd)) == ["Guangzhou Bio"]
    with pytest.raises(NotFound):
        selectors.product_get(scope=gd, pk=world.pd1.pk)


def test_anonymous_sees_nothing(world):
    s = scope_for(AnonymousUser())
    assert selectors.enterprise_list(scope=s).count() == 0
    assert selectors.product_list(scope=s).count() == 0
