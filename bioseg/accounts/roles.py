"""Roles and organisation kinds, with their bilingual labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    PROVINCIAL_REGULATOR = "provincial_regulator", _("Provincial regulator")
    NMPA = "nmpa", _("NMPA")
    OPERATOR = "operator", _("System operator")


class Role(models.TextChoices):
    HOLDER_RA = "holder_ra", _("Holder regulatory affairs")
    HOLDER_QA = "holder_qa", _("Holder QA")
    QUALIFIED_PERSON = "qualified_person", _("Qualified person")
    CMO_QA = "cmo_qa", _("Contract manufacturer QA")
    PROVINCIAL_REVIEWER = "provincial_reviewer", _("Provincial reviewer")
    PROVINCIAL_INSPECTOR = "provincial_inspector", _("Provincial inspector")
    NMPA_OFFICER = "nmpa_officer", _("NMPA officer")
    SYSTEM_ADMIN = "system_admin", _("System admin")


ENTERPRISE_ROLES = {Role.HOLDER_RA, Role.HOLDER_QA, Role.QUALIFIED_PERSON, Role.CMO_QA}
PROVINCIAL_ROLES = {Role.PROVINCIAL_REVIEWER, Role.PROVINCIAL_INSPECTOR}
ROLES_BY_KIND = {
    OrganisationKind.ENTERPRISE: ENTERPRISE_ROLES,
    OrganisationKind.PROVINCIAL_REGULATOR: PROVINCIAL_ROLES,
    OrganisationKind.NMPA: {Role.NMPA_OFFICER},
    OrganisationKind.OPERATOR: {Role.SYSTEM_ADMIN},
}

# Who may write the registry: an enterprise edits its own records; the system admin edits everything.
REGISTRY_WRITERS = {Role.HOLDER_RA, Role.HOLDER_QA, Role.CMO_QA, Role.SYSTEM_ADMIN}
