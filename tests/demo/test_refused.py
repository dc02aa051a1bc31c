"""A demo load that fails part-way leaves the database exactly as it was."""

from __future__ import annotations

import dataclasses

import pytest

from bioseg.accounts.models import Organisation, User
from bioseg.audit.models import AuditEvent
from bioseg.common.errors import ValidationFailed
from bioseg.demo.data import SCENARIO
from bioseg.demo.scenario import load
from bioseg.registry.models import Enterprise, Site

pytestmark = pytest.mark.django_db


def test_a_failing_load_changes_nothing():
    last = SCENARIO.enterprises[-1]
    broken_code = last.credit_code[:-1] + ("0" if last.credit_code[-1] != "0" else "1")
    broken = dataclasses.replace(
        SCENARIO, enterprises=(*SCENARIO.enterprises[:-1], dataclasses.replace(last, credit_code=broken_code))
    )
    with pytest.raises(ValidationFailed) as exc:
        load(broken)
    assert set(exc.value.details["fields"]) == {"credit_code"}
    assert [m.objects.count() for m in (Organisation, User, Enterprise, Site, AuditEvent)] == [0, 0, 0, 0, 0]
