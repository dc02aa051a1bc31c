"""The end-of-pilot evaluation on the demo: each figure agrees with the records counted by other means, the XLSX
carries the same figures, the PDF reads back in both languages with its charts, and the same date gives the same
figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import transaction
from openpyxl import load_workbook
from pypdf import PdfReader

from bioseg.audit.models import Signature
from bioseg.common.errors import NotFound, ValidationFailed
from bioseg.demo.scenario import load
from bioseg.evaluation.figures import end_of, evaluation
from bioseg.pilots.models import PilotApplication
from bioseg.production.models import Excursion, Lot, Release, ReleaseKind, Shipment
from bioseg.registry.models import Product
from bioseg.reporting.evaluation import to_pdf, to_xlsx

AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            load()
            yield
            transaction.set_rollback(True)


@pytest.fixture
def ev(demo, db):
    return evaluation(as_of=AS_OF, drills=False)


def value(e, key):
    return e.figure(key).value


def test_application_figures_agree_with_the_applications(ev):
    submitted = PilotApplication.objects.filter(submitted_on__lte=AS_OF)
    assert value(ev, "applications.submitted") == submitted.count() == 2
    assert value(ev, "applications.approved") == submitted.filter(status="approved").count() == 1
    assert value(ev, "applications.refused") == submitted.filter(status__in=["rejected", "returned"]).count() == 0
    assert value(ev, "applications.pending") == 1


def test_production_figures_agree_with_the_lots_and_their_signed_releases(ev):
    end = end_of(AS_OF)
    made = Lot.objects.filter(manufactured_on__lte=AS_OF).count()
    released_ids = {
        r.lot_id
        for r in Release.objects.filter(kind=ReleaseKind.QUALIFIED_PERSON)
        if Signature.objects.filter(table_name=Release._meta.db_table, object_pk=str(r.pk), signed_at__lte=end).exists()
    }
    assert value(ev, "production.lots_made") == made
    assert value(ev, "production.lots_released") == len(released_ids)
    rows = {r["stage"]: r for r in ev.table("production.by_stage").rows}
    assert sum(r["made"] for r in rows.values()) == made
    by_stage = {}
    for lot in Lot.objects.filter(pk__in=released_ids).select_related("segment"):
        by_stage[lot.segment.stage] = by_stage.get(lot.segment.stage, 0) + 1
    assert {s: r["released"] for s, r in rows.items() if r["released"]} == by_stage
    shipments = Shipment.objects.filter(shipped_at__lte=end, lines__lot__product__isnull=False).distinct().count()
    assert value(ev, "production.shipments") == shipments
    assert value(ev, "production.excursions") == Excursion.objects.filter(first_out_at__lte=end).count()


def test_products_figures_count_the_chains_in_force(ev):
    with_chain = {r["product_en"] for r in ev.table("products.chains").rows}
    expected = set(
        Product.objects.filter(process_chains__effective_from__lte=AS_OF).distinct().values_list("name_en", flat=True)
    )
    assert with_chain == expected
    assert value(ev, "products.count") == len(expected)


def test_the_same_date_gives_the_same_figures_and_an_earlier_one_fewer(demo, db):
    a = evaluation(as_of=AS_OF, drills=False)
    b = evaluation(as_of=AS_OF, drills=False)
    flat = lambda e: [(f.key, f.value) for s in e.sections for f in s.figures]  # noqa: E731
    assert flat(a) == flat(b)
    early = evaluation(as_of=dt.date(2025, 1, 31), drills=False)
    assert value(early, "production.lots_made") < value(a, "production.lots_made")
    assert value(early, "applications.submitted") == 0


def test_a_province_report_counts_its_products_only(demo, db):
    js = evaluation(as_of=AS_OF, province="320000", drills=False)
    names = {r["product_en"] for r in js.table("products.chains").rows}
    assert "Xinglimab Injection (anti-PD-1)" in names
    assert all("Hebei" not in n for n in names)
    assert value(js, "production.lots_made") <= value(evaluation(as_of=AS_OF, drills=False), "production.lots_made")


def test_bad_scope_is_refused(demo, db):
    with pytest.raises(ValidationFailed):
        evaluation(as_of=AS_OF, province="999999")
    with pytest.raises(ValidationFailed):
        evaluation(as_of=AS_OF, province="320000", product=1)
    with pytest.raises(NotFound):
        evaluation(as_of=AS_OF, product=987654)


def test_the_workbook_carries_every_figure_with_its_definition(ev):
    book = load_workbook(io.BytesIO(to_xlsx(ev, lang="en")))
    sheet = book["figures"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    got = {r[1]: r[3] for r in rows}
    for section in ev.sections:
        for f in section.figures:
            expected = None if f.value is None else float(f.value)
            assert (None if got[f.key] is None else float(got[f.key])) == expected, f.key
    assert {r[1] for r in rows} == {f.key for s in ev.sections for f in s.figures}
    assert all(r[5] for r in rows)  # every figure says what it counts
    assert "production.by_stage" in book.sheetnames


@pytest.mark.parametrize("lang, title", [("zh", "生物制品分段生产试点总结评估"), ("en", "End-of-pilot evaluation")])
def test_the_pdf_reads_back_in_each_language_with_its_charts(ev, lang, title):
    reader = PdfReader(io.BytesIO(to_pdf(ev, lang=lang)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert title in text
    assert reader.metadata.title.startswith(title)
    images = sum(len(page.images) for page in reader.pages)
    assert images == sum(len(s.charts) for s in ev.sections) >= 2
    if lang == "zh":
        assert "国家药监局已批准" in text and "原液放行至制剂放行的周期（中位数）" in text
    else:
        assert "Approved by NMPA" in text and "Release lead time" in text


def test_quality_figures_agree_with_the_records(ev):
    """The demo as of 2026-12-01: two deviations (one major), two OOS (the ADC's assay; Jiangsu's unqualified
    sample), CAPA actions due by then: 2 (one done on time, one overdue — the inspection findings' actions fall due
    later), three days at Qilan with one qualified person; notifications: none read yet."""
    from bioseg.quality.models import CapaAction, Deviation, Notification, OosInvestigation

    lots = Lot.objects.filter(manufactured_on__lte=AS_OF).count()
    assert value(ev, "quality.deviations") == Deviation.objects.count() == 2
    assert value(ev, "quality.deviations_major_per_100_lots") == round(100 * 1 / lots, 2)
    assert value(ev, "quality.oos") == OosInvestigation.objects.count() == 2
    due = CapaAction.objects.filter(due_on__lte=AS_OF)
    assert due.count() == 2 and due.filter(done_on__isnull=False).count() == 1
    assert value(ev, "quality.capa_actions_on_time") == 50
    assert value(ev, "quality.stationing_gap_days") == 3
    notes = Notification.objects.filter(sent_at__lte=end_of(AS_OF), due_at__lte=end_of(AS_OF))
    assert notes.count() > 0 and value(ev, "quality.notifications_in_time") == 0
    rows = {r["classification"]: r["deviations"] for r in ev.table("quality.deviations_by_class").rows}
    assert rows == {"critical": 0, "major": 1, "minor": 1}
    earlier = evaluation(as_of=dt.date(2026, 11, 1), drills=False)
    assert earlier.figure("quality.deviations").value == 1  # the major one was recorded on 2026-11-28
    assert earlier.figure("quality.stationing_gap_days").value == 0
