"""Inspection plans: the province's plans (request a new one for a year: the solve runs in the background), a plan's
page (progress while solving; then the Gantt per inspector, the calendar per site, every job with what it covers
and why it was placed so, the conflicts when there is no plan), its approval with an e-signature, and after the year
the revealed seed with the re-derivation of the unannounced draws."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bioseg.audit.selectors import signatures_for
from bioseg.common import clock
from bioseg.common.errors import PermissionDenied
from bioseg.oversight import plans as svc
from bioseg.oversight import selectors as sel
from bioseg.oversight.services import is_inspector
from bioseg.oversight.workflows import PLAN_WORKFLOW
from bioseg.web.forms import run_service
from bioseg.web.gantt import Bar, gantt_svg
from bioseg.web.labels import is_zh
from bioseg.web.views.common import page_view, paginate
from bioseg.web.views.inspections import kind_label
from bioseg.web.views.quality import SignForm

MONTHS_ZH = [f"{m}月" for m in range(1, 13)]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def state_label(status: str) -> str:
    return PLAN_WORKFLOW.state_label(status, "zh" if is_zh() else "en")


def job_kind_label(kind: str) -> str:
    if kind == "reserved":
        return gettext("Reserved capacity")
    return kind_label(kind)


class PlanForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    time_limit = forms.IntegerField(label=_("Time limit of the solve (seconds)"), initial=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        y = clock.today().year
        self.fields["year"].choices = [(y + 1, str(y + 1)), (y, str(y))]


@page_view
def plan_list(request):
    form = PlanForm(request.POST or None)
    if request.method == "POST":
        if not is_inspector(request.user):
            raise PermissionDenied("plan inspections", "编制检查计划")
        if form.is_valid():
            ok, plan = run_service(
                form,
                lambda: svc.plan_create(
                    actor=request.user, year=form.cleaned_data["year"], time_limit=form.cleaned_data["time_limit"]
                ),
            )
            if ok:
                messages.success(request, gettext("The plan is being solved in the background."))
                return redirect("web:inspection-plan-detail", pk=plan.pk)
    page = paginate(request, sel.plan_list(user=request.user))
    rows = [{"p": p, "state": state_label(p.status)} for p in page]
    return render(
        request,
        "web/plan_list.html",
        {"form": form, "page": page, "rows": rows, "can_plan": is_inspector(request.user)},
        status=400 if form.errors else 200,
    )


def _names(plan) -> dict[str, str]:
    """How the plan's inspectors are shown: their printed names; a partner province's free capacity by province."""
    from bioseg.accounts.models import User
    from bioseg.web.labels import province_label

    ids = [i["id"] for i in plan.problem.get("inspectors", [])]
    names = {u.username: u.printed_name or u.username for u in User.objects.filter(username__in=ids)}
    for ident in ids:
        if ident not in names and "-free-" in ident:
            code, _, n = ident.partition("-free-")
            names[ident] = gettext("%(province)s free inspector %(n)s") % {"province": province_label(code), "n": n}
    return names


def _bars(rows: list[dict], zh: bool) -> list[tuple[str, list[Bar]]]:
    per: dict[str, list[Bar]] = {}
    for r in rows:
        if not r["start"]:
            continue
        site = ""
        if r["site"] is not None:
            site = r["site"].name_zh if zh else r["site"].name_en
        title = f"{r['job']} · {job_kind_label(r['type'])}" + (f" · {site}" if site else "")
        title += f" · {r['start']:%Y-%m-%d}–{r['end']:%Y-%m-%d}"
        for who, _leader in r["team"]:
            per.setdefault(who, []).append(Bar(r["start"], r["end"], r["type"], r["job"], title))
    return sorted(per.items())


def _calendar(rows: list[dict]) -> list[dict]:
    """Per site: its jobs by month."""
    sites: dict[int, dict] = {}
    for r in rows:
        if r["site"] is None or not r["start"]:
            continue
        entry = sites.setdefault(r["site"].pk, {"site": r["site"], "months": [[] for _ in range(12)]})
        entry["months"][r["start"].month - 1].append(r)
    return [sites[k] for k in sorted(sites)]


@page_view
def plan_detail(request, pk):
    plan = sel.plan_get(user=request.user, pk=pk)
    if request.GET.get("export") in ("problem", "plan"):
        return _export(request, plan, request.GET["export"])
    zh = is_zh()
    rows = sel.plan_rows(user=request.user, plan=plan) if plan.result else []
    names = _names(plan)
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True)) + r")(?![\w-])"
    )

    def named(text: str) -> str:  # the scheduler's messages name inspectors by id: show their names
        return pattern.sub(lambda m: names[m.group(1)], text) if names else text

    for r in rows:
        r["kind"] = job_kind_label(r["type"])
        r["obligation"] = r["obligation_zh"] if zh else r["obligation_en"]
        e = r["explanation"] or {}
        r["why"] = named(e.get("message_zh" if zh else "message", ""))
        r["bound_by"] = [
            named(b.get("message_zh" if zh else "message", "")) for b in (e.get("start") or {}).get("bound_by", [])
        ]
        r["mine"] = request.user.username in r["inspectors"]
        r["team"] = [(names.get(u, u), u == r["leader"]) for u in r["inspectors"]]
    gantt = None
    if rows:
        gantt = gantt_svg(
            _bars(rows, zh),
            year=plan.year,
            months=MONTHS_ZH if zh else MONTHS_EN,
            own=names.get(request.user.username, ""),
            title=gettext("Inspectors' schedule"),
        )
    result = plan.result or {}
    conflicts = [
        {"message": c.get("message_zh" if zh else "message", ""), "actions": c.get("actions", [])}
        for c in result.get("conflicts", [])
    ]
    rederived, matches = svc.plan_rederive(plan)
    allowed = PLAN_WORKFLOW.allowed_actions(request.user, plan)
    context = {
        "plan": plan,
        "state": state_label(plan.status),
        "rows": rows,
        "mine": [r for r in rows if r["mine"]],
        "gantt": gantt,
        "calendar": _calendar(rows),
        "months": MONTHS_ZH if zh else MONTHS_EN,
        "conflicts": conflicts,
        "notes": [n[1] if zh else n[0] for n in plan.notes],
        "objective": result.get("objective", {}),
        "approve_form": SignForm() if "approve" in allowed else None,
        "can_reveal": "reveal_seed" in allowed and plan.revealed_at is None and svc.seed_may_be_revealed(plan),
        "rederived": rederived,
        "matches": matches,
        "sees_all": request.user.pk in (plan.created_by_id, plan.approved_by_id),
        "events": plan.events.select_related("actor").order_by("occurred_at", "id"),
        "signatures": signatures_for(plan),
        "zone_of": SimpleNamespace(country_code="CN"),  # a provincial plan: times in China's zone
    }
    if getattr(request, "htmx", False) and request.htmx.target == "plan-progress":
        if plan.status == "solving":
            return render(request, "web/plan_progress.html", context)
        done = HttpResponse(status=204)
        done["HX-Refresh"] = "true"  # the solve is over: the whole page, with the plan drawn
        return done
    return render(request, "web/plan_detail.html", context)


def _export(request, plan, what: str) -> HttpResponse:
    """The problem and the plan in the exchange format; only for whoever may see every job of it."""
    if request.user.pk not in (plan.created_by_id, plan.approved_by_id):
        raise PermissionDenied("download the plan's unannounced jobs", "下载计划中的飞行检查任务")
    body = plan.problem if what == "problem" else (plan.result or {})
    response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{plan.reference}-{what}.json"'
    return response


@page_view
def plan_approve(request, pk):
    plan = sel.plan_get(user=request.user, pk=pk)
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _ = run_service(
            form,
            lambda: svc.plan_approve(
                actor=request.user,
                plan=plan,
                password=form.cleaned_data["password"],
                reason=form.cleaned_data.get("reason", ""),
            ),
        )
        if ok:
            messages.success(request, gettext("The plan is approved; its commitment is recorded."))
            return redirect("web:inspection-plan-detail", pk=plan.pk)
    return render(request, "web/plan_approve.html", {"plan": plan, "form": form}, status=400 if form.errors else 200)


@page_view
def plan_reveal(request, pk):
    plan = sel.plan_get(user=request.user, pk=pk)
    if request.method == "POST":
        svc.plan_reveal_seed(actor=request.user, plan=plan)
        messages.success(request, gettext("The seed is revealed: anyone can now re-derive the draws."))
    return redirect("web:inspection-plan-detail", pk=plan.pk)
