"""User accounts in the audit trail (issue 8 §15: "user changes (organisation, active flag) not audited"):
the GMP-relevant columns of a user — organisation, active, administrator flags, names, e-mail — are audited on
every engine whatever writes them (ORM save, queryset update, raw SQL), with the change's context; a sign-in or a
password change is not, and the password hash never reaches the trail; the verifier compares each account with
its last audited state."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import authenticate
from django.db import connection

from bioseg.accounts.models import Organisation, User
from bioseg.accounts.roles import OrganisationKind
from bioseg.audit.chain import verify
from bioseg.audit.context import audit_context
from bioseg.audit.models import AuditEvent
from tests.audit.test_trail import _out_of_band

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 2026"


def trail(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(table_name="accounts_user", row_pk=str(user.pk)).order_by("id"))


def values(event) -> dict:
    return json.loads(event.new_values) if event.new_values else {}


def org(name: str) -> Organisation:
    with audit_context(actor="admin", reason="test organisation"):
        return Organisation.objects.create(name_zh=name, name_en=name, kind=OrganisationKind.ENTERPRISE)


def test_a_users_organisation_and_active_flag_are_audited_with_who_and_why():
    first, second = org("Qilan"), org("Xinghu")
    with audit_context(actor="admin", reason="new QA"):
        user = User.objects.create_user(username="qa1", password=PASSWORD, organisation=first)
    [created] = trail(user)
    assert (created.action, created.actor, created.reason) == ("insert", "admin", "new QA")
    assert values(created)["organisation_id"] == first.pk
    assert "password" not in values(created) and "last_login" not in values(created)

    with audit_context(actor="admin", reason="moved to Xinghu"):
        User.objects.filter(pk=user.pk).update(organisation=second)  # a queryset update: no signal, still audited
    with audit_context(actor="admin", reason="left the company"):
        user.refresh_from_db()
        user.is_active = False
        user.save()
    moved, deactivated = trail(user)[1:]
    assert (moved.action, moved.reason, json.loads(moved.old_values)["organisation_id"]) == (
        "update",
        "moved to Xinghu",
        first.pk,
    )
    assert values(moved)["organisation_id"] == second.pk
    assert (deactivated.reason, values(deactivated)["is_active"] in (False, 0)) == ("left the company", True)
    assert verify().ok


def test_a_sign_in_or_a_new_password_writes_nothing_to_the_trail():
    with audit_context(actor="admin", reason="new QA"):
        user = User.objects.create_user(username="qa2", password=PASSWORD, organisation=org("Qilan"))
    before = AuditEvent.objects.count()
    assert authenticate(username="qa2", password=PASSWORD) == user
    User.objects.filter(pk=user.pk).update(failed_login_count=3, last_login=None)
    user.set_password("another long passphrase 2026")
    user.save()
    assert AuditEvent.objects.count() == before
    hashes = [user.password]
    assert not any(h in (e.new_values or "") + (e.old_values or "") for e in AuditEvent.objects.all() for h in hashes)


def test_an_account_changed_out_of_band_is_found_by_the_verifier(audited_transactional_db):
    with audit_context(actor="admin", reason="new QA"):
        user = User.objects.create_user(username="qa3", password=PASSWORD, organisation=org("Qilan"))
    assert verify().ok
    # a superuser flag set with the triggers bypassed
    flag = "1" if connection.vendor == "sqlite" else "TRUE"
    _out_of_band([f"UPDATE accounts_user SET is_superuser = {flag} WHERE id = {user.pk}"])
    report = verify()
    assert [(p.kind, p.table, p.row_pk) for p in report.problems] == [("tampered_row", "accounts_user", str(user.pk))]
