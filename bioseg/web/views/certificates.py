"""Recording a lot's certificate of analysis in the web: the file (kept in the media store under its SHA-256), and
its results row by row — or imported from a CSV or an XLSX workbook — each judged against its specification by the service. A failing
result blocks the lot's release and opens an OOS investigation (the quality system), which the page then links."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.common import clock
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.production import selectors, services
from bioseg.production.services.common import QA_ROLES
from bioseg.quality.models import OosInvestigation
from bioseg.registry.scope import own_enterprise_ids, scope_for
from bioseg.web.forms import apply_service_errors
from bioseg.web.labels import is_zh
from bioseg.web.views.common import page_view

ROWS = 6
MAX_FILE = 20 * 1024 * 1024
COLUMNS = ("test", "method", "unit", "spec_min", "spec_max", "spec_text", "value", "result_text", "conforms")


class CertificateForm(forms.Form):
    reference = forms.CharField(label=_("Certificate number"), max_length=80)
    issued_on = forms.DateField(label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    file = forms.FileField(label=_("Certificate file (PDF)"))
    results_csv = forms.FileField(
        label=_("Results as CSV or XLSX (optional)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["results_csv"].help_text = columns_help()


def columns_help():
    """The columns of a results file, each its header (a code, marked as having no language) and what it holds in
    the active language: 'test（检验项目）', 'test (Test)'."""
    zh = is_zh()
    labels = {name: field.label for name, field in ResultForm.base_fields.items()}
    columns = format_html_join(
        "、" if zh else ", ",
        '<code lang="zxx">{}</code>（{}）' if zh else '<code lang="zxx">{}</code> ({})',
        ((name, labels[name]) for name in COLUMNS),
    )
    return format_html(gettext("Columns of the header row: {columns}."), columns=columns)


class ResultForm(forms.Form):
    test = forms.CharField(label=_("Test"), max_length=200, required=False)
    method = forms.CharField(label=_("Method"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    spec_min = forms.CharField(label=_("Lower limit"), max_length=30, required=False)
    spec_max = forms.CharField(label=_("Upper limit"), max_length=30, required=False)
    spec_text = forms.CharField(label=_("Specification (text)"), max_length=300, required=False)
    value = forms.CharField(label=_("Result"), max_length=30, required=False)
    result_text = forms.CharField(label=_("Result (text)"), max_length=300, required=False)
    conforms = forms.BooleanField(label=_("Conforms"), required=False)


ResultFormSet = forms.formset_factory(ResultForm, extra=ROWS, max_num=200)


def _results_file_rows(upload, data: bytes) -> list[dict]:
    """The result rows of an uploaded CSV (UTF-8) or XLSX (its first sheet), ``data`` its bytes: a header row
    naming the columns — at least ``test`` — then one row per result; empty rows skipped."""
    if len(data) > MAX_FILE:
        raise ValidationFailed({"results_csv": ("The file is larger than 20 MB.", "文件超过 20 MB。")})
    if (upload.name or "").lower().endswith(".xlsx"):
        header, body = _xlsx_table(data)
    else:
        try:
            decoded = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(
                {"results_csv": ("The CSV is not UTF-8 text.", "CSV 文件不是 UTF-8 文本。")}
            ) from None
        table = list(csv.reader(io.StringIO(decoded)))
        header, body = (table[0] if table else []), table[1:]
    names = [str(h or "").strip() for h in header]
    if "test" not in names:
        raise ValidationFailed(
            {
                "results_csv": (
                    "The file needs a header row with at least the column test.",
                    "文件须有表头行，且至少包含 test 列。",
                )
            }
        )
    rows = []
    for values in body:
        row = {k: _cell(v) for k, v in zip(names, values, strict=False) if k}
        if not any(row.values()):
            continue
        row["conforms"] = row.get("conforms", "").lower() in ("1", "true", "yes", "y", "是", "符合")
        rows.append({k: row.get(k, "") for k in COLUMNS})
    return rows


def _xlsx_table(data: bytes) -> tuple[list, list[list]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
    except Exception:  # not a workbook: a zip that is not one, a damaged file
        raise ValidationFailed(
            {"results_csv": ("The file is not a readable XLSX workbook.", "该文件不是可读取的 XLSX 工作簿。")}
        ) from None
    return (table[0] if table else []), table[1:]


def _cell(value) -> str:
    """A cell as the text the service reads: a number without float noise (5.0 → "5", 0.1 → "0.1"), a yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value).strip()


def _keep(content: bytes, name: str) -> str:
    digest = hashlib.sha256(content).hexdigest()
    target = Path(settings.MEDIA_ROOT) / "certificates" / digest[:2] / f"{digest}{Path(name).suffix.lower()[:8]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(target)
    return digest


