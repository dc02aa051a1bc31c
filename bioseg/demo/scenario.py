"""Loads the demo scenario (``bioseg.demo.data``) through the same services a user calls.

The order is the one a real deployment follows, so the audit trail reads like a real one: the system
operator's organisation and its admin are set up first (actor ``demo-loader``); the admin registers the
regulators, NMPA and the enterprises with their users; each enterprise's own users then register its
sites, licences, GMP records, products and people; each holder records its quality agreements.

Idempotent: every object is looked up by its natural key (credit code or English name, user name,
licence number, GMP reference, agreement reference, …) before a service is called, so a second run
creates nothing. All of it runs in one transaction: a failure leaves the database as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from bioseg.accounts.models import Organisation, User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import organisation_create, user_create
from bioseg.audit.context import audit_context
from bioseg.demo import changes, oversight, pilots, production, quality
from bioseg.demo.data import DEMO_PASSWORD, SCENARIO, EnterpriseSpec, Scenario, UserSpec
from bioseg.registry import services as registry
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
from bioseg.registry.services import quality_agreement_create

__all__ = ["DEMO_PASSWORD", "LoadResult", "load"]

T = TypeVar("T")

LOADER = "demo-loader"


@dataclass
class LoadResult:
    created: int = 0
    existing: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (user name, role, organisation)
    created_by_kind: Counter = field(default_factory=Counter)


class _Loader:
    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.result = LoadResult()
        self.users: dict[str, User] = {}
        self.enterprises: dict[str, Enterprise] = {}
        self.products: dict[str, Product] = {}

    # -- bookkeeping --------------------------------------------------------------------------------

    def ensure(self, kind: str, found: T | None, create: Callable[[], T]) -> T:
        if found is not None:
            self.result.existing += 1
            return found
        obj = create()
        self.result.created += 1
        self.result.created_by_kind[kind] += 1
        return obj

    def organisation(self, *, kind: str, name_zh: str, name_en: str, region_code: str = "", country_code: str = "CN"):
        return self.ensure(
            "organisation",
            Organisation.objects.filter(kind=kind, name_en=name_en).first(),
            lambda: organisation_create(
                kind=kind, name_zh=name_zh, name_en=name_en, region_code=region_code, country_code=country_code
            ),
        )

    def user(self, spec: UserSpec, organisation: Organisation) -> User:
        user = self.ensure(
            "user",
            User.objects.filter(username=spec.username).first(),
            lambda: user_create(
                username=spec.username,
                password=DEMO_PASSWORD,
                organisation=organisation,
                roles=[spec.role],
                printed_name=spec.printed_name,
                email=spec.email,
            ),
        )
        self.users[spec.username] = user
        self.result.logins.append((spec.username, str(spec.role), organisation.name_en))
        return user

    # -- the scenario -------------------------------------------------------------------------------

    def run(self) -> LoadResult:
        s = self.s
        with audit_context(actor=LOADER, reason=gettext_noop("system operator set up")):
            operator = self.organisation(kind=OrganisationKind.OPERATOR, name_zh=s.operator[0], name_en=s.operator[1])
            admin = self.user(s.admin, operator)
        with audit_context(actor=admin, reason=gettext_noop("organisation registered")):
            nmpa = self.organisation(kind=OrganisationKind.NMPA, name_zh=s.nmpa[0], name_en=s.nmpa[1])
            self.user(s.nmpa_officer, nmpa)
            for r in s.regulators:
                org = self.organisation(
                    kind=OrganisationKind.PROVINCIAL_REGULATOR,
                    name_zh=r.name_zh,
                    name_en=r.name_en,
                    region_code=r.region_code,
                )
                self.user(UserSpec(f"{r.prefix}-reviewer", Role.PROVINCIAL_REVIEWER, r.reviewer), org)
                self.user(UserSpec(f"{r.prefix}-inspector", Role.PROVINCIAL_INSPECTOR, r.inspector), org)
        for spec in s.enterprises:
            self.enterprise(spec, admin)
        for spec in s.enterprises:
            self.enterprise_records(spec)
        for a in s.agreements:
            self.ensure(
                "quality_agreement",
                QualityAgreement.objects.filter(reference=a.reference).first(),
                lambda a=a: quality_agreement_create(
                    actor=self.users[a.signed_by],
                    reference=a.reference,
                    holder=self.enterprises[a.holder],
                    contract_manufacturer=self.enterprises[a.contract_manufacturer],
                    products=[self.products[k] for k in a.products],
                    effective_from=a.effective_from,
                    effective_until=a.effective_until,
                ),
            )
        return self.result

    def enterprise(self, spec: EnterpriseSpec, admin: User) -> None:
        """The admin registers the enterprise, its organisation and its users."""
        with audit_context(actor=admin, reason=gettext_noop("organisation registered")):
            org = self.organisation(
                kind=OrganisationKind.ENTERPRISE,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                region_code=spec.region_code,
                country_code=spec.country_code,
            )
        found = (
            Enterprise.objects.filter(credit_code=spec.credit_code).first()
            if spec.credit_code
            else Enterprise.objects.filter(name_en=spec.name_en).first()
        )
        self.enterprises[spec.key] = self.ensure(
            "enterprise",
            found,
            lambda: registry.enterprise_create(
                actor=admin,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                credit_code=spec.credit_code,
                domestic=spec.domestic,
                country_code=spec.country_code,
                region_code=spec.region_code,
                roles=list(spec.roles),
                organisation=org,
            ),
        )
        with audit_context(actor=admin, reason=gettext_noop("user account created")):
            for u in spec.users:
                self.user(u, org)

    def enterprise_records(self, spec: EnterpriseSpec) -> None:
        """The enterprise's own users register what it has."""
        enterprise = self.enterprises[spec.key]
        writer = self.users[spec.writer]
        quality = self.users[spec.quality_writer or spec.writer]
        for ss in spec.sites:
            site = self.ensure(
                "site",
                Site.objects.filter(enterprise=enterprise, name_en=ss.name_en).first(),
                lambda ss=ss: registry.site_create(
                    actor=writer,
                    enterprise=enterprise,
                    name_zh=ss.name_zh,
                    name_en=ss.name_en,
                    address=ss.address,
                    country_code=ss.country_code,
                    region_code=ss.region_code,
                    activities=list(ss.activities),
                ),
            )
            for g in ss.gmp:
                self.ensure(
                    "gmp_record",
                    GmpRecord.objects.filter(site=site, reference=g.reference).first(),
                    lambda g=g, site=site, ss=ss: registry.gmp_record_create(
                        actor=quality,
                        site=site,
                        inspected_on=g.inspected_on,
                        scope=g.scope,
                        outcome=g.outcome,
                        authority_region_code=ss.region_code,
                        reference=g.reference,
                    ),
                )
        for lic in spec.licences:
            self.ensure(
                "licence",
                ManufacturingLicence.objects.filter(number=lic.number).first(),
                lambda lic=lic: registry.licence_create(
                    actor=writer,
                    enterprise=enterprise,
                    number=lic.number,
                    licence_class=lic.licence_class,
                    scope=lic.scope,
                    valid_from=lic.valid_from,
                    valid_until=lic.valid_until,
                ),
            )
        for p in spec.products:
            self.products[p.key] = self.ensure(
                "product",
                Product.objects.filter(holder=enterprise, name_en=p.name_en).first(),
                lambda p=p: registry.product_create(
                    actor=writer,
                    holder=enterprise,
                    name_zh=p.name_zh,
                    name_en=p.name_en,
                    category=p.category,
                    approval_number=p.approval_number,
                    innovative=p.innovative,
                    urgent_clinical_need=p.urgent_clinical_need,
                    nmpa_specified=p.nmpa_specified,
                    origin=p.origin,
                    storage_min_c=p.storage[0] if p.storage else None,
                    storage_max_c=p.storage[1] if p.storage else None,
                ),
            )
        for ps in spec.persons:
            person = self.ensure(
                "person",
                Person.objects.filter(enterprise=enterprise, name=ps.name).first(),
                lambda ps=ps: registry.person_create(
                    actor=quality,
                    enterprise=enterprise,
                    name=ps.name,
                    name_en=ps.name_en,
                    roles=list(ps.roles),
                    email=ps.email,
                ),
            )
            for q in ps.qualifications:
                self.ensure(
                    "qualification",
                    Qualification.objects.filter(person=person, kind=q.kind, number=q.number).first(),
                    lambda q=q, person=person: registry.qualification_create(
                        actor=quality,
                        person=person,
                        kind=q.kind,
                        number=q.number,
                        valid_from=q.valid_from,
                        valid_until=q.valid_until,
                    ),
                )


def load(scenario: Scenario = SCENARIO) -> LoadResult:
    """Creates whatever of the demo scenario is missing, in one transaction, and lists the demo logins. Loaded in
    the default language whatever the caller's is: nothing in the records depends on who loads them."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        loader = _Loader(scenario)
        loader.run()
        production.load(loader)  # chains, lots, shipments, releases (bioseg/demo/production.py)
        pilots.load(loader, DEMO_PASSWORD)  # pilot applications at their historical dates (bioseg/demo/pilots.py)
        quality.load(loader, DEMO_PASSWORD)  # deviations (bioseg/demo/quality.py)
        quality.load_more(loader, DEMO_PASSWORD)  # CAPA, an OOS, stationed personnel
        changes.load(loader, DEMO_PASSWORD)  # change control (bioseg/demo/changes.py)
        oversight.load(loader, DEMO_PASSWORD)  # inspectors, inspections, findings, samples (bioseg/demo/oversight.py)
        return loader.result
