"""Production pages (issue 4): lots (list, detail, release with password, recall), the trace page with its
genealogy picture, process chains (where they cross a border) and shipments (cold-chain summary and the
excursion assessment form).

Every read goes through ``bioseg.production.selectors`` with the user's scope (an out-of-scope object is a
404); every write through ``bioseg.production.services`` (a role that may not act is a 403; a refusal
goes onto the form, in the active language, and changes nothing).
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bioseg.accounts.roles import Role
from bioseg.audit.selectors import signatures_for
from bioseg.common import clock
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied
from bioseg.common.formatting import unit_label
from bioseg.production import coldchain, selectors, services
from bioseg.production.models import (
    AssessmentOutcome,
    ExcursionStatus,
    LotStatus,
    RecallClass,
    RecallStatus,
    ReleaseKind,
)
from bioseg.production.workflows import LOT_WORKFLOW
from bioseg.quality.changes import changes_flagging_lot
from bioseg.quality.selectors import deviations_of_lot
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import own_enterprise_ids, scope_for
from bioseg.web.filters import FilterForm
from bioseg.web.forms import run_service
from bioseg.web.genealogy import MAX_NODES, genealogy_svg
from bioseg.web.labels import is_zh, local_name
from bioseg.web.views.audit import HISTORY_KINDS
from bioseg.web.views.common import page_view, paginate, render_list
from bioseg.web.views.dashboard import CARD_PROVIDERS, Card

HISTORY_KINDS.update(
    {
        "lots": (selectors.lot_get, "web:lot-detail"),
        "shipments": (selectors.shipment_get, "web:shipment-detail"),
        "chains": (selectors.chain_get, "web:chain-detail"),
    }
)

RELEASERS = {ReleaseKind.CMO_QA: Role.CMO_QA, ReleaseKind.QUALIFIED_PERSON: Role.QUALIFIED_PERSON}
ASSESSORS = (Role.HOLDER_QA, Role.QUALIFIED_PERSON, Role.CMO_QA)


def _text(item) -> str:
    """A ``{message, message_zh}`` problem (dict or Blocker) in the active language."""
    get = item.get if isinstance(item, dict) else lambda k: getattr(item, k)
    return get("message_zh") if is_zh() else get("message")


def releasable_kinds(user, lot, pending) -> list[str]:
    """The release kinds still missing that the lot workflow's roles and parties let this user give (whatever the
    lot's state: the page then shows what blocks it; the service decides)."""
    step_of = {ReleaseKind.CMO_QA: "release_cmo", ReleaseKind.QUALIFIED_PERSON: "release_qp"}
    return [kind for kind in pending if LOT_WORKFLOW.actor_may(user, lot, LOT_WORKFLOW.get(step_of[kind]))]


def can_recall(user, lot) -> bool:
    return "recall" in LOT_WORKFLOW.allowed_actions(user, lot)


class AlreadyReleased(ApplicationError):
    """The release this user could give was already given: nothing is left for them to sign (409)."""

    status = 409

    def __init__(self, lot, kinds: list[str]) -> None:
        def names(language: str, sep: str) -> str:
            with translation.override(language):
                labels = [str(ReleaseKind(k).label) for k in kinds]
                return sep.join(x[:1].lower() + x[1:] if language == "en" else x for x in labels)

        super().__init__(
            "already_released",
            f"Lot {lot.lot_number} already has its {names('en', ' and ')}: there is nothing left for you to sign.",
            f"批 {lot.lot_number} 已完成{names('zh-hans', '、')}，无需再次签名放行。",
            details={"lot": lot.lot_number, "kinds": list(kinds)},
        )


# --- lots ---------------------------------------------------------------------------------------------------


