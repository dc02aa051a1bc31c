from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.common.models import BaseModel


class Organisation(BaseModel):
    """Who a user works for: an enterprise, a provincial regulator, NMPA, or the system operator.

    ``region_code`` (GB/T 2260) is the jurisdiction of a provincial regulator and the registered
    province of a domestic enterprise; ``country_code`` (ISO 3166-1 alpha-2) is CN for domestic ones.
    Regulated: its changes go to the audit trail like a ``bioseg.audit.models.RegulatedModel``.
    """

    regulated = True

    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    region_code = models.CharField(_("province"), max_length=6, blank=True, default="")
    country_code = models.CharField(_("country"), max_length=2, default="CN")

    class Meta:
        ordering = ["name_en"]
        constraints = [models.UniqueConstraint(fields=["kind", "name_en"], name="uniq_org_kind_name_en")]

    def __str__(self) -> str:
        return self.name_en

    def display_name(self, language: str | None) -> str:
        return self.name_zh if (language or "").startswith("zh") else self.name_en


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    printed_name = models.CharField(_("printed name"), max_length=200, blank=True, default="")
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    @property
    def roles(self) -> set[str]:
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = set(self.memberships.values_list("role", flat=True))
            self._roles_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


class LoginThrottle(models.Model):
    """Failed sign-ins per (user name, source address), for every name tried — existing or not, so the
    answers never tell which user names exist. A source that fails BIOSEG_LOCKOUT_THRESHOLD times in a row
    for a name waits BIOSEG_LOCKOUT_MINUTES, doubling with each further failure (at most a day); other
    sources — the QP at her own workstation — are not locked out by it. Operational, not GMP data."""

    username = models.CharField(max_length=150)
    source = models.CharField(max_length=64, blank=True, default="")
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["username", "source"], name="login_throttle_name_source")]

    def __str__(self) -> str:
        return f"{self.username} from {self.source or '?'}: {self.failures} failure(s)"


class Membership(BaseModel):
    """A role a user holds in their organisation. Regulated: who was given which role, by whom and when is
    part of the GMP audit trail (a role is never silently removed)."""

    regulated = True

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_membership_user_role")]


class ApiToken(BaseModel):
    """A per-user API token. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
