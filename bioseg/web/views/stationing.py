"""Stationed personnel: per contract site, a month's coverage calendar (qualified people on site each day, days
below two marked), who is stationed and their training; forms for the holder to station a person and record a
training."""

from __future__ import annotations

import calendar
import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from bioseg.common import clock
from bioseg.common.errors import NotFound, PermissionDenied
from bioseg.quality import stationing as st
from bioseg.quality.models import Stationing, StationRole, TrainingRecord
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.models import Person, Site
from bioseg.registry.scope import own_enterprise_ids, scope_for
from bioseg.web.forms import run_service
from bioseg.web.labels import local_name
from bioseg.web.views.common import page_view

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _month(value: str | None) -> dt.date:
    today = clock.today()
    try:
        y, m = (int(x) for x in (value or "").split("-"))
        return dt.date(y, m, 1)
    except (ValueError, TypeError):
        return today.replace(day=1)


def _writable_holders(user) -> set[int]:
    return set(own_enterprise_ids(user)) if user.has_role(*st.WRITERS) else set()


class StationForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    site = forms.TypedChoiceField(label=_("Contract site"), coerce=int)
    role = forms.ChoiceField(label=_("Role on site"), choices=StationRole.choices)
    starts_on = forms.DateField(label=_("Stationed from"), widget=DATE)
    ends_on = forms.DateField(label=_("Stationed until"), widget=DATE, required=False)


class TrainingForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    curriculum = forms.CharField(label=_("Curriculum"), max_length=200)
    hours = forms.DecimalField(label=_("Hours"), max_digits=6, decimal_places=1)
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)
    expires_on = forms.DateField(label=_("Expires on"), widget=DATE, required=False)
    trainer = forms.CharField(label=_("Trainer"), max_length=120, required=False)


def _choices(user, scope):
    holders = _writable_holders(user)
    people = Person.objects.filter(enterprise_id__in=holders).order_by("name")
    sites = [s for s in registry_selectors.site_list(scope=scope) if s.enterprise_id not in holders]
    return [(p.pk, local_name(p)) for p in people], [(s.pk, local_name(s)) for s in sites]


@page_view
def stationing(request):
    scope = scope_for(request.user)
    sites = list(st.contract_sites(scope))
    chosen = None
    if request.GET.get("site"):
        chosen = next((s for s in sites if str(s.pk) == request.GET["site"]), None)
        if chosen is None:
            raise NotFound("site", request.GET["site"])
    chosen = chosen or (sites[0] if sites else None)
    month = _month(request.GET.get("month"))
    weeks, gap_days, stays, trainings, key_today = [], 0, [], [], []
    if chosen is not None:
        last = calendar.monthrange(month.year, month.month)[1]
        days = st.coverage(site=chosen, start=month, end=month.replace(day=last))
        gap_days = sum(1 for d in days if d.gap)
        lead = [None] * month.weekday()
        cells = lead + days
        cells += [None] * (-len(cells) % 7)
        weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
        stays = list(
            Stationing.objects.restrict(scope).filter(site=chosen).select_related("person").order_by("starts_on")
        )
        trainings = list(
            TrainingRecord.objects.filter(person_id__in={s.person_id for s in stays}).select_related("person")
        )
    if request.GET.get("export") == "xlsx" and chosen is not None:
        return _xlsx(chosen, month, [d for w in weeks for d in w if d], stays, trainings)
    people, site_choices = _choices(request.user, scope)
    can_write = bool(_writable_holders(request.user)) and bool(people)
    prev_month = (month - dt.timedelta(days=1)).replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    station_form = StationForm(prefix="station")
    station_form.fields["person"].choices, station_form.fields["site"].choices = people, site_choices
    training_form = TrainingForm(prefix="training")
    training_form.fields["person"].choices = people
    return render(
        request,
        "web/stationing.html",
        {
            "sites": sites,
            "chosen": chosen,
            "month": month,
            "prev_month": prev_month.strftime("%Y-%m"),
            "next_month": next_month.strftime("%Y-%m"),
            "weeks": weeks,
            "gap_days": gap_days,
            "minimum": st.MINIMUM,
            "stays": stays,
            "trainings": trainings,
            "key_today": key_today,
            "can_write": can_write,
            "station_form": station_form,
            "training_form": training_form,
        },
    )


