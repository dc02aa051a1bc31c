"""What a user may see, as plain data the selectors of every domain app filter by."""

from __future__ import annotations

from dataclasses import dataclass

from bioseg.accounts.roles import OrganisationKind


@dataclass(frozen=True)
class Scope:
    kind: str  # "national" | "provincial" | "enterprise" | "none"
    organisation_id: int | None = None
    region_code: str = ""

    @property
    def is_national(self) -> bool:
        return self.kind == "national"

    @property
    def is_provincial(self) -> bool:
        return self.kind == "provincial"

    @property
    def is_enterprise(self) -> bool:
        return self.kind == "enterprise"


NOTHING = Scope(kind="none")


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
        return Scope(kind="enterprise", organisation_id=org.pk, region_code=org.region_code)
    return NOTHING
