"""Quantities in the production services' refusals are written as users read them: with thousands separators and
the lot's unit, in each language ("12,345.67891 L", "100,000,000,000,000 vials" / "支"), and a refused write changes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.common.errors import ApplicationError, ValidationFailed
from bioseg.production import selectors
from bioseg.production import services as ps
from tests.production.helpers import at, counts, make_output

pytestmark = pytest.mark.django_db


def field_error(exc, field) -> tuple[str, str]:
    error = exc.value.details["fields"][field]
    return error["message"], error["message_zh"]


def make_p9(genealogy, world, *, input_quantity, output_quantity):
    """Shanghai makes drug-product lot P9 (vials) from D1 (litres)."""
    return ps.transformation_record(
        actor=world.cmo_qa,
        kind="manufacture",
        segment=world.seg["DP"],
        performed_on=dt.date(2025, 3, 7),
        inputs=[(genealogy.d1, input_quantity)],
        outputs=[make_output("P9", output_quantity, "vial")],
    )


def test_a_shipment_line_with_too_many_decimals_is_refused_with_the_lots_unit(genealogy, world):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        ps.shipment_create(
            actor=world.cmo_qa,
            reference="SH-9",
            from_site=world.sh_site,
            to_site=world.js_site,
            shipped_at=at(9),
            lines=[(genealogy.d1, "12345.67891")],
        )
    assert list(exc.value.details["fields"]) == ["lines[0].quantity"]
    assert field_error(exc, "lines[0].quantity") == (
        "The quantity 12,345.67891 L has more than 4 decimal places.",
        "数量 12,345.67891 L：小数位多于 4 位。",
    )
    assert counts() == before


def test_a_transformation_input_above_what_can_be_stored_names_the_limit_in_the_inputs_unit(genealogy, world):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        make_p9(genealogy, world, input_quantity=10**15, output_quantity="2500000.5")
    assert list(exc.value.details["fields"]) == ["inputs[0].quantity"]
    assert field_error(exc, "inputs[0].quantity") == (
        "The quantity must be below 100,000,000,000,000 L.",
        "数量须小于 100,000,000,000,000 L。",
    )
    assert counts() == before


def test_an_output_with_too_many_decimals_is_refused_in_its_own_unit_in_both_languages(genealogy, world):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        make_p9(genealogy, world, input_quantity=1, output_quantity="40000.00001")
    assert field_error(exc, "outputs[0].quantity") == (
        "The quantity 40,000.00001 vials has more than 4 decimal places.",
        "数量 40,000.00001 支：小数位多于 4 位。",
    )
    assert counts() == before


def test_an_over_shipment_names_both_quantities_with_separators(genealogy, world):
    lot = ps.lot_create(
        actor=world.holder_qa,
        segment=world.seg["WCB"],
        lot_number="W8",
        quantity=12000,
        unit="vial",
        manufactured_on=dt.date(2025, 1, 10),
        expires_on=dt.date(2030, 1, 1),
    )
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        ps.shipment_create(
            actor=world.holder_qa,
            reference="SH-8",
            from_site=world.js_site,
            to_site=world.sh_site,
            shipped_at=at(9),
            lines=[(lot, "12500")],
        )
    assert exc.value.code == "shipment_refused"
    [problem] = exc.value.details["problems"]
    assert (problem["message"], problem["message_zh"]) == (
        "Lot W8 has 12,000 vials left at Suzhou site; 12,500 vials were to be shipped.",
        "批 W8在苏州基地剩余 12,000 支，拟发运 12,500 支。",
    )
    assert counts() == before


def test_an_out_of_specification_result_is_written_with_separators_in_the_release_refusal(genealogy, world):
    ps.coa_record(
        actor=world.holder_qa,
        lot=genealogy.w1,
        reference="COA-W1",
        file_name="coa.pdf",
        sha256="b" * 64,
        issued_on=dt.date(2025, 3, 20),
        results=[{"test": "Bioburden", "unit": "CFU/L", "spec_max": "5000", "value": "12500.5"}],
    )
    [blocker] = selectors.lot_release_blockers(lot=genealogy.w1, kind="qualified_person")
    assert blocker.message == "Certificate COA-W1 of lot W1: Bioburden = 12,500.5 CFU/L is out of specification."
    assert blocker.message_zh == "批 W1 的检验报告书 COA-W1：Bioburden 结果 12,500.5 CFU/L 不符合规定。"
