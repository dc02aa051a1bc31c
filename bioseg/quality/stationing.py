"""Stationed personnel and training: recording them, and the coverage calendar of a contract site.

``coverage(site, start, end)`` gives, day by day, the qualified people the holder(s) had stationed at ``site``;
``gaps`` the days with fewer than ``MINIMUM`` (two: the pilot plan's condition). ``stationed_facts`` is what the
eligibility case built from the registry (``pilots.facts.case_from_product``) now reads instead of a typed fact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied
from bioseg.common.scoping import recheck
from bioseg.common.validation import Errors
from bioseg.quality.models import KEY_ROLES, Stationing, StationRole, TrainingRecord
from bioseg.registry.scope import own_enterprise_ids, scope_for

MINIMUM = 2
WRITERS = (Role.HOLDER_QA, Role.HOLDER_RA, Role.QUALIFIED_PERSON)
MAX_DAYS = 732


@dataclass
class Day:
    day: dt.date
    qualified: list[str] = field(default_factory=list)  # names of the qualified people on site
    unqualified: list[str] = field(default_factory=list)  # stationed that day but without training in force
    key_roles: list[str] = field(default_factory=list)  # key roles (QP, heads) held by someone on site

    @property
    def count(self) -> int:
        return len(self.qualified)

    @property
    def gap(self) -> bool:
        return self.count < MINIMUM


def _holder_writer(actor: User, holder) -> None:
    if not (actor.has_role(*WRITERS) and holder.pk in own_enterprise_ids(actor)):
        raise PermissionDenied("record the holder's stationed personnel", "记录持有人派驻人员")


def stationing_record(*, actor: User, person, site, role: str, starts_on, ends_on=None, reason: str = "") -> Stationing:
    """The holder stations one of its people at a contract manufacturer's site."""
    holder = person.enterprise
    _holder_writer(actor, holder)
    e = Errors()
    e.choice("role", role, StationRole.values)
    e.required("starts_on", starts_on)
    if starts_on and ends_on and ends_on < starts_on:
        e.add("ends_on", "The stay ends before it starts.", "派驻结束日期早于开始日期。")
    if site.enterprise_id == holder.pk:
        e.add(
            "site_id",
            "Stationing is at a contract manufacturer's site, not the holder's own.",
            "派驻场地应为受托生产企业的场地，而非持有人自有场地。",
        )
    if starts_on and starts_on > clock.today() + dt.timedelta(days=366):
        e.add("starts_on", "More than a year ahead.", "开始日期不能晚于一年以后。")
    if starts_on and Stationing.objects.filter(person=person, site=site).on(starts_on).exists():
        e.add(
            "starts_on",
            f"{person.name} is already stationed there on {starts_on}.",
            f"{person.name} 在 {starts_on} 已派驻该场地。",
        )
    e.raise_if_any()
    with (
        transaction.atomic(),
        audit_context(actor=actor, reason=reason or gettext_noop("person stationed at a contract site")),
    ):
        row = Stationing.objects.create(
            person=person, holder=holder, site=site, role=role, starts_on=starts_on, ends_on=ends_on, recorded_by=actor
        )
        recheck(row, scope_for(actor), "stationing")
    return row


def stationing_end(*, actor: User, stationing: Stationing, ends_on, reason: str) -> Stationing:
    _holder_writer(actor, stationing.holder)
    e = Errors()
    e.required("ends_on", ends_on)
    e.required("reason", reason)
    if ends_on and ends_on < stationing.starts_on:
        e.add("ends_on", "The stay ends before it starts.", "派驻结束日期早于开始日期。")
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        row = Stationing.objects.select_for_update().get(pk=stationing.pk)
        row.ends_on = ends_on
        row.save(update_fields=["ends_on", "updated_at"])
    return row