@page_view
def certificate_create(request, pk):
    scope = scope_for(request.user)
    lot = selectors.lot_get(scope=scope, pk=pk)
    if not (
        request.user.has_role(*QA_ROLES)
        and {lot.site.enterprise_id, lot.product.holder_id} & own_enterprise_ids(request.user)
    ):
        raise PermissionDenied("record a certificate of analysis", "登记检验报告书")
    form = CertificateForm(request.POST or None, request.FILES or None, initial={"issued_on": clock.today()})
    rows = ResultFormSet(request.POST or None, prefix="r")
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        filled = [
            (i, f.cleaned_data)
            for i, f in enumerate(rows.forms)
            if f.cleaned_data and any(v not in ("", None, False) for v in f.cleaned_data.values())
        ]
        origin: list[int | None] = [i for i, _r in filled]  # service row n (from 1) → form row origin[n - 1]
        results = [r for _i, r in filled]
        upload = form.cleaned_data["file"]
        results_upload, results_data = form.cleaned_data.get("results_csv"), None
        try:
            if results_upload:
                results_data = results_upload.read(MAX_FILE + 1)
                imported = _results_file_rows(results_upload, results_data)
                results, origin = results + imported, origin + [None] * len(imported)
            if upload.size > MAX_FILE:
                raise ValidationFailed({"file": ("The file is larger than 20 MB.", "文件超过 20 MB。")})
            content = upload.read()
            certificate = services.coa_record(
                actor=request.user,
                lot=lot,
                reference=form.cleaned_data["reference"],
                file_name=upload.name,
                content=content,
                issued_on=form.cleaned_data["issued_on"],
                results=results,
                results_file_name=results_upload.name if results_upload else "",
                results_content=results_data,
            )
        except PermissionDenied:
            raise
        except ValidationFailed as exc:
            _place_errors(form, rows, exc, origin)
        else:
            _keep(content, upload.name)
            if results_data is not None:
                _keep(results_data, results_upload.name)  # the imported file too, under its SHA-256
            failing = certificate.results.filter(outcome="fail").count()
            if failing:
                messages.warning(
                    request,
                    gettext(
                        "The certificate was recorded: %(n)s result(s) out of specification opened an OOS investigation."
                    )
                    % {"n": failing},
                )
            else:
                messages.success(request, gettext("The certificate was recorded."))
            return redirect("web:lot-detail", pk=lot.pk)
    return render(
        request,
        "web/certificate_form.html",
        {
            "object": lot,
            "form": form,
            "rows": rows,
            "oos": OosInvestigation.objects.filter(lot=lot).order_by("-id")[:5],
        },
        status=400 if request.method == "POST" else 200,
    )


def _place_errors(form, rows, exc: ValidationFailed, origin: list[int | None]) -> None:
    """``results.N.field`` errors go onto the form row that result N came from (a row imported from the CSV onto
    the form as a whole, its message naming the row); the others onto their fields."""
    from bioseg.web.labels import is_zh

    fields = exc.details.get("fields", {}) if isinstance(exc.details, dict) else {}
    others = {}
    for key, msg in fields.items():
        text = msg.get("message_zh") if is_zh() else msg.get("message")
        parts = key.split(".")
        if parts[0] == "results" and len(parts) >= 2 and parts[1].isdigit():
            n = int(parts[1])
            field = parts[2] if len(parts) > 2 else None
            row = origin[n - 1] if 1 <= n <= len(origin) else None
            if row is not None and field in rows.forms[row].fields:
                rows.forms[row].add_error(field, text)
            else:
                form.add_error(None, text)
        else:
            others[key] = msg
    if others:
        exc.details = {"fields": others}
        apply_service_errors(form, exc)


class StabilityForm(forms.Form):
    study = forms.CharField(label=_("Study"), max_length=80)
    condition = forms.CharField(label=_("Storage condition"), max_length=60)
    timepoint_months = forms.IntegerField(label=_("Time point (months)"), min_value=0, max_value=120)
    test = forms.CharField(label=_("Test"), max_length=200)
    method = forms.CharField(label=_("Method"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    spec_min = forms.CharField(label=_("Lower limit"), max_length=30, required=False)
    spec_max = forms.CharField(label=_("Upper limit"), max_length=30, required=False)
    value = forms.CharField(label=_("Result"), max_length=30)
    tested_on = forms.DateField(label=_("Tested on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


@page_view
def stability_create(request, pk):
    from bioseg.quality import oos as oq
    from bioseg.web.forms import run_service

    lot = selectors.lot_get(scope=scope_for(request.user), pk=pk)
    if not (
        request.user.has_role(*QA_ROLES)
        and {lot.site.enterprise_id, lot.product.holder_id} & own_enterprise_ids(request.user)
    ):
        raise PermissionDenied("record a stability result", "记录稳定性考察结果")
    form = StabilityForm(request.POST or None, initial={"tested_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        ok, row = run_service(
            form, lambda: oq.stability_result_record(actor=request.user, lot=lot, **form.cleaned_data)
        )
        if ok:
            if row.outcome == "fail":
                messages.warning(
                    request, gettext("The result is out of specification: an OOS investigation was opened.")
                )
                return redirect("web:oos-detail", pk=row.oos.pk)
            messages.success(request, gettext("The stability result was recorded."))
            return redirect("web:lot-detail", pk=lot.pk)
    return render(request, "web/stability_form.html", {"object": lot, "form": form}, status=400 if form.errors else 200)
