"""Registry pages: lists with filters and pagination, detail pages, and the site/product forms.

Every query goes through the registry selectors with the user's scope; an object outside it is a 404.
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import redirect, render

from bioseg.common import clock
from bioseg.common.errors import PermissionDenied, ValidationFailed
from bioseg.registry import selectors, services
from bioseg.registry.scope import scope_for
from bioseg.web.filters import EnterpriseFilter, PersonFilter, ProductFilter, SiteFilter
from bioseg.web.forms import ProductForm, SiteForm, apply_service_errors
from bioseg.web.permissions import (
    can_register_product,
    can_register_site,
    can_write_registry,
    writable_enterprises,
)
from bioseg.web.views.common import page_view, paginate, render_list

# --- lists ----------------------------------------------------------------------------------------


@page_view
def enterprise_list(request):
    scope = scope_for(request.user)
    form = EnterpriseFilter(request.GET)
    qs = form.apply(selectors.enterprise_list(scope=scope))
    return render_list(request, "web/enterprise_list.html", {"filter": form, "page": paginate(request, qs)})


@page_view
def site_list(request):
    scope = scope_for(request.user)
    form = SiteFilter(request.GET, enterprises=selectors.enterprise_list(scope=scope))
    qs = form.apply(selectors.site_list(scope=scope))
    return render_list(
        request,
        "web/site_list.html",
        {"filter": form, "page": paginate(request, qs), "can_create": can_register_site(request.user)},
    )


@page_view
def product_list(request):
    scope = scope_for(request.user)
    form = ProductFilter(request.GET, holders=selectors.enterprise_list(scope=scope).filter(is_holder=True))
    qs = form.apply(selectors.product_list(scope=scope))
    return render_list(
        request,
        "web/product_list.html",
        {"filter": form, "page": paginate(request, qs), "can_create": can_register_product(request.user)},
    )


@page_view
def person_list(request):
    scope = scope_for(request.user)
    form = PersonFilter(request.GET, enterprises=selectors.enterprise_list(scope=scope))
    qs = form.apply(selectors.person_list(scope=scope))
    return render_list(request, "web/person_list.html", {"filter": form, "page": paginate(request, qs)})


# --- details --------------------------------------------------------------------------------------


@page_view
def enterprise_detail(request, pk):
    scope = scope_for(request.user)
    enterprise = selectors.enterprise_get(scope=scope, pk=pk)
    return render(
        request,
        "web/enterprise_detail.html",
        {
            "object": enterprise,
            "sites": selectors.site_list(scope=scope).filter(enterprise=enterprise),
            "licences": selectors.licence_list(scope=scope).filter(enterprise=enterprise),
            "products": selectors.product_list(scope=scope).filter(holder=enterprise),
            "personnel": selectors.person_list(scope=scope).filter(enterprise=enterprise),
            "can_write": can_write_registry(request.user, enterprise),
            "today": clock.today(),
        },
    )


@page_view
def site_detail(request, pk):
    scope = scope_for(request.user)
    site = selectors.site_get(scope=scope, pk=pk)
    return render(
        request,
        "web/site_detail.html",
        {
            "object": site,
            "gmp_records": selectors.gmp_record_list(scope=scope).filter(site=site),
            "can_write": can_write_registry(request.user, site.enterprise),
        },
    )


@page_view
def product_detail(request, pk):
    scope = scope_for(request.user)
    product = selectors.product_get(scope=scope, pk=pk)
    return render(
        request,
        "web/product_detail.html",
        {"object": product, "can_write": can_write_registry(request.user, product.holder)},
    )


@page_view
def person_detail(request, pk):
    scope = scope_for(request.user)
    person = selectors.person_get(scope=scope, pk=pk)
    today = clock.today()
    qualifications = [
        {
            "q": q,
            "status": "not_yet"
            if q.valid_from > today
            else ("expired" if q.valid_until and q.valid_until < today else "valid"),
        }
        for q in selectors.qualification_list(scope=scope).filter(person=person)
    ]
    return render(request, "web/person_detail.html", {"object": person, "qualifications": qualifications})


# --- forms ----------------------------------------------------------------------------------------


def _submit(form, call):
    """Runs the service; a validation refusal goes onto the form and the transaction is undone."""
    try:
        with transaction.atomic():
            return call()
    except ValidationFailed as exc:
        apply_service_errors(form, exc)
        return None


@page_view
def site_create(request):
    enterprises = writable_enterprises(request.user)
    if not enterprises.exists():
        raise PermissionDenied("register a site")
    initial = {"enterprise": request.GET.get("enterprise")} if request.GET.get("enterprise") else {}
    form = SiteForm(request.POST or None, enterprises=enterprises, initial=initial)
    if request.method == "POST" and form.is_valid():
        enterprise = selectors.enterprise_get(scope=scope_for(request.user), pk=form.cleaned_data["enterprise"])
        site = _submit(
            form,
            lambda: services.site_create(
                actor=request.user, enterprise=enterprise, reason=form.cleaned_data["reason"], **form.service_values()
            ),
        )
        if site is not None:
            return redirect("web:site-detail", pk=site.pk)
    return render(request, "web/form.html", {"form": form, "kind": "site", "object": None})


@page_view
def site_edit(request, pk):
    site = selectors.site_get(scope=scope_for(request.user), pk=pk)
    if not can_write_registry(request.user, site.enterprise):
        raise PermissionDenied("change a site")
    initial = {
        "name_zh": site.name_zh,
        "name_en": site.name_en,
        "address": site.address,
        "country_code": site.country_code,
        "region_code": site.region_code,
        "activities": site.activity_list,
        "version": site.updated_at.isoformat(),
    }
    form = SiteForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        saved = _submit(
            form,
            lambda: services.site_update(
                actor=request.user,
                site=site,
                reason=form.cleaned_data["reason"],
                expected_updated_at=form.cleaned_data["version"] or None,
                **form.service_values(),
            ),
        )
        if saved is not None:
            return redirect("web:site-detail", pk=site.pk)
        site.refresh_from_db()
    return render(request, "web/form.html", {"form": form, "kind": "site", "object": site})


@page_view
def product_create(request):
    holders = writable_enterprises(request.user).filter(is_holder=True)
    if not holders.exists():
        raise PermissionDenied("register a product")
    initial = {"holder": request.GET.get("holder")} if request.GET.get("holder") else {}
    form = ProductForm(request.POST or None, holders=holders, initial=initial)
    if request.method == "POST" and form.is_valid():
        holder = selectors.enterprise_get(scope=scope_for(request.user), pk=form.cleaned_data["holder"])
        product = _submit(
            form,
            lambda: services.product_create(
                actor=request.user, holder=holder, reason=form.cleaned_data["reason"], **form.service_values()
            ),
        )
        if product is not None:
            return redirect("web:product-detail", pk=product.pk)
    return render(request, "web/form.html", {"form": form, "kind": "product", "object": None})


@page_view
def product_edit(request, pk):
    product = selectors.product_get(scope=scope_for(request.user), pk=pk)
    if not can_write_registry(request.user, product.holder):
        raise PermissionDenied("change a product")
    initial = {
        k: getattr(product, k)
        for k in (
            "name_zh",
            "name_en",
            "approval_number",
            "category",
            "origin",
            "innovative",
            "urgent_clinical_need",
            "nmpa_specified",
            "storage_min_c",
            "storage_max_c",
        )
    }
    initial["version"] = product.updated_at.isoformat()
    form = ProductForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        saved = _submit(
            form,
            lambda: services.product_update(
                actor=request.user,
                product=product,
                reason=form.cleaned_data["reason"],
                expected_updated_at=form.cleaned_data["version"] or None,
                **form.service_values(),
            ),
        )
        if saved is not None:
            return redirect("web:product-detail", pk=product.pk)
        product.refresh_from_db()
    return render(request, "web/form.html", {"form": form, "kind": "product", "object": product})
