"""Inspection pages: the list (filters, XLSX), planning one, and the detail with its team, scope, findings (each
with the CAPA it raised), samples (a result form for those awaiting one) and only the steps the user may take."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.accounts.models import User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.audit.selectors import signatures_for
from bioseg.common import clock
from bioseg.common.errors import NotFound, PermissionDenied
from bioseg.oversight import selectors as sel
from bioseg.oversight import services as svc
from bioseg.oversight.models import (
    CONCLUSION_LABELS_ZH,
    Conclusion,
    Grade,
    InspectionKind,
    InspectionStatus,
    SampleResult,
)
from bioseg.oversight.workflows import INSPECTION_WORKFLOW
from bioseg.production.models import Lot
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.models import Enterprise, Site
from bioseg.registry.scope import scope_for
from bioseg.reporting import xlsx
from bioseg.web.filters import FilterForm
from bioseg.web.forms import run_service
from bioseg.web.labels import is_zh, local_name, province_label
from bioseg.web.views.common import page_view, paginate, render_list
from bioseg.web.views.quality import ReasonForm, SignForm
from bioseg.web.workflow_pages import StepPage, post_step, step_forms

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def kind_label(kind: str) -> str:
    return svc.KIND_LABELS_ZH.get(kind, kind) if is_zh() else str(InspectionKind(kind).label)


def state_label(status: str) -> str:
    return INSPECTION_WORKFLOW.state_label(status, "zh" if is_zh() else "en")


def conclusion_label(value: str) -> str:
    if not value:
        return ""
    return CONCLUSION_LABELS_ZH[value] if is_zh() else str(Conclusion(value).label)


def grade_label(value: str) -> str:
    return svc.GRADE_LABELS_ZH[value] if is_zh() else str(Grade(value).label)


def province_name(code: str) -> str:
    return province_label(code)


class InspectionFilter(FilterForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Reference")
        self.fields["kind"].choices = [("", _("All kinds"))] + [(k, kind_label(k)) for k in InspectionKind.values]
        self.fields["status"].choices = [("", _("All statuses"))] + [
            (s, state_label(s)) for s in InspectionStatus.values
        ]

    def narrow(self, qs, data):
        if "q" in data:
            qs = qs.filter(reference__icontains=data["q"].strip())
        if "kind" in data:
            qs = qs.filter(kind=data["kind"])
        if "status" in data:
            qs = qs.filter(status=data["status"])
        return qs


@page_view
def inspection_list(request):
    form = InspectionFilter(request.GET)
    qs = form.apply(sel.inspection_list(user=request.user))
    if request.GET.get("export") == "xlsx":
        return _xlsx(qs)
    page = paginate(request, qs)
    rows = [
        {
            "i": i,
            "kind": kind_label(i.kind),
            "state": state_label(i.status),
            "conclusion": conclusion_label(i.conclusion),
        }
        for i in page
    ]
    return render_list(
        request,
        "web/inspection_list.html",
        {"filter": form, "page": page, "rows": rows, "can_plan": svc.is_inspector(request.user)},
    )


def _xlsx(qs) -> HttpResponse:
    zh = is_zh()
    book = xlsx.Workbook(lang="zh" if zh else "en")
    states = {
        s: (INSPECTION_WORKFLOW.state_label(s, "en"), INSPECTION_WORKFLOW.state_label(s, "zh"))
        for s in InspectionStatus.values
    }
    heads = (
        ["编号", "类型", "产品", "牵头省份", "协作省份", "计划开始", "计划结束", "状态", "结论", "缺陷数"]
        if zh
        else [
            "Reference",
            "Kind",
            "Product",
            "Lead province",
            "Partner province",
            "From",
            "To",
            "Status",
            "Conclusion",
            "Findings",
        ]
    )
    sheet = book.sheet(
        "检查" if zh else "Inspections",
        [
            xlsx.Column(heads[0], "text"),
            xlsx.Column(heads[1]),
            xlsx.Column(heads[2]),
            xlsx.Column(heads[3]),
            xlsx.Column(heads[4]),
            xlsx.Column(heads[5], "date"),
            xlsx.Column(heads[6], "date"),
            xlsx.Column(heads[7], "status", labels=states),
            xlsx.Column(heads[8]),
            xlsx.Column(heads[9], "int"),
        ],
    )
    for i in qs.annotate(finding_count=Count("findings", distinct=True)).iterator(chunk_size=2000):
        sheet.append(
            [
                i.reference,
                kind_label(i.kind),
                local_name(i.product) if i.product else "",
                province_name(i.region_code),
                province_name(i.partner_region_code) if i.partner_region_code else "",
                i.planned_from,
                i.planned_to,
                i.status,
                conclusion_label(i.conclusion),
                i.finding_count,
            ]
        )
    response = HttpResponse(book.to_bytes(), content_type=xlsx.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="inspections-{clock.today().isoformat()}.xlsx"'
    return response


def _inspectors(region_codes) -> list[tuple[int, str]]:
    users = (
        User.objects.filter(
            organisation__kind=OrganisationKind.PROVINCIAL_REGULATOR,
            organisation__region_code__in=[c for c in region_codes if c],
            memberships__role=Role.PROVINCIAL_INSPECTOR,
            is_active=True,
        )
        .select_related("organisation")
        .distinct()
        .order_by("organisation__region_code", "username")
    )
    return [(u.pk, f"{u.printed_name or u.username} · {province_name(u.organisation.region_code)}") for u in users]


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    sites = forms.TypedMultipleChoiceField(label=_("Sites inspected"), coerce=int, widget=forms.CheckboxSelectMultiple)
    partner_region_code = forms.ChoiceField(label=_("Partner province (joint inspection)"), required=False)
    team = forms.TypedMultipleChoiceField(label=_("Inspection team"), coerce=int, widget=forms.CheckboxSelectMultiple)
    leader = forms.TypedChoiceField(label=_("Team leader"), coerce=int)
    planned_from = forms.DateField(label=_("Planned from"), widget=DATE)
    planned_to = forms.DateField(label=_("Planned to"), widget=DATE)
    purpose = forms.CharField(label=_("Purpose and scope"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    requested_by = forms.TypedChoiceField(
        label=_("Entrusted by (entrusted inspection)"), coerce=int, required=False, empty_value=None
    )
    follow_up_of = forms.TypedChoiceField(
        label=_("Inspection followed up (follow-up inspection)"), coerce=int, required=False, empty_value=None
    )
    partner_to_name = forms.BooleanField(
        label=_("The partner province names its own inspectors"),
        required=False,
        help_text=_("It is asked to name at least two; the inspection cannot be notified or start before."),
    )
    plan_job = forms.CharField(label=_("Job of the plan"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        own = user.organisation.region_code
        products = registry_selectors.product_list(scope=scope).select_related("holder")
        self.fields["kind"].choices = [(k, kind_label(k)) for k in InspectionKind.values]
        self.fields["product"].choices = [(p.pk, local_name(p)) for p in products]
        sites = sorted(
            Site.objects.exclude(region_code="").select_related("enterprise"),
            key=lambda s: (s.region_code != own, s.region_code, s.name_en),
        )
        self.fields["sites"].choices = [(s.pk, f"{local_name(s)} · {province_name(s.region_code)}") for s in sites]
        partners = sorted(set(Site.objects.exclude(region_code__in=["", own]).values_list("region_code", flat=True)))
        self.fields["partner_region_code"].choices = [("", _("None: only my province"))] + [
            (c, province_name(c)) for c in partners
        ]
        people = _inspectors([own, *partners])
        self.fields["team"].choices = people
        self.fields["leader"].choices = people
        enterprises = {s.enterprise for s in sites if s.region_code == own}
        self.fields["requested_by"].choices = [("", _("None"))] + [
            (e.pk, local_name(e)) for e in sorted(enterprises, key=lambda e: e.name_en)
        ]
        reported = sel.inspection_list(user=user).filter(report_signed_at__isnull=False).order_by("-planned_from")
        self.fields["follow_up_of"].choices = [("", _("None"))] + [
            (i.pk, f"{i.reference} · {kind_label(i.kind)}") for i in reported[:200]
        ]


@page_view
def inspection_create(request):
    if not svc.is_inspector(request.user):
        raise PermissionDenied("plan an inspection", "计划检查")
    today = clock.today()
    initial = {"planned_from": today, "planned_to": today}
    if request.method == "GET" and request.GET.get("plan") and request.GET.get("job"):
        initial.update(_from_plan(request.user, request.GET["plan"], request.GET["job"]))
    form = InspectionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        scope = scope_for(request.user)
        product = registry_selectors.product_get(scope=scope, pk=d["product"])
        sites = list(Site.objects.filter(pk__in=d["sites"]).order_by("id"))
        team = list(User.objects.filter(pk__in=d["team"]).select_related("organisation").order_by("id"))
        leader = User.objects.filter(pk=d["leader"]).select_related("organisation").first()
        ok, inspection = run_service(
            form,
            lambda: svc.inspection_create(
                actor=request.user,
                kind=d["kind"],
                product=product,
                sites=sites,
                team=team,
                leader=leader,
                planned_from=d["planned_from"],
                planned_to=d["planned_to"],
                purpose=d["purpose"],
                partner_region_code=d["partner_region_code"],
                requested_by=Enterprise.objects.filter(pk=d["requested_by"]).first() if d["requested_by"] else None,
                follow_up_of=(
                    sel.inspection_get(user=request.user, pk=d["follow_up_of"]) if d["follow_up_of"] else None
                ),
                plan_job=d["plan_job"],
                partner_to_name=d["partner_to_name"],
            ),
        )
        if ok:
            messages.success(request, gettext("Inspection %(ref)s was planned.") % {"ref": inspection.reference})
            return redirect("web:inspection-detail", pk=inspection.pk)
    return render(request, "web/inspection_form.html", {"form": form}, status=400 if form.errors else 200)


def _from_plan(user, plan_pk, job: str) -> dict:
    """The planning form's initial values from an approved plan's job."""
    d = sel.plan_job_draft(user=user, plan_pk=plan_pk, job=job)
    return {
        "kind": d["kind"],
        "product": d["product_id"],
        "sites": [d["site_id"]],
        "partner_region_code": d["partner_region_code"],
        "team": d["team_ids"],
        "leader": d["leader_id"],
        "planned_from": d["planned_from"],
        "planned_to": d["planned_to"],
        "purpose": d["obligation_zh"] if is_zh() else d["obligation_en"],
        "plan_job": d["plan_job"],
        "partner_to_name": d["partner_to_name"],
    }


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("On site from"), widget=DATE)


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("On site until"), widget=DATE)


class NotifyForm(forms.Form):
    reason = forms.CharField(
        label=_("Comment"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class FindingForm(forms.Form):
    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    grade = forms.ChoiceField(label=_("Grade"))
    gmp_clause = forms.CharField(label=_("GMP clause"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    rectification_due = forms.DateField(label=_("Rectification due"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [(g, grade_label(g)) for g in Grade.values]


class SampleForm(forms.Form):
    lot = forms.TypedChoiceField(label=_("Lot"), coerce=int)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=12, decimal_places=3)
    unit = forms.CharField(label=_("Unit"), max_length=20)
    laboratory = forms.CharField(label=_("Testing laboratory"), max_length=200)
    taken_on = forms.DateField(label=_("Taken on"), widget=DATE)


class ReportForm(SignForm):
    conclusion = forms.ChoiceField(label=_("Conclusion"))
    summary = forms.CharField(label=_("Report summary"), widget=forms.Textarea(attrs={"rows": 4}))

    field_order = ["conclusion", "summary", "password", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conclusion"].choices = [(c, conclusion_label(c)) for c in Conclusion.values]
        self.fields["password"].help_text = _("Re-enter your password to sign the report (meaning: authored).")


class CancelForm(ReasonForm):
    pass


def _site_of(inspection, pk):
    row = inspection.sites.filter(site_id=pk).select_related("site").first()
    return row.site if row else None


def _lot_of(inspection, pk):
    return Lot.objects.filter(pk=pk, site_id__in=inspection.sites.values("site_id")).first()


PAGES = {
    "notify": StepPage(
        NotifyForm, lambda u, i, d: svc.inspection_notify(actor=u, inspection=i, **d), _("The enterprise was notified.")
    ),
    "start": StepPage(
        StartForm,
        lambda u, i, d: svc.inspection_start(actor=u, inspection=i, **d),
        _("The on-site inspection started."),
    ),
    "record_finding": StepPage(
        FindingForm,
        lambda u, i, d: svc.finding_record(actor=u, inspection=i, site=_site_of(i, d.pop("site")), **d),
        _("The finding was recorded."),
    ),
    "record_sample": StepPage(
        SampleForm,
        lambda u, i, d: svc.sample_record(actor=u, inspection=i, lot=_lot_of(i, d.pop("lot")), **d),
        _("The sample was recorded."),
    ),
    "finish_site_work": StepPage(
        EndForm,
        lambda u, i, d: svc.inspection_finish_site(actor=u, inspection=i, **d),
        _("The on-site inspection ended."),
    ),
    "sign_report": StepPage(
        ReportForm,
        lambda u, i, d: svc.inspection_sign_report(actor=u, inspection=i, **d),
        _("The report was signed; the findings were sent to the enterprises as CAPAs."),
    ),
    "close": StepPage(
        SignForm, lambda u, i, d: svc.inspection_close(actor=u, inspection=i, **d), _("The inspection was closed.")
    ),
    "cancel": StepPage(
        CancelForm,
        lambda u, i, d: svc.inspection_cancel(actor=u, inspection=i, **d),
        _("The inspection was cancelled."),
    ),
}


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=[])
    result_on = forms.DateField(label=_("Result on"), widget=DATE)
    detail = forms.CharField(label=_("Result detail"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"qualified": ("Qualified", "合格"), "unqualified": ("Unqualified", "不合格")}
        self.fields["result"].choices = [("", "—")] + [(k, v[1] if is_zh() else v[0]) for k, v in labels.items()]


class TeamForm(forms.Form):
    team = forms.TypedMultipleChoiceField(label=_("Inspection team"), coerce=int, widget=forms.CheckboxSelectMultiple)
    leader = forms.TypedChoiceField(label=_("Team leader"), coerce=int)
    reason = forms.CharField(label=_("Comment"), required=False, max_length=500)


def _assign_team(user, inspection, d):
    people = {u.pk: u for u in User.objects.filter(pk__in=d["team"]).select_related("organisation")}
    return svc.inspection_assign_team(
        actor=user,
        inspection=inspection,
        team=[people[pk] for pk in d["team"] if pk in people],
        leader=User.objects.filter(pk=d["leader"]).select_related("organisation").first(),
        reason=d.get("reason", ""),
    )


def _team_choices(user, inspection) -> list[tuple[int, str]]:
    """Who may be ticked: the inspectors of the user's own province, and those already on the team (a province sees
    the other's people only once they are named)."""
    own = user.organisation.region_code if user.organisation else ""
    named = set(inspection.members.values_list("user_id", flat=True))
    mine = set(User.objects.filter(organisation__region_code=own).values_list("pk", flat=True))
    return [
        (pk, label)
        for pk, label in _inspectors([inspection.region_code, inspection.partner_region_code])
        if pk in named or pk in mine
    ]


