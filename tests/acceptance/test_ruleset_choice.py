"""The law chosen in one place: for the same day, ``bioseg assess`` without ``--ruleset``, ``POST
/api/v1/assessments`` without a ruleset, the wizard's default and a drafted pilot application all get the
ruleset ``bioseg.regulation.ruleset_for`` decides (a pilot draft until the application deadline, an
arrangement on the standing route once Order No. 828 is in force)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from typer.testing import CliRunner

from bioseg.cli import app as cli
from bioseg.common.clock import pinned
from bioseg.pilots import services as pilot_services
from bioseg.pilots import standing
from bioseg.regulation import ruleset_choice, ruleset_for
from tests.pilots.helpers import build_world

pytestmark = pytest.mark.django_db

CASE = {"product": {"category": "antibody"}}

DAYS = [
    ("2025-06-30", "pilot2024"),  # applications open
    ("2025-12-31", "pilot2024"),  # the application deadline itself
    ("2026-01-01", "pilot2024"),  # after the deadline, Order No. 828 not yet in force
    ("2026-05-14", "pilot2024"),  # the last day before Order No. 828
    ("2026-05-15", "reg2026"),  # Order No. 828 in force, the pilot closed to applications
    ("2026-12-31", "reg2026"),  # the pilot's last day
    ("2027-01-01", "reg2026"),  # after the pilot
]


def _cli(tmp_path, day: str) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({**CASE, "as_of": day}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["assess", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["ruleset"]


def _api(client: Client, day: str) -> str:
    response = client.post("/api/v1/assessments", {**CASE, "as_of": day}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["ruleset"]


def _wizard(client: Client, day: str) -> tuple[str, str]:
    dated = client.get("/wizard/", {"as_of": day})
    assert dated.status_code == 200
    noon = dt.datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    with pinned(noon):
        today = client.get("/wizard/")  # no as_of: today's ruleset
    assert today.context["as_of"] == day
    return dated.context["ruleset"], today.context["ruleset"]


def _draft(pw, day: str) -> str:
    """The ruleset of a pilot draft made that day; after the application deadline no pilot draft is made (refused
    at creation) and an arrangement on the standing route, always reg2026, takes its place from 2026-05-15."""
    noon = dt.datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    with pinned(noon):
        try:
            return pilot_services.application_draft(actor=pw.sz_ra, product=pw.pd1).ruleset
        except pilot_services.WorkflowRefused as exc:
            assert exc.code == "deadline_passed"
        try:
            return standing.arrangement_draft(actor=pw.sz_ra, product=pw.pd1).ruleset
        except standing.StandingRefused as exc:
            assert exc.code == "not_in_force"
            return "refused"


@pytest.mark.parametrize(("day", "expected"), DAYS)
def test_every_interface_chooses_the_same_ruleset_for_the_same_day(day, expected, tmp_path, make_user, admin):
    pw = build_world(make_user, admin)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(pw.sz_ra)
    chosen = ruleset_for(dt.date.fromisoformat(day))
    wizard_dated, wizard_today = _wizard(client, day)
    drafted = _draft(pw, day)
    assert {
        "ruleset_for": chosen,
        "cli": _cli(tmp_path, day),
        "api": _api(client, day),
        "wizard": wizard_dated,
        "wizard (today)": wizard_today,
        "draft": drafted if drafted != "refused" else expected,
    } == dict.fromkeys(("ruleset_for", "cli", "api", "wizard", "wizard (today)", "draft"), expected)
    # Between the deadline and Order No. 828 nothing can be drafted: no pilot application, no arrangement yet.
    assert (drafted == "refused") is ("2025-12-31" < day < "2026-05-15")


def test_the_choice_says_why_and_cites_the_dates_it_compares():
    choice = ruleset_choice(dt.date(2026, 5, 15))
    assert choice.ruleset == "reg2026"
    assert choice.reason_en.startswith("On 2026-05-15 the Implementing Regulations (Order No. 828, Arts. 31–34)")
    assert "试点申请已于2025-12-31截止" in choice.reason_zh
    assert [c.article_en for c in choice.citations] == [
        "Art. 89",
        "headline of the published text (reprint)",
        "summary of the plan's timetable",
    ]
