import json

import pytest

from bioseg.audit.context import audit_context
from bioseg.registry.models import Product
from tests.pilots.test_workflow import draft_pd1, services

pytestmark = pytest.mark.django_db


def test_dbg(pw, on_day):
    on_day(__import__("datetime").date(2025, 6, 30))
    with audit_context(actor=pw.admin, reason="t"):
        Product.objects.filter(pk=pw.pd1.pk).update(category="cell_gene_therapy")
    pw.pd1.refresh_from_db()
    app = draft_pd1(pw)
    d = services.application_assess(actor=pw.sz_ra, application=app)
    print(d.outcome)
    for f in json.loads(d.determination_json)["findings"]:
        if f["outcome"] != "pass":
            print(
                f["rule"],
                f["outcome"],
                f["missing_facts"],
                f["awaited_facts"],
                [a["authority"] for a in f["needs_determination_by"]],
            )
