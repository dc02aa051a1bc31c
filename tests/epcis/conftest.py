"""Fixtures for the EPCIS module: GS1's reference files and a small exported genealogy.

GS1's files are not part of the project: they are read from ``../shared/vendor/gs1-epcis/`` beside the
repository. bioseg finds the official schema only through ``BIOSEG_EPCIS_SCHEMA`` (as an operator sets it),
so these fixtures set that variable to the vendored file, and tests that need the files are skipped with a
clear reason when the folder is absent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bioseg.epcis import (
    Location,
    LotQuantity,
    LotRef,
    ShipmentRecord,
    StatusChange,
    TemperatureReading,
    TransformationRecord,
    build_document,
    gs1_check_digit,
)
from tests.shared import MISSING, SCHEMA_FILE, VENDOR  # noqa: F401  (re-exported for the tests here)

CN = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=CN)


def key(body: str) -> str:
    """A GS1 key with its check digit appended."""
    return body + gs1_check_digit(body)


@pytest.fixture(autouse=True)
def _epcis_schema_env(monkeypatch):
    """Every test of this folder runs as a configured installation would, when GS1's files are there."""
    if SCHEMA_FILE.is_file():
        monkeypatch.setenv("BIOSEG_EPCIS_SCHEMA", str(SCHEMA_FILE))


def example_paths() -> list[Path]:
    return sorted((VENDOR / "examples").glob("*.jsonld")) if VENDOR.is_dir() else []


def records() -> dict:
    """W1 (working cell bank) -> D1..D3 (drug substance, Suzhou) shipped to Shanghai -> P1 (blend, with
    NMPA codes), a QA release, a QP release, a hold and a recall."""
    suzhou = Location(gln=key("690123400010"), party_gln=key("690123400011"))
    shanghai = Location(gln=key("690123400020"), extension="COLD-1", party_gln=key("690123400021"))
    wcb = LotRef(gtin=key("0690123400300"), lot="W1")
    ds = [LotRef(gtin=key("0690123400100"), lot=f"D{i}") for i in (1, 2, 3)]
    dp = LotRef(gtin=key("0690123400200"), lot="P1/2025(A)")
    transformations = [
        TransformationRecord(kind="manufacture", event_time=T0, location=suzhou, inputs=(), outputs=(LotQuantity(wcb, 200, "H87"),), record_id="w1"),
        *(
            TransformationRecord(
                kind="manufacture", event_time=T0 + timedelta(days=1, hours=i), location=suzhou,
                inputs=(LotQuantity(wcb, 1, "H87"),), outputs=(LotQuantity(lot, 12.5, "KGM"),), record_id=f"d{i}",
            )
            for i, lot in enumerate(ds)
        ),
        TransformationRecord(
            kind="blending", event_time=T0 + timedelta(days=10), location=shanghai,
            inputs=tuple(LotQuantity(lot, 4.25, "KGM") for lot in ds), outputs=(LotQuantity(dp, 10_000),),
            expiry_date=date(2027, 3, 1), output_codes=("81234560000000010001", "81234560000000020002"),
        ),
    ]  # fmt: skip
    shipments = [
        ShipmentRecord(
            shipment_id="SH-1", origin=suzhou, destination=shanghai,
            lines=tuple(LotQuantity(lot, 12.5, "KGM") for lot in ds),
            shipped_at=T0 + timedelta(days=5), received_at=T0 + timedelta(days=5, hours=9),
            sscc=key("06901234000000001"), storage_range=(2, 8), logger_id="LOGGER-7",
            readings=tuple(TemperatureReading(T0 + timedelta(days=5, minutes=30 * i), c) for i, c in enumerate([4.0, 5.5, 8.6, 6.0, 3.2])),
        ),
        ShipmentRecord(
            shipment_id="SH-2", origin=shanghai, destination=suzhou, lines=(LotQuantity(dp, 500),),
            shipped_at=T0 + timedelta(days=40),
        ),
    ]  # fmt: skip
    status = [
        StatusChange(lot=ds[0], status="qa_released", event_time=T0 + timedelta(days=4), location=suzhou),
        StatusChange(lot=dp, status="released", event_time=T0 + timedelta(days=30), location=shanghai),
        StatusChange(lot=dp, status="on_hold", event_time=T0 + timedelta(days=41), location=shanghai, reason="excursion under assessment"),
        StatusChange(lot=dp, status="recalled", event_time=T0 + timedelta(days=42), location=shanghai, reason="召回：效价不合格"),
    ]  # fmt: skip
    return {"transformations": transformations, "shipments": shipments, "status_changes": status}


@pytest.fixture
def document() -> dict:
    return build_document(**records(), creation_date=T0 + timedelta(days=50), sender="urn:epc:id:sgln:6901234.00001.0")
