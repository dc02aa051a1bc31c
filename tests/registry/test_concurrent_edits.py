"""Two people editing one record (issue 8 item 3): each update writes only the fields it changes, under a row
lock, and a form opened before someone else's change is refused instead of reverting it."""

from __future__ import annotations

import json

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.common.versioning import StaleVersion
from bioseg.registry import services
from bioseg.registry.models import Site

pytestmark = pytest.mark.django_db


def test_two_edits_of_different_fields_from_stale_copies_both_survive(world, make_user):
    from bioseg.accounts.roles import Role

    other_qa = make_user(Role.HOLDER_QA, world.holder_qa.organisation, username="holder-qa-2")
    first = Site.objects.get(pk=world.js_site.pk)
    second = Site.objects.get(pk=world.js_site.pk)  # both read before either writes
    services.site_update(actor=world.holder_qa, site=first, reason="rename", name_en="Suzhou plant")
    services.site_update(actor=other_qa, site=second, reason="moved", address="88 Xinghu St")
    site = Site.objects.get(pk=world.js_site.pk)
    assert (site.name_en, site.address) == ("Suzhou plant", "88 Xinghu St")
    rows = AuditEvent.objects.filter(table_name="registry_site", row_pk=str(site.pk), action="update").order_by("id")
    changed = []
    for row in rows:
        old, new = json.loads(row.old_values), json.loads(row.new_values)
        changed.append((row.actor, sorted(k for k in new if new[k] != old[k] and k != "updated_at")))
    assert changed == [("holder-qa", ["name_en"]), ("holder-qa-2", ["address"])]


def test_an_edit_from_a_form_opened_before_a_change_is_refused_and_changes_nothing(world):
    site = Site.objects.get(pk=world.js_site.pk)
    seen = site.updated_at.isoformat()
    services.site_update(actor=world.holder_qa, site=site, reason="rename", name_en="Suzhou plant")
    before = AuditEvent.objects.count()
    with pytest.raises(StaleVersion) as exc:
        services.site_update(
            actor=world.holder_qa, site=site, reason="old form", name_en="Suzhou site", expected_updated_at=seen
        )
    assert (exc.value.status, exc.value.code) == (409, "stale_version")
    assert exc.value.message_zh == "该生产场地在您打开后已被他人修改；请重新加载后再修改。"
    assert AuditEvent.objects.count() == before
    assert Site.objects.get(pk=site.pk).name_en == "Suzhou plant"
    # the current version is accepted
    current = Site.objects.get(pk=site.pk).updated_at
    services.site_update(
        actor=world.holder_qa, site=site, reason="typo", name_en="Suzhou Plant", expected_updated_at=current
    )
    assert Site.objects.get(pk=site.pk).name_en == "Suzhou Plant"


def test_an_edit_that_changes_nothing_writes_nothing(world):
    before = AuditEvent.objects.count()
    services.site_update(actor=world.holder_qa, site=world.js_site, reason="no-op", name_en="Suzhou site")
    assert AuditEvent.objects.count() == before
