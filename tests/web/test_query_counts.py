"""A list page's query count does not grow with the rows it shows (issue 8, "under load"): every list page of
the web, on the demo, as a user who sees several rows, is rendered with one row per page and with fifty; both
renderings must run the same number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver

from bioseg.accounts.models import User
from bioseg.demo.scenario import load
from bioseg.web.views import common

pytestmark = pytest.mark.django_db

# who looks at each list: a regulator sees the most, an enterprise user what the regulators do not list
USERS = ("nmpa", "js-inspector", "js-reviewer", "suzhou-qa", "shanghai-qa")
ROW = re.compile(r'data-testid="row"')


def list_pages() -> list[str]:
    names = [
        name
        for name, patterns in get_resolver("bioseg.web.urls").reverse_dict.items()
        if isinstance(name, str) and name.endswith("-list") and not patterns[0][0][1]
    ]
    return sorted(names)


def measure(client: Client, url: str, size: int, monkeypatch) -> tuple[int, int, int]:
    monkeypatch.setattr(common, "PAGE_SIZE", size)
    client.get(url)  # warm the caches a first rendering fills (translations, configuration)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, len(ROW.findall(response.content.decode())), len(queries)


def test_no_list_page_runs_a_query_per_row(monkeypatch):
    load()
    from django.urls import reverse

    report, growing, unmeasured = [], [], []
    for name in list_pages():
        url = reverse(f"web:{name}")
        for username in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                continue
            client = Client()
            client.force_login(user)
            status, rows_many, queries_many = measure(client, url, 50, monkeypatch)
            if status != 200 or rows_many < 2:
                continue
            _, rows_one, queries_one = measure(client, url, 1, monkeypatch)
            line = f"{url} as {username}: {rows_one} row → {queries_one} queries, {rows_many} rows → {queries_many}"
            if rows_one != 1:
                unmeasured.append(f"{url}: one row per page shows {rows_one}")
            else:
                report.append(line)
                if queries_many != queries_one:
                    growing.append(line)
            break
        else:
            unmeasured.append(f"{url}: no demo user sees two rows")
    print("\n".join(report + ["--"] + unmeasured))
    assert growing == []
    # measured on the demo (2026-12): 16 list pages; the demo holds one arrangement, one change request and one
    # narrative, and the joint plans are listed unpaginated — those four are named here so a new list page,
    # or one the demo stops filling, is seen
    assert [r.split(" as ")[0] for r in report] == MEASURED
    assert sorted(u.split(":")[0] for u in unmeasured) == [
        "/arrangements/",
        "/changes/",
        "/evaluation/narratives/",
        "/joint-plans/",
    ]


MEASURED = [
    "/agreements/",
    "/capas/",
    "/chains/",
    "/deviations/",
    "/enterprises/",
    "/inspections/",
    "/inspection-plans/",
    "/lots/",
    "/oos/",
    "/personnel/",
    "/pilots/",
    "/products/",
    "/risk-ratings/",
    "/shipments/",
    "/sites/",
]
