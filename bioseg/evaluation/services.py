"""Writes of the evaluation: a province's narrative (draft, then e-signed), and report builds.

A build is requested here and run by the background task ``bioseg.reporting.tasks.build_evaluation_report``
(the Django tasks framework; the database backend by default), which renders through the reporting kits and
reports its progress back through ``report_progress`` / ``report_finish`` / ``report_fail``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.audit.context import audit_context
from bioseg.audit.transitions import transition
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.common.scoping import recheck
from bioseg.common.validation import Errors
from bioseg.common.workflow import WrongState
from bioseg.evaluation import selectors
from bioseg.evaluation.models import EvaluationNarrative, EvaluationReport, NarrativeStatus, ReportStatus
from bioseg.evaluation.workflows import NARRATIVE_WORKFLOW
from bioseg.registry.scope import scope_for

TEXT_LIMIT = 20_000


def narrative_save(
    *,
    actor: User,
    as_of: dt.date,
    text_zh: str,
    text_en: str = "",
    narrative: EvaluationNarrative | None = None,
    reason: str = "",
) -> EvaluationNarrative:
    """A provincial reviewer writes (or, while it is a draft, rewrites) its province's narrative for ``as_of``."""
    org = getattr(actor, "organisation", None)
    if not (
        actor is not None
        and actor.is_authenticated
        and actor.has_role(Role.PROVINCIAL_REVIEWER)
        and org is not None
        and org.kind == OrganisationKind.PROVINCIAL_REGULATOR
    ):
        raise PermissionDenied("write the province's evaluation narrative", "撰写本省总结评估叙述")
    e = Errors()
    e.required("as_of", as_of)
    e.required("text_zh", text_zh)
    if as_of and as_of > clock.today():
        e.add("as_of", "The narrative is about days already past.", "叙述所述日期不能晚于今天。")
    for field, value in (("text_zh", text_zh), ("text_en", text_en)):
        if value and len(value) > TEXT_LIMIT:
            e.add(field, f"At most {TEXT_LIMIT:,} characters.", f"最多 {TEXT_LIMIT:,} 个字符。")
    e.raise_if_any()
    with transaction.atomic():
        if narrative is None:
            with audit_context(actor=actor, reason=reason or gettext_noop("evaluation narrative drafted")):
                narrative = EvaluationNarrative.objects.create(
                    region_code=org.region_code,
                    as_of=as_of,
                    text_zh=text_zh.strip(),
                    text_en=(text_en or "").strip(),
                    author=actor,
                )
        else:
            locked = EvaluationNarrative.objects.select_for_update().get(pk=narrative.pk)
            if locked.region_code != org.region_code:
                raise PermissionDenied("write the province's evaluation narrative", "撰写本省总结评估叙述")
            if locked.status != NarrativeStatus.DRAFT:
                raise WrongState(
                    "wrong_state",
                    "A signed narrative is never changed: write a new one.",
                    "已签名的叙述不能修改：请另写一份。",
                    details={"action": "edit", "state": locked.status, "allowed_from": [NarrativeStatus.DRAFT]},
                )
            with audit_context(actor=actor, reason=reason or gettext_noop("evaluation narrative edited")):
                locked.as_of, locked.text_zh, locked.text_en = as_of, text_zh.strip(), (text_en or "").strip()
                locked.save(update_fields=["as_of", "text_zh", "text_en", "updated_at"])
            narrative = locked
        recheck(narrative, scope_for(actor), "narrative")
        return narrative


def narrative_sign(*, actor: User, narrative: EvaluationNarrative, password: str) -> EvaluationNarrative:
    """A reviewer of the narrative's province signs it (meaning "authored"); it then enters the reports."""
    with transition(
        NARRATIVE_WORKFLOW,
        actor=actor,
        subject=narrative,
        action="sign",
        reason=f"evaluation narrative of {narrative.region_code} as of {narrative.as_of} signed",
        password=password,
        record_event=None,
    ) as t:
        t.sign(t.subject)
    return t.subject


def report_request(*, actor: User, kind: str, code: str = "", as_of: dt.date, language: str = "zh") -> EvaluationReport:
    """Records a request for a build of the report; the interface then enqueues the background task
    (``bioseg.reporting.tasks.build_evaluation_report``), which makes the PDF and the XLSX."""
    e = Errors()
    e.choice("scope_kind", kind, ("national", "province", "product"))
    e.choice("language", language, ("zh", "en"))
    e.required("as_of", as_of)
    if as_of and as_of > clock.today():
        e.add("as_of", "An evaluation is of days already past.", "评估日期不能晚于今天。")
    e.raise_if_any()
    if not selectors.report_allowed(user=actor, kind=kind, code=code):
        raise PermissionDenied("build this evaluation report", "生成该总结评估报告")
    from bioseg.evaluation.figures import scope_of

    scope_of(province=code if kind == "province" else None, product=code if kind == "product" else None)
    return EvaluationReport.objects.create(
        scope_kind=kind, scope_code=code or "", as_of=as_of, language=language, requested_by=actor
    )


def report_progress(*, report_id: int, percent: int, step: str) -> None:
    EvaluationReport.objects.filter(pk=report_id).update(
        status=ReportStatus.RUNNING, progress=max(0, min(100, percent)), step=step[:60], updated_at=clock.now()
    )


def _store(content: bytes, suffix: str) -> tuple[str, str]:
    digest = hashlib.sha256(content).hexdigest()
    relative = Path("reports") / digest[:2] / f"{digest}{suffix}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(suffix + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(target)
    return str(relative), digest


def report_finish(*, report_id: int, pdf: bytes, xlsx: bytes, seconds: float) -> EvaluationReport:
    pdf_path, pdf_sha = _store(pdf, ".pdf")
    xlsx_path, xlsx_sha = _store(xlsx, ".xlsx")
    EvaluationReport.objects.filter(pk=report_id).update(
        status=ReportStatus.DONE,
        progress=100,
        step="done",
        pdf_path=pdf_path,
        pdf_sha256=pdf_sha,
        xlsx_path=xlsx_path,
        xlsx_sha256=xlsx_sha,
        seconds=Decimal(str(round(seconds, 2))),
        updated_at=clock.now(),
    )
    return EvaluationReport.objects.get(pk=report_id)


def report_fail(*, report_id: int, error: str) -> None:
    EvaluationReport.objects.filter(pk=report_id).update(
        status=ReportStatus.FAILED, error=error[:2000], updated_at=clock.now()
    )


def report_file(*, report: EvaluationReport, fmt: str) -> bytes:
    """The bytes of a finished build's file, checked against the SHA-256 recorded when it was made."""
    if report.status != ReportStatus.DONE:
        raise WrongState(
            "wrong_state",
            "The report is not built yet.",
            "报告尚未生成。",
            details={"action": "download", "state": report.status, "allowed_from": [ReportStatus.DONE]},
        )
    if fmt not in ("pdf", "xlsx"):
        raise ValidationFailed({"format": ("Use pdf or xlsx.", "格式须为 pdf 或 xlsx。")})
    path, sha = (report.pdf_path, report.pdf_sha256) if fmt == "pdf" else (report.xlsx_path, report.xlsx_sha256)
    content = (Path(settings.MEDIA_ROOT) / path).read_bytes()
    if hashlib.sha256(content).hexdigest() != sha:
        raise ValidationFailed(
            {"file": ("The stored file no longer matches its SHA-256.", "存储的文件与其 SHA-256 不符。")}
        )
    return content
