"""OOS investigation pages: the list (filters, XLSX) and the detail with the result, the lots the recall assessment
covers, events, signatures and the steps the user may take."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from bioseg.audit.selectors import signatures_for
from bioseg.common import clock
from bioseg.production.models import Lot
from bioseg.quality import oos as oq
from bioseg.quality.models import OosStatus, RecallDecision
from bioseg.quality.oos import OOS_WORKFLOW
from bioseg.registry.scope import scope_for
from bioseg.reporting import xlsx
from bioseg.web.filters import FilterForm
from bioseg.web.labels import is_zh, local_name
from bioseg.web.views.common import page_view, paginate, render_list
from bioseg.web.views.quality import SignForm
from bioseg.web.workflow_pages import StepPage, post_step, step_forms


class OosFilter(FilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Reference or lot number")
        self.fields["status"].choices = [("", _("All statuses")), *OosStatus.choices]

    def narrow(self, qs, data):
        from django.db.models import Q

        if "q" in data:
            qs = qs.filter(Q(reference__icontains=data["q"].strip()) | Q(lot__lot_number__icontains=data["q"].strip()))
        if "status" in data:
            qs = qs.filter(status=data["status"])
        return qs


@page_view
def oos_list(request):
    form = OosFilter(request.GET)
    qs = form.apply(oq.oos_list(scope=scope_for(request.user)))
    if request.GET.get("export") == "xlsx":
        zh = is_zh()
        book = xlsx.Workbook(lang="zh" if zh else "en")
        states = {k: (str(v), OOS_WORKFLOW.state_label(k, "zh")) for k, v in OosStatus.choices}
        heads = (
            ["编号", "批号", "产品", "检验场地", "状态", "结果"]
            if zh
            else ["Reference", "Lot", "Product", "Testing site", "Status", "Result"]
        )
        sheet = book.sheet(
            "检验结果超标" if zh else "OOS",
            [
                xlsx.Column(heads[0], "text"),
                xlsx.Column(heads[1], "text"),
                xlsx.Column(heads[2]),
                xlsx.Column(heads[3]),
                xlsx.Column(heads[4], "status", labels=states),
                xlsx.Column(heads[5], "text", width=70),
            ],
        )
        for o in qs.iterator(chunk_size=2000):
            sheet.append(
                [
                    o.reference,
                    o.lot.lot_number,
                    local_name(o.product),
                    local_name(o.site),
                    o.status,
                    o.summary("zh" if zh else "en"),
                ]
            )
        response = HttpResponse(book.to_bytes(), content_type=xlsx.XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="oos-{clock.today().isoformat()}.xlsx"'
        return response
    return render_list(request, "web/oos_list.html", {"filter": form, "page": paginate(request, qs)})


class InvestigationForm(forms.Form):
    investigation = forms.CharField(label=_("Investigation"), widget=forms.Textarea(attrs={"rows": 3}))


class InvalidateForm(SignForm):
    root_cause = forms.CharField(label=_("Laboratory error found"), widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["root_cause", "password", "reason"]


class RecallDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Recall decision"), choices=RecallDecision.choices)
    reasoning = forms.CharField(label=_("Reasoning of the recall decision"), widget=forms.Textarea(attrs={"rows": 3}))
    password = SignForm.base_fields["password"]


PAGES = {
    "record_investigation": StepPage(
        InvestigationForm,
        lambda u, o, d: oq.oos_record_investigation(actor=u, oos=o, **d),
        _("The investigation was recorded."),
    ),
    "invalidate": StepPage(
        InvalidateForm,
        lambda u, o, d: oq.oos_invalidate(actor=u, oos=o, **d),
        _("The result was invalidated and signed."),
    ),
    "confirm": StepPage(
        SignForm,
        lambda u, o, d: oq.oos_confirm(actor=u, oos=o, **d),
        _("The OOS result was confirmed, signed and reported to the regulator."),
    ),
    "decide_recall": StepPage(
        RecallDecisionForm,
        lambda u, o, d: oq.oos_decide_recall(actor=u, oos=o, **d),
        _("The recall decision was recorded and signed."),
    ),
}
assert set(PAGES) == set(OOS_WORKFLOW.actions)


def _detail(request, oos, bound=None, status=200):
    concerned = oq.lots_concerned(oos)
    return render(
        request,
        "web/oos_detail.html",
        {
            "object": oos,
            "summary": oos.summary("zh" if is_zh() else "en"),
            "state_label": OOS_WORKFLOW.state_label(oos.status, "zh" if is_zh() else "en"),
            "steps": step_forms(OOS_WORKFLOW, request.user, oos, PAGES, bound),
            "concerned": Lot.objects.filter(pk__in=concerned[:50])
            .select_related("site")
            .order_by("manufactured_on", "id"),
            "concerned_count": len(concerned),
            "events": oos.events.select_related("actor").order_by("occurred_at", "id"),
            "signatures": signatures_for(oos),
        },
        status=status,
    )


@page_view
def oos_detail(request, pk):
    return _detail(request, oq.oos_get(scope=scope_for(request.user), pk=pk))


@page_view
def oos_action(request, pk, action):
    oos = oq.oos_get(scope=scope_for(request.user), pk=pk)
    return post_step(request, OOS_WORKFLOW, oos, action, PAGES, detail=_detail, url_name="web:oos-detail")
