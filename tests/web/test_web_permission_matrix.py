"""The permission matrix of the web pages (issue 8): every detail page ``…/<int:pk>/`` of ``bioseg.web.urls`` ×
every demo user × every id of that kind in the demo, the expected answer (200, or 403/404) from the same plain
rules as the API's matrix (``tests.permission_matrix.Rules``, written without the selectors). A detail page the
test cannot map fails the test until it is mapped or listed in ``SKIPPED`` with a reason.

As in the API's matrix, each organisation's users share out the ids of a page in turn (the scope is the
organisation's), except on the pages where the user matters; BIOSEG_PERMISSION_MATRIX=full tries every pair."""

from __future__ import annotations

import re

import pytest

from bioseg.web import urls as web_urls
from tests.permission_matrix import (
    Rules,
    kinds,
    national,
    quiet_not_found,  # noqa: F401 - the fixture, used by pytestmark
    read_matrix,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_not_found")]

PER_USER = {"inspections/<int:pk>/"}

# page route → the API route whose rows and rule it shares (same kind of object, same rule)
SAME_AS_API = {
    "enterprises/<int:pk>/": "/api/v1/enterprises/{id}",
    "sites/<int:pk>/": "/api/v1/sites/{id}",
    "products/<int:pk>/": "/api/v1/products/{id}",
    "personnel/<int:pk>/": "/api/v1/personnel/{id}",
    "evaluation/reports/<int:pk>/": "/api/v1/evaluation-reports/{id}",
    "pilots/<int:pk>/": "/api/v1/pilot-applications/{id}",
    "arrangements/<int:pk>/": "/api/v1/arrangements/{id}",
    "lots/<int:pk>/": "/api/v1/lots/{id}",
    "chains/<int:pk>/": "/api/v1/chains/{id}",
    "shipments/<int:pk>/": "/api/v1/shipments/{id}",
    "deviations/<int:pk>/": "/api/v1/deviations/{id}",
    "inspection-plans/<int:pk>/": "/api/v1/inspection-plans/{id}",
    "inspections/<int:pk>/": "/api/v1/inspections/{id}",
    "capas/<int:pk>/": "/api/v1/capas/{id}",
    "oos/<int:pk>/": "/api/v1/oos/{id}",
    "agreements/<int:pk>/": "/api/v1/quality-agreements/{id}",
    "changes/<int:pk>/": "/api/v1/changes/{id}",
}

SKIPPED: dict[str, str] = {}


def own_kinds():
    """Pages with no API detail route of their own."""
    from bioseg.evaluation.models import EvaluationNarrative
    from bioseg.oversight.models import JointSupervisionPlan
    from bioseg.registry.models import Site

    return {
        "evaluation/narratives/<int:pk>/": (
            lambda: EvaluationNarrative.objects.order_by("id"),
            national(Rules.narrative),
        ),
        "joint-plans/<int:pk>/": (lambda: JointSupervisionPlan.objects.order_by("id"), national(Rules.joint_plan)),
        "risk-ratings/sites/<int:pk>/": (lambda: Site.objects.order_by("id"), national(Rules.rated_site)),
    }


def detail_pages() -> list[str]:
    routes = [str(p.pattern) for p in web_urls.urlpatterns]
    return sorted(r for r in routes if re.fullmatch(r"[a-z/-]+/<int:pk>/", r))


def test_every_detail_page_every_user_every_id():
    from bioseg.demo.scenario import load

    load()
    api_kinds = kinds()
    table = {page: api_kinds[api] for page, api in SAME_AS_API.items()} | own_kinds()
    pages = detail_pages()
    unmapped = [p for p in pages if p not in table and p not in SKIPPED]
    assert not unmapped, f"detail pages with no rule in the permission matrix: {unmapped}"

    mismatches = read_matrix(
        table, pages, lambda page, obj: "/" + page.replace("<int:pk>", str(obj.id)), PER_USER, "web pages"
    )
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:200])
