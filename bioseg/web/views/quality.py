"""The quality system's pages: deviations (list with filters and XLSX export, record form, detail with the computed
impact, events, signatures and only the allowed actions) and each person's notification inbox."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.audit.selectors import signatures_for
from bioseg.common import clock
from bioseg.common.errors import NotFound, PermissionDenied
from bioseg.production.models import Lot, Shipment
from bioseg.quality import notifications, selectors, services
from bioseg.quality.capa import capa_list
from bioseg.quality.duties import duty_for
from bioseg.quality.models import (
    Activity,
    Classification,
    Deviation,
    DeviationImpact,
    DeviationStatus,
)
from bioseg.quality.notifications import QUALITY_ROLES
from bioseg.quality.workflows import DEVIATION_WORKFLOW
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import own_enterprise_ids, scope_for
from bioseg.reporting import xlsx
from bioseg.web.filters import FilterForm, QuickSelect
from bioseg.web.forms import run_service
from bioseg.web.labels import is_zh, local_name
from bioseg.web.views.common import page_view, paginate, render_list
from bioseg.web.workflow_pages import StepPage, post_step, step_forms

IMPACT_SHOWN = 50


class DeviationFilter(FilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    classification = forms.ChoiceField(label=_("Classification"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False, widget=QuickSelect)
    site = forms.ChoiceField(label=_("Site"), required=False, widget=QuickSelect)
    overdue = forms.BooleanField(label=_("Investigation overdue"), required=False)

    def __init__(self, *args, products=(), sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Reference or title")
        self.fields["status"].choices = [
            ("", _("All statuses")),
            ("open_any", _("Not closed")),
            *DeviationStatus.choices,
        ]
        self.fields["classification"].choices = [("", _("All classes")), *Classification.choices]
        self.fields["product"].choices = [("", _("All products"))] + [(str(p.pk), local_name(p)) for p in products]
        self.fields["site"].choices = [("", _("All sites"))] + [(str(s.pk), local_name(s)) for s in sites]

    def narrow(self, qs, data):
        from django.db.models import Q

        if "q" in data:
            text = data["q"].strip()
            qs = qs.filter(Q(reference__icontains=text) | Q(title__icontains=text))
        if data.get("status") == "open_any":
            qs = qs.exclude(status=DeviationStatus.CLOSED)
        elif "status" in data:
            qs = qs.filter(status=data["status"])
        if "classification" in data:
            qs = qs.filter(classification=data["classification"])
        if "product" in data:
            qs = qs.filter(product_id=int(data["product"]))
        if "site" in data:
            qs = qs.filter(site_id=int(data["site"]))
        if data.get("overdue"):
            qs = qs.overdue(clock.today())
        return qs


def can_record(user) -> bool:
    return user.has_role(*QUALITY_ROLES) and bool(own_enterprise_ids(user))


@page_view
def deviation_list(request):
    scope = scope_for(request.user)
    form = DeviationFilter(
        request.GET,
        products=registry_selectors.product_list(scope=scope).select_related(None).only("id", "name_zh", "name_en"),
        sites=registry_selectors.site_list(scope=scope).select_related(None).only("id", "name_zh", "name_en"),
    )
    qs = form.apply(selectors.deviation_list(scope=scope))
    if request.GET.get("export") == "xlsx":
        return _xlsx(qs)
    overdue = selectors.deviation_list(scope=scope).overdue(clock.today()).count()
    return render_list(
        request,
        "web/deviation_list.html",
        {"filter": form, "page": paginate(request, qs), "can_record": can_record(request.user), "overdue": overdue},
    )


def _xlsx(qs) -> HttpResponse:
    lang = "zh" if is_zh() else "en"
    book = xlsx.Workbook(lang=lang)
    states = {k: (str(v), DEVIATION_WORKFLOW.state_label(k, "zh")) for k, v in DeviationStatus.choices}
    classes = {k: (k, services.CLASS_ZH[k]) for k in Classification.values}
    heads = (
        ["编号", "产品", "场地", "发生日期", "分级", "状态", "调查期限", "涉及批数", "涉及场地数", "涉及运输数", "标题"]
        if lang == "zh"
        else [
            "Reference",
            "Product",
            "Site",
            "Occurred on",
            "Class",
            "Status",
            "Investigation due",
            "Lots concerned",
            "Sites concerned",
            "Shipments concerned",
            "Title",
        ]
    )
    sheet = book.sheet(
        "偏差" if lang == "zh" else "Deviations",
        [
            xlsx.Column(heads[0], "text"),
            xlsx.Column(heads[1]),
            xlsx.Column(heads[2]),
            xlsx.Column(heads[3], "date"),
            xlsx.Column(heads[4], "status", labels=classes),
            xlsx.Column(heads[5], "status", labels=states),
            xlsx.Column(heads[6], "date"),
            xlsx.Column(heads[7], "number"),
            xlsx.Column(heads[8], "number"),
            xlsx.Column(heads[9], "number"),
            xlsx.Column(heads[10], "text", width=60),
        ],
    )
    for d in qs.iterator(chunk_size=2000):
        sheet.append(
            [
                d.reference,
                local_name(d.product),
                local_name(d.site),
                d.occurred_on,
                d.classification,
                d.status,
                d.investigation_due,
                d.impact_lot_count,
                d.impact_site_count,
                d.impact_shipment_count,
                d.title,
            ]
        )
    response = HttpResponse(book.to_bytes(), content_type=xlsx.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="deviations-{clock.today().isoformat()}.xlsx"'
    return response


class DeviationForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    site = forms.TypedChoiceField(label=_("Site where it occurred"), coerce=int)
    occurred_on = forms.DateField(
        label=_("Occurred on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    classification_reason = forms.CharField(
        label=_("Reason for the classification"), widget=forms.Textarea(attrs={"rows": 2})
    )
    lot_numbers = forms.CharField(
        label=_("Lots concerned"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Lot numbers of the product, separated by commas or new lines."),
    )
    segment = forms.TypedChoiceField(label=_("Segment concerned"), coerce=int, required=False, empty_value=None)
    shipment_reference = forms.CharField(label=_("Shipment concerned"), required=False, max_length=60)
    equipment = forms.CharField(label=_("Equipment concerned"), required=False, max_length=120)

    def __init__(self, *args, products=(), sites=(), segments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.pk, local_name(p)) for p in products]
        self.fields["site"].choices = [(s.pk, local_name(s)) for s in sites]
        self.fields["segment"].choices = [("", "—")] + [
            (g.pk, f"{local_name(g.chain.product)} · v{g.chain.version} · {local_name(g)} ({g.code})") for g in segments
        ]


def _resolve(form: DeviationForm, scope) -> dict | None:
    """The form's references as objects in the user's scope; a field error for each one not found."""
    d = form.cleaned_data
    product = registry_selectors.product_get(scope=scope, pk=d["product"])
    site = registry_selectors.site_get(scope=scope, pk=d["site"])
    numbers = [n for n in re.split(r"[\s,，;；]+", d.get("lot_numbers") or "") if n]
    found = {
        lot.lot_number: lot
        for lot in Lot.objects.restrict(scope).filter(product=product, lot_number__in=numbers).select_related("product")
    }
    missing = [n for n in numbers if n not in found]
    if missing:
        form.add_error(
            "lot_numbers",
            gettext("No lot of this product you can see has the number %(numbers)s.") % {"numbers": ", ".join(missing)},
        )
    shipment = None
    if d.get("shipment_reference"):
        shipment = Shipment.objects.restrict(scope).filter(reference=d["shipment_reference"].strip()).first()
        if shipment is None:
            form.add_error("shipment_reference", gettext("No shipment you can see has this reference."))
    segment = None
    if d.get("segment"):
        from bioseg.production import selectors as production_selectors

        segment = production_selectors.segment_get(scope=scope, pk=d["segment"])
    if form.errors:
        return None
    return {
        "product": product,
        "site": site,
        "lots": [found[n] for n in dict.fromkeys(numbers)],
        "shipment": shipment,
        "segment": segment,
    }


@page_view
def deviation_create(request):
    if not can_record(request.user):
        raise PermissionDenied("record a deviation", "记录偏差")
    scope = scope_for(request.user)
    own = own_enterprise_ids(request.user)
    products = registry_selectors.product_list(scope=scope)
    sites = [
        s
        for s in registry_selectors.site_list(scope=scope).select_related("enterprise")
        if s.enterprise_id in own or s.enterprise_id in scope.partner_ids
    ]
    from bioseg.production.models import Segment

    segments = (
        Segment.objects.filter(chain__product__in=products, chain__effective_until__isnull=True)
        .select_related("chain", "chain__product")
        .order_by("chain__product_id", "position")
    )
    form = DeviationForm(
        request.POST or None,
        products=products,
        sites=sites,
        segments=segments,
        initial={"occurred_on": clock.today()},
    )
    if request.method == "POST" and form.is_valid():
        refs = _resolve(form, scope)
        if refs is not None:
            d = form.cleaned_data
            ok, deviation = run_service(
                form,
                lambda: services.deviation_record(
                    actor=request.user,
                    title=d["title"],
                    description=d["description"],
                    occurred_on=d["occurred_on"],
                    classification=d["classification"],
                    classification_reason=d["classification_reason"],
                    equipment=d["equipment"],
                    **refs,
                ),
            )
            if ok:
                messages.success(request, gettext("Deviation %(ref)s was recorded.") % {"ref": deviation.reference})
                return redirect("web:deviation-detail", pk=deviation.pk)
    return render(request, "web/deviation_form.html", {"form": form}, status=400 if form.errors else 200)


# --- detail and the workflow's actions -------------------------------------------------------------------------


class InvestigationForm(forms.Form):
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}))
    investigation_summary = forms.CharField(label=_("Investigation summary"), widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("Your password (e-signature)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to sign (meaning: approved)."),
    )
    reason = forms.CharField(
        label=_("Comment"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReclassifyForm(forms.Form):
    classification = forms.ChoiceField(label=_("New classification"), choices=Classification.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RecomputeForm(forms.Form):
    pass


ACTIONS = {
    "submit_investigation": StepPage(
        InvestigationForm,
        lambda user, dev, d: services.deviation_submit_investigation(actor=user, deviation=dev, **d),
        _("The investigation was submitted for approval."),
    ),
    "return_investigation": StepPage(
        ReasonForm,
        lambda user, dev, d: services.deviation_return(actor=user, deviation=dev, **d),
        _("The investigation was returned."),
    ),
    "approve_investigation": StepPage(
        SignForm,
        lambda user, dev, d: services.deviation_approve(actor=user, deviation=dev, **d),
        _("The investigation was approved and signed."),
    ),
    "close": StepPage(
        SignForm,
        lambda user, dev, d: services.deviation_close(actor=user, deviation=dev, **d),
        _("The deviation was closed and signed."),
    ),
    "reclassify": StepPage(
        ReclassifyForm,
        lambda user, dev, d: services.deviation_reclassify(actor=user, deviation=dev, **d),
        _("The deviation was reclassified."),
    ),
    "recompute_impact": StepPage(
        RecomputeForm,
        lambda user, dev, d: services.deviation_recompute_impact(actor=user, deviation=dev),
        _("The impact was computed again."),
    ),
}
assert set(ACTIONS) == set(DEVIATION_WORKFLOW.actions)


def _detail(request, deviation: Deviation, bound: dict | None = None, status: int = 200):
    actions = step_forms(DEVIATION_WORKFLOW, request.user, deviation, ACTIONS, bound)
    impact = (
        DeviationImpact.objects.filter(deviation=deviation)
        .select_related("lot", "site", "lot__segment")
        .order_by("-direct", "lot__manufactured_on", "lot_id")[:IMPACT_SHOWN]
    )
    shipments = (
        selectors.impact_shipments(deviation)
        .select_related("from_site", "to_site", "consignee")
        .order_by("shipped_at", "id")[:IMPACT_SHOWN]
    )
    duty = duty_for(deviation.agreement, Activity.DEVIATION_INVESTIGATION)
    return render(
        request,
        "web/deviation_detail.html",
        {
            "object": deviation,
            "state_label": DEVIATION_WORKFLOW.state_label(deviation.status, "zh" if is_zh() else "en"),
            "actions": actions,
            "impact": impact,
            "shipments": shipments,
            "impact_shown": IMPACT_SHOWN,
            "direct_lots": deviation.lot_links.select_related("lot").order_by("lot__lot_number"),
            "events": deviation.events.select_related("actor").order_by("occurred_at", "id"),
            "signatures": signatures_for(deviation),
            "duty": duty,
            "overdue": deviation.status == DeviationStatus.OPEN and deviation.investigation_due < clock.today(),
            "capas": capa_list(scope=scope_for(request.user)).filter(deviation=deviation),
            "can_plan_capa": can_record(request.user),
        },
        status=status,
    )


@page_view
def deviation_detail(request, pk):
    deviation = selectors.deviation_get(scope=scope_for(request.user), pk=pk)
    return _detail(request, deviation)


@page_view
def deviation_action(request, pk, action):
    deviation = selectors.deviation_get(scope=scope_for(request.user), pk=pk)
    return post_step(
        request, DEVIATION_WORKFLOW, deviation, action, ACTIONS, detail=_detail, url_name="web:deviation-detail"
    )


# --- the inbox ----------------------------------------------------------------------------------------------------

SUBJECT_PAGES = {
    Deviation._meta.db_table: "web:deviation-detail",
    "quality_capa": "web:capa-detail",
    "quality_oosinvestigation": "web:oos-detail",
    "quality_qualityagreement": "web:agreement-detail",
    "quality_changerequest": "web:change-detail",
}


@page_view
def inbox(request):
    qs = notifications.inbox(request.user)
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    return render(
        request, "web/inbox.html", {"page": paginate(request, qs), "unread_only": request.GET.get("unread") == "1"}
    )


@page_view
def inbox_open(request, pk):
    """Opening a notice marks it read (the first time) and goes to what it is about."""
    if request.method != "POST":
        raise NotFound("notification", pk)
    n = notifications.notification_read(user=request.user, pk=pk)
    page = SUBJECT_PAGES.get(n.subject_table)
    return redirect(page, pk=n.subject_id) if page else redirect("web:inbox")


# --- dashboard cards ---------------------------------------------------------------------------------------------


def _quality_cards(request, scope) -> list:
    from bioseg.quality import oos as oq
    from bioseg.quality import stationing as st
    from bioseg.quality.capa import capa_list as capas_in
    from bioseg.web.views.dashboard import Card

    today = clock.today()
    month_ago = today - dt.timedelta(days=29)
    gap_days = sum(len(st.gaps(site=s, start=month_ago, end=today)) for s in st.contract_sites(scope))
    return [
        Card(
            "deviations",
            _("Deviations not closed"),
            selectors.deviation_list(scope=scope, status="open_any").count(),
            "web:deviation-list",
            query="status=open_any",
        ),
        Card(
            "capa_overdue",
            _("CAPAs overdue"),
            capas_in(scope=scope).overdue(today).count(),
            "web:capa-list",
            query="overdue=on",
        ),
        Card(
            "oos_open",
            _("OOS investigations open"),
            oq.oos_list(scope=scope).filter(status__in=("open", "confirmed")).count(),
            "web:oos-list",
        ),
        Card("stationing_gaps", _("Days below two stationed people (30 days)"), gap_days, "web:stationing"),
    ]


def _register_cards() -> None:
    from bioseg.web.views.dashboard import CARD_PROVIDERS

    if _quality_cards not in CARD_PROVIDERS:
        CARD_PROVIDERS.append(_quality_cards)


_register_cards()
