"""The evaluation in the web and the API: who may see which report, a build in the background with its
progress and files (on the immediate backend and through the database backend's worker), and the provinces'
narratives — drafted, e-signed, never changed afterwards, read into the reports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from pypdf import PdfReader

from bioseg.accounts.models import User
from bioseg.audit.models import AuditEvent, Signature
from bioseg.common.errors import PermissionDenied
from bioseg.common.workflow import WrongState
from bioseg.demo.scenario import DEMO_PASSWORD, load
from bioseg.evaluation import services
from bioseg.evaluation.models import EvaluationNarrative, EvaluationReport
from bioseg.reporting.tasks import build_evaluation_report

AS_OF = dt.date(2026, 12, 1)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            load()
            yield
            transaction.set_rollback(True)


def user(name: str) -> User:
    return User.objects.get(username=name)


def browse(name: str) -> Client:
    c = Client()
    c.force_login(user(name))
    return c


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE


def test_nmpa_sees_the_national_figures_on_the_page(demo, db):
    page = browse("nmpa").get("/evaluation/").content.decode()
    assert 'data-testid="section-production"' in page
    assert 'data-key="production.lots_made"' in page
    assert page.count('data-testid="chart"') >= 2
    # the charts are elements of the page: no XML prolog, doctype or matplotlib metadata inside the HTML
    assert page.count("<svg") >= 2
    assert ("<?xml" in page, "<!DOCTYPE svg" in page, "<metadata>" in page) == (False, False, False)


def test_a_province_sees_its_own_and_not_another_provinces_evaluation(demo, db):
    c = browse("js-reviewer")
    assert c.get("/evaluation/").status_code == 200
    other = c.get("/evaluation/", {"as_of": "2026-12-01", "scope": "province", "code": "310000", "language": "zh"})
    assert other.status_code == 200
    assert 'data-testid="error-scope"' in other.content.decode()
    assert 'data-testid="section-production"' not in other.content.decode()
    api = c.get("/api/v1/evaluation", {"as_of": "2026-12-01", "province": "310000"})
    assert api.status_code == 403
    assert c.get("/api/v1/evaluation", {"as_of": "2026-12-01", "province": "320000"}).status_code == 200


def test_an_enterprise_user_gets_no_national_evaluation(demo, db):
    response = browse("suzhou-qa").get("/api/v1/evaluation", {"as_of": "2026-12-01"})
    assert response.status_code == 403


def test_a_build_runs_in_the_background_and_its_files_open(demo, db, immediate, django_capture_on_commit_callbacks):
    c = browse("nmpa")
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            "/api/v1/evaluation-reports",
            {"scope_kind": "national", "as_of": "2026-12-01", "language": "en"},
            content_type="application/json",
        )
    assert response.status_code == 202
    report = EvaluationReport.objects.get(pk=response.json()["id"])
    assert (report.status, report.progress, report.step) == ("done", 100, "done")
    status = c.get(f"/api/v1/evaluation-reports/{report.pk}").json()
    assert status["status"] == "done" and len(status["pdf_sha256"]) == 64
    pdf = c.get(f"/api/v1/evaluation-reports/{report.pk}/file", {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert "End-of-pilot evaluation" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    page = c.get(f"/evaluation/reports/{report.pk}/").content.decode()
    assert 'data-status="done"' in page and 'data-testid="report-pdf"' in page
    # another organisation's user does not see the build
    assert browse("js-reviewer").get(f"/api/v1/evaluation-reports/{report.pk}").status_code == 404


def test_a_refused_build_request_records_nothing(demo, db):
    before = EvaluationReport.objects.count()
    with pytest.raises(PermissionDenied):
        services.report_request(actor=user("js-reviewer"), kind="national", as_of=AS_OF)
    response = browse("nmpa").post(
        "/api/v1/evaluation-reports", {"scope_kind": "national", "as_of": "2099-01-01"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()["details"]["fields"]) == ["as_of"]
    assert EvaluationReport.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_the_database_backend_runs_a_build_in_the_worker(settings, tmp_path, monkeypatch):
    # the worker closes its connection between tasks; the test database (in memory on SQLite) must outlive it
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path
    from tests.conftest import PASSWORD  # noqa: F401  (a plain user is enough here)

    load()
    officer = user("nmpa")
    report = services.report_request(actor=officer, kind="product", code=str(_pd1()), as_of=AS_OF)
    build_evaluation_report.enqueue(report.pk)
    assert EvaluationReport.objects.get(pk=report.pk).status == "queued"
    call_command("db_worker", "--batch", "--no-startup-delay")
    done = EvaluationReport.objects.get(pk=report.pk)
    assert (done.status, done.progress) == ("done", 100)
    assert (tmp_path / done.xlsx_path).is_file()
    from bioseg.audit import triggers

    triggers.uninstall()  # so the flush that ends this test may empty the tables


def _pd1() -> int:
    from bioseg.registry.models import Product

    return Product.objects.get(name_en="Xinglimab Injection (anti-PD-1)").pk


def test_a_narrative_is_drafted_signed_read_into_the_report_and_never_changed(demo, db):
    reviewer = user("js-reviewer")
    n = services.narrative_save(actor=reviewer, as_of=AS_OF, text_zh="江苏省试点工作总体平稳。", text_en="Steady.")
    assert n.status == "draft"
    from bioseg.evaluation.figures import evaluation

    assert evaluation(as_of=AS_OF, province="320000", drills=False).narratives == []
    before = Signature.objects.count()
    c = browse("js-reviewer")
    wrong = c.post(f"/evaluation/narratives/{n.pk}/", {"password": "not it"})
    assert 'data-testid="error-password"' in wrong.content.decode()
    assert Signature.objects.count() == before
    ok = c.post(f"/evaluation/narratives/{n.pk}/", {"password": DEMO_PASSWORD})
    assert ok.status_code == 302
    n.refresh_from_db()
    assert n.status == "signed"
    [sig] = Signature.objects.filter(table_name=EvaluationNarrative._meta.db_table, object_pk=str(n.pk))
    assert (sig.meaning, sig.signer.username) == ("authored", "js-reviewer")
    assert [x.pk for x in evaluation(as_of=AS_OF, province="320000", drills=False).narratives] == [n.pk]
    audit_before = AuditEvent.objects.count()
    with pytest.raises(WrongState):
        services.narrative_save(actor=reviewer, narrative=n, as_of=AS_OF, text_zh="改写")
    assert AuditEvent.objects.count() == audit_before
    # another province's reviewer may not sign or even see it
    assert browse("sh-reviewer").get(f"/evaluation/narratives/{n.pk}/").status_code == 404