def _xlsx(site, month, days, stays, trainings):
    from django.http import HttpResponse

    from bioseg.reporting import xlsx
    from bioseg.web.labels import is_zh

    zh = is_zh()
    book = xlsx.Workbook(lang="zh" if zh else "en")
    t = (lambda a, b: b) if zh else (lambda a, b: a)
    cal = book.sheet(
        t("Coverage", "派驻覆盖"),
        [
            xlsx.Column(t("Day", "日期"), "date"),
            xlsx.Column(t("Qualified people on site", "在场具备资质人数"), "number"),
            xlsx.Column(t("Below two", "低于两人"), "text"),
            xlsx.Column(t("Qualified", "具备资质"), "text", width=40),
            xlsx.Column(t("Not qualified", "不具备资质"), "text", width=40),
        ],
    )
    for d in days:
        cal.append(
            [
                d.day,
                d.count,
                t("yes", "是") if d.gap else t("no", "否"),
                "、".join(d.qualified),
                "、".join(d.unqualified),
            ]
        )
    people = book.sheet(
        t("Stationed", "派驻人员"),
        [
            xlsx.Column(t("Person", "人员"), "text"),
            xlsx.Column(t("Role", "职责"), "text"),
            xlsx.Column(t("From", "开始"), "date"),
            xlsx.Column(t("Until", "结束"), "date"),
        ],
    )
    for s in stays:
        people.append([local_name(s.person), str(s.get_role_display()), s.starts_on, s.ends_on])
    tr = book.sheet(
        t("Training", "培训记录"),
        [
            xlsx.Column(t("Person", "人员"), "text"),
            xlsx.Column(t("Curriculum", "培训课程"), "text", width=40),
            xlsx.Column(t("Hours", "学时"), "number"),
            xlsx.Column(t("Completed on", "完成日期"), "date"),
            xlsx.Column(t("Expires on", "有效期至"), "date"),
        ],
    )
    for r in trainings:
        tr.append([local_name(r.person), r.curriculum, r.hours, r.completed_on, r.expires_on])
    response = HttpResponse(book.to_bytes(), content_type=xlsx.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="stationing-{site.pk}-{month:%Y-%m}.xlsx"'
    return response


def _post(request, form_class, prefix, call, done):
    scope = scope_for(request.user)
    if request.method != "POST":
        return redirect("web:stationing")
    if not _writable_holders(request.user):
        raise PermissionDenied("record the holder's stationed personnel", "记录持有人派驻人员")
    people, site_choices = _choices(request.user, scope)
    form = form_class(request.POST, prefix=prefix)
    form.fields["person"].choices = people
    if "site" in form.fields:
        form.fields["site"].choices = site_choices
    if form.is_valid():
        d = dict(form.cleaned_data)
        d["person"] = Person.objects.get(pk=d["person"])
        if "site" in d:
            d["site"] = Site.objects.get(pk=d["site"])
        ok, row = run_service(form, lambda: call(actor=request.user, **d))
        if ok:
            messages.success(request, str(done))
            site = getattr(row, "site_id", None)
            return redirect(f"/stationing/?site={site}" if site else "/stationing/")
    return render(request, "web/stationing_form.html", {"form": form}, status=400)


@page_view
def stationing_create(request):
    return _post(request, StationForm, "station", st.stationing_record, _("The person was stationed."))


@page_view
def training_create(request):
    return _post(request, TrainingForm, "training", st.training_record, _("The training was recorded."))