class LotFilter(FilterForm):
    product = forms.ChoiceField(label=_("Product"), required=False)
    site = forms.ChoiceField(label=_("Site"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, products=(), sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Lot number")
        self.fields["product"].choices = [("", _("All products"))] + [(str(p.pk), local_name(p)) for p in products]
        self.fields["site"].choices = [("", _("All sites"))] + [(str(s.pk), local_name(s)) for s in sites]
        self.fields["status"].choices = [("", _("All statuses")), *LotStatus.choices]

    def narrow(self, qs, data):
        if "q" in data:
            qs = qs.filter(lot_number__icontains=data["q"].strip())
        if "product" in data:
            qs = qs.filter(product_id=int(data["product"]))
        if "site" in data:
            qs = qs.filter(site_id=int(data["site"]))
        if "status" in data:
            qs = qs.filter(status=data["status"])
        return qs


@page_view
def lot_list(request):
    scope = scope_for(request.user)
    form = LotFilter(
        request.GET,
        products=registry_selectors.product_list(scope=scope),
        sites=registry_selectors.site_list(scope=scope),
    )
    qs = form.apply(selectors.lot_list(scope=scope)).order_by("-manufactured_on", "-id")
    can_transform = request.user.has_role(Role.HOLDER_QA, Role.CMO_QA) and bool(own_enterprise_ids(request.user))
    return render_list(
        request, "web/lot_list.html", {"filter": form, "page": paginate(request, qs), "can_transform": can_transform}
    )


@page_view
def lot_detail(request, pk):
    scope = scope_for(request.user)
    detail = selectors.lot_detail(scope=scope, pk=pk)
    lot = detail.lot
    releases = []
    for r in detail.releases:
        statuses = signatures_for(r)
        releases.append({"release": r, "signature": statuses[0] if statuses else None})
    blockers = [
        {"kind": kind, "label": ReleaseKind(kind).label, "items": [_text(b) for b in items]}
        for kind, items in detail.release_blockers.items()
    ]
    return render(
        request,
        "web/lot_detail.html",
        {
            "object": lot,
            "detail": detail,
            "releases": releases,
            "blockers": blockers,
            "release_kinds": releasable_kinds(request.user, lot, list(detail.release_blockers)),
            "can_recall": can_recall(request.user, lot),
            "can_reject": "reject" in LOT_WORKFLOW.allowed_actions(request.user, lot),
            "can_record_coa": request.user.has_role(Role.HOLDER_QA, Role.CMO_QA, Role.QUALIFIED_PERSON)
            and bool({lot.site.enterprise_id, lot.product.holder_id} & own_enterprise_ids(request.user)),
            "recalls": [a for a in lot.recall_actions.select_related("initiated_by").order_by("-id")],
            "deviations": list(deviations_of_lot(scope=scope, lot=lot)[:20]),
            "change_flags": changes_flagging_lot(scope=scope, lot=lot),
        },
    )


class ReleaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Release"), choices=ReleaseKind.choices)
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to sign the release (meaning: released)."),
    )
    reason = forms.CharField(
        label=_("Comment"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


@page_view
def lot_release(request, pk):
    scope = scope_for(request.user)
    detail = selectors.lot_detail(scope=scope, pk=pk)
    lot = detail.lot
    kinds = releasable_kinds(request.user, lot, list(detail.release_blockers))
    if not kinds:
        given = releasable_kinds(request.user, lot, [k for k in ReleaseKind.values if k not in detail.release_blockers])
        if given:
            raise AlreadyReleased(lot, given)
        raise PermissionDenied("release this lot")
    form = ReleaseForm(request.POST or None, initial={"kind": kinds[0]})
    form.fields["kind"].choices = [(k, ReleaseKind(k).label) for k in kinds]
    blockers = {k: [_text(b) for b in detail.release_blockers.get(k, [])] for k in kinds}
    if request.method == "POST" and form.is_valid():
        try:
            services.lot_release(
                actor=request.user,
                password=form.cleaned_data["password"],
                lot=lot,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            if exc.code == "release_blocked":
                # what blocks it now, shown once: in the kind's box above the form
                blockers[form.cleaned_data["kind"]] = [_text(b) for b in exc.details.get("blockers", [])]
                form.add_error(None, _g("The lot cannot be released yet: see what blocks it above."))
            elif isinstance(exc, PermissionDenied):
                raise
            else:
                form.add_error(
                    "password" if exc.code == "signature_refused" else None, exc.localized("zh" if is_zh() else "en")
                )
        else:
            messages.success(request, _g("Lot %(lot)s was released.") % {"lot": lot.lot_number})
            return redirect("web:lot-detail", pk=lot.pk)
    return render(
        request,
        "web/lot_release.html",
        {"object": lot, "form": form, "blockers": blockers, "all_blocked": all(blockers[k] for k in kinds)},
    )


class RecallForm(forms.Form):
    recall_class = forms.ChoiceField(label=_("Recall class"), choices=[])
    status = forms.ChoiceField(label=_("Action"), choices=RecallStatus.choices, initial=RecallStatus.ON_HOLD)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to sign the recall (meaning: recalled)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # no class preselected: the person judges the harm (药品召回管理办法 Art. 15)
        self.fields["recall_class"].choices = [("", "—")] + [(c.value, str(c.label)) for c in RecallClass]


@page_view
def lot_recall(request, pk):
    scope = scope_for(request.user)
    lot = selectors.lot_get(scope=scope, pk=pk)
    if not can_recall(request.user, lot):
        raise PermissionDenied("recall a lot")
    form = RecallForm(request.POST or None)
    affected = len(selectors.lot_descendant_ids(lot=lot))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                action = services.lot_recall(
                    actor=request.user,
                    lot=lot,
                    reason=form.cleaned_data["reason"],
                    status=form.cleaned_data["status"],
                    recall_class=form.cleaned_data["recall_class"],
                    password=form.cleaned_data["password"],
                )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            from bioseg.web.forms import apply_service_errors

            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Recall recorded: %(count)s lot changed status.",
                    "Recall recorded: %(count)s lots changed status.",
                    action.affected_count,
                )
                % {"count": action.affected_count},
            )
            return redirect("web:lot-detail", pk=lot.pk)
    return render(request, "web/lot_recall.html", {"object": lot, "form": form, "descendants": affected})


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to sign the rejection (meaning: rejected)."),
    )


@page_view
def lot_reject(request, pk):
    """A lot in quarantine or on hold rejected by the QA of its maker or of the holder (✍ meaning: rejected)."""
    lot = selectors.lot_get(scope=scope_for(request.user), pk=pk)
    LOT_WORKFLOW.check_actor(request.user, lot, "reject")
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _r = run_service(
            form,
            lambda: services.lot_reject(
                actor=request.user, lot=lot, reason=form.cleaned_data["reason"], password=form.cleaned_data["password"]
            ),
        )
        if ok:
            messages.success(request, _g("Lot %(lot)s was rejected.") % {"lot": lot.lot_number})
            return redirect("web:lot-detail", pk=lot.pk)
    return render(request, "web/lot_reject.html", {"object": lot, "form": form}, status=400 if form.errors else 200)


@page_view
def lot_certificate(request, pk):
    from bioseg.reporting.release_certificate import release_certificate_pdf

    scope = scope_for(request.user)
    detail = selectors.lot_detail(scope=scope, pk=pk)
    response = HttpResponse(release_certificate_pdf(detail=detail, scope=scope), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="release-certificate-{detail.lot.lot_number}.pdf"'
    return response


@page_view
def lot_recall_report(request, pk, fmt):
    from bioseg.reporting import recall_report

    if fmt not in ("pdf", "xlsx"):
        raise NotFound("report format", fmt)
    scope = scope_for(request.user)
    lot = selectors.lot_get(scope=scope, pk=pk)
    report = recall_report.build(scope=scope, lot=lot)
    lang = "zh" if is_zh() else "en"  # statuses (and the PDF's order of the two languages) in the page's language
    if fmt == "xlsx":
        response = HttpResponse(recall_report.to_xlsx(report, lang=lang), content_type=recall_report.XLSX_TYPE)
    else:
        response = HttpResponse(recall_report.to_pdf(report, lang=lang), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="recall-impact-{lot.lot_number}.{fmt}"'
    return response


# --- trace ----------------------------------------------------------------------------------------------

LINES_PER_PAGE = 100  # shipment lines per page when the trace is not expanded (the rest: ?lines=N)


def _int(value, default: int) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return default


@page_view
def lot_trace(request, pk):
    scope = scope_for(request.user)
    direction = request.GET.get("direction") or "forward"
    lot = selectors.lot_get(scope=scope, pk=pk)
    result = selectors.lot_trace(scope=scope, pk=pk, direction=direction, include_shipments=True)
    picture = genealogy_svg(result, max_nodes=MAX_NODES)
    sites = {s.id: s for s in result.sites}
    consignees = {c.id: c for c in result.consignees}
    numbers = {x.id: x.lot_number for x in result.lots}
    units = {x.id: x.unit for x in result.lots}
    lines_page = None
    if result.expanded:
        lines = result.shipments
    else:
        # beyond the expand limit: the destinations summary, and the lines one page at a time
        number = _int(request.GET.get("lines"), 1)
        pages = max((result.shipment_line_count + LINES_PER_PAGE - 1) // LINES_PER_PAGE, 1)
        number = min(number, pages)
        lines = result.shipment_lines(offset=(number - 1) * LINES_PER_PAGE, limit=LINES_PER_PAGE)
        sites = {s.id: s for s in result.sites}  # the page may name more sites
        lines_page = {
            "number": number,
            "pages": pages,
            "first": (number - 1) * LINES_PER_PAGE + 1 if lines else 0,
            "last": (number - 1) * LINES_PER_PAGE + len(lines),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < pages else None,
        }
    destinations = [
        {
            "d": d,
            "to": sites[d.to_site_id] if d.to_site_id else consignees[d.consignee_id],
            "to_consignee": not d.to_site_id,
        }
        for d in result.destinations
    ]
    rows = [
        {
            "lot": x,
            "site": sites[x.site_id],
            "path": " → ".join(numbers[i] for i in x.path) if x.path else "",
        }
        for x in result.lots
    ]
    shipments = [
        {
            "s": s,
            "lot_number": numbers[s.lot_id],
            "unit": units[s.lot_id],
            "from": sites[s.from_site_id],
            "to": sites[s.to_site_id] if s.to_site_id else consignees[s.consignee_id],
            "to_consignee": not s.to_site_id,
        }
        for s in lines
    ]
    return render(
        request,
        "web/trace.html",
        {
            "object": lot,
            "direction": direction,
            "result": result,
            "picture": picture,
            "rows": rows,
            "shipments": shipments,
            "destinations": destinations,
            "lines_page": lines_page,
            "max_nodes": MAX_NODES,
            "can_recall": can_recall(request.user, lot),
            "can_reject": "reject" in LOT_WORKFLOW.allowed_actions(request.user, lot),
        },
    )


# --- chains ---------------------------------------------------------------------------------------------


@page_view
def chain_list(request):
    scope = scope_for(request.user)
    qs = selectors.chain_list(scope=scope).order_by("product_id", "version")
    can_define = request.user.has_role(Role.HOLDER_RA, Role.HOLDER_QA) and bool(own_enterprise_ids(request.user))
    return render(request, "web/chain_list.html", {"page": paginate(request, qs), "can_define": can_define})


SEGMENT_ROWS = 6
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChainForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE_INPUT)
    effective_until = forms.DateField(label=_("Effective until"), required=False, widget=DATE_INPUT)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, user, **kwargs):
        from bioseg.production.models import Stage

        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        own = own_enterprise_ids(user)
        products = registry_selectors.product_list(scope=scope).filter(holder_id__in=own)
        self.fields["product"].choices = [(p.pk, local_name(p)) for p in products]
        sites = [("", "—")] + [(x.pk, local_name(x)) for x in registry_selectors.site_list(scope=scope)]
        stages = [("", "—")] + list(Stage.choices)
        for n in range(1, SEGMENT_ROWS + 1):
            self.fields[f"code_{n}"] = forms.CharField(label=_("Segment %(n)s: code") % {"n": n}, required=False)
            self.fields[f"stage_{n}"] = forms.ChoiceField(
                label=_("Segment %(n)s: stage") % {"n": n}, required=False, choices=stages
            )
            self.fields[f"name_zh_{n}"] = forms.CharField(
                label=_("Segment %(n)s: name (Chinese)") % {"n": n}, required=False
            )
            self.fields[f"name_en_{n}"] = forms.CharField(
                label=_("Segment %(n)s: name (English)") % {"n": n}, required=False
            )
            self.fields[f"site_{n}"] = forms.TypedChoiceField(
                label=_("Segment %(n)s: site") % {"n": n}, required=False, coerce=int, empty_value=None, choices=sites
            )
            self.fields[f"feeds_{n}"] = forms.CharField(
                label=_("Segment %(n)s: feeds (codes, comma-separated)") % {"n": n}, required=False
            )

    def segments(self) -> list[dict]:
        from bioseg.registry.models import Site

        d = self.cleaned_data
        rows = [n for n in range(1, SEGMENT_ROWS + 1) if (d.get(f"code_{n}") or "").strip()]
        sites = {x.pk: x for x in Site.objects.filter(pk__in=[d.get(f"site_{n}") for n in rows if d.get(f"site_{n}")])}
        return [
            {
                "code": d[f"code_{n}"].strip(),
                "stage": d.get(f"stage_{n}") or "",
                "name_zh": d.get(f"name_zh_{n}") or "",
                "name_en": d.get(f"name_en_{n}") or "",
                "site": sites.get(d.get(f"site_{n}")),
                "feeds": [c.strip() for c in (d.get(f"feeds_{n}") or "").replace("，", ",").split(",") if c.strip()],
            }
            for n in rows
        ]


def _problem_texts(problems) -> list[str]:
    return [p["message_zh"] if is_zh() else p["message"] for p in problems]


@page_view
def chain_create(request):
    """Define a chain version; as the user edits, the form posts itself (htmx, ``?check=1``) and the problems the
    chain still has are shown beside it, from the same rules the service refuses by."""
    from bioseg.common.errors import Refused
    from bioseg.production.services.chains import chain_problems
    from bioseg.registry.models import Product

    if not request.user.has_role(Role.HOLDER_RA, Role.HOLDER_QA):
        raise PermissionDenied("define a process chain", "定义工艺链")
    form = ChainForm(request.POST or None, user=request.user)
    problems: list[str] = []
    checked = False
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        product = Product.objects.get(pk=d["product"])
        if request.GET.get("check"):
            found = chain_problems(
                product=product,
                segments=form.segments(),
                effective_from=d["effective_from"],
                effective_until=d["effective_until"],
            )
            return render(request, "web/chain_problems.html", {"problems": _problem_texts(found), "checked": True})
        try:
            with transaction.atomic():
                chain = services.chain_create(
                    actor=request.user,
                    product=product,
                    effective_from=d["effective_from"],
                    effective_until=d["effective_until"],
                    segments=form.segments(),
                    note=d["note"],
                )
        except Refused as exc:
            problems, checked = _problem_texts(exc.details.get("problems", [])), True
            form.add_error(None, exc.localized("zh" if is_zh() else "en").split("：")[0].split(":")[0])
        else:
            messages.success(request, _g("Version %(n)s of the chain was defined.") % {"n": chain.version})
            return redirect("web:chain-detail", pk=chain.pk)
    elif request.method == "POST" and request.GET.get("check"):
        return render(request, "web/chain_problems.html", {"problems": [], "checked": False})
    status = 400 if form.errors else 200
    context = {"form": form, "problems": problems, "checked": checked}
    return render(request, "web/chain_form.html", context, status=status)


@page_view
def chain_detail(request, pk):
    scope = scope_for(request.user)
    chain = selectors.chain_get(scope=scope, pk=pk)
    segments = selectors.chain_segments(chain=chain)
    crossings = selectors.chain_border_crossings(chain=chain)
    crossing_from = {}
    for c in crossings:
        crossing_from.setdefault(c.source_segment_id, []).append(c)
    by_id = {s.pk: s for s in segments}
    rows = [
        {
            "segment": s,
            "feeds": [t for t in sorted(s.feeds.all(), key=lambda t: t.position)],
            "crossings": [{"kind": c.kind, "target": by_id[c.target_segment_id]} for c in crossing_from.get(s.pk, [])],
        }
        for s in segments
    ]
    return render(
        request,
        "web/chain_detail.html",
        {
            "object": chain,
            "rows": rows,
            "crossings": [
                {"c": c, "source": by_id[c.source_segment_id], "target": by_id[c.target_segment_id]} for c in crossings
            ],
            "regions": selectors.chain_regions(chain=chain),
            # the chain names every site; only those in the user's scope are links (the others would be 404s)
            "visible_sites": set(
                registry_selectors.site_list(scope=scope)
                .filter(pk__in={s.site_id for s in segments})
                .values_list("pk", flat=True)
            ),
        },
    )


# --- shipments ------------------------------------------------------------------------------------------


class ShipmentFilter(forms.Form):
    """``?excursions=open``: the shipments with a temperature excursion awaiting assessment (where the
    dashboard's card leads). An unknown value is an error shown on the field."""

    excursions = forms.ChoiceField(
        label=_("Temperature excursions"),
        required=False,
        choices=[("", _("All shipments")), ("open", _("Awaiting assessment"))],
    )

    @property
    def active(self) -> bool:
        return any(v for k, v in self.data.items() if k != "page")


@page_view
def shipment_list(request):
    scope = scope_for(request.user)
    form = ShipmentFilter(request.GET)
    qs = selectors.shipment_list(scope=scope).order_by("-shipped_at", "-id")
    if form.is_valid() and form.cleaned_data["excursions"] == "open":
        open_excursions = selectors.excursion_list(scope=scope, status="open").values("shipment_id")
        qs = qs.filter(pk__in=open_excursions)
    return render(
        request,
        "web/shipment_list.html",
        {
            "filter": form,
            "page": paginate(request, qs),
            "open_excursions": selectors.excursion_list(scope=scope, status="open").count(),
            "can_ship": request.user.has_role(*ASSESSORS) and bool(own_enterprise_ids(request.user)),
        },
    )


class AssessForm(forms.Form):
    # no outcome preselected: the quality person judges the readings first
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *AssessmentOutcome.choices])
    justification = forms.CharField(label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3}))
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to sign the assessment (meaning: approved)."),
    )


