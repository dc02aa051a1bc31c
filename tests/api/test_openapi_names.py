"""The OpenAPI document names each schema once: two different schemas under one component name would make
one endpoint documented with another's body (it happened: the pilot application's assess body was
documented as the excursion's)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import bioseg.api.main as api_main


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_api_schemas_share_a_name():
    by_name: dict[str, set[str]] = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("bioseg."):
            by_name[schema.__name__].add(f"{schema.__module__}.{schema.__qualname__}")
    assert {name: sorted(where) for name, where in by_name.items() if len(where) > 1} == {}


def test_the_assess_bodies_are_their_own():
    doc = api_main.api.get_openapi_schema()

    def body(path: str) -> str:
        content = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return content["$ref"].rsplit("/", 1)[1]

    assert body("/api/v1/pilot-applications/{id}/assess") == "AssessIn"
    assert body("/api/v1/excursions/{id}/assess") == "ExcursionAssessIn"
    assert {"AssessIn", "ExcursionAssessIn", "AssessmentOut", "ExcursionAssessmentOut"} <= set(
        doc["components"]["schemas"]
    )
