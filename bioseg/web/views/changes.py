"""Change control pages: the list (filters, XLSX export), the form to raise a change, and the detail with the
affected segments and enterprises, their impact assessments, what is still missing before implementation, the lots
flagged after a key change, the events, the signatures and only the allowed actions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.common import clock
from bioseg.common.errors import NotFound, PermissionDenied
from bioseg.production.models import ProcessChain
from bioseg.quality import changes
from bioseg.quality.change_workflow import CHANGE_WORKFLOW
from bioseg.quality.duties import duty_for
from bioseg.quality.models import (
    AssessmentConclusion,
    ChangeKind,
    ChangeRequest,
    ChangeRoute,
    ChangeStatus,
    GmpImpact,
)
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import own_enterprise_ids, scope_for
from bioseg.reporting import xlsx
from bioseg.web.filters import FilterForm
from bioseg.web.forms import run_service
from bioseg.web.labels import is_zh, local_name
from bioseg.web.views.common import page_view, paginate, render_list
from bioseg.web.views.quality import SignForm, can_record


class ChangeFilter(FilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    route = forms.ChoiceField(label=_("Regulatory route"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    site = forms.ChoiceField(label=_("Site"), required=False)

    def __init__(self, *args, products=(), sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Reference or title")
        self.fields["status"].choices = [
            ("", _("All statuses")),
            ("open_any", _("Awaiting implementation")),
            *ChangeStatus.choices,
        ]
        self.fields["route"].choices = [("", _("All routes")), *ChangeRoute.choices]
        self.fields["product"].choices = [("", _("All products"))] + [(str(p.pk), local_name(p)) for p in products]
        self.fields["site"].choices = [("", _("All sites"))] + [(str(s.pk), local_name(s)) for s in sites]

    def narrow(self, qs, data):
        if "q" in data:
            text = data["q"].strip()
            qs = qs.filter(Q(reference__icontains=text) | Q(title__icontains=text))
        if data.get("status") == "open_any":
            qs = qs.filter(status__in=(ChangeStatus.ASSESSING, ChangeStatus.APPROVED))
        elif "status" in data:
            qs = qs.filter(status=data["status"])
        if "route" in data:
            qs = qs.filter(route=data["route"])
        if "product" in data:
            qs = qs.filter(product_id=int(data["product"]))
        if "site" in data:
            qs = qs.filter(site_id=int(data["site"]))
        return qs


@page_view
def change_list(request):
    scope = scope_for(request.user)
    form = ChangeFilter(
        request.GET,
        products=registry_selectors.product_list(scope=scope),
        sites=registry_selectors.site_list(scope=scope),
    )
    qs = form.apply(changes.change_list(scope=scope))
    if request.GET.get("export") == "xlsx":
        return _xlsx(qs)
    return render_list(
        request,
        "web/change_list.html",
        {"filter": form, "page": paginate(request, qs), "can_record": can_record(request.user)},
    )


def _xlsx(qs) -> HttpResponse:
    lang = "zh" if is_zh() else "en"
    book = xlsx.Workbook(lang=lang)
    states = {k: (str(v), CHANGE_WORKFLOW.state_label(k, "zh")) for k, v in ChangeStatus.choices}
    routes = {k: (changes.ROUTE_EN[k], changes.ROUTE_ZH[k]) for k in ChangeRoute.values}
    impacts = {k: (changes.IMPACT_EN[k], changes.IMPACT_ZH[k]) for k in GmpImpact.values}
    heads = (
        ["编号", "产品", "场地", "提出日期", "注册管理类别", "GMP影响", "状态", "实施日期", "标题"]
        if lang == "zh"
        else ["Reference", "Product", "Site", "Raised on", "Route", "GMP impact", "Status", "Implemented on", "Title"]
    )
    sheet = book.sheet(
        "变更" if lang == "zh" else "Changes",
        [
            xlsx.Column(heads[0], "text"),
            xlsx.Column(heads[1]),
            xlsx.Column(heads[2]),
            xlsx.Column(heads[3], "date"),
            xlsx.Column(heads[4], "status", labels=routes),
            xlsx.Column(heads[5], "status", labels=impacts),
            xlsx.Column(heads[6], "status", labels=states),
            xlsx.Column(heads[7], "date"),
            xlsx.Column(heads[8], "text", width=60),
        ],
    )
    for c in qs.iterator(chunk_size=2000):
        sheet.append(
            [
                c.reference,
                local_name(c.product),
                local_name(c.site),
                c.raised_on,
                c.route,
                c.gmp_impact,
                c.status,
                c.implemented_on,
                c.title,
            ]
        )
    response = HttpResponse(book.to_bytes(), content_type=xlsx.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="changes-{clock.today().isoformat()}.xlsx"'
    return response


class ChangeForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    site = forms.TypedChoiceField(label=_("Site making the change"), coerce=int)
    segment_code = forms.CharField(
        label=_("Segment changed"),
        required=False,
        max_length=40,
        help_text=_("The code of the segment (material) changed, e.g. DS; empty: every segment made at the site."),
    )
    kind = forms.ChoiceField(label=_("What changes"), choices=ChangeKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    justification = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2}))
    raised_on = forms.DateField(label=_("Raised on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    planned_on = forms.DateField(
        label=_("Planned implementation"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    route = forms.ChoiceField(label=_("Regulatory route"), choices=ChangeRoute.choices)
    gmp_impact = forms.ChoiceField(label=_("GMP impact"), choices=GmpImpact.choices)
    classification_reason = forms.CharField(
        label=_("Reason for the classification"), widget=forms.Textarea(attrs={"rows": 2})
    )
    stability_followup = forms.BooleanField(label=_("May affect shelf life: stability follow-up"), required=False)

    def __init__(self, *args, products=(), sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.pk, local_name(p)) for p in products]
        self.fields["site"].choices = [(s.pk, local_name(s)) for s in sites]


@page_view
def change_create(request):
    if not can_record(request.user):
        raise PermissionDenied("raise a change", "提出变更")
    scope = scope_for(request.user)
    own = own_enterprise_ids(request.user)
    products = registry_selectors.product_list(scope=scope)
    sites = [
        s
        for s in registry_selectors.site_list(scope=scope).select_related("enterprise")
        if s.enterprise_id in own or s.enterprise_id in scope.partner_ids
    ]
    form = ChangeForm(request.POST or None, products=products, sites=sites, initial={"raised_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        product = registry_selectors.product_get(scope=scope, pk=d.pop("product"))
        site = registry_selectors.site_get(scope=scope, pk=d.pop("site"))
        code = (d.pop("segment_code") or "").strip()
        segment = None
        if code:
            chain = changes.chain_in_force(product, d["raised_on"])
            segment = chain.segments.filter(code=code).first() if chain else None
            if segment is None:
                form.add_error("segment_code", gettext("The chain in force that day has no segment with this code."))
        if not form.errors:
            ok, change = run_service(
                form,
                lambda: changes.change_raise(actor=request.user, product=product, site=site, segment=segment, **d),
            )
            if ok:
                messages.success(request, gettext("Change %(ref)s was raised.") % {"ref": change.reference})
                return redirect("web:change-detail", pk=change.pk)
    return render(request, "web/change_form.html", {"form": form}, status=400 if form.errors else 200)


# --- detail and the workflow's actions -------------------------------------------------------------------------


class AssessmentForm(forms.Form):
    conclusion = forms.ChoiceField(label=_("Conclusion"), choices=AssessmentConclusion.choices)
    assessment = forms.CharField(label=_("Impact assessment"), widget=forms.Textarea(attrs={"rows": 3}))
    actions = forms.CharField(
        label=_("Actions before implementation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    password = forms.CharField(
        label=_("Your password (e-signature)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to sign (meaning: reviewed)."),
    )


class RegulatoryForm(forms.Form):
    reference = forms.CharField(label=_("Approval number or filing reference"), max_length=80)
    recorded_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class ImplementForm(SignForm):
    implemented_on = forms.DateField(
        label=_("Implemented on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    new_chain = forms.TypedChoiceField(
        label=_("Chain version it creates"), coerce=int, required=False, empty_value=None
    )
    field_order = ["implemented_on", "new_chain", "password", "reason"]

    def __init__(self, *args, chains=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_chain"].choices = [("", _("none"))] + [(c.pk, f"v{c.version}") for c in chains]


class RejectForm(SignForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = _("Re-enter your password to sign (meaning: rejected).")


class ChangeReclassifyForm(forms.Form):
    route = forms.ChoiceField(label=_("Regulatory route"), choices=ChangeRoute.choices)
    gmp_impact = forms.ChoiceField(label=_("GMP impact"), choices=GmpImpact.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


def _later_chains(change):
    return ProcessChain.objects.filter(product=change.product, version__gt=change.chain.version).order_by("version")


def _implement(user, change, d):
    chain = _later_chains(change).filter(pk=d.pop("new_chain")).first() if d.get("new_chain") else None
    d.pop("new_chain", None)
    return changes.change_implement(actor=user, change=change, new_chain=chain, **d)


ACTIONS = {
    "record_assessment": (
        AssessmentForm,
        lambda user, c, d: changes.change_record_assessment(actor=user, change=c, **d),
        _("Your impact assessment was recorded and signed."),
    ),
    "approve": (
        SignForm,
        lambda user, c, d: changes.change_approve(actor=user, change=c, **d),
        _("The change was approved and signed."),
    ),
    "record_regulatory": (
        RegulatoryForm,
        lambda user, c, d: changes.change_record_regulatory(actor=user, change=c, **d),
        _("The regulatory record was saved."),
    ),
    "implement": (ImplementForm, _implement, _("The change was implemented and signed.")),
    "reject": (
        RejectForm,
        lambda user, c, d: changes.change_reject(actor=user, change=c, **d),
        _("The change was rejected and signed."),
    ),
    "reclassify": (
        ChangeReclassifyForm,
        lambda user, c, d: changes.change_reclassify(actor=user, change=c, **d),
        _("The change was re-classified."),
    ),
}
assert set(ACTIONS) == set(CHANGE_WORKFLOW.actions)


def _form(action: str, change, data=None):
    form_class = ACTIONS[action][0]
    kwargs = {"prefix": action}
    if form_class is ImplementForm:
        kwargs["chains"] = _later_chains(change)
    if action == "reclassify" and data is None:
        kwargs["initial"] = {"route": change.route, "gmp_impact": change.gmp_impact}
    if action in ("implement", "record_regulatory") and data is None:
        kwargs["initial"] = {"implemented_on": clock.today(), "recorded_on": clock.today()}
    return form_class(data, **kwargs) if data is not None else form_class(**kwargs)


def _detail(request, change: ChangeRequest, bound: dict | None = None, status: int = 200):
    allowed = CHANGE_WORKFLOW.allowed_steps(request.user, change)
    actions = [{"step": s, "form": (bound or {}).get(s.action) or _form(s.action, change)} for s in allowed]
    assessments = {a.enterprise_id: a for a in changes.change_assessments(change)}
    affected = list(changes.change_affected(change))
    for row in affected:
        row.assessment_row = assessments.get(row.enterprise_id) if row.assessment_required else None
    authority = changes.filing_authority(change)
    return render(
        request,
        "web/change_detail.html",
        {
            "object": change,
            "state_label": CHANGE_WORKFLOW.state_label(change.status, "zh" if is_zh() else "en"),
            "route_zh": changes.ROUTE_ZH[change.route],
            "authority": authority[1] if is_zh() else authority[0],
            "actions": actions,
            "affected": affected,
            "assessments": list(assessments.values()),
            "missing": changes.change_missing(change) if change.status in ("assessing", "approved") else [],
            "flags": changes.change_lot_flags(change),
            "events": change.events.select_related("actor").order_by("occurred_at", "id"),
            "signatures": changes.change_signatures(change),
            "duty": duty_for(change.agreement, changes.ACTIVITY[change.route]),
        },
        status=status,
    )


@page_view
def change_detail(request, pk):
    return _detail(request, changes.change_get(scope=scope_for(request.user), pk=pk))


@page_view
def change_action(request, pk, action):
    change = changes.change_get(scope=scope_for(request.user), pk=pk)
    if action not in ACTIONS:
        raise NotFound("page", action)
    if request.method != "POST":
        return redirect("web:change-detail", pk=change.pk)
    CHANGE_WORKFLOW.check_actor(request.user, change, action)  # 403 for a person who may not
    _form_class, call, done = ACTIONS[action]
    form = _form(action, change, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        ok, _result = run_service(form, lambda: call(request.user, change, data))
        if ok:
            messages.success(request, str(done))
            return redirect("web:change-detail", pk=change.pk)
    change = changes.change_get(scope=scope_for(request.user), pk=pk)
    return _detail(request, change, {action: form}, status=400)