LINES = 5  # lot lines on the shipment form
OUTPUTS = 3  # output lots on the transformation form


class TransformationForm(forms.Form):
    segment = forms.TypedChoiceField(label=_("Segment (where it is made)"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"))
    performed_on = forms.DateField(label=_("Performed on"), widget=DATE_INPUT)
    reference = forms.CharField(label=_("Batch record reference"), required=False, max_length=60)

    def __init__(self, *args, user, **kwargs):
        from bioseg.production.models import Segment, TransformationKind, Unit

        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        own = own_enterprise_ids(user)
        today = clock.today()
        segments = (
            Segment.objects.filter(site__enterprise_id__in=own, chain__effective_from__lte=today)
            .filter(Q(chain__effective_until__isnull=True) | Q(chain__effective_until__gte=today))
            .select_related("chain__product", "site")
            .order_by("chain__product_id", "position")
        )
        self.fields["segment"].choices = [
            (s.pk, f"{local_name(s.chain.product)} · {local_name(s)} · {local_name(s.site)}") for s in segments
        ]
        self.fields["kind"].choices = [(k.value, k.label) for k in TransformationKind]
        usable = (
            selectors.lot_list(scope=scope)
            .filter(site__enterprise_id__in=own)
            .exclude(status__in=["rejected", "recalled", "on_hold"])
        )
        received = selectors.lot_list(scope=scope).filter(
            shipment_lines__shipment__to_site__enterprise_id__in=own,
            shipment_lines__shipment__received_at__isnull=False,
        )
        lots = (usable | received.exclude(status__in=["rejected", "recalled", "on_hold"])).distinct()
        choices = [("", "—")] + [
            (x.pk, f"{x.lot_number} · {unit_label(x.unit, 'zh' if is_zh() else 'en')}")
            for x in lots.order_by("lot_number")[:500]
        ]
        for n in range(1, LINES + 1):
            self.fields[f"input_{n}"] = forms.TypedChoiceField(
                label=_("Input lot %(n)s") % {"n": n}, coerce=int, required=False, empty_value=None, choices=choices
            )
            self.fields[f"input_quantity_{n}"] = forms.DecimalField(
                label=_("Quantity used %(n)s") % {"n": n}, required=False, max_digits=18, decimal_places=4
            )
        for n in range(1, OUTPUTS + 1):
            self.fields[f"output_lot_number_{n}"] = forms.CharField(
                label=_("Output lot number %(n)s") % {"n": n}, required=n == 1, max_length=60
            )
            self.fields[f"output_quantity_{n}"] = forms.DecimalField(
                label=_("Output quantity %(n)s") % {"n": n}, required=n == 1, max_digits=18, decimal_places=4
            )
            self.fields[f"output_unit_{n}"] = forms.ChoiceField(
                label=_("Unit %(n)s") % {"n": n}, required=n == 1, choices=[("", "—"), *Unit.choices]
            )
            self.fields[f"output_expires_on_{n}"] = forms.DateField(
                label=_("Expires on %(n)s") % {"n": n}, required=n == 1, widget=DATE_INPUT
            )

    def inputs(self) -> list[tuple[int, object]]:
        d = self.cleaned_data
        return [(d[f"input_{n}"], d[f"input_quantity_{n}"]) for n in range(1, LINES + 1) if d.get(f"input_{n}")]

    def field_of(self, name: str) -> str:
        """The service's ``outputs[i].field`` / ``inputs[i].quantity`` as this form's field: the i-th line filled
        in, whichever lines were left blank (``outputs[0].expires_on`` → ``output_expires_on_2`` when only the
        second output was filled in)."""
        m = re.fullmatch(r"(outputs|inputs)\[(\d+)\]\.(\w+)", name)
        if m is None:
            return name
        which, i, field = m.group(1), int(m.group(2)), m.group(3)
        d = self.cleaned_data
        if which == "inputs":
            lines = [n for n in range(1, LINES + 1) if d.get(f"input_{n}")]
            return f"input_{field}_{lines[i]}" if i < len(lines) else name
        lines = [n for n in range(1, OUTPUTS + 1) if d.get(f"output_lot_number_{n}")]
        return f"output_{field}_{lines[i]}" if i < len(lines) else name

    def outputs(self) -> list[dict]:
        d = self.cleaned_data
        return [
            {
                "lot_number": d[f"output_lot_number_{n}"],
                "quantity": d[f"output_quantity_{n}"],
                "unit": d[f"output_unit_{n}"],
                "expires_on": d[f"output_expires_on_{n}"],
            }
            for n in range(1, OUTPUTS + 1)
            if d.get(f"output_lot_number_{n}")
        ]


@page_view
def transformation_create(request):
    from bioseg.production.models import Lot, Segment

    if not request.user.has_role(Role.HOLDER_QA, Role.CMO_QA):
        raise PermissionDenied("record a transformation", "记录生产加工")
    form = TransformationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        for n in range(1, LINES + 1):
            if d.get(f"input_{n}") and d.get(f"input_quantity_{n}") is None:
                form.add_error(f"input_quantity_{n}", _g("Give the quantity of this lot."))
        if not form.errors:
            lots = {x.pk: x for x in Lot.objects.filter(pk__in=[pk for pk, _q in form.inputs()])}
            ok, t = run_service(
                form,
                lambda: services.transformation_record(
                    actor=request.user,
                    kind=d["kind"],
                    segment=Segment.objects.get(pk=d["segment"]),
                    performed_on=d["performed_on"],
                    reference=d["reference"],
                    inputs=[(lots[pk], q) for pk, q in form.inputs()],
                    outputs=form.outputs(),
                ),
                field_of=form.field_of,
            )
            if ok:
                first = Lot.objects.filter(produced_by=t).order_by("id").first()
                messages.success(request, _g("The transformation was recorded."))
                if first is not None:
                    return redirect("web:lot-detail", pk=first.pk)
                return redirect("web:lot-list")
    return render(request, "web/transformation_form.html", {"form": form}, status=400 if form.errors else 200)


class ShipmentForm(forms.Form):
    reference = forms.CharField(label=_("Shipment reference"), max_length=60)
    from_site = forms.TypedChoiceField(label=_("From (your site)"), coerce=int)
    to_site = forms.TypedChoiceField(label=_("To site"), coerce=int, required=False, empty_value=None)
    consignee = forms.TypedChoiceField(label=_("Or to a consignee"), coerce=int, required=False, empty_value=None)
    shipped_at = forms.DateTimeField(
        label=_("Shipped at (the shipping site's local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        own = own_enterprise_ids(user)
        sites = list(registry_selectors.site_list(scope=scope).select_related("enterprise"))
        self.fields["from_site"].choices = [(s.pk, local_name(s)) for s in sites if s.enterprise_id in own]
        self.fields["to_site"].choices = [("", "—")] + [(s.pk, local_name(s)) for s in sites]
        self.fields["consignee"].choices = [("", "—")] + [
            (c.pk, local_name(c)) for c in selectors.consignee_list(scope=scope)
        ]
        lots = (
            selectors.lot_list(scope=scope)
            .filter(site__enterprise_id__in=own)
            .exclude(status__in=["rejected", "recalled"])
        )
        choices = [("", "—")] + [
            (x.pk, f"{x.lot_number} · {unit_label(x.unit, 'zh' if is_zh() else 'en')}")
            for x in lots.order_by("lot_number")[:500]
        ]
        for n in range(1, LINES + 1):
            self.fields[f"lot_{n}"] = forms.TypedChoiceField(
                label=_("Lot %(n)s") % {"n": n}, coerce=int, required=n == 1, empty_value=None, choices=choices
            )
            self.fields[f"quantity_{n}"] = forms.DecimalField(
                label=_("Quantity %(n)s") % {"n": n}, required=n == 1, min_value=0, max_digits=18, decimal_places=4
            )

    def lines(self) -> list[tuple[int, object]]:
        d = self.cleaned_data
        return [(d[f"lot_{n}"], d[f"quantity_{n}"]) for n in range(1, LINES + 1) if d.get(f"lot_{n}")]


@page_view
def shipment_create(request):
    from bioseg.common.regions import zone_for
    from bioseg.production.models import Lot
    from bioseg.registry.models import Site

    if not request.user.has_role(*ASSESSORS):
        raise PermissionDenied("record a shipment", "记录运输")
    form = ShipmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        from_site = Site.objects.get(pk=d["from_site"])
        to_site = Site.objects.filter(pk=d["to_site"]).first() if d["to_site"] else None
        consignee = (
            selectors.consignee_get(scope=scope_for(request.user), pk=d["consignee"]) if d["consignee"] else None
        )
        local = d["shipped_at"].replace(tzinfo=None)
        shipped_at = local.replace(tzinfo=zone_for(from_site.country_code)).astimezone(dt.UTC)
        lots = {x.pk: x for x in Lot.objects.filter(pk__in=[pk for pk, _q in form.lines()])}
        for n in range(1, LINES + 1):
            if d.get(f"lot_{n}") and d.get(f"quantity_{n}") is None:
                form.add_error(f"quantity_{n}", _g("Give the quantity of this lot."))
        if not form.errors:
            ok, shipment = run_service(
                form,
                lambda: services.shipment_create(
                    actor=request.user,
                    reference=d["reference"],
                    from_site=from_site,
                    to_site=to_site,
                    consignee=consignee,
                    shipped_at=shipped_at,
                    lines=[(lots[pk], qty) for pk, qty in form.lines()],
                ),
            )
            if ok:
                messages.success(request, _g("Shipment %(ref)s was recorded.") % {"ref": shipment.reference})
                return redirect("web:shipment-detail", pk=shipment.pk)
    return render(request, "web/shipment_form.html", {"form": form}, status=400 if form.errors else 200)


class ConsigneeForm(forms.Form):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    country_code = forms.CharField(
        label=_("Country"), max_length=2, initial="CN", help_text=_("ISO 3166-1 alpha-2 code, e.g. CN, DE, US.")
    )
    region_code = forms.ChoiceField(label=_("Province"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        from bioseg.web.labels import province_choices

        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = province_choices(_("— none (outside China) —"))

    def clean_country_code(self):
        return self.cleaned_data["country_code"].strip().upper()


@page_view
def consignee_create(request):
    """Register a consignee (a distributor, a hospital, an importer) that shipments may then go to."""
    if not request.user.has_role(*ASSESSORS, Role.HOLDER_RA):
        raise PermissionDenied("register a consignee", "登记收货方")
    form = ConsigneeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, consignee = run_service(form, lambda: services.consignee_create(actor=request.user, **form.cleaned_data))
        if ok:
            messages.success(request, _g("Consignee %(name)s was registered.") % {"name": local_name(consignee)})
            return redirect("web:shipment-create")
    return render(request, "web/consignee_form.html", {"form": form}, status=400 if form.errors else 200)


class ReceiveForm(forms.Form):
    received_at = forms.DateTimeField(
        label=_("Received at (the receiving site's local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label=_("Comment"), required=False, max_length=500)


class LoggerForm(forms.Form):
    file = forms.FileField(label=_("Temperature-logger file (CSV)"))


def _receiver_site(shipment):
    return shipment.to_site or shipment.from_site


def _log_chart(log, excursions, zone) -> str:
    """The readings of a logger file against the storage range, the periods out of range marked."""
    from bioseg.reporting import charts
    from bioseg.web.inline import inline_svg

    readings = list(log.readings.order_by("recorded_at").values_list("recorded_at", "celsius"))
    if not readings:
        return ""
    ranges = [(e.storage_min_c, e.storage_max_c) for e in excursions if e.log_id == log.pk]
    if not ranges:
        products = {line.lot.product for line in log.shipment.lines.select_related("lot__product")}
        ranges = [(p.storage_min_c, p.storage_max_c) for p in products if p.storage_min_c is not None]
    low, high = (max(r[0] for r in ranges), min(r[1] for r in ranges)) if ranges else (None, None)
    periods = coldchain.out_of_range_periods(readings, low, high)
    lang = "zh" if is_zh() else "en"
    chart = charts.band_chart(
        readings,
        low=low,
        high=high,
        periods=periods,
        title=log.file_name,
        y_label="°C",
        lang=lang,
        tz=zone,
    )
    return inline_svg(chart.svg().decode("utf-8"))


def _shipment_context(request, shipment, assess_forms=None, receive_form=None, logger_form=None):
    from bioseg.common.regions import zone_for

    scope = scope_for(request.user)
    logs = list(selectors.temperature_log_list(scope=scope).filter(shipment=shipment).order_by("id"))
    excursions = list(
        selectors.excursion_list(scope=scope).filter(shipment=shipment).select_related("product").order_by("id")
    )
    from bioseg.production.disposition import authority_basis, authority_names, excursion_disposition_authority
    from bioseg.production.workflows import EXCURSION_WORKFLOW

    zh = translation.get_language().startswith("zh")
    items = []
    for e in excursions:
        assessment = getattr(e, "assessment", None) if e.status == ExcursionStatus.ASSESSED else None
        authority = excursion_disposition_authority(e)
        names, basis = authority_names(authority), authority_basis(authority)
        items.append(
            {
                "e": e,
                "assessment": assessment,
                "signature": (signatures_for(assessment) or [None])[0] if assessment else None,
                "form": (assess_forms or {}).get(e.pk) or AssessForm(prefix=f"x{e.pk}"),
                "may_assess": EXCURSION_WORKFLOW.actor_may(request.user, e, EXCURSION_WORKFLOW.get("accept")),
                "disposer": names[1] if zh else names[0],
                "basis": basis[1] if zh else basis[0],
                "default": authority.default,
            }
        )
    zone = zone_for(_receiver_site(shipment).country_code)
    own = own_enterprise_ids(request.user)
    qa = request.user.has_role(*ASSESSORS)
    parties = {shipment.from_site.enterprise_id} | ({shipment.to_site.enterprise_id} if shipment.to_site_id else set())
    may_receive = qa and shipment.received_at is None and _receiver_site(shipment).enterprise_id in own
    return {
        "zone_site": _receiver_site(shipment),
        "charts": [{"log": log, "svg": _log_chart(log, excursions, zone)} for log in logs],
        "receive_form": (receive_form or ReceiveForm()) if may_receive else None,
        "logger_form": (logger_form or LoggerForm()) if qa and parties & own else None,
        "object": shipment,
        "lines": sorted(
            selectors.shipment_lines(scope=scope, shipment=shipment), key=lambda line: (line.lot.lot_number, line.pk)
        ),
        "logs": logs,
        "excursions": items,
    }


@page_view
def shipment_detail(request, pk):
    shipment = selectors.shipment_get(scope=scope_for(request.user), pk=pk)
    return render(request, "web/shipment_detail.html", _shipment_context(request, shipment))


@page_view
def shipment_receive(request, pk):
    from bioseg.common.regions import zone_for

    shipment = selectors.shipment_get(scope=scope_for(request.user), pk=pk)
    if request.method != "POST":
        return redirect("web:shipment-detail", pk=shipment.pk)
    form = ReceiveForm(request.POST)
    if form.is_valid():
        zone = zone_for(_receiver_site(shipment).country_code)
        local = form.cleaned_data["received_at"].replace(tzinfo=None)
        received_at = local.replace(tzinfo=zone).astimezone(dt.UTC)
        ok, _r = run_service(
            form,
            lambda: services.shipment_receive(
                actor=request.user, shipment=shipment, received_at=received_at, reason=form.cleaned_data["reason"]
            ),
        )
        if ok:
            messages.success(request, _g("The receipt was recorded."))
            return redirect("web:shipment-detail", pk=shipment.pk)
    context = _shipment_context(request, shipment, receive_form=form)
    return render(request, "web/shipment_detail.html", context, status=400)


@page_view
def shipment_logger(request, pk):
    shipment = selectors.shipment_get(scope=scope_for(request.user), pk=pk)
    if request.method != "POST":
        return redirect("web:shipment-detail", pk=shipment.pk)
    form = LoggerForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        ok, log = run_service(
            form,
            lambda: services.temperature_log_upload(
                actor=request.user, shipment=shipment, file_name=upload.name, content=upload.read()
            ),
        )
        if ok:
            messages.success(request, _g("The logger file was stored with its SHA-256."))
            return redirect("web:shipment-detail", pk=shipment.pk)
    context = _shipment_context(request, shipment, logger_form=form)
    return render(request, "web/shipment_detail.html", context, status=400)


@page_view
def excursion_assess(request, pk):
    if request.method != "POST":
        excursion = selectors.excursion_get(scope=scope_for(request.user), pk=pk)
        return redirect("web:shipment-detail", pk=excursion.shipment_id)
    excursion = selectors.excursion_get(scope=scope_for(request.user), pk=pk)
    form = AssessForm(request.POST, prefix=f"x{excursion.pk}")
    if form.is_valid():
        from bioseg.web.forms import run_service

        ok, _result = run_service(
            form, lambda: services.excursion_assess(actor=request.user, excursion=excursion, **form.cleaned_data)
        )
        if ok:
            messages.success(request, _g("The excursion assessment was recorded and signed."))
            return redirect("web:shipment-detail", pk=excursion.shipment_id)
    context = _shipment_context(request, excursion.shipment, {excursion.pk: form})
    return render(request, "web/shipment_detail.html", context, status=400)


# --- dashboard ------------------------------------------------------------------------------------------


def _production_cards(request, scope) -> list[Card]:
    return [
        Card("lots", _("Lots"), selectors.lot_list(scope=scope).count(), "web:lot-list"),
        Card(
            "excursions",
            _("Excursions awaiting assessment"),
            selectors.excursion_list(scope=scope, status="open").count(),
            "web:shipment-list",
            query="excursions=open",
        ),
    ]


if _production_cards not in CARD_PROVIDERS:
    CARD_PROVIDERS.append(_production_cards)
