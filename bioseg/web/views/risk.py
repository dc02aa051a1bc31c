"""Risk ratings for regulators: the current rating of every site they see (filter by level, XLSX), and per site
the rating explained — the PIC/S levels with their reasons, the score's contributions adding up to it, the history
as a chart and a table — with a form to re-rate it now."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.common import clock
from bioseg.oversight import ratings
from bioseg.oversight import selectors as sel
from bioseg.oversight.models import Level, RatingCause
from bioseg.oversight.risk import all_configs
from bioseg.reporting import charts, xlsx
from bioseg.web.filters import FilterForm
from bioseg.web.inline import inline_svg
from bioseg.web.labels import is_zh, local_name
from bioseg.web.views.common import page_view, paginate, render_list


def level_label(value: str) -> str:
    return {"low": "低", "medium": "中", "high": "高"}[value] if is_zh() else str(Level(value).label)


CAUSE_ZH = {
    "inspection_reported": "检查报告签发",
    "sample_unqualified": "抽检不合格",
    "programme": "年度检查计划编制",
    "quality_signal": "质量信号（偏差、派驻人员离岗）",
    "request": "应要求重新评定",
}


def cause_label(value: str) -> str:
    return CAUSE_ZH[value] if is_zh() else str(RatingCause(value).label)


def contribution_label(c: dict) -> str:
    return c["zh"] if is_zh() else c["en"]


class RiskFilter(FilterForm):
    overall = forms.ChoiceField(label=_("Risk rating"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Site")
        self.fields["overall"].choices = [("", _("All ratings"))] + [(v, level_label(v)) for v in Level.values]

    def narrow(self, qs, data):
        if "q" in data:
            from django.db.models import Q

            q = data["q"].strip()
            qs = qs.filter(Q(site__name_zh__icontains=q) | Q(site__name_en__icontains=q))
        if "overall" in data:
            qs = qs.filter(overall=data["overall"])
        return qs


@page_view
def risk_list(request):
    form = RiskFilter(request.GET)
    qs = form.apply(sel.risk_rating_list(user=request.user))
    if request.GET.get("export") == "xlsx":
        return _xlsx(qs)
    page = paginate(request, qs)
    rows = [
        {
            "r": r,
            "overall": level_label(r.overall),
            "intrinsic": level_label(r.intrinsic),
            "compliance": level_label(r.compliance),
            "cause": cause_label(r.cause),
        }
        for r in page
    ]
    unrated = sel.rated_sites(user=request.user).exclude(risk_ratings__isnull=False).count()
    return render_list(request, "web/risk_list.html", {"filter": form, "page": page, "rows": rows, "unrated": unrated})


def _xlsx(qs) -> HttpResponse:
    zh = is_zh()
    book = xlsx.Workbook(lang="zh" if zh else "en")
    heads = (
        [
            "场地",
            "企业",
            "省份",
            "综合风险",
            "优先分值",
            "固有风险",
            "合规风险",
            "检查频次（月）",
            "评定日期",
            "配置版本",
        ]
        if zh
        else [
            "Site",
            "Enterprise",
            "Province",
            "Risk rating",
            "Priority score",
            "Intrinsic risk",
            "Compliance risk",
            "Frequency (months)",
            "Rated on",
            "Configuration",
        ]
    )
    kinds = ["text", "text", "text", "text", "int", "text", "text", "int", "date", "text"]
    sheet = book.sheet(
        "风险评级" if zh else "Risk ratings", [xlsx.Column(h, k) for h, k in zip(heads, kinds, strict=True)]
    )
    from bioseg.web.labels import province_label

    for r in qs.iterator(chunk_size=2000):
        sheet.append(
            [
                local_name(r.site),
                local_name(r.site.enterprise),
                province_label(r.site.region_code),
                level_label(r.overall),
                r.score,
                level_label(r.intrinsic),
                level_label(r.compliance),
                r.frequency_months,
                r.as_of,
                r.config_version,
            ]
        )
    response = HttpResponse(book.to_bytes(), content_type=xlsx.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="risk-ratings-{clock.today().isoformat()}.xlsx"'
    return response


class RerateForm(forms.Form):
    """No fields: re-rating reads the records as they are; the button is the request."""


@page_view
def risk_site(request, pk):
    site = sel.risk_site_get(user=request.user, pk=pk)
    if request.method == "POST":
        ratings.site_rerate_on_request(actor=request.user, site=site)
        messages.success(request, gettext("The site has been re-rated."))
        return redirect("web:risk-site", pk=site.pk)
    history = list(sel.risk_history(user=request.user, site=site))
    current = history[0] if history else None
    lang = "zh" if is_zh() else "en"
    chart = None
    if history:
        points = [(timezone.localtime(r.rated_at).date(), r.score) for r in reversed(history)]
        chart = (
            charts.time_series_chart(
                {gettext("Priority score"): points},
                title=gettext("Priority score over time"),
                y_label=gettext("Score (0–100)"),
                lang=lang,
                step=True,
            )
            .svg()
            .decode("utf-8")
        )
        chart = inline_svg(chart)
    config = all_configs()[-1]
    context = {
        "site": site,
        "current": current,
        "contributions": [
            {"label": contribution_label(c), "points": c["points"], "source": _source(config, c["source"])}
            for c in (current.contributions if current else [])
        ],
        "reasons": [r[1] if lang == "zh" else r[0] for r in (current.reasons if current else [])],
        "levels": (
            {
                "complexity": level_label(current.complexity),
                "criticality": level_label(current.criticality),
                "intrinsic": level_label(current.intrinsic),
                "compliance": level_label(current.compliance),
                "overall": level_label(current.overall),
            }
            if current
            else {}
        ),
        "history": [{"r": r, "overall": level_label(r.overall), "cause": cause_label(r.cause)} for r in history],
        "chart": chart,
        "can_rerate": ratings.may_rerate(request.user, site),
    }
    return render(request, "web/risk_site.html", context)


def _source(config, key: str) -> str:
    en, zh = config.source(key)
    return zh if is_zh() else en
