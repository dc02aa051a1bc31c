"""The end-of-pilot evaluation in the web: the figures as of a date with their charts, report builds in the
background with their progress, and the provinces' narratives (written, then e-signed by a reviewer)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.accounts.roles import OrganisationKind
from bioseg.common import clock
from bioseg.common.errors import ApplicationError, PermissionDenied
from bioseg.evaluation import selectors, services
from bioseg.evaluation.figures import evaluation
from bioseg.evaluation.models import NarrativeStatus, ReportStatus
from bioseg.evaluation.workflows import NARRATIVE_WORKFLOW
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for
from bioseg.reporting.evaluation import chart_of, value_text
from bioseg.reporting.tasks import build_evaluation_report
from bioseg.web.forms import apply_service_errors, run_service
from bioseg.web.inline import inline_svg
from bioseg.web.labels import is_zh
from bioseg.web.views.common import page_view, paginate


class ScopeForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    scope = forms.ChoiceField(
        label=_("Scope"), choices=[("national", _("National")), ("province", _("Province")), ("product", _("Product"))]
    )
    code = forms.CharField(label=_("Province or product"), required=False, widget=forms.Select)
    language = forms.ChoiceField(label=_("Language of the files"), choices=[("zh", "简体中文"), ("en", "English")])
    language.widget.attrs["lang"] = "zxx"  # the languages named in their own words

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = [("", "—")]
        org = user.organisation
        if org.kind == OrganisationKind.PROVINCIAL_REGULATOR:
            from bioseg.common.regions import province_name

            choices.append((org.region_code, province_name(org.region_code, "zh" if is_zh() else "en")))
        elif org.kind == OrganisationKind.NMPA:
            from bioseg.common.regions import PROVINCES, province_name

            choices += [(p.code, province_name(p.code, "zh" if is_zh() else "en")) for p in PROVINCES]
        for p in registry_selectors.product_list(scope=scope_for(user)).order_by("name_en"):
            choices.append((str(p.pk), p.name_zh if is_zh() else p.name_en))
        self.fields["code"].widget.choices = choices

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day > clock.today():
            raise forms.ValidationError(gettext("An evaluation is of days already past."))
        return day

    def clean(self):
        data = super().clean()
        kind, code = data.get("scope"), (data.get("code") or "").strip()
        if kind in ("province", "product") and not code:
            self.add_error("code", gettext("Choose the province or the product."))
        elif kind and not selectors.report_allowed(user=self.user, kind=kind, code=code if kind != "national" else ""):
            self.add_error("scope", gettext("Your role does not allow you to see this evaluation."))
        return data


def _default_scope(user) -> dict:
    org = user.organisation
    if org.kind == OrganisationKind.NMPA:
        return {"scope": "national", "code": ""}
    if org.kind == OrganisationKind.PROVINCIAL_REGULATOR:
        return {"scope": "province", "code": org.region_code}
    own = registry_selectors.product_list(scope=scope_for(user)).filter(holder_id__in=scope_for(user).enterprise_ids)
    first = own.order_by("name_en").first()
    return {"scope": "product", "code": str(first.pk) if first else ""}


def _sections(ev, lang: str) -> list[dict]:
    out = []
    for s in ev.sections:
        out.append(
            {
                "key": s.key,
                "title": s.title_zh if lang == "zh" else s.title_en,
                "figures": [
                    {
                        "key": f.key,
                        "label": f.label_zh if lang == "zh" else f.label_en,
                        "value": value_text(f, lang),
                        "counts": f.counts_zh if lang == "zh" else f.counts_en,
                    }
                    for f in s.figures
                ],
                "charts": [inline_svg(chart_of(c, lang).svg().decode("utf-8")) for c in s.charts],
            }
        )
    return out


@page_view
def evaluation_page(request):
    user = request.user
    default = _default_scope(user)
    if not selectors.report_allowed(user=user, kind=default["scope"], code=default["code"]):
        raise PermissionDenied("see the end-of-pilot evaluation", "查看试点总结评估")
    initial = {"as_of": clock.today(), "language": "zh" if is_zh() else "en", **default}
    data = request.GET if "as_of" in request.GET else None
    form = ScopeForm(data or None, user=user, initial=initial)
    context = {"form": form, "sections": None}
    values = form.cleaned_data if data and form.is_valid() else (initial if not data else None)
    if values:
        kind, code = values["scope"], values.get("code") or ""
        ev = evaluation(
            as_of=values["as_of"],
            province=code if kind == "province" else None,
            product=code if kind == "product" else None,
            drills=False,
        )
        lang = "zh" if is_zh() else "en"
        context.update(
            sections=_sections(ev, lang),
            evaluation=ev,
            scope_label=ev.scope.label_zh if lang == "zh" else ev.scope.label_en,
            narratives=[{"n": n, "text": n.text(lang)} for n in ev.narratives],
        )
    context["reports"] = selectors.report_list(scope=scope_for(user))[:10]
    return render(request, "web/evaluation.html", context)


@page_view
def evaluation_report_request(request):
    if request.method != "POST":
        return redirect("web:evaluation")
    form = ScopeForm(request.POST, user=request.user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                report = services.report_request(
                    actor=request.user,
                    kind=d["scope"],
                    code=d.get("code") or "" if d["scope"] != "national" else "",
                    as_of=d["as_of"],
                    language=d["language"],
                )
                transaction.on_commit(lambda: build_evaluation_report.enqueue(report.pk))
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("web:evaluation-report", pk=report.pk)
    return render(request, "web/evaluation.html", {"form": form, "sections": None, "reports": []}, status=400)


@page_view
def evaluation_report(request, pk):
    report = selectors.report_get(scope=scope_for(request.user), pk=pk)
    template = "web/evaluation_report_status.html" if getattr(request, "htmx", False) else "web/evaluation_report.html"
    return render(
        request, template, {"report": report, "running": report.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)}
    )


@page_view
def evaluation_report_file(request, pk, fmt):
    report = selectors.report_get(scope=scope_for(request.user), pk=pk)
    content = services.report_file(report=report, fmt=fmt)
    kinds = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = HttpResponse(content, content_type=kinds[fmt])
    scope = report.scope_kind + (f"-{report.scope_code}" if report.scope_code else "")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{scope}-{report.as_of.isoformat()}.{fmt}"'
    return response


# --- narratives -------------------------------------------------------------------------------------------------


class NarrativeForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    text_zh = forms.CharField(label=_("Narrative (Chinese)"), widget=forms.Textarea(attrs={"rows": 10}))
    text_en = forms.CharField(label=_("Narrative (English)"), widget=forms.Textarea(attrs={"rows": 10}), required=False)


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("Your password (e-signature)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_(
            "Re-enter your password to sign the narrative (meaning: authored). A signed narrative is never changed."
        ),
    )


@page_view
def narrative_list(request):
    scope = scope_for(request.user)
    page = paginate(request, selectors.narrative_list(scope=scope))
    can_write = request.user.organisation.kind == OrganisationKind.PROVINCIAL_REGULATOR and request.user.has_role(
        "provincial_reviewer"
    )
    return render(request, "web/narrative_list.html", {"page": page, "can_write": can_write})


@page_view
def narrative_edit(request, pk=None):
    scope = scope_for(request.user)
    narrative = selectors.narrative_get(scope=scope, pk=pk) if pk else None
    initial = (
        {"as_of": narrative.as_of, "text_zh": narrative.text_zh, "text_en": narrative.text_en}
        if narrative
        else {"as_of": clock.today()}
    )
    form = NarrativeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, saved = run_service(
            form, lambda: services.narrative_save(actor=request.user, narrative=narrative, **form.cleaned_data)
        )
        if ok:
            messages.success(request, gettext("The narrative was saved as a draft."))
            return redirect("web:narrative-detail", pk=saved.pk)
    return render(request, "web/narrative_form.html", {"form": form, "object": narrative})


@page_view
def narrative_detail(request, pk):
    narrative = selectors.narrative_get(scope=scope_for(request.user), pk=pk)
    form = SignForm(request.POST or None)
    allowed = NARRATIVE_WORKFLOW.allowed_actions(request.user, narrative)
    if request.method == "POST":
        if "sign" not in allowed:
            raise PermissionDenied("sign the province's narrative", "签署本省总结评估叙述")
        if form.is_valid():
            password = form.cleaned_data["password"]
            ok, _result = run_service(
                form, lambda: services.narrative_sign(actor=request.user, narrative=narrative, password=password)
            )
            if ok:
                messages.success(request, gettext("The narrative was signed."))
                return redirect("web:narrative-detail", pk=narrative.pk)
    from bioseg.audit.selectors import signatures_for

    return render(
        request,
        "web/narrative_detail.html",
        {
            "object": narrative,
            "text": narrative.text("zh" if is_zh() else "en"),
            "form": form,
            "can_sign": "sign" in allowed,
            "can_edit": narrative.status == NarrativeStatus.DRAFT and narrative.author_id == request.user.pk,
            "signatures": signatures_for(narrative),
        },
    )
