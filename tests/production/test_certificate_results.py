"""Certificates of analysis with content: each result judged against its specification; an out-of-specification
result blocks release and is announced to the layers above (the quality system opens an OOS investigation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.common.errors import ApplicationError, ValidationFailed
from bioseg.production import selectors, signals
from bioseg.production import services as ps
from bioseg.production.models import CertificateOfAnalysis, CertificateResult
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROWS = [
    {
        "test": "Protein content",
        "method": "UV A280",
        "unit": "mg/mL",
        "spec_min": "9.0",
        "spec_max": "11.0",
        "value": "10.2",
    },
    {"test": "Appearance", "spec_text": "Clear, colourless", "result_text": "Clear, colourless", "conforms": True},
    {"test": "Endotoxin", "unit": "EU/mL", "spec_max": "0.5", "value": "0.5"},
]


def record(world, lot, rows, reference="COA-1"):
    return ps.coa_record(
        actor=world.holder_qa,
        lot=lot,
        reference=reference,
        file_name="coa.pdf",
        sha256="c" * 64,
        issued_on=dt.date(2025, 3, 20),
        results=rows,
    )


def test_each_result_is_judged_against_its_limits(genealogy, world):
    heard = []

    def listener(sender, certificate, actor, failing, **kwargs):
        heard.append((certificate.reference, actor.username, [r.test for r in failing]))

    signals.certificate_recorded.connect(listener)
    try:
        coa = record(world, genealogy.w1, ROWS + [{"test": "pH", "spec_min": "6.8", "spec_max": "7.4", "value": "7.6"}])
    finally:
        signals.certificate_recorded.disconnect(listener)
    got = list(coa.results.values_list("position", "test", "spec_min", "spec_max", "value", "outcome"))
    assert got == [
        (1, "Protein content", Decimal("9"), Decimal("11"), Decimal("10.2"), "pass"),
        (2, "Appearance", None, None, None, "pass"),
        (3, "Endotoxin", None, Decimal("0.5"), Decimal("0.5"), "pass"),  # limits are inclusive
        (4, "pH", Decimal("6.8"), Decimal("7.4"), Decimal("7.6"), "fail"),
    ]
    assert heard == [("COA-1", world.holder_qa.username, ["pH"])]


def test_an_out_of_specification_result_blocks_the_release(genealogy, world):
    lot = genealogy.w1
    record(world, lot, [{"test": "Sterility", "spec_text": "No growth", "result_text": "Growth", "conforms": False}])
    codes = [b.code for b in selectors.lot_release_blockers(lot=lot, kind="qualified_person")]
    assert codes == ["result_out_of_specification"]
    [blocker] = selectors.lot_release_blockers(lot=lot, kind="qualified_person")
    assert blocker.message == "Certificate COA-1 of lot W1: Sterility = Growth is out of specification."
    assert blocker.message_zh == "批 W1 的检验报告书 COA-1：Sterility 结果 Growth 不符合规定。"
    with pytest.raises(ApplicationError) as exc:
        ps.lot_release(actor=world.qp, password=PASSWORD, lot=lot, kind="qualified_person")
    assert exc.value.code == "release_blocked"
    # a later certificate that passes (a valid retest) is the one release reads
    record(
        world,
        lot,
        [{"test": "Sterility", "spec_text": "No growth", "result_text": "No growth", "conforms": True}],
        "COA-2",
    )
    assert selectors.lot_release_blockers(lot=lot, kind="qualified_person") == []


@pytest.mark.parametrize(
    "row, field",
    [
        ({"spec_min": "1", "value": "2"}, "results.1.test"),
        ({"test": "pH", "spec_min": "7", "spec_max": "6", "value": "6.5"}, "results.1.spec_max"),
        ({"test": "pH", "spec_min": "6"}, "results.1.value"),
        ({"test": "pH", "spec_min": "6", "value": "1e13"}, "results.1.value"),
        ({"test": "pH", "spec_min": "6", "value": "6.0000001"}, "results.1.value"),
        ({"test": "pH", "spec_min": "abc", "value": "6"}, "results.1.spec_min"),
        ({"test": "Appearance", "result_text": "ok", "conforms": True}, "results.1.spec_text"),
        ({"test": "Appearance", "spec_text": "Clear"}, "results.1.conforms"),
    ],
)
def test_a_bad_result_row_is_refused_naming_it_and_nothing_is_written(genealogy, world, row, field):
    before = (CertificateOfAnalysis.objects.count(), CertificateResult.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        record(world, genealogy.w1, [row])
    assert list(exc.value.details["fields"]) == [field]
    assert (
        CertificateOfAnalysis.objects.count(),
        CertificateResult.objects.count(),
        AuditEvent.objects.count(),
    ) == before
