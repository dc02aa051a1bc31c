"""Dates that cannot be in the future are refused, and refusals name what the user filled in (issue 10 §5): a lot
registered as manufactured next year is refused on ``manufactured_on`` — the lot's field, not the transformation
behind it (``performed_on``, ``outputs[0].expires_on``) — through the service, ``POST /lots`` and the
transformation form, whose output errors stand under the output line they are about. Nothing is written."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.test import Client

from bioseg.common import clock
from bioseg.common.errors import ValidationFailed
from bioseg.production import services as ps
from tests.production.helpers import EXPIRES, counts, make_output
from tests.production.test_ranges import register

pytestmark = pytest.mark.django_db

FUTURE = {"message": "A lot cannot be manufactured on a day still to come.", "message_zh": "生产日期不能晚于今天。"}


def next_year() -> dt.date:
    return clock.today() + dt.timedelta(days=366)


def client(user, lang: str = "zh-hans") -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = lang
    return c


def test_a_lot_manufactured_next_year_is_refused_on_its_own_field(world):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        register(world, manufactured_on=next_year(), expires_on=next_year() + dt.timedelta(days=700))
    assert exc.value.details["fields"] == {"manufactured_on": FUTURE}
    assert (exc.value.message, exc.value.message_zh) == (
        "Invalid input: manufactured_on.",
        "输入无效：manufactured_on。",
    )
    assert counts() == before


def test_post_lots_names_the_fields_sent_never_the_transformations(world):
    before = counts()
    made = next_year()
    body = {
        "segment_id": world.seg["WCB"].pk,
        "lot_number": "W8",
        "quantity": "10",
        "unit": "vial",
        "manufactured_on": made.isoformat(),
        "expires_on": (made - dt.timedelta(days=1)).isoformat(),
    }
    response = client(world.holder_qa).post("/api/v1/lots", body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()
    assert (error["message"], error["message_zh"]) == (
        "Invalid input: expires_on, manufactured_on.",
        "输入无效：expires_on, manufactured_on。",
    )
    expired = (made - dt.timedelta(days=1)).isoformat()
    assert error["details"]["fields"] == {
        "manufactured_on": FUTURE,
        "expires_on": {
            "message": f"The expiry date ({expired}) is not after the manufacture date ({made.isoformat()}).",
            "message_zh": f"有效期（{expired}）不晚于生产日期（{made.isoformat()}）。",
        },
    }
    assert "outputs[" not in response.content.decode() and "performed_on" not in response.content.decode()
    assert counts() == before


def test_an_output_lot_manufactured_next_year_is_refused(genealogy, world):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        ps.transformation_record(
            actor=world.cmo_qa,
            kind="manufacture",
            segment=world.seg["DP"],
            performed_on=dt.date(2025, 3, 8),
            inputs=[(genealogy.d1, 10)],
            outputs=[make_output("P8", 100, "vial", manufactured_on=next_year(), expires_on=EXPIRES)],
        )
    # the transformation's own payload: its first output's manufacture date
    assert exc.value.details["fields"] == {"outputs[0].manufactured_on": FUTURE}
    assert counts() == before


def test_the_transformation_form_puts_an_outputs_error_under_that_output(genealogy, world):
    g = genealogy
    body = {
        "segment": str(world.seg["DP"].pk),
        "kind": "manufacture",
        "performed_on": "2025-03-08",
        "input_1": str(g.d1.pk),
        "input_quantity_1": "10",
        "output_lot_number_1": "P8",
        "output_quantity_1": "100",
        "output_unit_1": "vial",
        "output_expires_on_1": "2025-03-01",  # before it was made
    }
    before = counts()
    response = client(world.cmo_qa).post("/lots/transformations/new/", body)
    assert response.status_code == 400
    page = html_lib.unescape(response.content.decode())
    assert (
        '<p class="field-error" data-testid="error-output_expires_on_1">有效期（2025-03-01）不晚于生产日期（2025-03-08）。</p>'
        in page
    )
    assert 'data-testid="form-errors"' not in page  # on its field, not at the top of the form
    assert "outputs[" not in page
    assert counts() == before
    future = client(world.cmo_qa).post(
        "/lots/transformations/new/",
        body
        | {"performed_on": next_year().isoformat(), "output_expires_on_1": str(next_year() + dt.timedelta(days=700))},
    )
    assert future.status_code == 400
    page = html_lib.unescape(future.content.decode())
    assert '<p class="field-error" data-testid="error-performed_on">加工日期不能晚于今天。</p>' in page
    assert counts() == before


def test_a_receipt_or_a_certificate_dated_in_the_future_is_refused(market, genealogy, world):
    from bioseg.production.models import CertificateOfAnalysis, Shipment

    sh2 = market.sh2  # to a Beijing consignee: its receipt is recorded by the shipping site, not yet received
    before = counts() | {"certificates": CertificateOfAnalysis.objects.count()}
    tomorrow = clock.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        ps.shipment_receive(actor=world.cmo_qa, shipment=sh2, received_at=tomorrow)
    assert exc.value.details["fields"] == {
        "received_at": {"message": "A receipt cannot be in the future.", "message_zh": "接收时间不能晚于当前时间。"}
    }
    assert Shipment.objects.get(pk=sh2.pk).received_at is None
    with pytest.raises(ValidationFailed) as exc:
        ps.coa_record(
            actor=world.cmo_qa,
            lot=genealogy.p1,
            reference="COA-P1-FUT",
            file_name="coa.pdf",
            sha256="b" * 64,
            issued_on=next_year(),
        )
    assert exc.value.details["fields"] == {
        "issued_on": {
            "message": "The certificate cannot be dated in the future.",
            "message_zh": "报告日期不能晚于今天。",
        }
    }
    assert counts() | {"certificates": CertificateOfAnalysis.objects.count()} == before
