"""The permission matrix as a test (issue 8, "in CI, so it stays found").

**Reads.** Every detail route ``GET …/{id}`` of the OpenAPI document × every demo user × every id of that kind in
the demo. The expected answer (200, or 403/404) is computed by ``Rules`` — plain Python over the rows, written from
docs/architecture.md "Scope" and the models, never calling ``restrict`` or a selector — and compared with what the
API answers. A detail route the test cannot map fails the test until it is mapped or listed in ``SKIPPED`` with a
reason, so a new endpoint is covered by construction.

**Writes with foreign ids.** A sample of write steps (lot, shipment, excursion, deviation, CAPA, change steps),
each tried by a user of an enterprise that cannot see the target object: refused (403/404), and neither the
touched tables nor the audit trail gain a row.

Both run on the demo (``bioseg.demo.scenario.load``), on whichever engine the run uses.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

import pytest
from django.test import Client

from bioseg.accounts.models import User
from bioseg.accounts.roles import OrganisationKind
from bioseg.common import clock
from bioseg.demo.data import DEMO_PASSWORD, SUZHOU
from tests.permission_matrix import (
    HIDDEN,
    Rules,
    clients_for,
    demo_users,
    detail_routes,
    kinds,
    national,
    quiet_not_found,  # noqa: F401 - the fixture, used by pytestmark
    read_matrix,
    row_counts,
    url_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_not_found")]


PER_USER = {"/api/v1/inspections/{id}", "/api/v1/samples/{id}"}  # the user matters, not only its organisation

# Detail routes not checked here, each with why. Anything else ending in ``/{…}`` must be mapped in ``tests.permission_matrix.kinds()``.
SKIPPED: dict[str, str] = {}


def test_every_detail_route_every_user_every_id():
    from bioseg.demo.scenario import load

    load()
    table = kinds()
    routes = detail_routes(Client())
    unmapped = [r for r in routes if r not in table and r not in SKIPPED]
    assert not unmapped, f"detail routes with no rule in the permission matrix: {unmapped}"
    mismatches = read_matrix(table, [r for r in routes if r not in SKIPPED], url_of, PER_USER, "API reads")
    print(f"  skipped: {SKIPPED}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:200])


# --- writes with another organisation's ids --------------------------------------------------------------------

SIGNED = {"password": DEMO_PASSWORD, "reason": "permission matrix probe"}
WHY = {"reason": "permission matrix probe"}

# (route, the kind of the id in the path, body). The body is valid for the step, so a refusal is the scope's (or
# the role's), not a field error's.
WRITES = [
    ("/api/v1/lots/{id}/reject", "lot", SIGNED),
    ("/api/v1/lots/{id}/releases", "lot", {"kind": "qualified_person", **SIGNED}),
    ("/api/v1/lots/{id}/recall", "lot", {"recall_class": "II", **SIGNED}),
    (
        "/api/v1/lots/{id}/certificates",
        "lot",
        {"reference": "COA-PROBE", "file_name": "p.pdf", "issued_on": "2026-01-01", "sha256": "0" * 64, **WHY},
    ),
    ("/api/v1/shipments/{id}/receive", "shipment", {"received_at": "2026-01-01T08:00:00Z", **WHY}),
    ("/api/v1/excursions/{id}/assess", "excursion", {"outcome": "rejected", "justification": "probe", **SIGNED}),
    (
        "/api/v1/deviations/{id}/submit_investigation",
        "deviation",
        {"root_cause": "x", "investigation_summary": "y", **WHY},
    ),
    ("/api/v1/deviations/{id}/approve_investigation", "deviation", SIGNED),
    ("/api/v1/deviations/{id}/close", "deviation", SIGNED),
    ("/api/v1/deviations/{id}/reclassify", "deviation", {"classification": "minor", **WHY}),
    ("/api/v1/capas/{id}/approve_plan", "capa", SIGNED),
    ("/api/v1/capas/{id}/close", "capa", {"result": "effective", **SIGNED}),
    ("/api/v1/capas/{id}/reopen", "capa", WHY),
    (
        "/api/v1/capas/{id}/actions",
        "capa",
        {"description": "probe", "kind": "corrective", "owner_id": 1, "due_on": "2026-12-31"},
    ),
    ("/api/v1/oos/{id}/confirm", "oos", SIGNED),
    ("/api/v1/oos/{id}/decide_recall", "oos", {"decision": "no_recall", "reasoning": "probe", **SIGNED}),
    ("/api/v1/changes/{id}/approve", "change", SIGNED),
    ("/api/v1/changes/{id}/reject", "change", SIGNED),
    (
        "/api/v1/changes/{id}/assessments",
        "change",
        {"conclusion": "acceptable", "assessment": "probe", "password": DEMO_PASSWORD},
    ),
    ("/api/v1/sites/{id}", "site", {"name_en": "probe", **WHY}),
    ("/api/v1/products/{id}", "product", {"name_en": "probe", **WHY}),
]


def write_targets():
    from bioseg.production.models import Excursion, Lot, Shipment
    from bioseg.quality.models import Capa, ChangeRequest, Deviation, OosInvestigation
    from bioseg.registry.models import Product, Site

    return {
        "lot": (Lot.objects.order_by("id"), Rules.lot),
        "shipment": (Shipment.objects.select_related("consignee").order_by("id"), Rules.shipment),
        "excursion": (Excursion.objects.order_by("id"), Rules.excursion),
        "deviation": (Deviation.objects.order_by("id"), Rules.deviation),
        "capa": (Capa.objects.order_by("id"), Rules.capa),
        "oos": (OosInvestigation.objects.order_by("id"), Rules.oos),
        "change": (ChangeRequest.objects.order_by("id"), Rules.change),
        "site": (Site.objects.order_by("id"), Rules.site),
        "product": (Product.objects.order_by("id"), Rules.product),
    }


def test_writes_with_another_enterprises_ids_are_refused_and_write_nothing():
    from bioseg.demo.scenario import load

    load()
    started = time.monotonic()
    rules = Rules()
    users = [u for u in demo_users() if u.organisation.kind == OrganisationKind.ENTERPRISE]
    clients = clients_for(users)
    whos = {u.pk: rules.who(u) for u in users}
    targets = write_targets()
    problems: list[str] = []
    pairs = 0
    by_route: dict[tuple[str, int], int] = defaultdict(int)
    refusals: dict[int, int] = defaultdict(int)
    before = row_counts()
    for route, kind, body in WRITES:
        qs, rule = targets[kind]
        objs = list(qs)
        method = "patch" if route.endswith("/{id}") else "post"
        tried = 0
        for user in users:
            w = whos[user.pk]
            foreign = [o for o in objs if not rule(rules, w, o)]
            for obj in foreign:
                url = route.replace("{id}", str(obj.id))
                response = getattr(clients[user.pk], method)(url, body, content_type="application/json")
                pairs += 1
                tried += 1
                refusals[response.status_code] += 1
                if response.status_code == 404 and response.json().get("details", {}).get("id") != str(obj.id):
                    # a 404 for the route or the step, not for the object: the probe did not reach the scope check
                    problems.append(f"{w} {method.upper()} {url}: 404 not about the object: {response.content[:160]!r}")
                    by_route[(route, 404)] += 1
                elif response.status_code not in HIDDEN:
                    problems.append(f"{w} {method.upper()} {url}: {response.status_code} {response.content[:160]!r}")
                    by_route[(route, response.status_code)] += 1
        assert tried, f"{route}: no enterprise user without sight of a {kind} in the demo"
    after = row_counts()
    written = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    elapsed = time.monotonic() - started
    print(
        f"\npermission matrix (writes): {len(users)} enterprise users × {len(WRITES)} write steps × foreign ids, "
        f"{pairs} pairs tried in {elapsed:.1f} s, answers {dict(refusals)}; tables written: {written or 'none'}"
    )
    assert not problems, f"{len(problems)} foreign writes not refused: {dict(by_route)}\n" + "\n".join(
        problems[:: max(1, len(problems) // 40)]
    )
    assert not written, f"refused writes left rows behind (table: before, after): {written}"


# --- one contract manufacturer, two holders, one shipment ------------------------------------------------------


def shared_shipment():
    """The demo, plus what the probe of issue 8 added: a contract manufacturer that works for two holders. The
    demo's logged shipment from a contract manufacturer (Rheinau, Nanjing Zifeng's for its ADC) gets a second
    agreement, with Suzhou Xinghu for PD-1, and carries a PD-1 lot too, with an excursion of PD-1 on it.
    Returns (shipment, the second holder's lot, its excursion, the first holder)."""
    from bioseg.audit.context import audit_context
    from bioseg.production.models import Excursion, Lot, Shipment, ShipmentLine
    from bioseg.registry.models import Enterprise, Product
    from bioseg.registry.services import quality_agreement_create

    shipment = (
        Shipment.objects.filter(from_site__enterprise__is_contract_manufacturer=True, temperature_logs__isnull=False)
        .order_by("id")
        .first()
    )
    assert shipment is not None, "the demo has no logged shipment from a contract manufacturer"
    cmo = shipment.from_site.enterprise
    first_holder = shipment.lines.first().lot.product.holder
    second = Enterprise.objects.get(credit_code=SUZHOU.credit_code)
    assert second != first_holder
    product = Product.objects.filter(holder=second).order_by("id").first()
    quality_agreement_create(
        actor=User.objects.get(username="suzhou-qa"),
        reference="QA-PROBE-SHARED-CMO",
        holder=second,
        contract_manufacturer=cmo,
        products=[product],
        effective_from=clock.today() - dt.timedelta(days=30),
    )
    lot = Lot.objects.filter(product=product).order_by("id").first()
    log = shipment.temperature_logs.order_by("id").first()
    with audit_context(actor="test-setup", reason="a second holder's lot on a shared shipment"):
        ShipmentLine.objects.create(shipment=shipment, lot=lot, quantity=1)
        excursion = Excursion.objects.create(
            log=log,
            shipment=shipment,
            product=product,
            storage_min_c=2,
            storage_max_c=8,
            lowest_c=2,
            highest_c=12,
            minutes_out_of_range=45,
            first_out_at=shipment.shipped_at,
        )
    return shipment, lot, excursion, first_holder


def test_a_contract_manufacturer_working_for_two_holders_shows_each_only_its_own():
    from bioseg.demo.scenario import load

    load()
    shipment, shared_lot, excursion, first_holder = shared_shipment()
    rules = Rules()
    users = demo_users()
    clients = clients_for(users)
    problems: list[str] = []
    pairs = 0
    for user in users:
        w = rules.who(user)
        c = clients[user.pk]
        response = c.get(f"/api/v1/shipments/{shipment.id}")
        pairs += 1
        if (response.status_code == 200) != national(Rules.shipment)(rules, w, rules.shipments[shipment.id]):
            problems.append(f"{w} GET /shipments/{shipment.id}: {response.status_code}")
        if response.status_code == 200:
            for line in response.json()["lines"]:
                if not national(Rules.lot)(rules, w, rules.lots[line["lot_id"]]):
                    problems.append(f"{w} sees lot {line['lot_id']} on shipment {shipment.id}")
        for item in c.get("/api/v1/excursions", {"limit": 500}).json()["items"]:
            pairs += 1
            if w.kind == "enterprise" and item["product_id"] not in w.products:
                problems.append(f"{w} sees excursion {item['id']} of product {item['product_id']}")
        lot_answer = c.get(f"/api/v1/lots/{shared_lot.id}").status_code
        pairs += 1
        if (lot_answer == 200) != national(Rules.lot)(rules, w, shared_lot):
            problems.append(f"{w} GET /lots/{shared_lot.id}: {lot_answer}")
    # the other holder may not dispose of the ADC's excursion
    before = row_counts()
    others = [u for u in users if u.organisation_id == first_holder.organisation_id]
    assert others
    for other in others:
        username = other.username
        answer = clients[other.pk].post(
            f"/api/v1/excursions/{excursion.id}/assess",
            {"outcome": "rejected", "justification": "probe", **SIGNED},
            content_type="application/json",
        )
        pairs += 1
        if answer.status_code not in HIDDEN:
            problems.append(f"{username} POST /excursions/{excursion.id}/assess: {answer.status_code}")
    after = row_counts()
    written = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    print(
        f"\npermission matrix (one CMO, two holders): {len(users)} users, {pairs} checks; written: {written or 'none'}"
    )
    assert not problems, "\n".join(problems)
    assert not written
