"""CAPA pages: the list (filters, overdue, XLSX), planning one (from a deviation or another source), and the detail
with its actions, events, signatures and only the steps the user may take."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.accounts.models import User
from bioseg.audit.selectors import signatures_for
from bioseg.common import clock
from bioseg.common.errors import NotFound
from bioseg.quality import capa as capas
from bioseg.quality import selectors as quality_selectors
from bioseg.quality.capa import CAPA_WORKFLOW
from bioseg.quality.models import CapaAction, CapaSource, CapaStatus
from bioseg.quality.notifications import QUALITY_ROLES, quality_people
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.models import Enterprise
from bioseg.registry.scope import own_enterprise_ids, scope_for
from bioseg.reporting import xlsx
from bioseg.web.filters import FilterForm, QuickSelect
from bioseg.web.forms import run_service
from bioseg.web.labels import is_zh, local_name
from bioseg.web.views.common import page_view, paginate, render_list
from bioseg.web.views.quality import ReasonForm, SignForm
from bioseg.web.workflow_pages import StepPage, post_step, step_forms

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CapaFilter(FilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False, widget=QuickSelect)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Reference or title")
        self.fields["status"].choices = [("", _("All statuses")), ("open_any", _("Not closed")), *CapaStatus.choices]
        self.fields["product"].choices = [("", _("All products"))] + [(str(p.pk), local_name(p)) for p in products]

    def narrow(self, qs, data):
        from django.db.models import Q

        if "q" in data:
            qs = qs.filter(Q(reference__icontains=data["q"].strip()) | Q(title__icontains=data["q"].strip()))
        if data.get("status") == "open_any":
            qs = qs.exclude(status=CapaStatus.CLOSED)
        elif "status" in data:
            qs = qs.filter(status=data["status"])
        if "product" in data:
            qs = qs.filter(product_id=int(data["product"]))
        if data.get("overdue"):
            qs = qs.overdue(clock.today())
        return qs


def can_plan(user) -> bool:
    return user.has_role(*QUALITY_ROLES) and bool(own_enterprise_ids(user))


@page_view
def capa_list(request):
    scope = scope_for(request.user)
    form = CapaFilter(
        request.GET,
        products=registry_selectors.product_list(scope=scope).select_related(None).only("id", "name_zh", "name_en"),
    )
    qs = form.apply(capas.capa_list(scope=scope))
    if request.GET.get("export") == "xlsx":
        return _xlsx(qs)
    overdue = capas.capa_list(scope=scope).overdue(clock.today()).count()
    return render_list(
        request,
        "web/capa_list.html",
        {"filter": form, "page": paginate(request, qs), "can_plan": can_plan(request.user), "overdue": overdue},
    )


def _xlsx(qs) -> HttpResponse:
    zh = is_zh()
    book = xlsx.Workbook(lang="zh" if zh else "en")
    states = {k: (str(v), CAPA_WORKFLOW.state_label(k, "zh")) for k, v in CapaStatus.choices}
    heads = (
        ["编号", "产品", "责任企业", "来源", "状态", "标题", "创建时间"]
        if zh
        else ["Reference", "Product", "Owner", "Source", "Status", "Title", "Created (UTC)"]
    )
    sheet = book.sheet(
        "纠正预防措施" if zh else "CAPA",
        [
            xlsx.Column(heads[0], "text"),
            xlsx.Column(heads[1]),
            xlsx.Column(heads[2]),
            xlsx.Column(heads[3]),
            xlsx.Column(heads[4], "status", labels=states),
            xlsx.Column(heads[5], "text", width=60),
            xlsx.Column(heads[6], "datetime"),
        ],
    )
    for c in qs.iterator(chunk_size=2000):
        sheet.append(
            [
                c.reference,
                local_name(c.product),
                local_name(c.owner),
                c.get_source_display(),
                c.status,
                c.title,
                c.created_at,
            ]
        )
    response = HttpResponse(book.to_bytes(), content_type=xlsx.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="capa-{clock.today().isoformat()}.xlsx"'
    return response


def _people(enterprise_ids) -> list[tuple[int, str]]:
    return [
        (u.pk, f"{u.printed_name or u.username} · {local_name(u.organisation)}") for u in quality_people(enterprise_ids)
    ]


class CapaForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    owner = forms.TypedChoiceField(label=_("Enterprise responsible"), coerce=int)
    source = forms.ChoiceField(label=_("Source"), choices=CapaSource.choices)
    deviation = forms.CharField(label=_("Deviation (reference)"), required=False, max_length=30)
    source_reference = forms.CharField(label=_("Source reference"), required=False, max_length=80)
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(label=_("Problem and root cause"), widget=forms.Textarea(attrs={"rows": 3}))
    action = forms.CharField(label=_("First action"), widget=forms.Textarea(attrs={"rows": 2}))
    action_kind = forms.ChoiceField(
        label=_("Kind of action"), choices=[("corrective", _("Corrective")), ("preventive", _("Preventive"))]
    )
    action_owner = forms.TypedChoiceField(label=_("Action owner"), coerce=int)
    action_due = forms.DateField(label=_("Action due on"), widget=DATE)

    def __init__(self, *args, products=(), owners=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.pk, local_name(p)) for p in products]
        self.fields["owner"].choices = [(e.pk, local_name(e)) for e in owners]
        self.fields["action_owner"].choices = people


@page_view
def capa_create(request):
    from bioseg.common.errors import PermissionDenied

    if not can_plan(request.user):
        raise PermissionDenied("plan a CAPA", "制定纠正预防措施")
    scope = scope_for(request.user)
    visible = scope.visible_enterprise_ids
    owners = Enterprise.objects.filter(pk__in=visible).order_by("name_en")
    initial = {"action_due": clock.today()}
    if request.GET.get("deviation"):
        try:
            d = quality_selectors.deviation_get(scope=scope, pk=request.GET["deviation"])
        except NotFound:
            d = None
        if d is not None:
            initial.update(
                source="deviation",
                deviation=d.reference,
                product=d.product_id,
                owner=d.site.enterprise_id,
                title=d.title,
            )
    form = CapaForm(
        request.POST or None,
        initial=initial,
        products=registry_selectors.product_list(scope=scope),
        owners=owners,
        people=_people(visible),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        product = registry_selectors.product_get(scope=scope, pk=d["product"])
        owner = registry_selectors.enterprise_get(scope=scope, pk=d["owner"])
        deviation = None
        if d["deviation"]:
            deviation = quality_selectors.deviation_list(scope=scope).filter(reference=d["deviation"].strip()).first()
            if deviation is None:
                form.add_error("deviation", gettext("No deviation you can see has this reference."))
        action_owner = User.objects.filter(pk=d["action_owner"]).first()
        if not form.errors:
            ok, capa = run_service(
                form,
                lambda: capas.capa_create(
                    actor=request.user,
                    product=product,
                    owner=owner,
                    source=d["source"],
                    deviation=deviation,
                    source_reference=d["source_reference"],
                    title=d["title"],
                    problem=d["problem"],
                    actions=[
                        {
                            "description": d["action"],
                            "kind": d["action_kind"],
                            "owner": action_owner,
                            "due_on": d["action_due"],
                        }
                    ],
                ),
            )
            if ok:
                messages.success(request, gettext("CAPA %(ref)s was planned.") % {"ref": capa.reference})
                return redirect("web:capa-detail", pk=capa.pk)
    return render(request, "web/capa_form.html", {"form": form}, status=400 if form.errors else 200)


class CloseForm(SignForm):
    result = forms.CharField(label=_("Result of the effectiveness check"), widget=forms.Textarea(attrs={"rows": 3}))


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(
        label=_("Kind of action"), choices=[("corrective", _("Corrective")), ("preventive", _("Preventive"))]
    )
    owner = forms.TypedChoiceField(label=_("Action owner"), coerce=int)
    due_on = forms.DateField(label=_("Action due on"), widget=DATE)


class EffectivenessForm(forms.Form):
    plan = forms.CharField(label=_("Effectiveness check plan"), widget=forms.Textarea(attrs={"rows": 3}))
    due_on = forms.DateField(label=_("Effectiveness check due"), widget=DATE)


class DoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}))


def _owner_of(d):
    return User.objects.filter(pk=d.pop("owner")).first()


ACTIONS = {
    "approve_plan": StepPage(
        SignForm,
        lambda u, c, d: capas.capa_approve(actor=u, capa=c, **d),
        _("The plan was approved and signed."),
    ),
    "add_action": StepPage(
        ActionForm,
        lambda u, c, d: capas.capa_add_action(actor=u, capa=c, owner=_owner_of(d), **d),
        _("The action was added."),
    ),
    "submit_effectiveness": StepPage(
        EffectivenessForm,
        lambda u, c, d: capas.capa_submit_effectiveness(actor=u, capa=c, **d),
        _("The effectiveness check started."),
    ),
    "close": StepPage(
        CloseForm, lambda u, c, d: capas.capa_close(actor=u, capa=c, **d), _("The CAPA was closed and signed.")
    ),
    "reopen": StepPage(
        ReasonForm, lambda u, c, d: capas.capa_reopen(actor=u, capa=c, **d), _("The CAPA was reopened.")
    ),
}


def _detail(request, capa, bound=None, status=200):
    people = _people({capa.product.holder_id, capa.owner_id})
    actions = []
    for a in step_forms(CAPA_WORKFLOW, request.user, capa, ACTIONS, bound):
        if "owner" in a["form"].fields:
            a["form"].fields["owner"].choices = people
        actions.append(a)
    may_complete = "complete_action" in CAPA_WORKFLOW.allowed_actions(request.user, capa)
    rows = []
    for a in capa.actions.select_related("owner").order_by("position"):
        can = (
            capa.status == CapaStatus.IN_PROGRESS
            and a.done_on is None
            and (may_complete or a.owner_id == request.user.pk)
        )
        form = (bound or {}).get(f"done-{a.pk}") or DoneForm(prefix=f"done-{a.pk}", initial={"done_on": clock.today()})
        rows.append(
            {"action": a, "form": form if can else None, "late": a.done_on is None and a.due_on < clock.today()}
        )
    return render(
        request,
        "web/capa_detail.html",
        {
            "object": capa,
            "state_label": CAPA_WORKFLOW.state_label(capa.status, "zh" if is_zh() else "en"),
            "steps": actions,
            "rows": rows,
            "events": capa.events.select_related("actor").order_by("occurred_at", "id"),
            "signatures": signatures_for(capa),
        },
        status=status,
    )


@page_view
def capa_detail(request, pk):
    return _detail(request, capas.capa_get(scope=scope_for(request.user), pk=pk))


@page_view
def capa_action(request, pk, action):
    capa = capas.capa_get(scope=scope_for(request.user), pk=pk)
    return post_step(request, CAPA_WORKFLOW, capa, action, _pages_for(capa), detail=_detail, url_name="web:capa-detail")


def _pages_for(capa) -> dict:
    """The step pages, the add-action form offering the people of the holder and the CAPA's owner."""
    people = _people({capa.product.holder_id, capa.owner_id})

    class AddActionForm(ActionForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["owner"].choices = people

    return {**ACTIONS, "add_action": StepPage(AddActionForm, ACTIONS["add_action"].call, ACTIONS["add_action"].done)}


@page_view
def capa_action_done(request, pk, action_pk):
    capa = capas.capa_get(scope=scope_for(request.user), pk=pk)
    row = CapaAction.objects.filter(capa=capa, pk=action_pk).select_related("capa", "capa__product").first()
    if row is None or request.method != "POST":
        raise NotFound("action", action_pk)
    form = DoneForm(request.POST, prefix=f"done-{row.pk}")
    if form.is_valid():
        ok, _r = run_service(
            form, lambda: capas.capa_complete_action(actor=request.user, action=row, **form.cleaned_data)
        )
        if ok:
            messages.success(request, gettext("The action was recorded as done."))
            return redirect("web:capa-detail", pk=capa.pk)
    return _detail(request, capa, {f"done-{row.pk}": form}, status=400)
