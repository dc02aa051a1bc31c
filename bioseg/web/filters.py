"""List filters: a GET form per list that parses the query string, and applies itself to a scoped queryset.

The queryset always comes from a registry selector (so the user's scope is already applied); a filter
only narrows it. Invalid values are ignored (the field shows its error), never widened.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bioseg.registry.models import Activity, Category, PersonRole
from bioseg.web.labels import ENTERPRISE_ROLE_LABELS, PRODUCT_FLAG_LABELS, local_name, province_choices

ENTERPRISE_ROLE_FLAGS = {
    "holder": "is_holder",
    "contract_manufacturer": "is_contract_manufacturer",
    "testing_laboratory": "is_testing_laboratory",
    "logistics_provider": "is_logistics_provider",
}


def in_comma_list(field: str, code: str) -> Q:
    """Rows whose comma-separated ``field`` contains exactly ``code``."""
    return (
        Q(**{field: code})
        | Q(**{f"{field}__startswith": code + ","})
        | Q(**{f"{field}__endswith": "," + code})
        | Q(**{f"{field}__contains": "," + code + ","})
    )


def _any(label):
    return [("", label)]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def apply(self, qs: QuerySet) -> QuerySet:
        self.is_valid()  # fills cleaned_data with the valid fields only
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}
        return self.narrow(qs, data)

    def narrow(self, qs: QuerySet, data: dict) -> QuerySet:  # pragma: no cover - overridden
        return qs

    @property
    def active(self) -> bool:
        return any(v for k, v in self.data.items() if k != "page")


class EnterpriseFilter(FilterForm):
    role = forms.ChoiceField(label=_("Role"), required=False)
    origin = forms.ChoiceField(label=_("Domestic / foreign"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _any(_("Any role")) + list(ENTERPRISE_ROLE_LABELS.items())
        self.fields["origin"].choices = _any(_("Both")) + [("domestic", _("Domestic")), ("foreign", _("Foreign"))]
        self.fields["province"].choices = province_choices(_("Any province"))

    def narrow(self, qs, data):
        if "role" in data:
            qs = qs.filter(**{ENTERPRISE_ROLE_FLAGS[data["role"]]: True})
        if "origin" in data:
            qs = qs.filter(domestic=data["origin"] == "domestic")
        if "province" in data:
            qs = qs.filter(region_code=data["province"])
        if "q" in data:
            q = data["q"].strip()
            qs = qs.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(credit_code__icontains=q))
        return qs


def _enterprise_choices(enterprises, any_label):
    return _any(any_label) + [(str(e.pk), local_name(e)) for e in enterprises]


class SiteFilter(FilterForm):
    province = forms.ChoiceField(label=_("Province"), required=False)
    activity = forms.ChoiceField(label=_("Activity"), required=False)
    enterprise = forms.ChoiceField(label=_("Enterprise"), required=False)

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = province_choices(_("Any province"))
        self.fields["activity"].choices = _any(_("Any activity")) + list(Activity.choices)
        self.fields["enterprise"].choices = _enterprise_choices(enterprises, _("Any enterprise"))

    def narrow(self, qs, data):
        if "province" in data:
            qs = qs.filter(region_code=data["province"])
        if "activity" in data:
            qs = qs.filter(in_comma_list("activities", data["activity"]))
        if "enterprise" in data:
            qs = qs.filter(enterprise_id=int(data["enterprise"]))
        if "q" in data:
            q = data["q"].strip()
            qs = qs.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(address__icontains=q))
        return qs


class ProductFilter(FilterForm):
    category = forms.ChoiceField(label=_("Category"), required=False)
    holder = forms.ChoiceField(label=_("Holder"), required=False)
    flags = forms.MultipleChoiceField(
        label=_("Flags"), required=False, widget=forms.CheckboxSelectMultiple, choices=PRODUCT_FLAG_LABELS.items()
    )

    def __init__(self, *args, holders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _any(_("Any category")) + list(Category.choices)
        self.fields["holder"].choices = _enterprise_choices(holders, _("Any holder"))

    def narrow(self, qs, data):
        if "category" in data:
            qs = qs.filter(category=data["category"])
        if "holder" in data:
            qs = qs.filter(holder_id=int(data["holder"]))
        for flag in data.get("flags", []):
            qs = qs.filter(**{flag: True})
        if "q" in data:
            q = data["q"].strip()
            qs = qs.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(approval_number__icontains=q))
        return qs


class PersonFilter(FilterForm):
    enterprise = forms.ChoiceField(label=_("Enterprise"), required=False)
    role = forms.ChoiceField(label=_("Role"), required=False)

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = _enterprise_choices(enterprises, _("Any enterprise"))
        self.fields["role"].choices = _any(_("Any role")) + list(PersonRole.choices)

    def narrow(self, qs, data):
        if "enterprise" in data:
            qs = qs.filter(enterprise_id=int(data["enterprise"]))
        if "role" in data:
            qs = qs.filter(in_comma_list("roles", data["role"]))
        if "q" in data:
            q = data["q"].strip()
            qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(email__icontains=q))
        return qs


class QuickSelect(forms.Select):
    """A ``<select>`` rendered by string joining instead of one template per option: a national user's filter lists
    hundreds of sites and products, and Django's per-option templates cost ~0.1 ms each."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import escape, format_html
        from django.utils.safestring import mark_safe

        final = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) == chosen else ""}>{escape(label)}</option>'
            for v, label in self.choices
        )
        attributes = "".join(format_html(' {}="{}"', k, v) for k, v in final.items() if v not in (None, False))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{options}</select>')