def training_record(
    *, actor: User, person, curriculum: str, hours, completed_on, expires_on=None, trainer: str = "", reason: str = ""
) -> TrainingRecord:
    """A training a person completed (curriculum, hours, completion, expiry)."""
    _holder_writer(actor, person.enterprise)
    e = Errors()
    e.required("curriculum", curriculum)
    try:
        h = Decimal(str(hours))
        if not (Decimal("0") < h <= Decimal("9999")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        e.add("hours", "Hours are a number above 0.", "学时应为大于 0 的数字。")
        h = Decimal("0")
    e.required("completed_on", completed_on)
    if completed_on and completed_on > clock.today():
        e.add(
            "completed_on",
            "A training is recorded once completed: the date is in the future.",
            "完成日期不能晚于今天。",
        )
    if completed_on and expires_on and expires_on < completed_on:
        e.add("expires_on", "It expires before it was completed.", "有效期截止日早于完成日期。")
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("training recorded")):
        return TrainingRecord.objects.create(
            person=person,
            curriculum=curriculum.strip(),
            hours=h,
            completed_on=completed_on,
            expires_on=expires_on,
            trainer=(trainer or "").strip(),
            recorded_by=actor,
        )


def coverage(*, site, start: dt.date, end: dt.date) -> list[Day]:
    """Day by day from ``start`` to ``end`` (both included, at most two years): who was stationed at ``site``."""
    if end < start:
        start, end = end, start
    end = min(end, start + dt.timedelta(days=MAX_DAYS - 1))
    stays = list(
        Stationing.objects.filter(site=site, starts_on__lte=end).exclude(ends_on__lt=start).select_related("person")
    )
    trainings: dict[int, list[TrainingRecord]] = {}
    for t in TrainingRecord.objects.filter(person_id__in={s.person_id for s in stays}):
        trainings.setdefault(t.person_id, []).append(t)

    def trained(person_id: int, day: dt.date) -> bool:
        return any(
            t.completed_on <= day and (t.expires_on is None or t.expires_on >= day)
            for t in trainings.get(person_id, [])
        )

    days = []
    d = start
    while d <= end:
        row = Day(d)
        for s in stays:
            if s.starts_on <= d and (s.ends_on is None or s.ends_on >= d):
                name = s.person.name
                (row.qualified if trained(s.person_id, d) else row.unqualified).append(name)
                if s.role in KEY_ROLES and s.role not in row.key_roles:
                    row.key_roles.append(s.role)
        row.qualified.sort()
        row.unqualified.sort()
        days.append(row)
        d += dt.timedelta(days=1)
    return days


def gaps(*, site, start: dt.date, end: dt.date) -> list[Day]:
    return [d for d in coverage(site=site, start=start, end=end) if d.gap]


def contract_sites(scope):
    """The contract manufacturers' sites where someone is (or was) stationed, in the scope."""
    from bioseg.registry.models import Site

    return (
        Site.objects.filter(id__in=Stationing.objects.restrict(scope).values("site_id"))
        .select_related("enterprise")
        .order_by("name_en")
    )


def stationed_facts(*, holder, cmo_names: dict[int, str], day: dt.date) -> list[dict] | None:
    """The ``stationed_personnel`` of an eligibility case on ``day``: the holder's people stationed that day at the
    sites of the given contract manufacturers (``enterprise id → name`` as the case names them), each qualified or
    not on that day. ``None`` when the holder has recorded no stationing at all (the fact stays unknown)."""
    if not Stationing.objects.filter(holder=holder).exists():
        return None
    stays = (
        Stationing.objects.filter(holder=holder, site__enterprise_id__in=cmo_names)
        .on(day)
        .select_related("person", "site")
        .order_by("site__enterprise_id", "person__name", "id")
    )
    out = []
    for s in stays:
        out.append(
            {
                "name": s.person.name,
                "qualified": TrainingRecord.objects.filter(person=s.person).in_force(day).exists(),
                "stationed_at": cmo_names[s.site.enterprise_id],
                "stationed_from": s.starts_on.isoformat(),
                **({"stationed_until": s.ends_on.isoformat()} if s.ends_on else {}),
            }
        )
    return out


def stationing_get(*, scope, pk) -> Stationing:
    from bioseg.common.scoping import get_in_scope

    return get_in_scope(Stationing.objects.select_related("person", "site", "holder"), scope, pk, "stationing")


def training_get(*, scope, pk) -> TrainingRecord:
    from bioseg.common.scoping import get_in_scope

    return get_in_scope(TrainingRecord.objects.select_related("person"), scope, pk, "training record")
