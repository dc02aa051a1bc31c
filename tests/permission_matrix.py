"""What the permission matrix expects (issue 8): who each demo user is, computed from the registry without the
scope code, and who sees which row — plain Python over the rows, written from docs/architecture.md "Scope" and
the models, never calling ``restrict`` or a selector. Used by tests/api/test_permission_matrix.py and
tests/web/test_web_permission_matrix.py."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client

from bioseg.accounts.models import User
from bioseg.accounts.roles import OrganisationKind
from bioseg.common import clock

# --- who the user is, computed from the registry without the scope code ----------------------------------------


@dataclass
class Who:
    user: User
    kind: str  # national | provincial | enterprise | none
    region: str = ""
    org_id: int | None = None
    own: set[int] = field(default_factory=set)  # the user's organisation's enterprises
    partners: set[int] = field(default_factory=set)  # the other party of an agreement in force
    products: set[int] = field(default_factory=set)  # held by own, or covered by such an agreement

    @property
    def visible_enterprises(self) -> set[int]:
        return self.own | self.partners

    def __str__(self) -> str:
        return self.user.username


def in_force(agreement, today: dt.date) -> bool:
    return agreement.effective_from <= today and (
        agreement.effective_until is None or agreement.effective_until >= today
    )


class Rules:
    """Who sees which row, written from the documented rules (docs/architecture.md, "Scope"; the models' own
    docstrings say the same in words), over rows read once into plain Python."""

    def __init__(self):
        from bioseg.oversight.models import Inspection, InspectionMember, InspectionSite
        from bioseg.pilots.models import ApplicationParty
        from bioseg.production.models import Lot, Segment, Shipment, ShipmentLine
        from bioseg.quality.models import ChangeAffectedSegment, Stationing
        from bioseg.registry.models import Enterprise, Product, QualityAgreement, QualityAgreementProduct, Site

        self.today = clock.today()
        self.enterprises = {e.id: e for e in Enterprise.objects.all()}
        self.sites = {s.id: s for s in Site.objects.all()}
        self.products = {p.id: p for p in Product.objects.all()}
        self.agreements = {a.id: a for a in QualityAgreement.objects.all()}
        self.agreement_products: dict[int, set[int]] = defaultdict(set)
        for link in QualityAgreementProduct.objects.all():
            self.agreement_products[link.agreement_id].add(link.product_id)
        self.sites_of: dict[int, set[int]] = defaultdict(set)
        for s in self.sites.values():
            self.sites_of[s.enterprise_id].add(s.id)
        self.lots = {lot.id: lot for lot in Lot.objects.all()}
        self.shipments = {s.id: s for s in Shipment.objects.select_related("consignee")}
        self.lines: dict[int, list[int]] = defaultdict(list)  # shipment → lots
        for line in ShipmentLine.objects.all():
            self.lines[line.shipment_id].append(line.lot_id)
        self.segments: dict[int, list[int]] = defaultdict(list)  # chain → sites
        for seg in Segment.objects.all():
            self.segments[seg.chain_id].append(seg.site_id)
        self.affected: dict[int, set[int]] = defaultdict(set)  # change → affected enterprises
        self.affected_sites: dict[int, set[int]] = defaultdict(set)
        for a in ChangeAffectedSegment.objects.all():
            self.affected[a.change_id].add(a.enterprise_id)
            self.affected_sites[a.change_id].add(a.site_id)
        self.stationed_sites: dict[int, set[int]] = defaultdict(set)  # person → sites
        for st in Stationing.objects.all():
            self.stationed_sites[st.person_id].add(st.site_id)
        self.inspection_sites: dict[int, set[int]] = defaultdict(set)
        for i in InspectionSite.objects.all():
            self.inspection_sites[i.inspection_id].add(i.site_id)
        self.members: dict[int, set[int]] = defaultdict(set)
        for m in InspectionMember.objects.all():
            self.members[m.inspection_id].add(m.user_id)
        self.inspections = {i.id: i for i in Inspection.objects.all()}
        self.parties: dict[int, set[int]] = defaultdict(set)  # application → enterprises named (active)
        for p in ApplicationParty.objects.filter(active=True):
            self.parties[p.application_id].add(p.enterprise_id)

    # -- the user --

    def who(self, user: User) -> Who:
        org = user.organisation
        if not user.is_active or org is None:
            return Who(user, "none")
        if org.kind in (OrganisationKind.NMPA, OrganisationKind.OPERATOR):
            return Who(user, "national", org_id=org.id)
        if org.kind == OrganisationKind.PROVINCIAL_REGULATOR:
            return Who(user, "provincial", region=org.region_code, org_id=org.id)
        if org.kind != OrganisationKind.ENTERPRISE:
            return Who(user, "none")
        own = {e.id for e in self.enterprises.values() if e.organisation_id == org.id}
        w = Who(user, "enterprise", region=org.region_code, org_id=org.id, own=own)
        w.products = {p.id for p in self.products.values() if p.holder_id in own}
        for a in self.agreements.values():
            if in_force(a, self.today) and (a.holder_id in own or a.contract_manufacturer_id in own):
                w.partners |= {a.holder_id, a.contract_manufacturer_id}
                w.products |= self.agreement_products[a.id]
        w.partners -= own
        return w

    # -- small facts --

    def site_region(self, site_id) -> str:
        return self.sites[site_id].region_code if site_id else ""

    def holder_region(self, product_id) -> str:
        return self.enterprises[self.products[product_id].holder_id].region_code

    def holder(self, product_id) -> int:
        return self.products[product_id].holder_id

    def touching(self, shipment, region) -> bool:
        consignee = shipment.consignee.region_code if shipment.consignee_id else ""
        return region in (self.site_region(shipment.from_site_id), self.site_region(shipment.to_site_id), consignee)

    # -- registry --

    def enterprise(self, w: Who, e) -> bool:
        if w.kind == "provincial":  # registered in the province, or with a site there
            return e.region_code == w.region or any(self.sites[s].region_code == w.region for s in self.sites_of[e.id])
        return e.id in w.visible_enterprises

    def enterprise_id(self, w: Who, enterprise_id) -> bool:
        return self.enterprise(w, self.enterprises[enterprise_id])

    def site(self, w: Who, s) -> bool:
        if w.kind == "provincial":
            return s.region_code == w.region
        return s.enterprise_id in w.visible_enterprises

    def product(self, w: Who, p) -> bool:
        if w.kind == "provincial":  # its holder is the province's, or a contract manufacturer there makes it
            if self.enterprise_id(w, p.holder_id):
                return True
            return any(
                p.id in self.agreement_products[a.id]
                and any(self.sites[s].region_code == w.region for s in self.sites_of[a.contract_manufacturer_id])
                for a in self.agreements.values()
            )
        return p.id in w.products

    def agreement(self, w: Who, a) -> bool:
        if w.kind == "provincial":
            return self.enterprise_id(w, a.holder_id) or self.enterprise_id(w, a.contract_manufacturer_id)
        # an enterprise sees its own agreements, in force or not (an ended one stays its record)
        return a.holder_id in w.own or a.contract_manufacturer_id in w.own

    def gmp_record(self, w: Who, r) -> bool:
        return self.site(w, self.sites[r.site_id])

    def licence(self, w: Who, r) -> bool:
        return self.enterprise_id(w, r.enterprise_id)

    def person(self, w: Who, p) -> bool:
        return self.enterprise_id(w, p.enterprise_id)

    def qualification(self, w: Who, q) -> bool:
        return self.enterprise_id(w, q.person.enterprise_id)

    # -- production --

    def lot(self, w: Who, lot) -> bool:
        if w.kind == "provincial":  # made in the province, its holder's, or shipped from/to/for the province
            if self.site_region(lot.site_id) == w.region or self.holder_region(lot.product_id) == w.region:
                return True
            return any(lot.id in self.lines[s.id] and self.touching(s, w.region) for s in self.shipments.values())
        return lot.product_id in w.products or self.sites[lot.site_id].enterprise_id in w.own

    def transformation(self, w: Who, t) -> bool:
        if w.kind == "provincial":
            return self.site_region(t.site_id) == w.region or self.holder_region(t.product_id) == w.region
        return t.product_id in w.products or self.sites[t.site_id].enterprise_id in w.own

    def chain(self, w: Who, c) -> bool:
        sites = self.segments[c.id]
        if w.kind == "provincial":
            return any(self.site_region(s) == w.region for s in sites) or self.holder_region(c.product_id) == w.region
        return c.product_id in w.products or any(self.sites[s].enterprise_id in w.own for s in sites)

    def shipment(self, w: Who, s) -> bool:
        lots = self.lines[s.id]
        if w.kind == "provincial":
            return self.touching(s, w.region) or any(
                self.holder_region(self.lots[x].product_id) == w.region for x in lots
            )
        ends = {self.sites[s.from_site_id].enterprise_id}
        if s.to_site_id:
            ends.add(self.sites[s.to_site_id].enterprise_id)
        return bool(ends & w.own) or any(self.lot(w, self.lots[x]) for x in lots)

    # -- quality system: both parties of the agreement for the product, and the two provinces --

    def _quality(self, w: Who, product_id, party_enterprise_id, party_region) -> bool:
        if w.kind == "provincial":
            return party_region == w.region or self.holder_region(product_id) == w.region
        return product_id in w.products and (
            party_enterprise_id in w.visible_enterprises or self.holder(product_id) in w.own
        )

    def deviation(self, w: Who, d) -> bool:
        site = self.sites[d.site_id]
        return self._quality(w, d.product_id, site.enterprise_id, site.region_code)

    oos = deviation

    def capa(self, w: Who, c) -> bool:
        owner = self.enterprises[c.owner_id]
        return self._quality(w, c.product_id, owner.id, owner.region_code)

    def change(self, w: Who, c) -> bool:
        if w.kind == "provincial":  # the requesting site's, the holder's and every affected site's province
            regions = {self.site_region(c.site_id), self.holder_region(c.product_id)}
            regions |= {self.site_region(s) for s in self.affected_sites[c.id]}
            return w.region in regions
        return self._quality(w, c.product_id, self.sites[c.site_id].enterprise_id, "") or (
            c.product_id in w.products and bool(self.affected[c.id] & w.own)
        )

    def excursion(self, w: Who, e) -> bool:
        """An excursion concerns one product on one shipment: a province sees it with the shipment (or as the
        holder's province), an enterprise with the product."""
        if w.kind == "provincial":
            return self.shipment(w, self.shipments[e.shipment_id]) or self.holder_region(e.product_id) == w.region
        return e.product_id in w.products

    def stationing(self, w: Who, st) -> bool:
        if w.kind == "provincial":
            return self.site_region(st.site_id) == w.region or self.enterprises[st.holder_id].region_code == w.region
        return st.holder_id in w.own or self.sites[st.site_id].enterprise_id in w.own

    def training(self, w: Who, t) -> bool:
        enterprise_id = t.person.enterprise_id
        if w.kind == "provincial":
            here = any(self.site_region(s) == w.region for s in self.stationed_sites[t.person_id])
            return here or self.enterprise_id(w, enterprise_id)
        return enterprise_id in w.visible_enterprises

    # -- oversight --

    def inspection(self, w: Who, i) -> bool:
        planned_unannounced = i.kind == "unannounced" and i.status == "planned"
        if w.kind == "provincial":
            if w.user.id in self.members[i.id] or w.user.id == i.approved_by_id:
                return True  # the team and whoever approved the plan
            secret = planned_unannounced and (
                i.planned_from is None or i.planned_from > self.today + dt.timedelta(days=1)
            )
            if i.region_code == w.region:
                return not secret
            others = i.partner_region_code == w.region or (
                i.product_id and self.holder_region(i.product_id) == w.region
            )
            return bool(others) and not planned_unannounced  # other provinces learn of it once it has started
        mine = (
            any(self.sites[s].enterprise_id in w.own for s in self.inspection_sites[i.id])
            or (i.product_id and self.holder(i.product_id) in w.own)
            or i.requested_by_id in w.own
        )
        told = i.status != "planned" and not (i.status == "cancelled" and i.notified_at is None)
        return bool(mine) and told

    def sample(self, w: Who, s) -> bool:
        return self.inspection(w, self.inspections[s.inspection_id])

    def risk_rating(self, w: Who, r) -> bool:
        if w.kind != "provincial":
            return False  # regulators only (403 for enterprises)
        if self.site_region(r.site_id) == w.region:
            return True
        return any(
            r.site_id in sites and self.holder_region(chain.product_id) == w.region
            for chain_id, sites in self.segments.items()
            for chain in [self._chain(chain_id)]
        )

    def _chain(self, chain_id):
        from bioseg.production.models import ProcessChain

        if not hasattr(self, "_chains"):
            self._chains = {c.id: c for c in ProcessChain.objects.all()}
        return self._chains[chain_id]

    def rated_site(self, w: Who, site) -> bool:
        """A site's ratings: for the regulators of its province and of the holders whose chains cross it."""
        if w.kind != "provincial":
            return False
        return self.site_region(site.id) == w.region or any(
            site.id in sites and self.holder_region(self._chain(chain_id).product_id) == w.region
            for chain_id, sites in self.segments.items()
        )

    def joint_plan(self, w: Who, j) -> bool:
        return w.kind == "provincial" and w.region in (j.lead_region_code, j.partner_region_code)

    def narrative(self, w: Who, n) -> bool:
        return w.kind == "provincial" and n.region_code == w.region  # a province's own; enterprises none

    def plan(self, w: Who, p) -> bool:
        return w.kind == "provincial" and p.region_code == w.region  # regulators only (403 for enterprises)

    # -- pilots and the standing route --

    def application(self, w: Who, a) -> bool:
        # ``involved_provinces`` is stored on the application (the holder's and every contract manufacturer's
        # province named in the facts, fixed when filed): the rule reads it as the registry of that fact.
        if w.kind == "provincial":
            return a.submitted_on is not None and w.region in a.involved_provinces.split(",")
        return a.holder_id in w.own or bool(self.parties[a.id] & w.own)

    def arrangement(self, w: Who, a) -> bool:
        if w.kind == "provincial":
            return a.submitted_on is not None and w.region in a.involved_provinces.split(",")
        return a.holder_id in w.own

    def report(self, w: Who, r) -> bool:
        return r.requested_by.organisation_id == w.org_id


def national(rule):
    """NMPA and the operator see every row of a kind; drafts of pilots and arrangements are the holder's alone."""

    def check(rules: Rules, w: Who, obj) -> bool:
        if w.kind == "national":
            return getattr(obj, "submitted_on", True) is not None
        if w.kind == "none":
            return False
        return rule(rules, w, obj)

    return check


def kinds():
    """Route → (rows to try, rule). The rows are fetched fresh in each test (the demo is loaded inside it)."""
    from bioseg.evaluation.models import EvaluationReport
    from bioseg.oversight.models import Inspection, InspectionPlan, RiskRating, Sample
    from bioseg.pilots.models import PilotApplication, SegmentedArrangement, StoredDetermination
    from bioseg.production.models import Lot, ProcessChain, Shipment, Transformation
    from bioseg.quality.models import Capa, ChangeRequest, Deviation, OosInvestigation, Stationing, TrainingRecord
    from bioseg.registry.models import (
        Enterprise,
        GmpRecord,
        ManufacturingLicence,
        Person,
        Product,
        Qualification,
        QualityAgreement,
        Site,
    )

    def rows(model, *related):
        return lambda: model.objects.select_related(*related).order_by("id")

    def determinations():
        return StoredDetermination.objects.select_related("application").order_by("id")

    def determination_rule(rules, w, det):
        return national(Rules.application)(rules, w, det.application)

    return {
        "/api/v1/enterprises/{id}": (rows(Enterprise), national(Rules.enterprise)),
        "/api/v1/sites/{id}": (rows(Site), national(Rules.site)),
        "/api/v1/licences/{id}": (rows(ManufacturingLicence), national(Rules.licence)),
        "/api/v1/gmp-records/{id}": (rows(GmpRecord), national(Rules.gmp_record)),
        "/api/v1/products/{id}": (rows(Product), national(Rules.product)),
        "/api/v1/personnel/{id}": (rows(Person), national(Rules.person)),
        "/api/v1/qualifications/{id}": (rows(Qualification, "person"), national(Rules.qualification)),
        "/api/v1/quality-agreements/{id}": (rows(QualityAgreement), national(Rules.agreement)),
        "/api/v1/deviations/{id}": (rows(Deviation), national(Rules.deviation)),
        "/api/v1/capas/{id}": (rows(Capa), national(Rules.capa)),
        "/api/v1/oos/{id}": (rows(OosInvestigation), national(Rules.oos)),
        "/api/v1/stationing/{id}": (rows(Stationing), national(Rules.stationing)),
        "/api/v1/training-records/{id}": (rows(TrainingRecord, "person"), national(Rules.training)),
        "/api/v1/changes/{id}": (rows(ChangeRequest), national(Rules.change)),
        "/api/v1/inspections/{id}": (rows(Inspection), national(Rules.inspection)),
        "/api/v1/samples/{id}": (rows(Sample), national(Rules.sample)),
        "/api/v1/risk-ratings/{id}": (rows(RiskRating), national(Rules.risk_rating)),
        "/api/v1/risk-ratings/sites/{site_id}": (rows(Site), national(Rules.rated_site)),
        "/api/v1/inspection-plans/{id}": (rows(InspectionPlan), national(Rules.plan)),
        "/api/v1/pilot-applications/{id}": (rows(PilotApplication), national(Rules.application)),
        "/api/v1/pilot-applications/{id}/determinations/{det_id}": (determinations, determination_rule),
        "/api/v1/arrangements/{id}": (rows(SegmentedArrangement), national(Rules.arrangement)),
        "/api/v1/evaluation-reports/{id}": (rows(EvaluationReport, "requested_by"), national(Rules.report)),
        "/api/v1/chains/{id}": (rows(ProcessChain), national(Rules.chain)),
        "/api/v1/lots/{id}": (rows(Lot), national(Rules.lot)),
        "/api/v1/transformations/{id}": (rows(Transformation), national(Rules.transformation)),
        "/api/v1/shipments/{id}": (rows(Shipment, "consignee"), national(Rules.shipment)),
    }


def url_of(route: str, obj) -> str:
    if "{det_id}" in route:
        return route.replace("{id}", str(obj.application_id)).replace("{det_id}", str(obj.id))
    return route.replace("{id}", str(obj.id)).replace("{site_id}", str(obj.id))


def detail_routes(client: Client) -> list[str]:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return sorted(p for p, ops in paths.items() if "get" in ops and re.search(r"/\{[a-z_]+\}$", p))


def demo_users() -> list[User]:
    """Every demo user with an organisation (every role of the demo), by username."""
    return list(User.objects.filter(organisation__isnull=False).select_related("organisation").order_by("username"))


def clients_for(users):
    out = {}
    for user in users:
        c = Client()
        c.force_login(user)
        out[user.pk] = c
    return out


def row_counts() -> dict[str, int]:
    """Rows of every table of the project, the audit trail and e-signatures included."""
    from django.apps import apps

    return {
        m._meta.db_table: m._base_manager.count()
        for m in apps.get_models()
        if m.__module__.startswith("bioseg.") and not m._meta.proxy
    }


# --- running the read matrix -------------------------------------------------------------------------------------

HIDDEN = {403, 404}

# The scope is the organisation's (``scope_for``): colleagues see the same rows, except on the routes where the user
# matters (an inspection's team, whoever approved its plan), which each caller names. By default each organisation's
# users share out the ids of a route in turn — every (organisation, id) pair and every user is tried, in about a
# third of the requests, which keeps a run under two minutes on PostgreSQL; BIOSEG_PERMISSION_MATRIX=full tries
# every pair.
FULL = os.environ.get("BIOSEG_PERMISSION_MATRIX", "") == "full"


@pytest.fixture
def quiet_not_found():
    """Thousands of expected 404s: Django's request logger would print a line for each."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def read_matrix(table: dict, routes: list[str], url_for: Callable[[str, object], str], per_user: set[str], what: str):
    """GET ``url_for(route, row)`` for the rows of each route as the demo users; the answer must be 200 exactly when
    the route's rule says the user sees the row (else 403/404). Prints the figures; returns the mismatches."""
    started = time.monotonic()
    rules = Rules()
    users = demo_users()
    clients = clients_for(users)
    whos = {u.pk: rules.who(u) for u in users}
    colleagues: dict[int, list[int]] = defaultdict(list)  # organisation → its users' ids, in order
    for user in users:
        colleagues[user.organisation_id].append(user.pk)
    mismatches: list[str] = []
    pairs = 0
    per_route: dict[str, tuple[int, int]] = {}
    for route in routes:
        fetch, rule = table[route]
        objs = list(fetch())
        seen = 0
        for user in users:
            w = whos[user.pk]
            team = colleagues[user.organisation_id]
            for obj in objs:
                if not (FULL or route in per_user or team[obj.id % len(team)] == user.pk):
                    continue
                url = url_for(route, obj)
                expected = rule(rules, w, obj)
                got = clients[user.pk].get(url).status_code
                pairs += 1
                seen += got == 200
                if (got == 200) != expected or (got != 200 and got not in HIDDEN):
                    mismatches.append(
                        f"{w} ({w.kind} {w.region}) GET {url}: expected {'200' if expected else '403/404'}, got {got}"
                    )
        per_route[route] = (len(objs), seen)
    sampling = "every pair" if FULL else "ids shared out among colleagues"
    print(
        f"\npermission matrix ({what}, {sampling}): {len(users)} users × {len(per_route)} routes, {pairs} pairs "
        f"tried in {time.monotonic() - started:.1f} s, {len(mismatches)} mismatches"
    )
    for route, (n, seen) in per_route.items():
        print(f"  {route}: {n} ids, {seen} visible answers")
    return mismatches
