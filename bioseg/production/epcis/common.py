"""What the EPCIS modules share: chunking, time zones, units, who may map and capture."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.epcis import identifiers as gs1
from bioseg.registry.scope import own_enterprise_ids

CHUNK = 900  # ids per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits
KNOWN_CHUNK = 10_000  # hash IDs per duplicate look-up
CN_TIME = dt.timezone(dt.timedelta(hours=8))
UNIT_UOM = {"L": "LTR", "mL": "MLT", "kg": "KGM", "g": "GRM", "mg": "MGM"}  # the rest count items: H87
KIND_EPCIS = {"manufacture": "manufacture", "blend": "blending", "fill": "fill", "rework": "rework"}
CAPTURE_ROLES = (Role.HOLDER_QA, Role.CMO_QA, Role.QUALIFIED_PERSON)  # GMP records: the enterprises' own people
MAPPING_ROLES = (Role.HOLDER_RA, Role.HOLDER_QA, Role.CMO_QA, Role.SYSTEM_ADMIN)


def _chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _zone(country_code: str) -> dt.tzinfo:
    return CN_TIME if country_code == "CN" else dt.UTC


def _uom(unit: str) -> str:
    return UNIT_UOM.get(unit, "H87")


def _require_mapper(actor: User, enterprise_ids: set[int] | None, action: str) -> None:
    """System admin, or a registry writer of one of ``enterprise_ids`` (``None``: of any enterprise)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(action)
    if actor.has_role(Role.SYSTEM_ADMIN):
        return
    if not actor.has_role(*MAPPING_ROLES):
        raise PermissionDenied(action)
    own = own_enterprise_ids(actor)
    if not own or (enterprise_ids is not None and not own & enterprise_ids):
        raise PermissionDenied(action)


def _key_problem(field: str, err: gs1.IdentifierError) -> ValidationFailed:
    return ValidationFailed({field: (err.message, f"GS1 标识无效：{err.message}")})
