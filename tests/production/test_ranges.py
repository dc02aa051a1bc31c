"""Out-of-range numbers and long text (issue 8 item 7): refused before the database sees them, identically on
SQLite and PostgreSQL, with the field named and nothing written (SQLite stored 10^15 while the client got a 500;
PostgreSQL answered 500 for numeric overflow, varchar limits and 0.00001 against a > 0 check)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from bioseg.audit.models import AuditEvent
from bioseg.common.errors import ValidationFailed
from bioseg.production import services as ps
from bioseg.production.models import Lot
from bioseg.registry import services as rs
from tests.production.helpers import at

pytestmark = pytest.mark.django_db


def register(world, **overrides):
    values = {
        "actor": world.holder_qa,
        "segment": world.seg["WCB"],
        "lot_number": "W7",
        "quantity": 10,
        "unit": "vial",
        "manufactured_on": dt.date(2025, 1, 10),
        "expires_on": dt.date(2030, 1, 1),
    } | overrides
    return ps.lot_create(**values)


@pytest.mark.parametrize(
    "quantity, message_zh",
    [
        (10**15, "数量须小于 100,000,000,000,000 支。"),
        ("0.00001", "数量 0.00001 支：小数位多于 4 位。"),
        ("NaN", "数量必须为正数。"),
        ("1e309", "数量须小于 100,000,000,000,000 支。"),
        (-1, "数量必须为正数。"),
    ],
)
def test_an_absurd_quantity_is_refused_and_nothing_is_written(world, quantity, message_zh):
    before = (Lot.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        register(world, quantity=quantity)
    assert exc.value.details["fields"]["quantity"]["message_zh"] == message_zh
    assert list(exc.value.details["fields"]) == ["quantity"]
    assert (Lot.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("active", ["en", "zh-hans"])
def test_a_lot_number_longer_than_stored_is_refused_in_both_languages_whichever_is_active(world, active):
    before = AuditEvent.objects.count()
    with translation.override(active), pytest.raises(ValidationFailed) as exc:
        register(world, lot_number="L" * 61)
    error = exc.value.details["fields"]["lot_number"]
    assert error["message_zh"] == "批号共 61 个字符，最多允许 60 个。"
    assert error["message"] == "Lot number has 61 characters; at most 60 are allowed."
    assert AuditEvent.objects.count() == before


def test_a_shipment_reference_longer_than_stored_is_refused(genealogy, world):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        ps.shipment_create(
            actor=world.cmo_qa,
            reference="S" * 61,
            from_site=world.sh_site,
            to_site=world.js_site,
            shipped_at=at(9),
            lines=[(genealogy.p1, 1)],
        )
    assert list(exc.value.details["fields"]) == ["reference"]
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    "low, high, field",
    [("2", "10000", "storage_max_c"), ("-196.25", "-150", "storage_min_c"), ("2", "8.05", "storage_max_c")],
)
def test_storage_limits_beyond_what_is_stored_are_refused(world, low, high, field):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        rs.product_update(
            actor=world.holder_qa, product=world.pd1, reason="range", storage_min_c=low, storage_max_c=high
        )
    assert list(exc.value.details["fields"]) == [field]
    assert AuditEvent.objects.count() == before


def test_a_shipment_in_the_future_is_refused(genealogy, world):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        ps.shipment_create(
            actor=world.cmo_qa,
            reference="SH-FUT",
            from_site=world.sh_site,
            to_site=world.js_site,
            shipped_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
            lines=[(genealogy.p1, 1)],
        )
    assert exc.value.details["fields"]["shipped_at"]["message_zh"] == "发运时间不能晚于当前时间。"
    assert AuditEvent.objects.count() == before
