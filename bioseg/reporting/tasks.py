"""Background builds of reports (the Django tasks framework: ``django_tasks``; the database backend runs them in
``bioseg worker``, the immediate backend in tests). A task renders through the reporting kits and records its
progress and its files through the evaluation services — the one place reporting code leads to a write, and only
to the build's own record, never to a regulated one."""

from __future__ import annotations

import time

from django_tasks import task


@task()
def build_evaluation_report(report_id: int) -> None:
    from bioseg.evaluation import services
    from bioseg.evaluation.figures import evaluation
    from bioseg.evaluation.models import EvaluationReport
    from bioseg.reporting.evaluation import to_pdf, to_xlsx

    report = EvaluationReport.objects.get(pk=report_id)
    started = time.perf_counter()
    try:
        services.report_progress(report_id=report_id, percent=1, step="figures")
        ev = evaluation(
            as_of=report.as_of,
            province=report.scope_code if report.scope_kind == "province" else None,
            product=report.scope_code if report.scope_kind == "product" else None,
            progress=lambda pct, step: services.report_progress(report_id=report_id, percent=int(pct * 0.8), step=step),
        )
        services.report_progress(report_id=report_id, percent=85, step="pdf")
        pdf = to_pdf(ev, lang=report.language)
        services.report_progress(report_id=report_id, percent=95, step="xlsx")
        xlsx = to_xlsx(ev, lang=report.language)
        services.report_finish(report_id=report_id, pdf=pdf, xlsx=xlsx, seconds=time.perf_counter() - started)
    except Exception as exc:  # the build fails visibly (status and message), the worker goes on
        services.report_fail(report_id=report_id, error=f"{type(exc).__name__}: {exc}")
        raise
