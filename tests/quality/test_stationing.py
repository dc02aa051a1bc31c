"""Stationed personnel: a coverage calendar per contract site counting, day by day, the *qualified* people on site
(a training record in force); days below two are gaps; the eligibility case built from the registry reads these
records; refusals write nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.pilots.facts import case_from_product
from bioseg.quality import stationing as st
from bioseg.quality.models import Stationing, TrainingRecord
from bioseg.registry import services as rs

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def staff(world):
    wang = rs.person_create(actor=world.holder_qa, enterprise=world.holder, name="王海涛", roles=["qa"])
    zhao = rs.person_create(actor=world.holder_qa, enterprise=world.holder, name="赵雨婷", roles=["qa"])
    for p in (wang, zhao):
        st.stationing_record(actor=world.holder_qa, person=p, site=world.sh_site, role="qa", starts_on=D(2025, 3, 1))
    st.training_record(
        actor=world.holder_qa, person=wang, curriculum="Aseptic processing", hours=16, completed_on=D(2025, 2, 1)
    )
    st.training_record(
        actor=world.holder_qa,
        person=zhao,
        curriculum="Aseptic processing",
        hours=16,
        completed_on=D(2025, 2, 1),
        expires_on=D(2025, 3, 10),
    )
    st.training_record(
        actor=world.holder_qa,
        person=zhao,
        curriculum="Aseptic processing (renewal)",
        hours=8,
        completed_on=D(2025, 3, 14),
    )
    return wang, zhao


def test_the_calendar_counts_qualified_people_and_shows_the_gap(world, staff):
    days = st.coverage(site=world.sh_site, start=D(2025, 3, 9), end=D(2025, 3, 15))
    assert [(d.day.day, d.count) for d in days] == [(9, 2), (10, 2), (11, 1), (12, 1), (13, 1), (14, 2), (15, 2)]
    assert days[2].qualified == ["王海涛"] and days[2].unqualified == ["赵雨婷"]
    assert [d.day for d in st.gaps(site=world.sh_site, start=D(2025, 3, 1), end=D(2025, 3, 31))] == [
        D(2025, 3, 11),
        D(2025, 3, 12),
        D(2025, 3, 13),
    ]
    # before anyone was stationed: every day is a gap
    assert all(d.gap and d.count == 0 for d in st.coverage(site=world.sh_site, start=D(2025, 2, 1), end=D(2025, 2, 3)))


def test_the_eligibility_case_reads_the_stationing_records(world, staff):
    case = case_from_product(product=world.pd1, as_of=D(2025, 3, 12))
    assert case["stationed_personnel"] == [
        {
            "name": "王海涛",
            "qualified": True,
            "stationed_at": case["contract_manufacturers"][0]["name"],
            "stationed_from": "2025-03-01",
        },
        {
            "name": "赵雨婷",
            "qualified": False,
            "stationed_at": case["contract_manufacturers"][0]["name"],
            "stationed_from": "2025-03-01",
        },
    ]
    later = case_from_product(product=world.pd1, as_of=D(2025, 3, 20))
    assert [p["qualified"] for p in later["stationed_personnel"]] == [True, True]


def test_without_any_record_the_fact_stays_unknown(world):
    assert "stationed_personnel" not in case_from_product(product=world.pd1, as_of=D(2025, 3, 12))


def test_refusals_write_nothing(world, staff):
    wang, _zhao = staff
    before = (Stationing.objects.count(), TrainingRecord.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied):
        st.stationing_record(actor=world.cmo_qa, person=wang, site=world.sh_site, role="qa", starts_on=D(2025, 4, 1))
    with pytest.raises(ValidationFailed) as exc:
        st.stationing_record(
            actor=world.holder_qa, person=wang, site=world.js_site, role="boss", starts_on=D(2025, 4, 1)
        )
    assert set(exc.value.details["fields"]) == {"role", "site_id"}
    with pytest.raises(ValidationFailed) as exc:
        st.stationing_record(actor=world.holder_qa, person=wang, site=world.sh_site, role="qa", starts_on=D(2025, 4, 1))
    assert exc.value.details["fields"]["starts_on"]["message"] == "王海涛 is already stationed there on 2025-04-01."
    with pytest.raises(ValidationFailed) as exc:
        st.training_record(
            actor=world.holder_qa,
            person=wang,
            curriculum="",
            hours="-1",
            completed_on=dt.date.today() + dt.timedelta(days=1),
        )
    assert set(exc.value.details["fields"]) == {"curriculum", "hours", "completed_on"}
    assert (Stationing.objects.count(), TrainingRecord.objects.count(), AuditEvent.objects.count()) == before


def test_the_calendar_page_and_its_forms(world, staff):
    from tests.quality.test_deviation_interfaces import client

    c = client(world.holder_qa)
    html = c.get(f"/stationing/?site={world.sh_site.pk}&month=2025-03").content.decode()
    assert 'data-day="2025-03-11" data-count="1"' in html and 'data-day="2025-03-14" data-count="2"' in html
    assert "3 days below the minimum this month" in html
    assert 'Key people on duty today: <span class="muted">none stationed</span>' in html  # both are QAs
    zh = client(world.holder_qa, "zh-hans").get(f"/stationing/?site={world.sh_site.pk}&month=2025-03").content.decode()
    assert "本月有 3 天低于最低人数" in zh
    wang, _zhao = staff
    before = Stationing.objects.count()
    r = c.post(
        "/stationing/new/",
        {
            "station-person": wang.pk,
            "station-site": world.sh_site.pk,
            "station-role": "qa",
            "station-starts_on": "2025-04-01",
        },
    )
    assert r.status_code == 400 and 'data-testid="error-starts_on"' in r.content.decode()
    assert Stationing.objects.count() == before
    assert client(world.cmo_qa).post("/stationing/new/", {"station-person": wang.pk}).status_code == 403
    html = client(world.cmo_qa).get(f"/stationing/?site={world.sh_site.pk}&month=2025-03").content.decode()
    assert 'data-testid="calendar"' in html and 'data-testid="station-form"' not in html
    assert client(world.gd_inspector).get(f"/stationing/?site={world.sh_site.pk}").status_code == 404
    r = c.post(
        "/stationing/training/",
        {
            "training-person": wang.pk,
            "training-curriculum": "GMP refresher",
            "training-hours": "4",
            "training-completed_on": "2025-04-02",
        },
    )
    assert r.status_code == 302 and TrainingRecord.objects.filter(person=wang, curriculum="GMP refresher").exists()


def test_the_api(world, staff):
    from tests.quality.test_deviation_interfaces import client, post

    wang, _zhao = staff
    r = client(world.cmo_qa).get(f"/api/v1/stationing/coverage?site={world.sh_site.pk}&from=2025-03-10&to=2025-03-12")
    assert r.status_code == 200
    body = r.json()
    assert (body["gap_days"], [d["count"] for d in body["days"]]) == (2, [2, 1, 1])
    assert body["days"][1]["unqualified"] == ["赵雨婷"]
    r = client(world.gd_inspector).get(
        f"/api/v1/stationing/coverage?site={world.sh_site.pk}&from=2025-03-10&to=2025-03-12"
    )
    assert r.status_code == 400 and r.json()["details"]["fields"]["site"]["message"].startswith("There is no site")
    before = Stationing.objects.count()
    r = post(
        world.holder_qa,
        "/stationing",
        {
            "person_id": wang.pk,
            "site_id": world.sh_site.pk,
            "role": "qa",
            "starts_on": "2025-05-01",
            "ends_on": "2025-04-01",
        },
    )
    assert r.status_code == 400 and set(r.json()["details"]["fields"]) == {"ends_on", "starts_on"}
    assert Stationing.objects.count() == before
    r = post(
        world.holder_qa,
        "/training-records",
        {"person_id": wang.pk, "curriculum": "GMP", "hours": "2", "completed_on": "2025-04-02"},
    )
    assert r.status_code == 201 and r.json()["curriculum"] == "GMP"
    assert [
        x["curriculum"]
        for x in client(world.sh_inspector).get(f"/api/v1/training-records?person={wang.pk}").json()["items"]
    ] == ["GMP", "Aseptic processing"]  # newest first


def test_export_detail_and_history(world, staff):
    import io

    from openpyxl import load_workbook

    from tests.quality.test_deviation_interfaces import client

    r = client(world.cmo_qa).get(f"/stationing/?site={world.sh_site.pk}&month=2025-03&export=xlsx")
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["Coverage", "Stationed", "Training"]
    rows = list(book["Coverage"].iter_rows(values_only=True))
    assert len(rows) == 32 and rows[11][1:3] == (1, "yes") and rows[14][1:3] == (2, "no")  # 11 and 14 March
    stay = Stationing.objects.first()
    assert client(world.sh_inspector).get(f"/api/v1/stationing/{stay.pk}").json()["role"] == "qa"
    assert client(world.gd_inspector).get(f"/api/v1/stationing/{stay.pk}").status_code == 404
    history = client(world.holder_qa).get(f"/api/v1/stationing/{stay.pk}/history").json()
    assert [e["action"] for e in history["events"]] == ["insert"]