def _pages(inspection, user=None) -> dict:
    sites = [(s.site_id, local_name(s.site)) for s in inspection.sites.select_related("site")]
    made = Lot.objects.filter(site_id__in=[pk for pk, _n in sites], product_id=inspection.product_id)
    lots = [(x.pk, f"{x.lot_number} · {local_name(x.site)}") for x in made.select_related("site").order_by("-id")]

    class Finding_(FindingForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["site"].choices = sites

    class Sample_(SampleForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["lot"].choices = lots

    members = list(inspection.members.all())
    choices = _team_choices(user, inspection) if user is not None else []

    class Team_(TeamForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["team"].choices = choices
            self.fields["leader"].choices = [c for c in choices if c[0] in {m.user_id for m in members}] or choices
            if not self.is_bound:
                self.initial = {
                    "team": [m.user_id for m in members],
                    "leader": next((m.user_id for m in members if m.is_leader), None),
                }

    return {
        **PAGES,
        "assign_team": StepPage(Team_, _assign_team, _("The inspection team was named.")),
        "record_finding": StepPage(Finding_, PAGES["record_finding"].call, PAGES["record_finding"].done),
        "record_sample": StepPage(Sample_, PAGES["record_sample"].call, PAGES["record_sample"].done),
    }


def _detail(request, inspection, bound=None, status=200):
    pages = _pages(inspection, request.user)
    today = clock.today()
    steps = []
    for a in step_forms(INSPECTION_WORKFLOW, request.user, inspection, pages, bound):
        if isinstance(a["form"], (StartForm, EndForm)) and not a["form"].is_bound:
            a["form"].initial = {name: today for name in a["form"].fields}
        steps.append(a)
    may_result = "record_sample_result" in INSPECTION_WORKFLOW.allowed_actions(request.user, inspection)
    samples = []
    for s in inspection.samples.select_related("lot", "lot__site", "oos", "for_cause").order_by("id"):
        form = None
        if may_result and s.result == SampleResult.PENDING:
            form = (bound or {}).get(f"result-{s.pk}") or ResultForm(
                prefix=f"result-{s.pk}", initial={"result_on": today}
            )
        samples.append({"sample": s, "form": form})
    findings = [
        {"f": f, "grade": grade_label(f.grade)}
        for f in inspection.findings.select_related("site", "capa").order_by("number")
    ]
    team = inspection.members.select_related("user").order_by("-is_leader", "region_code", "id")
    sites = inspection.sites.select_related("site", "site__enterprise", "segment")
    first_site = sites[0].site if sites else None
    return render(
        request,
        "web/inspection_detail.html",
        {
            "object": inspection,
            "kind": kind_label(inspection.kind),
            "state_label": state_label(inspection.status),
            "conclusion": conclusion_label(inspection.conclusion),
            "lead": province_name(inspection.region_code),
            "partner": province_name(inspection.partner_region_code) if inspection.partner_region_code else "",
            "team": team,
            "sites": sites,
            "findings": findings,
            "samples": samples,
            "steps": steps,
            "secret": inspection.secret_on(today),
            "events": inspection.events.select_related("actor").order_by("occurred_at", "id"),
            "signatures": signatures_for(inspection),
            "zone_site": first_site,
        },
        status=status,
    )


@page_view
def inspection_detail(request, pk):
    return _detail(request, sel.inspection_get(user=request.user, pk=pk))


@page_view
def inspection_action(request, pk, action):
    inspection = sel.inspection_get(user=request.user, pk=pk, what=f"inspection step {action}")
    return post_step(
        request,
        INSPECTION_WORKFLOW,
        inspection,
        action,
        _pages(inspection, request.user),
        detail=_detail,
        url_name="web:inspection-detail",
    )


@page_view
def sample_result(request, pk, sample_pk):
    inspection = sel.inspection_get(user=request.user, pk=pk, what="sample result")
    sample = inspection.samples.filter(pk=sample_pk).select_related("lot", "inspection").first()
    if sample is None or request.method != "POST":
        raise NotFound("sample", sample_pk)
    INSPECTION_WORKFLOW.check_actor(request.user, inspection, "record_sample_result")
    form = ResultForm(request.POST, prefix=f"result-{sample.pk}")
    if form.is_valid():
        ok, _r = run_service(
            form, lambda: svc.sample_result_record(actor=request.user, sample=sample, **form.cleaned_data)
        )
        if ok:
            messages.success(request, gettext("The sample's result was recorded."))
            return redirect("web:inspection-detail", pk=inspection.pk)
    return _detail(request, inspection, {f"result-{sample.pk}": form}, status=400)


# --- the dashboard's cards ----------------------------------------------------------------------------------------


def _cards(request, scope) -> list:
    from bioseg.web.views import dashboard

    if not (scope.is_provincial or scope.is_enterprise or scope.is_national):
        return []
    qs = sel.inspection_list(user=request.user)
    open_ = [InspectionStatus.PLANNED, InspectionStatus.NOTIFIED, InspectionStatus.ON_SITE, InspectionStatus.REPORT]
    cards = [
        dashboard.Card(
            "inspections-open",
            _("Inspections not yet reported"),
            qs.filter(status__in=open_).count(),
            "web:inspection-list",
        ),
        dashboard.Card(
            "inspections-rectification",
            _("Inspections under rectification"),
            qs.filter(status=InspectionStatus.RECTIFICATION).count(),
            "web:inspection-list",
            "status=rectification",
        ),
    ]
    if scope.is_provincial or scope.is_national:
        cards.append(
            dashboard.Card(
                "sites-high-risk",
                _("Sites rated high risk"),
                sel.risk_rating_list(user=request.user, overall="high").count(),
                "web:risk-list",
                "overall=high",
            )
        )
        cards.append(
            dashboard.Card(
                "plans-awaiting-approval",
                _("Inspection plans awaiting approval"),
                sel.plan_list(user=request.user).filter(status="solved").count(),
                "web:inspection-plan-list",
            )
        )
    return cards if scope.is_provincial or qs.exists() else []


def _shortcuts(request, scope) -> list:
    from bioseg.web.views import dashboard

    return (
        [dashboard.Shortcut(_("Plan an inspection"), "web:inspection-create")] if svc.is_inspector(request.user) else []
    )


def _register() -> None:
    from bioseg.web.views import dashboard

    if _cards not in dashboard.CARD_PROVIDERS:
        dashboard.CARD_PROVIDERS.append(_cards)
    if _shortcuts not in dashboard.SHORTCUT_PROVIDERS:
        dashboard.SHORTCUT_PROVIDERS.append(_shortcuts)


_register()
