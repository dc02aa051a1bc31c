"""Schemathesis against the OpenAPI document, on the demo, as two roles (issue 8, "in CI, so it stays found"):
every operation gets a bounded number of generated requests; none may answer a server error, and every answer
must conform to the schema the document gives for its status."""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from bioseg.accounts.models import User
from bioseg.accounts.services import api_token_create
from bioseg.demo.scenario import load
from bioseg.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI app closes the database connection at the end of each request; inside a test transaction it
    must not (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


EXAMPLES = int(os.environ.get("BIOSEG_SCHEMATHESIS_EXAMPLES", "10"))


def run(user: str) -> tuple[Counter, list[str], int]:
    load()
    _token, raw = api_token_create(user=User.objects.get(username=user), name="schemathesis", days_valid=1)
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    statuses: Counter = Counter()
    problems: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operations += 1
        probe_operation(result.ok(), headers, statuses, problems)
    return statuses, problems, operations


def probe_operation(operation, headers, statuses: Counter, problems: list[str]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def probe(case):
        response = case.call(headers=headers)
        statuses[response.status_code // 100] += 1
        for check in (not_a_server_error, response_schema_conformance):
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is collected, reported
                problems.append(f"{operation.label} → {response.status_code}: {type(exc).__name__}: {exc}"[:600])

    probe()


@pytest.mark.parametrize("user", ["suzhou-qa", "js-inspector"])
def test_no_server_error_and_every_answer_on_its_schema(user, epcis_schema):
    statuses, problems, operations = run(user)
    print(f"{user}: {operations} operations, {sum(statuses.values())} requests, by class {dict(statuses)}")
    print("\n".join(problems))
    assert operations >= 100
    assert statuses[5] == 0
    assert problems == []
