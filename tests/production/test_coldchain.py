"""Cold chain: strict logger-file parsing, statistics, excursions put the received lots on hold until an
e-signed assessment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bioseg.audit.models import AuditEvent, Signature
from bioseg.audit.selectors import signatures_for
from bioseg.audit.services import SignatureRefused
from bioseg.common.errors import ApplicationError, PermissionDenied
from bioseg.production import coldchain, selectors
from bioseg.production import services as ps
from bioseg.production.models import (
    Excursion,
    LotHold,
    TemperatureLog,
    TemperatureReading,
)
from tests.conftest import PASSWORD
from tests.production.helpers import reload

pytestmark = pytest.mark.django_db

GOOD = (
    b"timestamp,celsius\n2025-03-02T08:00:00+08:00,4.0\n2025-03-02T08:15:00+08:00,5.0\n2025-03-02T08:30:00+08:00,6.0\n"
)

WARM = (
    b"timestamp,celsius\n"
    b"2025-03-02T00:00:00Z,5.0\n"
    b"2025-03-02T00:10:00Z,9.5\n"  # out: 10 min until the next reading
    b"2025-03-02T00:20:00Z,12.0\n"  # out: 10 min
    b"2025-03-02T00:30:00Z,7.0\n"
    b"2025-03-02T00:40:00Z,1.5\n"  # out: 5 min
    b"2025-03-02T00:45:00Z,4.0\n"
)


# --- the parser (pure) -----------------------------------------------------------------------------------


def test_a_good_file_is_parsed_with_its_statistics():
    parsed = coldchain.parse_logger_csv(GOOD)
    assert [(r.at.isoformat(), r.celsius) for r in parsed.readings] == [
        ("2025-03-02T00:00:00+00:00", Decimal("4.0")),
        ("2025-03-02T00:15:00+00:00", Decimal("5.0")),
        ("2025-03-02T00:30:00+00:00", Decimal("6.0")),
    ]
    stats = coldchain.series_stats(parsed.readings)
    assert (stats.count, stats.min_c, stats.max_c, stats.mean_c) == (
        3,
        Decimal("4.00"),
        Decimal("6.00"),
        Decimal("5.00"),
    )
    check = coldchain.range_check(parsed.readings, Decimal(2), Decimal(8))
    assert (check.excursion, check.minutes_out_of_range, check.first_out_at) == (False, Decimal("0.0"), None)


def test_time_out_of_range_counts_each_out_of_range_interval():
    parsed = coldchain.parse_logger_csv(WARM)
    check = coldchain.range_check(parsed.readings, Decimal(2), Decimal(8))
    assert check.excursion is True
    assert check.minutes_out_of_range == Decimal("25.0")
    assert (check.lowest_c, check.highest_c) == (Decimal("1.50"), Decimal("12.00"))
    assert check.first_out_at == dt.datetime(2025, 3, 2, 0, 10, tzinfo=dt.UTC)
    stats = coldchain.series_stats(parsed.readings)
    assert stats.mean_c == Decimal("6.50")


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        (
            b"timestamp,celsius\n2025-03-02T08:00:00+08:00,4.0\n2025-03-02T08:15:00+08:00;5.0\n",
            3,
            "expected 2 fields (timestamp, °C), found 1.",
        ),
        (b"2025-03-02T08:00:00+08:00,4.0\nyesterday,5.0\n", 2, "'yesterday' is not an ISO 8601 timestamp."),
        (
            b"2025-03-02T08:00:00+08:00,4.0\n2025-03-02T08:15:00,5.0\n",
            2,
            "the timestamp '2025-03-02T08:15:00' has no UTC offset (e.g. +08:00 or Z).",
        ),
        (b"2025-03-02T08:00:00+08:00,warm\n", 1, "'warm' is not a temperature in °C."),
        (
            b"2025-03-02T08:00:00+08:00,4.0\n2025-03-02T08:00:00+08:00,4.1\n",
            2,
            "the timestamp 2025-03-02T08:00:00+08:00 is not after the previous reading's.",
        ),
        (b"2025-03-02T08:00:00+08:00,4.0\n\n2025-03-02T08:15:00+08:00,4.1\n", 2, "the line is empty."),
        (b"2025-03-02T08:00:00+08:00,400\n", 1, "400 °C is outside the plausible range −100…100 °C."),
        (b"timestamp,celsius\n", 1, "the file has no readings."),
        (b"2025-03-02T08:00:00+08:00,4.0\n2025-03-02T08:15:00+08:00,\xff\n", 2, "the file is not UTF-8 text."),
    ],
)
def test_a_malformed_file_names_its_line(content, line, problem):
    with pytest.raises(coldchain.LoggerFileError) as exc:
        coldchain.parse_logger_csv(content)
    assert (exc.value.line, exc.value.problem_en) == (line, problem)


# --- upload, excursion, hold, assessment ------------------------------------------------------------------


def cold_counts():
    return (
        TemperatureLog.objects.count(),
        TemperatureReading.objects.count(),
        Excursion.objects.count(),
        LotHold.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_malformed_upload_is_refused_with_the_line_and_stores_nothing(genealogy, world):
    before = cold_counts()
    bad = GOOD + b"2025-03-02T08:45:00+08:00,5.0,extra\n"
    with pytest.raises(ApplicationError) as exc:
        ps.temperature_log_upload(actor=world.cmo_qa, shipment=genealogy.sh1, file_name="logger.csv", content=bad)
    assert exc.value.code == "logger_file_invalid"
    assert exc.value.message == (
        "The temperature-logger file is malformed at line 5: expected 2 fields (timestamp, °C), found 3."
    )
    assert exc.value.message_zh == "温度记录仪文件第 5 行格式错误：应有 2 个字段（时间戳，°C），实际为 3 个。"
    assert exc.value.details["line"] == 5
    assert cold_counts() == before
    assert reload(genealogy.d1).status == "quarantine"


def test_an_in_range_log_is_stored_without_excursion(genealogy, world):
    log = ps.temperature_log_upload(actor=world.cmo_qa, shipment=genealogy.sh1, file_name="ok.csv", content=GOOD)
    assert (log.reading_count, log.min_c, log.max_c, log.mean_c) == (
        3,
        Decimal("4.00"),
        Decimal("6.00"),
        Decimal("5.00"),
    )
    assert log.readings.count() == 3
    assert Excursion.objects.count() == 0
    assert {reload(genealogy.d1).status, reload(genealogy.d2).status} == {"quarantine"}
    with pytest.raises(ApplicationError) as exc:
        ps.temperature_log_upload(actor=world.cmo_qa, shipment=genealogy.sh1, file_name="again.csv", content=GOOD)
    assert exc.value.code == "logger_file_duplicate"


def test_an_excursion_holds_the_lots_until_it_is_assessed_and_signed(genealogy, world):
    g = genealogy
    log = ps.temperature_log_upload(actor=world.cmo_qa, shipment=g.sh1, file_name="warm.csv", content=WARM)
    excursion = Excursion.objects.get(log=log)
    assert (excursion.product, excursion.status, excursion.minutes_out_of_range) == (world.pd1, "open", Decimal("25.0"))
    assert (excursion.lowest_c, excursion.highest_c) == (Decimal("1.50"), Decimal("12.00"))
    assert (reload(g.d1).status, reload(g.d2).status) == ("on_hold", "on_hold")
    assert sorted(LotHold.objects.values_list("lot__lot_number", "previous_status", "lifted")) == [
        ("D1", "quarantine", False),
        ("D2", "quarantine", False),
    ]
    assert list(selectors.excursion_list(scope=selectors_scope(world.sh_inspector), status="open")) == [excursion]

    # a held lot cannot be released: the excursion is one of the blockers
    codes = [b.code for b in selectors.lot_release_blockers(lot=g.d1, kind="qualified_person")]
    assert "excursion_unassessed" in codes and "lot_not_in_quarantine" in codes

    # a wrong password changes nothing
    before = cold_counts()
    with pytest.raises(SignatureRefused):
        ps.excursion_assess(
            actor=world.qp, password="wrong password", excursion=excursion, outcome="accepted", justification="ok"
        )
    assert cold_counts() == before
    assert reload(excursion).status == "open"
    # nor may an unrelated enterprise assess it
    with pytest.raises(PermissionDenied):
        ps.excursion_assess(
            actor=world.gd_qa, password=PASSWORD, excursion=excursion, outcome="accepted", justification="x"
        )

    assessment = ps.excursion_assess(
        actor=world.qp,
        password=PASSWORD,
        excursion=excursion,
        outcome="accepted",
        justification="Stability data cover 25 min up to 12 °C.",
    )
    assert reload(excursion).status == "assessed"
    assert (reload(g.d1).status, reload(g.d2).status) == ("quarantine", "quarantine")
    assert set(LotHold.objects.values_list("lifted", flat=True)) == {True}
    [status] = signatures_for(assessment)
    assert (status.signature.meaning, status.signature.signer, status.intact) == ("approved", world.qp, True)
    assert Signature.objects.count() == 1
    assert "excursion_unassessed" not in [
        b.code for b in selectors.lot_release_blockers(lot=g.d1, kind="qualified_person")
    ]


def test_a_rejected_excursion_rejects_the_held_lots(genealogy, world):
    g = genealogy
    ps.temperature_log_upload(actor=world.cmo_qa, shipment=g.sh1, file_name="warm.csv", content=WARM)
    excursion = Excursion.objects.get()
    assessment = ps.excursion_assess(
        actor=world.holder_qa, password=PASSWORD, excursion=excursion, outcome="rejected", justification="No data."
    )
    assert (reload(g.d1).status, reload(g.d2).status) == ("rejected", "rejected")
    [status] = signatures_for(assessment)  # the meaning fits the act: a rejection, not an approval
    assert (status.signature.meaning, status.signature.signer) == ("rejected", world.holder_qa)


def selectors_scope(user):
    from bioseg.registry.scope import scope_for

    return scope_for(user)


def test_the_periods_out_of_range_run_from_the_first_to_the_last_reading_outside():
    points = [(r.at, r.celsius) for r in coldchain.parse_logger_csv(WARM).readings]
    t = lambda m: dt.datetime(2025, 3, 2, 0, m, tzinfo=dt.UTC)  # noqa: E731
    assert coldchain.out_of_range_periods(points, Decimal(2), Decimal(8)) == [(t(10), t(20)), (t(40), t(40))]
    assert coldchain.out_of_range_periods(points, None, Decimal(10)) == [(t(20), t(20))]
    assert coldchain.out_of_range_periods(points, None, None) == []
