"""A quality agreement's page: its parties, products and dates, and its responsibility matrix (each activity: who is
responsible, approves, is notified and within how long — bioseg's defaults marked), with the form the holder's QA
uses to set one row."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.accounts.roles import Role
from bioseg.quality.duties import duties_of, duty_set
from bioseg.quality.models import Activity, Party
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import own_enterprise_ids, scope_for
from bioseg.web.filters import FilterForm
from bioseg.web.forms import run_service
from bioseg.web.labels import is_zh
from bioseg.web.views.common import page_view

PARTIES = [(Party.HOLDER, Party.HOLDER.label), (Party.CMO, Party.CMO.label), (Party.BOTH, Party.BOTH.label)]


class DutyForm(forms.Form):
    activity = forms.ChoiceField(label=_("Activity"), choices=Activity.choices)
    responsible = forms.ChoiceField(label=_("Responsible"), choices=PARTIES)
    approver = forms.ChoiceField(label=_("Approves"), choices=PARTIES[:2])
    notify = forms.ChoiceField(label=_("Is notified"), choices=Party.choices)
    notify_within_hours = forms.IntegerField(label=_("Notification time limit (hours)"), min_value=1)
    complete_within_days = forms.IntegerField(label=_("Time limit to complete (days)"), min_value=1, required=False)
    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class AgreementFilter(FilterForm):
    in_force = forms.BooleanField(label=_("In force today"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Reference")

    def narrow(self, qs, data):
        from bioseg.common import clock
        from bioseg.registry.scope import agreements_in_force_q

        if "q" in data:
            qs = qs.filter(reference__icontains=data["q"].strip())
        if data.get("in_force"):
            qs = qs.filter(agreements_in_force_q(clock.today()))
        return qs


@page_view
def agreement_list(request):
    from bioseg.web.views.common import paginate, render_list

    form = AgreementFilter(request.GET)
    qs = form.apply(registry_selectors.quality_agreement_list(scope=scope_for(request.user))).order_by("reference")
    if request.GET.get("export") == "xlsx":
        return _xlsx(qs)
    return render_list(request, "web/agreement_list.html", {"filter": form, "page": paginate(request, qs)})


def _xlsx(qs):
    from django.http import HttpResponse

    from bioseg.common import clock
    from bioseg.reporting import xlsx
    from bioseg.web.labels import local_name

    zh = is_zh()
    book = xlsx.Workbook(lang="zh" if zh else "en")
    heads = (
        ["编号", "持有人", "受托生产企业", "产品", "生效日期", "终止日期"]
        if zh
        else ["Reference", "Holder", "Contract manufacturer", "Products", "Effective from", "Effective until"]
    )
    sheet = book.sheet(
        "质量协议" if zh else "Quality agreements",
        [
            xlsx.Column(heads[0], "text"),
            xlsx.Column(heads[1]),
            xlsx.Column(heads[2]),
            xlsx.Column(heads[3], "text", width=50),
            xlsx.Column(heads[4], "date"),
            xlsx.Column(heads[5], "date"),
        ],
    )
    for a in qs:
        products = "、".join(local_name(link.product) for link in a.product_links.all())
        sheet.append(
            [
                a.reference,
                local_name(a.holder),
                local_name(a.contract_manufacturer),
                products,
                a.effective_from,
                a.effective_until,
            ]
        )
    response = HttpResponse(book.to_bytes(), content_type=xlsx.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="quality-agreements-{clock.today().isoformat()}.xlsx"'
    return response


def _may_set(user, agreement) -> bool:
    return user.has_role(Role.HOLDER_QA, Role.HOLDER_RA) and agreement.holder_id in own_enterprise_ids(user)


class VersionSignForm(forms.Form):
    password = forms.CharField(
        label=_("Your password (e-signature)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to sign this version of the matrix (meaning: approved)."),
    )


def _versions(request, agreement, sign_form=None):
    from bioseg.audit.selectors import signatures_for
    from bioseg.quality.agreement_versions import AGREEMENT_VERSION_WORKFLOW

    out = []
    for v in agreement.versions.order_by("-number"):
        steps = AGREEMENT_VERSION_WORKFLOW.allowed_steps(request.user, v)
        out.append(
            {
                "version": v,
                "state": AGREEMENT_VERSION_WORKFLOW.state_label(v.status, "zh" if is_zh() else "en"),
                "signatures": [sig for e in v.events.order_by("id") for sig in signatures_for(e)],
                "step": steps[0] if steps else None,
                "form": (sign_form if sign_form is not None and sign_form.prefix == f"v{v.pk}" else None)
                or VersionSignForm(prefix=f"v{v.pk}"),
            }
        )
    return out


@page_view
def agreement_propose(request, pk):
    from bioseg.quality.agreement_versions import version_propose

    agreement = registry_selectors.quality_agreement_get(scope=scope_for(request.user), pk=pk)
    if request.method == "POST":
        version = version_propose(actor=request.user, agreement=agreement)
        messages.success(request, gettext("Version %(n)s was proposed for signature.") % {"n": version.number})
    return redirect("web:agreement-detail", pk=agreement.pk)


@page_view
def agreement_version_sign(request, pk, version_pk):
    from bioseg.common.errors import NotFound
    from bioseg.quality.agreement_versions import version_sign

    agreement = registry_selectors.quality_agreement_get(scope=scope_for(request.user), pk=pk)
    version = agreement.versions.filter(pk=version_pk).first()
    if version is None or request.method != "POST":
        raise NotFound("version", version_pk)
    form = VersionSignForm(request.POST, prefix=f"v{version.pk}")
    if form.is_valid():
        ok, _r = run_service(
            form, lambda: version_sign(actor=request.user, version=version, password=form.cleaned_data["password"])
        )
        if ok:
            messages.success(request, gettext("The version was signed."))
            return redirect("web:agreement-detail", pk=agreement.pk)
    return agreement_detail(request, agreement.pk, sign_form=form)


@page_view
def agreement_detail(request, pk, sign_form=None):
    agreement = registry_selectors.quality_agreement_get(scope=scope_for(request.user), pk=pk)
    form = None
    posted = request.method == "POST" and sign_form is None
    if _may_set(request.user, agreement):
        form = DutyForm(request.POST if posted else None)
        if posted and form.is_valid():
            ok, _row = run_service(form, lambda: duty_set(actor=request.user, agreement=agreement, **form.cleaned_data))
            if ok:
                messages.success(request, gettext("The duty was set."))
                return redirect("web:agreement-detail", pk=agreement.pk)
    elif posted:
        from bioseg.common.errors import PermissionDenied

        raise PermissionDenied("set the duties of this quality agreement", "设定该质量协议的职责")
    labels = dict(Party.choices)
    rows = [
        {
            "activity": Activity(d.activity).label,
            "responsible": labels[d.responsible],
            "approver": labels[d.approver],
            "notify": labels[d.notify],
            "hours": d.notify_within_hours,
            "days": d.complete_within_days,
            "default": d.default,
        }
        for d in duties_of(agreement)
    ]
    return render(
        request,
        "web/agreement_detail.html",
        {
            "object": agreement,
            "rows": rows,
            "form": form,
            "products": [link.product for link in agreement.product_links.select_related("product")],
            "versions": _versions(request, agreement, sign_form),
            "can_propose": _may_set(request.user, agreement),
        },
        status=400 if (form is not None and form.errors) or (sign_form is not None and sign_form.errors) else 200,
    )
