"""Who sees which application: holder (own), CMO named (read-only), provinces involved, NMPA (all filed)."""

from __future__ import annotations

import pytest

from bioseg.common.errors import NotFound, PermissionDenied
from bioseg.pilots import permissions, selectors, services
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD
from tests.pilots.helpers import GD_DECLARED, PD1_DECLARED

pytestmark = pytest.mark.django_db


def visible(user) -> set[str]:
    return set(selectors.application_list(scope=scope_for(user)).values_list("reference", flat=True))


@pytest.fixture
def apps(pw, on_day):
    pd1 = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    services.application_facts_declare(actor=pw.sz_ra, application=pd1, facts=PD1_DECLARED, reason="facts")
    glp1 = services.application_draft(actor=pw.gd_ra, product=pw.glp1)
    services.application_facts_declare(actor=pw.gd_ra, application=glp1, facts=GD_DECLARED, reason="facts")
    return pd1, glp1


def test_drafts_are_seen_only_by_the_holder_and_the_cmo_named(pw, apps):
    pd1, glp1 = apps
    assert visible(pw.sz_ra) == visible(pw.sz_qa) == {pd1.reference}
    assert visible(pw.sh_cmo) == {pd1.reference}
    assert visible(pw.gd_ra) == {glp1.reference}
    for regulator in (pw.js_reviewer, pw.sh_reviewer, pw.gd_reviewer, pw.nmpa, pw.admin):
        assert visible(regulator) == set(), regulator.username


def test_filed_applications_are_seen_by_the_provinces_involved_and_nmpa(pw, apps):
    pd1, glp1 = apps
    services.application_submit(actor=pw.sz_ra, application=pd1, password=PASSWORD)
    services.application_submit(actor=pw.gd_ra, application=glp1, password=PASSWORD)
    assert visible(pw.js_reviewer) == visible(pw.js_inspector) == {pd1.reference}
    assert visible(pw.sh_reviewer) == {pd1.reference}
    assert visible(pw.gd_reviewer) == {glp1.reference}
    assert visible(pw.nmpa) == visible(pw.admin) == {pd1.reference, glp1.reference}
    assert visible(pw.sh_cmo) == {pd1.reference}
    assert visible(pw.gd_ra) == {glp1.reference}
    with pytest.raises(NotFound):
        selectors.application_get(scope=scope_for(pw.gd_reviewer), pk=pd1.pk)
    with pytest.raises(NotFound):
        selectors.application_get(scope=scope_for(pw.sz_ra), pk=glp1.pk)


def test_anonymous_sees_nothing(pw, apps):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()


def test_cmo_is_read_only(pw, apps):
    pd1, _ = apps
    assert permissions.allowed_actions(pw.sh_cmo, pd1) == set()
    with pytest.raises(PermissionDenied):
        services.application_assess(actor=pw.sh_cmo, application=pd1)
    with pytest.raises(PermissionDenied):
        services.application_submit(actor=pw.sh_cmo, application=pd1, password=PASSWORD)


def test_allowed_actions_follow_the_workflow(pw, apps):
    pd1, _ = apps
    assert permissions.allowed_actions(pw.sz_ra, pd1) == {"assess", "declare_facts", "attach_evidence", "submit"}
    services.application_submit(actor=pw.sz_ra, application=pd1, password=PASSWORD)
    pd1.refresh_from_db()
    assert permissions.allowed_actions(pw.sz_ra, pd1) == {"assess"}
    # a regulator may record a determination on a rule once the application is filed (the service checks that
    # a rule awaits that very regulator)
    assert permissions.allowed_actions(pw.js_reviewer, pd1) == {"assess", "review", "determine_rule"}
    assert permissions.allowed_actions(pw.js_inspector, pd1) == set()
    assert permissions.allowed_actions(pw.nmpa, pd1) == {"assess", "return", "determine_rule"}
    services.review_record(actor=pw.js_reviewer, application=pd1, action="recommend")
    services.review_record(actor=pw.sh_reviewer, application=pd1, action="recommend")
    pd1.refresh_from_db()
    assert permissions.allowed_actions(pw.js_reviewer, pd1) == {"assess", "approve_joint_plan", "determine_rule"}
    assert permissions.allowed_actions(pw.nmpa, pd1) == {"assess", "return", "determine_rule"}


def test_dashboard_counts(pw, apps):
    pd1, glp1 = apps
    assert selectors.awaiting_count(scope=scope_for(pw.sz_ra), user=pw.sz_ra) == 1
    assert selectors.awaiting_count(scope=scope_for(pw.sh_cmo), user=pw.sh_cmo) == 0
    services.application_submit(actor=pw.sz_ra, application=pd1, password=PASSWORD)
    assert selectors.awaiting_count(scope=scope_for(pw.js_reviewer), user=pw.js_reviewer) == 1
    assert selectors.awaiting_count(scope=scope_for(pw.js_inspector), user=pw.js_inspector) == 0
    assert selectors.awaiting_count(scope=scope_for(pw.nmpa), user=pw.nmpa) == 0
