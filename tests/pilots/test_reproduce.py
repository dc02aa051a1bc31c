"""Stored determinations keep ruleset id, version, as_of, the case and the output, and reproduce exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from bioseg.pilots import cases, selectors, services
from bioseg.pilots.models import StoredDetermination
from bioseg.regulation import assess, determination_to_dict, get_ruleset
from tests.pilots.helpers import PD1_DECLARED

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(pw, on_day):
    on_day(dt.date(2025, 6, 30))
    app = services.application_draft(actor=pw.sz_ra, product=pw.pd1)
    services.application_facts_declare(actor=pw.sz_ra, application=app, facts=PD1_DECLARED, reason="facts")
    return services.application_assess(actor=pw.sz_ra, application=app, as_of=dt.date(2025, 9, 1))


def test_a_stored_determination_keeps_what_is_needed_to_reproduce_it(stored):
    ruleset = get_ruleset("pilot2024")
    assert (stored.ruleset, stored.ruleset_version, stored.as_of) == ("pilot2024", ruleset.version, dt.date(2025, 9, 1))
    case = json.loads(stored.case_json)
    assert "as_of" not in case
    assert case["joint_regulatory_plan"] == {"agreed_by": []}
    again = determination_to_dict(assess(case, as_of=stored.as_of, ruleset="pilot2024"))
    assert cases.canonical_json(again) == stored.determination_json
    assert cases.sha256_text(stored.determination_json) == stored.determination_sha256
    assert cases.sha256_text(stored.case_json) == stored.case_sha256
    assert stored.parameters_sha256 == cases.parameters_digest(ruleset)
    data = selectors.determination_data(stored)
    assert (data["ruleset"], data["as_of"], data["outcome"]) == ("pilot2024", "2025-09-01", stored.outcome)


def test_reproduce_is_exact_and_writes_nothing(stored):
    before = StoredDetermination.objects.count()
    result = selectors.determination_reproduce(stored=stored)
    assert result.as_dict() == {
        "determination_id": stored.pk,
        "ruleset": "pilot2024",
        "stored_version": stored.ruleset_version,
        "current_version": stored.ruleset_version,
        "as_of": "2025-09-01",
        "reproducible": True,
        "identical": True,
        "stored_sha256": stored.determination_sha256,
        "current_sha256": stored.determination_sha256,
        "parameters_match": True,
        "case_intact": True,
        "differences": [],
        "message_en": "Reproduced exactly: the same case, ruleset version and as_of give the same determination.",
        "message_zh": "已完全复现：相同的案例、规则集版本和评估日得出相同的结论。",
    }
    assert StoredDetermination.objects.count() == before


def test_reproduce_names_what_differs(stored):
    data = json.loads(stored.determination_json)
    data["outcome"] = "eligible"
    altered = StoredDetermination(**{**_fields(stored), "determination_json": cases.canonical_json(data)})
    result = selectors.determination_reproduce(stored=altered)
    assert (result.reproducible, result.identical, result.differences) == (True, False, ["outcome"])


def test_reproduce_refuses_to_compare_another_ruleset_version(stored, monkeypatch):
    newer = dataclasses.replace(get_ruleset("pilot2024"), version="2099-01-01")
    monkeypatch.setattr(selectors, "get_ruleset", lambda name: newer)
    result = selectors.determination_reproduce(stored=stored)
    assert (result.reproducible, result.identical, result.current_version) == (False, False, "2099-01-01")
    assert result.message_en.startswith(f"Stored with pilot2024 version {stored.ruleset_version}; this installation")


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
