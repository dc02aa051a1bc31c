"""Pilot-application pages: the list, drafting, the detail with its timeline and the forms each role may use,
a stored determination with its explanation, and evidence downloads.

Every page reads through ``bioseg.pilots.selectors`` with the user's scope (an application outside it is
a 404); every form calls one service. Signing forms ask for the password again; they are not wrapped in a
transaction here, so a wrong password counts toward the lockout (the services write nothing on refusal).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bioseg.common import clock
from bioseg.common.errors import ApplicationError, NotFound, PermissionDenied
from bioseg.pilots import evidence as evidence_files
from bioseg.pilots import permissions, selectors, services
from bioseg.pilots.models import ApplicationStatus, Decision, EvidenceKind, ReviewAction, RuleOutcome
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for
from bioseg.regulation import get_ruleset
from bioseg.web.forms import apply_service_errors
from bioseg.web.labels import fact_path_label, is_zh, outcome_label, province_label
from bioseg.web.views import dashboard
from bioseg.web.views.common import page_view, paginate

# --- forms ----------------------------------------------------------------------------------------------


class PasswordField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Your password (e-signature)"))
        kwargs.setdefault(
            "help_text", _("Re-enter your password to sign. The signature binds your name, the time and what you sign.")
        )
        super().__init__(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), **kwargs)


class PilotFilter(forms.Form):
    """The list's filter: an unknown status is an error shown on the field, never silently "all"."""

    status = forms.ChoiceField(required=False, choices=[("", ""), *ApplicationStatus.choices])


class DraftForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.pk, _local(p)) for p in products]


class FactsForm(forms.Form):
    facts = forms.CharField(
        label=_("Declared facts (JSON, case format)"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "mono"}),
        help_text=_("Facts the registry does not hold, e.g. the holder's capabilities or the stationed personnel."),
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)

    def clean_facts(self):
        try:
            value = json.loads(self.cleaned_data["facts"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(gettext("Not valid JSON: %(error)s") % {"error": exc.msg}) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(gettext("The facts must be a JSON object."))
        return value


class AssessForm(forms.Form):
    as_of = forms.DateField(label=_("Assessment date"), required=False, help_text=_("Empty: today."))
    ruleset = forms.ChoiceField(
        label=_("Ruleset"), choices=[("pilot2024", "pilot2024"), ("reg2026", "reg2026")], required=False
    )


class EvidenceForm(forms.Form):
    requirement = forms.ChoiceField(label=_("Requirement (rule)"))
    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    description = forms.CharField(label=_("Description"), required=False, max_length=500)
    file = forms.FileField(label=_("File (PDF, PNG, JPG, XLSX, DOCX)"))

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].choices = [
            (r.id, f"{r.id} — {r.title_zh if is_zh() else r.title_en}") for r in rules
        ]


class SubmitForm(forms.Form):
    password = PasswordField()


class ReviewForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=ReviewAction.choices)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class JointPlanForm(forms.Form):
    password = PasswordField()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    conditions = forms.CharField(
        label=_("Product-specific conditions (一品一策)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Required to approve."),
    )
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
    password = PasswordField()


class RuleDeterminationForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Determination"), widget=forms.RadioSelect, choices=RuleOutcome.choices)
    determination = forms.CharField(
        label=_("The regulator's determination"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    reasoning = forms.CharField(label=_("Reasoning"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    password = PasswordField()


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why the application is returned"), widget=forms.Textarea(attrs={"rows": 3}))
    password = PasswordField()


FORMS = {
    "declare_facts": FactsForm,
    "assess": AssessForm,
    "attach_evidence": EvidenceForm,
    "submit": SubmitForm,
    "review": ReviewForm,
    "approve_joint_plan": JointPlanForm,
    "decide": DecisionForm,
    "return": ReturnForm,
}


def _local(obj) -> str:
    return (obj.name_zh or obj.name_en) if is_zh() else (obj.name_en or obj.name_zh)


# --- dashboard --------------------------------------------------------------------------------------------


def _pilot_cards(request, scope) -> list[dashboard.Card]:
    if scope.kind == "none":
        return []
    return [
        dashboard.Card(
            "pilot_applications",
            _("Pilot applications"),
            selectors.application_list(scope=scope).count(),
            "web:pilot-list",
        ),
        dashboard.Card(
            "pilot_awaiting",
            _("Pilot applications awaiting you"),
            selectors.awaiting_count(scope=scope, user=request.user),
            "web:pilot-list",
        ),
    ]


def _pilot_shortcuts(request, scope) -> list[dashboard.Shortcut]:
    if request.user.has_role(*permissions.HOLDER_WRITERS) and scope.is_enterprise:
        if services.applications_closed_on(clock.today()):  # the standing route's shortcut takes its place
            return []
        return [dashboard.Shortcut(_("Draft a pilot application"), "web:pilot-create")]
    return []


if _pilot_cards not in dashboard.CARD_PROVIDERS:
    dashboard.CARD_PROVIDERS.append(_pilot_cards)
if _pilot_shortcuts not in dashboard.SHORTCUT_PROVIDERS:
    dashboard.SHORTCUT_PROVIDERS.append(_pilot_shortcuts)


# --- pages ------------------------------------------------------------------------------------------------


@page_view
def pilot_list(request):
    scope = scope_for(request.user)
    qs = selectors.application_list(scope=scope).order_by("-created_at", "-id")
    filter_form = PilotFilter(request.GET)
    status = filter_form.cleaned_data.get("status", "") if filter_form.is_valid() else ""
    if status:
        qs = qs.filter(status=status)
    return render(
        request,
        "web/pilot_list.html",
        {
            "page": paginate(request, qs),
            "status": status,
            "status_errors": filter_form.errors.get("status", []),
            "statuses": ApplicationStatus.choices,
            "can_draft": bool(_draftable(request.user).exists()),
            "closed_on": services.applications_closed_on(clock.today()),
        },
    )


def _draftable(user):
    scope = scope_for(user)
    qs = registry_selectors.product_list(scope=scope)
    if not scope.is_enterprise or not user.has_role(*permissions.HOLDER_WRITERS):
        return qs.none()
    return qs.filter(holder__organisation_id=user.organisation_id)


@page_view
def pilot_create(request):
    products = list(_draftable(request.user))
    initial = {"product": request.GET.get("product")} if request.GET.get("product") else {}
    form = DraftForm(request.POST or None, products=products, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        product = registry_selectors.product_get(scope=scope_for(request.user), pk=form.cleaned_data["product"])
        try:
            application = services.application_draft(actor=request.user, product=product)
        except (PermissionDenied, NotFound):
            raise
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status = exc.status or 400
        else:
            messages.success(request, gettext("Application %(ref)s drafted.") % {"ref": application.reference})
            return redirect("web:pilot-detail", pk=application.pk)
    elif request.method == "POST":
        status = 400
    closed = services.applications_closed_on(clock.today())
    return render(
        request,
        "web/pilot_new.html",
        {"form": form, "has_products": bool(products), "closed_on": closed},
        status=status,
    )


def _detail_context(request, application, bound: dict | None = None) -> dict:
    allowed = permissions.allowed_actions(request.user, application)
    ruleset = get_ruleset(application.ruleset)
    forms_ = {}
    for action in sorted(allowed & FORMS.keys()):  # a rule's determination has its own form, per rule
        if bound and action in bound:
            forms_[action] = bound[action]
            continue
        cls = FORMS[action]
        if cls is EvidenceForm:
            forms_[action] = cls(rules=[ruleset.versions(r)[-1] for r in ruleset.rule_ids])
        elif cls is FactsForm:
            forms_[action] = cls(
                initial={"facts": json.dumps(application.declared_facts or {}, ensure_ascii=False, indent=2)}
            )
        else:
            forms_[action] = cls()
    latest = selectors.determination_list(application=application).first()
    decided = selectors.decided_determination(application=application)
    plan = selectors.joint_plan_for(application=application)
    zh = is_zh()
    awaiting = [
        {
            "rule": f["rule"],
            "title": f["title_zh"] if zh else f["title_en"],
            "reason": f["reason_zh"] if zh else f["reason_en"],
            "by": "、".join(a["name_zh"] for a in f["needs_determination_by"])
            if zh
            else ", ".join(a["name_en"] for a in f["needs_determination_by"]),
            # a refused form is shown with its error even to a user the rule does not await (who posted anyway)
            "form": (bound or {}).get(f"rule:{f['rule']}") or (RuleDeterminationForm() if f["may_determine"] else None),
        }
        for f in services.rules_awaiting(application, request.user)
    ]
    events = [
        {"e": e, "message": e.message_zh if zh else e.message_en} for e in selectors.event_list(application=application)
    ]
    return {
        "object": application,
        "provinces": [province_label(c) for c in application.province_list],
        "parties": application.parties.select_related("enterprise"),
        "forms": forms_,
        "latest": latest,
        "latest_data": selectors.determination_data(latest) if latest else None,
        "decided": decided,
        "decided_data": selectors.determination_data(decided) if decided else None,
        "determinations": selectors.determination_list(application=application),
        "evidence": selectors.evidence_list(application=application),
        "reviews": selectors.review_list(application=application),
        "plan": plan,
        "decision": selectors.decision_for(application=application),
        "awaiting": awaiting,
        "rule_determinations": application.rule_determinations.select_related("determined_by"),
        "events": events,
        "case_facts": json.dumps(application.case_facts, ensure_ascii=False, indent=2, sort_keys=True),
    }


def _get(request, pk):
    return selectors.application_get(scope=scope_for(request.user), pk=pk)


@page_view
def pilot_detail(request, pk):
    application = _get(request, pk)
    return render(request, "web/pilot_detail.html", _detail_context(request, application))


def _action(request, pk, action: str, call):
    """Binds the action's form; on success runs ``call(application, cleaned_data)`` and redirects. A refusal
    goes onto the form, answered with the refusal's status (400 invalid, 403 signature refused, 409 wrong
    state); a role or scope refusal (PermissionDenied, NotFound) becomes the error page."""
    application = _get(request, pk)
    cls = FORMS[action]
    if cls is EvidenceForm:
        ruleset = get_ruleset(application.ruleset)
        form = cls(request.POST, request.FILES, rules=[ruleset.versions(r)[-1] for r in ruleset.rule_ids])
    else:
        form = cls(request.POST)
    done, status = _run(request, application, form, call)
    if done is not None:
        return done
    context = _detail_context(request, application, bound={action: form})
    context["forms"][action] = form
    context["open_action"] = action
    return render(request, "web/pilot_detail.html", context, status=status)


def _run(request, application, form, call):
    """Runs ``call(application, cleaned_data)`` on a valid form: (redirect, 302) on success; else (None, the
    refusal's status) with the refusal on the form and the application re-read."""
    status = 400
    if form.is_valid():
        try:
            message = call(application, form.cleaned_data)
        except (PermissionDenied, NotFound):
            raise
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status = exc.status or 400
        else:
            messages.success(request, message)
            return redirect("web:pilot-detail", pk=application.pk), 302
    application.refresh_from_db()
    return None, status


@require_POST
@page_view
def pilot_facts(request, pk):
    def call(app, data):
        services.application_facts_declare(
            actor=request.user, application=app, facts=data["facts"], reason=data["reason"]
        )
        return gettext("Facts declared.")

    return _action(request, pk, "declare_facts", call)


@require_POST
@page_view
def pilot_assess(request, pk):
    def call(app, data):
        stored = services.application_assess(
            actor=request.user, application=app, as_of=data.get("as_of"), ruleset=data.get("ruleset") or None
        )
        return gettext("Assessed: %(outcome)s.") % {"outcome": outcome_label(stored.outcome)}

    return _action(request, pk, "assess", call)


@require_POST
@page_view
def pilot_evidence(request, pk):
    def call(app, data):
        upload = data["file"]
        if upload.size > evidence_files.max_bytes():
            content = b"\0" * (evidence_files.max_bytes() + 1)  # refused by size without reading it
        else:
            content = upload.read()
        item = services.evidence_attach(
            actor=request.user,
            application=app,
            requirement=data["requirement"],
            kind=data["kind"],
            file_name=upload.name,
            content=content,
            description=data.get("description", ""),
        )
        return gettext("Evidence %(name)s attached.") % {"name": item.file_name}

    return _action(request, pk, "attach_evidence", call)


@require_POST
@page_view
def pilot_submit(request, pk):
    def call(app, data):
        services.application_submit(actor=request.user, application=app, password=data["password"])
        return gettext("Application submitted and signed.")

    return _action(request, pk, "submit", call)


@require_POST
@page_view
def pilot_review(request, pk):
    def call(app, data):
        services.review_record(actor=request.user, application=app, action=data["action"], comment=data["comment"])
        return gettext("Review recorded.")

    return _action(request, pk, "review", call)


@require_POST
@page_view
def pilot_joint_plan(request, pk):
    def call(app, data):
        plan = selectors.joint_plan_for(application=app)
        if plan is None:
            raise NotFound("joint regulatory plan", app.pk)
        services.joint_plan_approve(actor=request.user, plan=plan, password=data["password"])
        return gettext("Joint regulatory plan approved and signed.")

    return _action(request, pk, "approve_joint_plan", call)


@require_POST
@page_view
def pilot_decide(request, pk):
    def call(app, data):
        services.nmpa_decide(
            actor=request.user,
            application=app,
            decision=data["decision"],
            conditions=data["conditions"],
            reason=data["reason"],
            password=data["password"],
        )
        return gettext("Decision recorded and signed.")

    return _action(request, pk, "decide", call)


@require_POST
@page_view
def pilot_return(request, pk):
    def call(app, data):
        services.application_return(
            actor=request.user, application=app, reason=data["reason"], password=data["password"]
        )
        return gettext("Application returned.")

    return _action(request, pk, "return", call)


@require_POST
@page_view
def pilot_rule_determine(request, pk, rule):
    """A regulator records its determination on a rule that awaits it (e-signed)."""
    application = _get(request, pk)
    form = RuleDeterminationForm(request.POST)

    def call(app, d):
        services.rule_determine(
            actor=request.user,
            application=app,
            rule=rule,
            outcome=d["outcome"],
            determination=d["determination"],
            reasoning=d["reasoning"],
            password=d["password"],
        )
        return gettext("Determination recorded and signed.")

    done, status = _run(request, application, form, call)
    if done is not None:
        return done
    context = _detail_context(request, application, bound={f"rule:{rule}": form})
    return render(request, "web/pilot_detail.html", context, status=status)


@page_view
def pilot_determination(request, pk, det_pk):
    application = _get(request, pk)
    stored = selectors.determination_get(application=application, pk=det_pk)
    reproduction = None
    if request.method == "POST":
        reproduction = selectors.determination_reproduce(stored=stored)
    data = selectors.determination_data(stored)
    zh = is_zh()
    case = json.loads(stored.case_json)
    findings = [
        {
            "rule": f["rule"],
            "title": f["title_zh"] if zh else f["title_en"],
            "outcome": f["outcome"],
            "outcome_label": outcome_label(f["outcome"]),
            "reason": f["reason_zh"] if zh else f["reason_en"],
            "citations": f["citations"],
            "missing": [{"path": m, "label": fact_path_label(m, case)} for m in f["missing_facts"]],
            "authorities": [a["name_zh"] if zh else a["name_en"] for a in f["needs_determination_by"]],
        }
        for f in data["findings"]
    ]
    return render(
        request,
        "web/pilot_determination.html",
        {
            "object": application,
            "stored": stored,
            "data": data,
            "outcome_label": outcome_label(data["outcome"]),
            "summary": data["explanation"]["text_zh"] if zh else data["explanation"]["text_en"],
            "notes": [n["text_zh"] if zh else n["text_en"] for n in data["notes"]],
            "findings": findings,
            "reproduction": reproduction,
            "reproduction_message": (reproduction.message_zh if zh else reproduction.message_en)
            if reproduction
            else "",
        },
    )


@page_view
def pilot_evidence_download(request, pk, ev_pk):
    application = _get(request, pk)
    item = selectors.evidence_get(application=application, pk=ev_pk)
    path = evidence_files.storage_path(item.storage_name)
    if not path.exists():
        raise NotFound("evidence file", item.sha256)
    return FileResponse(path.open("rb"), as_attachment=True, filename=item.file_name, content_type=item.content_type)
