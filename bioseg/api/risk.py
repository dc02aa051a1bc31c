"""Risk ratings (``/api/v1/risk-ratings``), for regulators: the current rating of each site you see (``overall``
filters by level), one rating with its contributions, a site's history, and a fresh rating on request (a regulator
of the site's province). Enterprises get 403: ratings steer unannounced inspections."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from bioseg.api.errors import ERRORS
from bioseg.api.pagination import Pagination
from bioseg.oversight import ratings
from bioseg.oversight import selectors as sel

router = Router(tags=["risk ratings"])


class ContributionOut(Schema):
    code: str
    points: int
    en: str
    zh: str
    source: str


class RiskRatingOut(Schema):
    id: int
    site_id: int
    as_of: dt.date
    rated_at: dt.datetime
    config_version: str
    complexity: str
    criticality: str
    intrinsic: str
    compliance: str
    overall: str
    frequency_months: int
    score: int
    contributions: list[ContributionOut]
    cause: str
    cause_reference: str


class RiskRatingDetailOut(RiskRatingOut):
    reasons: list[list[str]]
    inputs: dict


@router.get("", response={200: list[RiskRatingOut], **ERRORS}, summary="The current rating of each site you see")
@paginate(Pagination)
def risk_rating_list(request: HttpRequest, overall: str = ""):
    return sel.risk_rating_list(user=request.user, overall=overall)


@router.get("/{int:id}", response={200: RiskRatingDetailOut, **ERRORS}, summary="One rating, explained")
def risk_rating_detail(request: HttpRequest, id: int):
    return sel.risk_rating_get(user=request.user, pk=id)


@router.get(
    "/sites/{int:site_id}", response={200: list[RiskRatingOut], **ERRORS}, summary="A site's ratings, newest first"
)
@paginate(Pagination)
def risk_history(request: HttpRequest, site_id: int):
    site = sel.risk_site_get(user=request.user, pk=site_id)
    return sel.risk_history(user=request.user, site=site)


@router.post("/sites/{int:site_id}", response={201: RiskRatingDetailOut, **ERRORS}, summary="Re-rate a site now")
def risk_rerate(request: HttpRequest, site_id: int):
    site = sel.risk_site_get(user=request.user, pk=site_id)
    return Status(201, ratings.site_rerate_on_request(actor=request.user, site=site))
