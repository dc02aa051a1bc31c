"""Create/edit forms. They parse input only: every rule is checked by the registry service, whose
field errors come back onto the form in the active language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bioseg.common.errors import ApplicationError, PermissionDenied
from bioseg.registry.models import Activity, Category, Origin
from bioseg.web.labels import is_zh, local_name, province_choices


def run_service(
    form: forms.Form, call: Callable[[], Any], *, field_of: Callable[[str], str] | None = None
) -> tuple[bool, Any]:
    """Runs a page's service call: ``(True, result)``, or ``(False, None)`` with the refusal put on the form
    (nothing was written). A ``PermissionDenied`` propagates: the page answers 403, not a form error.
    ``field_of`` turns a service's field name (``outputs[0].expires_on``) into the form's (``output_expires_on_1``)."""
    try:
        return True, call()
    except PermissionDenied:
        raise
    except ApplicationError as exc:
        apply_service_errors(form, exc, field_of=field_of)
        return False, None


def apply_service_errors(
    form: forms.Form, exc: ApplicationError, *, field_of: Callable[[str], str] | None = None
) -> None:
    """Puts a service refusal onto the form: each ``details.fields`` entry on its field (or on the form
    when the form has no such field), else the error's own message."""
    zh = is_zh()
    fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
    if exc.code == "signature_refused" and "password" in form.fields:
        form.add_error("password", exc.localized("zh" if zh else "en"))
        return
    if not fields:
        form.add_error(None, exc.localized("zh" if zh else "en"))
        return
    for name, msg in fields.items():
        text = msg.get("message_zh") if zh else msg.get("message")
        field = field_of(name) if field_of is not None else name
        form.add_error(field if field in form.fields else None, text)


class ReasonMixin(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, required=False)  # updated_at when the form was shown
    reason = forms.CharField(
        label=_("Reason for the change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        required=False,
        help_text=_("Recorded in the audit trail."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["reason"].required = editing


class SiteForm(ReasonMixin):
    enterprise = forms.TypedChoiceField(label=_("Enterprise"), coerce=int)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300)
    country_code = forms.CharField(
        label=_("Country"), max_length=2, initial="CN", help_text=_("ISO 3166-1 alpha-2 code, e.g. CN, DE, US.")
    )
    region_code = forms.ChoiceField(label=_("Province"), required=False)
    activities = forms.MultipleChoiceField(
        label=_("Activities"), widget=forms.CheckboxSelectMultiple, choices=Activity.choices
    )

    field_order = ["enterprise", "name_zh", "name_en", "address", "country_code", "region_code", "activities"]

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = province_choices(_("— none (outside China) —"))
        if self.editing:
            del self.fields["enterprise"]
        else:
            self.fields["enterprise"].choices = [(e.pk, local_name(e)) for e in enterprises]

    def clean_country_code(self):
        return self.cleaned_data["country_code"].strip().upper()

    def service_values(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("name_zh", "name_en", "address", "country_code", "region_code", "activities")}


class ProductForm(ReasonMixin):
    holder = forms.TypedChoiceField(label=_("Holder"), coerce=int)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    approval_number = forms.CharField(
        label=_("Approval number"),
        max_length=20,
        required=False,
        help_text=_("国药准字S + 8 digits for a biological product; leave empty if not yet approved."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    origin = forms.ChoiceField(label=_("Origin"), required=False)
    innovative = forms.BooleanField(label=_("Innovative"), required=False)
    urgent_clinical_need = forms.BooleanField(label=_("Urgent clinical need"), required=False)
    nmpa_specified = forms.BooleanField(label=_("Specified by NMPA"), required=False)
    storage_min_c = forms.DecimalField(label=_("Storage min (°C)"), max_digits=5, decimal_places=1, required=False)
    storage_max_c = forms.DecimalField(label=_("Storage max (°C)"), max_digits=5, decimal_places=1, required=False)

    field_order = [
        "holder",
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
    ]

    def __init__(self, *args, holders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin"].choices = [("", _("— not stated —"))] + list(Origin.choices)
        if self.editing:
            del self.fields["holder"]
        else:
            self.fields["holder"].choices = [(e.pk, local_name(e)) for e in holders]

    def service_values(self) -> dict:
        d = self.cleaned_data
        keys = (
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
        return {k: d[k] for k in keys}
