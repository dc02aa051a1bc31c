"""The quality agreement's responsibility matrix: shown with bioseg's defaults marked, set row by row by the
holder's QA (the contract manufacturer told), refused for others and for an agreement that has ended; the
workflows read the row in force."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.audit.context import audit_context
from bioseg.audit.models import AuditEvent
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.quality.duties import duties_of, duty_for, duty_set
from bioseg.quality.models import AgreementDuty, Notification
from bioseg.registry.models import QualityAgreement
from tests.quality.test_deviation_interfaces import client
from tests.quality.test_deviations import record

pytestmark = pytest.mark.django_db


def agreement():
    return QualityAgreement.objects.get(reference="QA-2025-001")


def test_defaults_are_marked_and_a_set_row_is_read_by_the_workflows(genealogy, world):
    a = agreement()
    assert [d.default for d in duties_of(a)] == [True] * 17
    assert duty_for(a, "deviation_investigation").approver == "holder"
    duty_set(
        actor=world.holder_qa,
        agreement=a,
        activity="deviation_investigation",
        responsible="cmo",
        approver="cmo",
        notify="holder",
        notify_within_hours=12,
        complete_within_days=20,
        reason="Agreement amendment 2",
    )
    d = duty_for(a, "deviation_investigation")
    assert (d.approver, d.notify_within_hours, d.complete_within_days, d.default) == ("cmo", 12, 20, False)
    assert list(
        Notification.objects.filter(subject_table="quality_qualityagreement").values_list(
            "recipient__username", flat=True
        )
    ) == ["cmo-qa"]
    assert record(world, [genealogy.p2]).approver_party == "cmo"


def test_refusals_change_nothing(world):
    a = agreement()
    before = (AgreementDuty.objects.count(), AuditEvent.objects.count())
    values = dict(
        activity="capa_approval",
        responsible="both",
        approver="holder",
        notify="both",
        notify_within_hours=48,
        reason="x",
    )
    with pytest.raises(PermissionDenied):
        duty_set(actor=world.cmo_qa, agreement=a, **values)
    with pytest.raises(ValidationFailed) as exc:
        duty_set(actor=world.holder_qa, agreement=a, **{**values, "activity": "coffee", "notify_within_hours": 0})
    assert set(exc.value.details["fields"]) == {"activity", "notify_within_hours"}
    with audit_context(actor="setup", reason="the agreement ended"):
        QualityAgreement.objects.filter(pk=a.pk).update(effective_until=dt.date(2025, 12, 31))
    with pytest.raises(ValidationFailed) as exc:
        duty_set(actor=world.holder_qa, agreement=agreement(), **values)
    assert exc.value.details["fields"]["agreement"]["message"] == (
        "Agreement QA-2025-001 ended on 2025-12-31: its duties are closed."
    )
    assert AgreementDuty.objects.count() == before[0]


def test_the_page(world):
    a = agreement()
    html = client(world.cmo_qa, "zh-hans").get(f"/agreements/{a.pk}/").content.decode()
    assert html.count('data-testid="default"') == 17 and 'data-testid="duty-form"' not in html
    assert "偏差调查与批准" in html
    assert client(world.cmo_qa).post(f"/agreements/{a.pk}/", {}).status_code == 403
    c = client(world.holder_qa)
    r = c.post(
        f"/agreements/{a.pk}/",
        {
            "activity": "rework",
            "responsible": "cmo",
            "approver": "holder",
            "notify": "holder",
            "notify_within_hours": "0",
            "reason": "",
        },
    )
    assert r.status_code == 400 and 'data-testid="error-notify_within_hours"' in r.content.decode()
    r = c.post(
        f"/agreements/{a.pk}/",
        {
            "activity": "rework",
            "responsible": "cmo",
            "approver": "holder",
            "notify": "holder",
            "notify_within_hours": "8",
            "reason": "Amendment 3",
        },
    )
    assert r.status_code == 302 and AgreementDuty.objects.get().activity == "rework"
    assert client(world.gd_qa).get(f"/agreements/{a.pk}/").status_code == 404


def test_the_api(world):
    a = agreement()
    rows = client(world.cmo_qa).get(f"/api/v1/quality-agreements/{a.pk}/duties").json()
    assert len(rows) == 17 and rows[0] == {
        "activity": "deviation_investigation",
        "responsible": "cmo",
        "approver": "holder",
        "notify": "holder",
        "notify_within_hours": 24,
        "complete_within_days": 30,
        "default": True,
    }
    body = {
        "responsible": "cmo",
        "approver": "holder",
        "notify": "both",
        "notify_within_hours": 6,
        "reason": "Amendment",
    }

    def put(user, act, b):
        return client(user).put(f"/api/v1/quality-agreements/{a.pk}/duties/{act}", b, content_type="application/json")

    assert put(world.cmo_qa, "oos_investigation", body).status_code == 403
    assert put(world.holder_qa, "coffee", body).status_code == 400
    assert put(world.gd_qa, "oos_investigation", body).status_code == 404
    assert AgreementDuty.objects.count() == 0
    r = put(world.holder_qa, "oos_investigation", body)
    assert r.status_code == 200
    assert [x for x in r.json() if x["activity"] == "oos_investigation"][0]["default"] is False


def test_versions_of_the_matrix_are_signed_by_both_parties(world):
    from bioseg.audit.selectors import signatures_for
    from bioseg.common.workflow import WrongState
    from bioseg.quality.agreement_versions import version_propose, version_sign
    from bioseg.quality.models import AgreementVersion
    from tests.conftest import PASSWORD

    a = agreement()
    with pytest.raises(PermissionDenied):
        version_propose(actor=world.cmo_qa, agreement=a)
    v = version_propose(actor=world.holder_qa, agreement=a)
    assert (v.number, v.status, len(v.sha256)) == (1, "draft", 64)
    before = (AgreementVersion.objects.count(), AuditEvent.objects.count())
    with pytest.raises(WrongState):  # one version at a time
        version_propose(actor=world.holder_qa, agreement=a)
    with pytest.raises(PermissionDenied):  # the holder signs first
        version_sign(actor=world.cmo_qa, version=v, password=PASSWORD)
    assert (AgreementVersion.objects.count(), AuditEvent.objects.count()) == before
    v = version_sign(actor=world.qp, version=v, password=PASSWORD)
    assert v.status == "holder_signed"
    assert Notification.objects.filter(subject_table="quality_qualityagreement", recipient=world.cmo_qa).count() == 1
    v = version_sign(actor=world.cmo_qa, version=v, password=PASSWORD)
    signed = [s for e in v.events.order_by("id") for s in signatures_for(e)]
    assert v.status == "signed" and [(s.signature.signer.username, s.intact) for s in signed] == [
        ("holder-qp", True),
        ("cmo-qa", True),
    ]
    assert [e.data["sha256"] for e in v.events.all()] == [v.sha256, v.sha256]
    with pytest.raises(WrongState) as exc:
        version_propose(actor=world.holder_qa, agreement=a)
    assert exc.value.code == "version_unchanged"
    duty_set(
        actor=world.holder_qa,
        agreement=a,
        activity="rework",
        responsible="cmo",
        approver="holder",
        notify="holder",
        notify_within_hours=8,
        reason="Amendment",
    )
    assert version_propose(actor=world.holder_qa, agreement=a).number == 2


def test_the_version_page(world):
    from tests.conftest import PASSWORD

    a = agreement()
    c = client(world.holder_qa)
    assert c.post(f"/agreements/{a.pk}/versions/").status_code == 302
    v = a.versions.get()
    r = client(world.qp).post(f"/agreements/{a.pk}/versions/{v.pk}/sign/", {f"v{v.pk}-password": "wrong"})
    assert r.status_code == 400 and 'data-testid="error-password"' in r.content.decode()
    assert a.versions.get().status == "draft"
    r = client(world.qp).post(f"/agreements/{a.pk}/versions/{v.pk}/sign/", {f"v{v.pk}-password": PASSWORD})
    assert r.status_code == 302 and a.versions.get().status == "holder_signed"
    html = client(world.cmo_qa).get(f"/agreements/{a.pk}/").content.decode()
    assert 'data-testid="sign-version"' in html and 'data-testid="propose-version"' not in html


def test_the_list_filters_and_exports(world):
    import io

    from openpyxl import load_workbook

    a = agreement()
    html = client(world.cmo_qa).get("/agreements/?in_force=on").content.decode()
    assert f'data-id="{a.pk}"' in html
    assert 'data-id="' not in client(world.gd_qa).get("/agreements/").content.decode()
    rows = list(
        load_workbook(io.BytesIO(client(world.sh_inspector).get("/agreements/?export=xlsx").content)).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][0] == "Reference" and rows[1][0] == "QA-2025-001" and rows[1][3] == "PD-1 mAb"
