"""Joint supervision plans: the list (both provinces and NMPA), drafting a version (the holder's province), a plan's
page with its content, both signatures, the other versions and the exchanges of results that came late, and the
signing form (✍; the partner states its free capacity)."""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.audit.selectors import signatures_for
from bioseg.common.errors import PermissionDenied
from bioseg.oversight import joint as svc
from bioseg.oversight import selectors as sel
from bioseg.oversight.models import JointSupervisionPlan
from bioseg.oversight.services import is_inspector
from bioseg.oversight.workflows import JOINT_WORKFLOW
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for
from bioseg.web.forms import run_service
from bioseg.web.labels import is_zh, local_name, province_label
from bioseg.web.views.common import page_view
from bioseg.web.views.inspections import DATE
from bioseg.web.views.quality import SignForm

TEXT = forms.Textarea(attrs={"rows": 3})


def state_label(status: str) -> str:
    return JOINT_WORKFLOW.state_label(status, "zh" if is_zh() else "en")


class JointForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    partner_region_code = forms.ChoiceField(label=_("Partner province"))
    lead_obligations = forms.CharField(label=_("Obligations of the lead province"), widget=TEXT)
    partner_obligations = forms.CharField(label=_("Obligations of the partner province"), widget=TEXT)
    liaison_letter = forms.CharField(label=_("Liaison letter"), widget=TEXT)
    exchange_working_days = forms.IntegerField(label=_("Results shared within (working days)"), initial=5)
    escalation = forms.CharField(label=_("Escalation to NMPA"), widget=TEXT)
    effective_from = forms.DateField(label=_("Effective from"), required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        own = user.organisation.region_code
        products = [
            p
            for p in registry_selectors.product_list(scope=scope_for(user)).select_related("holder")
            if p.holder.region_code == own and svc.partner_provinces(p)
        ]
        self.fields["product"].choices = [(p.pk, local_name(p)) for p in products]
        codes = sorted({c for p in products for c in svc.partner_provinces(p)})
        self.fields["partner_region_code"].choices = [(c, province_label(c)) for c in codes]


@page_view
def joint_list(request):
    plans = list(sel.joint_plan_list(user=request.user))
    rows = [{"p": p, "state": state_label(p.status)} for p in plans]
    return render(request, "web/joint_list.html", {"rows": rows, "can_draft": is_inspector(request.user)})


@page_view
def joint_create(request):
    if not is_inspector(request.user):
        raise PermissionDenied("draft a joint supervision plan", "起草联合监管方案")
    form = JointForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        product = registry_selectors.product_get(scope=scope_for(request.user), pk=d["product"])
        ok, plan = run_service(
            form,
            lambda: svc.joint_plan_draft(
                actor=request.user,
                product=product,
                partner_region_code=d["partner_region_code"],
                lead_obligations=d["lead_obligations"],
                partner_obligations=d["partner_obligations"],
                liaison_letter=d["liaison_letter"],
                exchange_working_days=d["exchange_working_days"],
                escalation=d["escalation"],
                effective_from=d["effective_from"],
            ),
        )
        if ok:
            messages.success(
                request, gettext("Version %(n)s was drafted; both provinces sign it.") % {"n": plan.version}
            )
            return redirect("web:joint-detail", pk=plan.pk)
    return render(request, "web/joint_form.html", {"form": form}, status=400 if form.errors else 200)


class PartnerSignForm(SignForm):
    free_inspectors = forms.IntegerField(
        label=_("Qualified inspectors you have free per day"),
        min_value=0,
        max_value=999,
        help_text=_("Only the count is shared with the lead province, never the names."),
    )


def _sign_form(user, plan, data=None):
    """The signing form of the step the table allows this user now (the partner's asks for its free capacity)."""
    allowed = JOINT_WORKFLOW.allowed_actions(user, plan)
    if "sign_lead" in allowed:
        return SignForm(data)
    if "sign_partner" in allowed:
        return PartnerSignForm(data)
    return None


@page_view
def joint_detail(request, pk):
    plan = sel.joint_plan_get(user=request.user, pk=pk)
    form = _sign_form(request.user, plan, request.POST or None)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("sign this joint supervision plan", "签署该联合监管方案")
        if form.is_valid():
            ok, _ = run_service(
                form,
                lambda: svc.joint_plan_sign(
                    actor=request.user,
                    plan=plan,
                    password=form.cleaned_data["password"],
                    free_inspectors=form.cleaned_data.get("free_inspectors"),
                    reason=form.cleaned_data.get("reason", ""),
                ),
            )
            if ok:
                messages.success(request, gettext("Signed for your province."))
                return redirect("web:joint-detail", pk=plan.pk)
    versions = JointSupervisionPlan.objects.filter(
        product=plan.product, lead_region_code=plan.lead_region_code, partner_region_code=plan.partner_region_code
    ).order_by("-version")
    context = {
        "plan": plan,
        "state": state_label(plan.status),
        "form": form,
        "versions": [{"v": v, "state": state_label(v.status)} for v in versions],
        "late": svc.late_exchanges(plan) if plan.status == "in_force" else [],
        "events": plan.events.select_related("actor").order_by("occurred_at", "id"),
        "signatures": signatures_for(plan),
        "zone_of": SimpleNamespace(country_code="CN"),
    }
    return render(request, "web/joint_detail.html", context, status=400 if form is not None and form.errors else 200)
