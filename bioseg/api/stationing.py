"""Stationed personnel (``/api/v1/stationing``: list, record, ``/coverage`` of a contract site day by day) and
training records (``/api/v1/training-records``: list, record)."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from bioseg.api.audit import add_object_routes
from bioseg.api.errors import ERRORS
from bioseg.api.pagination import Pagination
from bioseg.api.registry import In, ordered, ref
from bioseg.api.types import DbId
from bioseg.common.errors import ValidationFailed
from bioseg.quality import stationing as st
from bioseg.quality.models import Stationing, TrainingRecord
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for

router = Router(tags=["stationing"])
training_router = Router(tags=["stationing"])


class StationingOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(alias="person.name")
    holder_id: int
    site_id: int
    role: str
    starts_on: dt.date
    ends_on: dt.date | None


class StationingIn(In):
    person_id: DbId
    site_id: DbId
    role: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    reason: str = ""


class CoverageDayOut(Schema):
    day: dt.date
    count: int
    gap: bool
    qualified: list[str]
    unqualified: list[str]
    key_roles: list[str]


class CoverageOut(Schema):
    site_id: int
    minimum: int
    gap_days: int
    days: list[CoverageDayOut]


class TrainingOut(Schema):
    id: int
    person_id: int
    curriculum: str
    hours: Decimal
    completed_on: dt.date
    expires_on: dt.date | None
    trainer: str


class TrainingIn(In):
    person_id: DbId
    curriculum: str
    hours: Decimal
    completed_on: dt.date
    expires_on: dt.date | None = None
    trainer: str = ""
    reason: str = ""


class CoverageQuery(Schema):
    site: int
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")


@router.get("", response={200: list[StationingOut], **ERRORS}, summary="Stationed personnel you can see")
@paginate(Pagination)
def stationing_list(request: HttpRequest, site: int | None = None):
    qs = Stationing.objects.restrict(scope_for(request.user)).select_related("person")
    return ordered(qs.filter(site_id=site) if site else qs)


@router.post("", response={201: StationingOut, **ERRORS}, summary="Station a person at a contract site")
def stationing_create(request: HttpRequest, payload: StationingIn):
    person = ref(registry_selectors.person_get, request, payload.person_id, "person_id", "person")
    site = ref(registry_selectors.site_get, request, payload.site_id, "site_id", "site")
    row = st.stationing_record(
        actor=request.user,
        person=person,
        site=site,
        role=payload.role,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        reason=payload.reason,
    )
    return Status(201, row)


@router.get("/{int:id}", response={200: StationingOut, **ERRORS}, summary="One stay at a contract site")
def stationing_detail(request: HttpRequest, id: int):
    return st.stationing_get(scope=scope_for(request.user), pk=id)


@router.get("/coverage", response={200: CoverageOut, **ERRORS}, summary="A contract site's coverage, day by day")
def stationing_coverage(request: HttpRequest, q: Query[CoverageQuery]):
    site = ref(registry_selectors.site_get, request, q.site, "site", "site")
    if (q.end - q.start).days >= st.MAX_DAYS:
        raise ValidationFailed({"to": (f"At most {st.MAX_DAYS} days at once.", f"一次最多 {st.MAX_DAYS} 天。")})
    days = st.coverage(site=site, start=q.start, end=q.end)
    return {
        "site_id": site.pk,
        "minimum": st.MINIMUM,
        "gap_days": sum(1 for d in days if d.gap),
        "days": [
            {
                "day": d.day,
                "count": d.count,
                "gap": d.gap,
                "qualified": d.qualified,
                "unqualified": d.unqualified,
                "key_roles": d.key_roles,
            }
            for d in days
        ],
    }


@training_router.get("", response={200: list[TrainingOut], **ERRORS}, summary="Training records you can see")
@paginate(Pagination)
def training_list(request: HttpRequest, person: int | None = None):
    qs = TrainingRecord.objects.restrict(scope_for(request.user))
    return ordered(qs.filter(person_id=person) if person else qs)


@training_router.get("/{int:id}", response={200: TrainingOut, **ERRORS}, summary="One training record")
def training_detail(request: HttpRequest, id: int):
    return st.training_get(scope=scope_for(request.user), pk=id)


add_object_routes(router, "stationing")
add_object_routes(training_router, "training-records")


@training_router.post("", response={201: TrainingOut, **ERRORS}, summary="Record a training")
def training_create(request: HttpRequest, payload: TrainingIn):
    person = ref(registry_selectors.person_get, request, payload.person_id, "person_id", "person")
    row = st.training_record(
        actor=request.user,
        person=person,
        curriculum=payload.curriculum,
        hours=payload.hours,
        completed_on=payload.completed_on,
        expires_on=payload.expires_on,
        trainer=payload.trainer,
        reason=payload.reason,
    )
    return Status(201, row)
