from __future__ import annotations

import hashlib

import pytest

from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.audit.models import Signature
from bioseg.audit.selectors import history_rows, signatures_for
from bioseg.audit.services import SignatureRefused, record_snapshot, signature_sign, signature_status
from bioseg.common.errors import ValidationFailed
from bioseg.registry.models import Enterprise
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    with audit_context(actor="setup"):
        e = Enterprise(name_zh="甲", name_en="Alpha", domestic=False, country_code="DE", is_holder=True)
        e.save()
    return e


def test_signing_requires_the_password_and_binds_signer_meaning_time_and_hash(make_user, record):
    qp = make_user(Role.QUALIFIED_PERSON)
    sig = signature_sign(user=qp, password=PASSWORD, obj=record, meaning="approved", reason="release review")
    assert (sig.signer_id, sig.printed_name, sig.meaning) == (qp.pk, qp.printed_name, "approved")
    assert (sig.table_name, sig.object_pk) == ("registry_enterprise", str(record.pk))
    assert sig.record_sha256 == hashlib.sha256(record_snapshot(record).encode()).hexdigest()
    assert sig.signed_at.utcoffset().total_seconds() == 0
    assert signature_status(sig, record).intact is True


def test_a_wrong_password_refuses_the_signature_and_records_nothing(make_user, record):
    qp = make_user(Role.QUALIFIED_PERSON)
    with pytest.raises(SignatureRefused) as exc:
        signature_sign(user=qp, password="not it", obj=record, meaning="approved")
    assert exc.value.code == "signature_refused" and exc.value.details == {"cause": "bad_credentials"}
    assert Signature.objects.count() == 0
    qp.refresh_from_db()
    assert qp.failed_login_count == 1


def test_an_unknown_meaning_is_refused(make_user, record):
    qp = make_user(Role.QUALIFIED_PERSON)
    with pytest.raises(ValidationFailed):
        signature_sign(user=qp, password=PASSWORD, obj=record, meaning="liked")
    assert Signature.objects.count() == 0


def test_a_later_change_to_the_record_breaks_the_signature(make_user, record):
    qp = make_user(Role.QUALIFIED_PERSON)
    signature_sign(user=qp, password=PASSWORD, obj=record, meaning="reviewed")
    with audit_context(actor="someone", reason="edit after signing"):
        Enterprise.objects.filter(pk=record.pk).update(name_en="Alpha changed")
    [status] = signatures_for(record)
    assert status.intact is False
    assert status.current_sha256 != status.signature.record_sha256
    # touching only the bookkeeping timestamp does not break it
    with audit_context(actor="someone", reason="back"):
        Enterprise.objects.filter(pk=record.pk).update(name_en="Alpha")
    assert signatures_for(record)[0].intact is True


def test_the_signature_itself_is_in_the_audit_trail_and_history(make_user, record):
    qp = make_user(Role.QUALIFIED_PERSON)
    sig = signature_sign(user=qp, password=PASSWORD, obj=record, meaning="authored", reason="draft done")
    [ev] = history_rows(sig)
    assert (ev["action"], ev["actor"], ev["reason"]) == ("insert", qp.username, "draft done")
    assert [r["action"] for r in history_rows(record)] == ["insert"]
