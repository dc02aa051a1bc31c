"""``bioseg lots`` as text: every column as wide as its longest value, so a long product name never runs into
the site column."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bioseg.cli import app
from bioseg.cli.epcis import text_table
from bioseg.registry import services as rs
from tests.production import conftest as production_fixtures

pytestmark = pytest.mark.django_db

world = production_fixtures.world
genealogy = production_fixtures.genealogy


def test_text_table_pads_to_the_longest_value():
    rows = [{"id": 7, "name": "a very long product name indeed", "site": "S"}, {"id": 12, "name": "x", "site": "T"}]
    assert text_table([("id", "id"), ("product", "name"), ("site", "site")], rows, right=("id",)) == [
        "id  product                          site",
        " 7  a very long product name indeed  S",
        "12  x                                T",
    ]


def test_lots_text_keeps_long_product_names_whole(genealogy, world):
    long_name = "Zituzumab Vedotin for Injection (anti-HER2 ADC), 100 mg/vial"
    rs.product_update(actor=world.holder_qa, product=world.pd1, reason="rename", name_en=long_name)
    lines = CliRunner().invoke(app, ["lots"]).output.splitlines()
    header, first = lines[0], lines[1]
    assert header.index("site") == first.index("Suzhou site")
    assert first[header.index("product") :].startswith(long_name + "  Suzhou site")
    assert lines[-1] == "5 lot(s)"
