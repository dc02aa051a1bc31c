"""What a user may see: one ``Scope`` per user, which every scoped model's ``restrict(scope)`` filters by.

- **national** — NMPA and the system operator: everything.
- **provincial** — a provincial regulator: what is registered, made, shipped or held in its province
  (``region_code``), each model saying how in its queryset's ``restrict``.
- **enterprise** — an enterprise user: its own enterprise (``enterprise_ids``), the partners it has a quality
  agreement in force with (``partner_ids``) and the products it holds or that such an agreement covers
  (``product_ids``).
- **none** — anyone else (anonymous, inactive, no organisation): nothing.

The scope is computed once per call from the registry (two small queries for an enterprise user) and then
used by every selector, by the trace's in-scope flags and by the re-check after each write, so that "what
this user may see" is decided in one place. "In force" means on ``clock.today()``: an agreement that has
ended no longer shares the partner's records (the holder still sees its own products' lots, a contract
manufacturer still sees what it made at its own sites).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from bioseg.accounts.roles import OrganisationKind


@dataclass(frozen=True)
class Scope:
    kind: str  # "national" | "provincial" | "enterprise" | "none"
    organisation_id: int | None = None
    region_code: str = ""
    enterprise_ids: frozenset[int] = field(default_factory=frozenset)
    partner_ids: frozenset[int] = field(default_factory=frozenset)
    product_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_national(self) -> bool:
        return self.kind == "national"

    @property
    def is_provincial(self) -> bool:
        return self.kind == "provincial"

    @property
    def is_enterprise(self) -> bool:
        return self.kind == "enterprise"

    @property
    def is_none(self) -> bool:
        return self.kind == "none"

    @property
    def visible_enterprise_ids(self) -> frozenset[int]:
        """Own enterprises and partners under an agreement in force."""
        return self.enterprise_ids | self.partner_ids


NOTHING = Scope(kind="none")


def agreements_in_force_q(on_date, prefix: str = "") -> Q:
    """Agreements effective on ``on_date`` (both ends inclusive); ``prefix`` for a related lookup."""
    return Q(**{f"{prefix}effective_from__lte": on_date}) & (
        Q(**{f"{prefix}effective_until__isnull": True}) | Q(**{f"{prefix}effective_until__gte": on_date})
    )


def own_enterprise_ids(user) -> frozenset[int]:
    """The enterprises of the user's organisation (empty for regulators, anonymous or inactive users): the one
    place "which enterprise is this user's" is decided, for scopes and for permission checks alike."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.organisation_id is None:
        return frozenset()
    return _organisation_enterprise_ids(user.organisation_id)


def _organisation_enterprise_ids(organisation_id: int) -> frozenset[int]:
    from bioseg.registry.models import Enterprise

    return frozenset(Enterprise.objects.filter(organisation_id=organisation_id).values_list("id", flat=True))


def enterprise_scope(organisation_id: int, region_code: str = "") -> Scope:
    """The scope of a user of the enterprise organisation ``organisation_id``."""
    from bioseg.common import clock
    from bioseg.registry.models import Product, QualityAgreement

    own = _organisation_enterprise_ids(organisation_id)
    if not own:
        return Scope(kind="enterprise", organisation_id=organisation_id, region_code=region_code)
    today = clock.today()
    agreements = QualityAgreement.objects.filter(agreements_in_force_q(today)).filter(
        Q(holder_id__in=own) | Q(contract_manufacturer_id__in=own)
    )
    partners: set[int] = set()
    agreement_ids: list[int] = []
    for pk, holder_id, cmo_id in agreements.values_list("id", "holder_id", "contract_manufacturer_id"):
        partners.update((holder_id, cmo_id))
        agreement_ids.append(pk)
    products = set(Product.objects.filter(holder_id__in=own).values_list("id", flat=True))
    products.update(
        Product.objects.filter(agreement_links__agreement_id__in=agreement_ids).values_list("id", flat=True)
    )
    return Scope(
        kind="enterprise",
        organisation_id=organisation_id,
        region_code=region_code,
        enterprise_ids=own,
        partner_ids=frozenset(partners - own),
        product_ids=frozenset(products),
    )


def scope_for(user) -> Scope:
    """NMPA and the system operator see the whole country; a provincial regulator its province;
    an enterprise user its own enterprise and what partners share with it; anyone else nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    org = user.organisation
    if org is None:
        return NOTHING
    if org.kind in (OrganisationKind.NMPA, OrganisationKind.OPERATOR):
        return Scope(kind="national", organisation_id=org.pk)
    if org.kind == OrganisationKind.PROVINCIAL_REGULATOR:
        return Scope(kind="provincial", organisation_id=org.pk, region_code=org.region_code)
    if org.kind == OrganisationKind.ENTERPRISE:
        return enterprise_scope(org.pk, org.region_code)
    return NOTHING
