"""The standing route in the web: the arrangements a user may see, drafting one (from a pilot approval where the
product has one), and the detail page with what carried over, the questions awaiting NMPA, the consents, the
latest determination, the timeline and the forms of the steps this user may take now.

Every page reads through ``bioseg.pilots.selectors`` with the user's scope (outside it: 404); every form calls one
service of ``bioseg.pilots.standing`` through ``run_service`` (a refusal goes onto the form; nothing is written).
The facts a determination still lacks are asked with a form generated from the case schema
(``bioseg.regulation.questions``), never as raw JSON.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bioseg.common.errors import NotFound, PermissionDenied
from bioseg.pilots import selectors, standing
from bioseg.pilots.models import ArrangementStatus
from bioseg.registry import selectors as registry_selectors
from bioseg.registry.scope import scope_for
from bioseg.regulation.labels import parse_path
from bioseg.regulation.questions import AnswerErrors, apply_answers, questions_for_paths
from bioseg.web.forms import run_service
from bioseg.web.labels import is_zh, outcome_label, province_label
from bioseg.web.views import dashboard
from bioseg.web.views.common import page_view, paginate
from bioseg.web.views.pilots import PasswordField

# --- forms ----------------------------------------------------------------------------------------------


class DraftForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.pk, p.name_zh if is_zh() else p.name_en) for p in products]


class FactsForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)


class AssessForm(forms.Form):
    pass


class SubmitForm(forms.Form):
    password = PasswordField()


class ConsentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    password = PasswordField()


class ReasonedForm(forms.Form):
    comment = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
    password = PasswordField()


class NmpaForm(forms.Form):
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
    password = PasswordField()


class RecordForm(forms.Form):
    reference = forms.CharField(
        label=_("Licence or registration change"),
        max_length=100,
        help_text=_("The number of the changed manufacturing licence or of the registration change."),
    )
    password = PasswordField()


class DetermineForm(forms.Form):
    outcome = forms.ChoiceField(label=_("NMPA's answer"), widget=forms.RadioSelect, choices=())
    determination = forms.CharField(label=_("NMPA's determination"), widget=forms.Textarea(attrs={"rows": 2}))
    reasoning = forms.CharField(label=_("Reasoning"), widget=forms.Textarea(attrs={"rows": 3}))
    password = PasswordField()

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        # a question on a rule settles it (met / not met / does not apply); any other is answered yes or no
        self.fields["outcome"].choices = [(o.value, o.label) for o in question.outcomes]


FORMS = {
    "declare_facts": FactsForm,
    "assess": AssessForm,
    "submit": SubmitForm,
    "consent": ConsentForm,
    "withhold_consent": ReasonedForm,
    "pass_review": ConsentForm,
    "refuse": ReasonedForm,
    "nmpa_approve": NmpaForm,
    "nmpa_reject": NmpaForm,
    "record": RecordForm,
}


# --- dashboard --------------------------------------------------------------------------------------------


def _cards(request, scope) -> list[dashboard.Card]:
    if scope.kind == "none":
        return []
    return [
        dashboard.Card(
            "arrangements_awaiting",
            _("Standing-route arrangements awaiting you"),
            selectors.arrangement_awaiting_count(scope=scope, user=request.user),
            "web:arrangement-list",
        )
    ]


def _shortcuts(request, scope) -> list[dashboard.Shortcut]:
    if request.user.has_role(*standing.HOLDER_WRITERS) and scope.is_enterprise:
        return [dashboard.Shortcut(_("Draft a standing-route arrangement"), "web:arrangement-create")]
    return []


if _cards not in dashboard.CARD_PROVIDERS:
    dashboard.CARD_PROVIDERS.append(_cards)
if _shortcuts not in dashboard.SHORTCUT_PROVIDERS:
    dashboard.SHORTCUT_PROVIDERS.append(_shortcuts)


# --- pages ------------------------------------------------------------------------------------------------


def _draftable(user):
    scope = scope_for(user)
    qs = registry_selectors.product_list(scope=scope)
    if not scope.is_enterprise or not user.has_role(*standing.HOLDER_WRITERS):
        return qs.none()
    return qs.filter(holder__organisation_id=user.organisation_id)


@page_view
def arrangement_list(request):
    qs = selectors.arrangement_list(scope=scope_for(request.user)).order_by("-created_at", "-id")
    return render(
        request,
        "web/arrangement_list.html",
        {"page": paginate(request, qs), "can_draft": bool(_draftable(request.user).exists())},
    )


@page_view
def arrangement_create(request):
    products = list(_draftable(request.user).order_by("name_en"))
    initial = {"product": request.GET.get("product")} if request.GET.get("product") else {}
    form = DraftForm(request.POST or None, products=products, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            product = registry_selectors.product_get(scope=scope_for(request.user), pk=form.cleaned_data["product"])
            ok, arrangement = run_service(form, lambda: standing.arrangement_draft(actor=request.user, product=product))
            if ok:
                messages.success(request, gettext("Arrangement %(ref)s drafted.") % {"ref": arrangement.reference})
                return redirect("web:arrangement-detail", pk=arrangement.pk)
    rows = []
    for p in products:
        pilot = selectors.approved_pilot_for(product=p)
        rows.append({"product": p, "pilot": pilot.reference if pilot else ""})
    return render(
        request,
        "web/arrangement_new.html",
        {"form": form, "has_products": bool(products), "rows": rows},
        status=status,
    )


def _questions(arrangement):
    """The form for the facts the latest assessment still lacks (generated from the case schema)."""
    missing = selectors.arrangement_missing_facts(arrangement=arrangement)
    return questions_for_paths(missing, arrangement.case_facts) if missing else []


def _detail_context(request, arrangement, *, bound: dict | None = None, answer_errors=None) -> dict:
    user = request.user
    lang = "zh" if is_zh() else "en"
    allowed = [s.action for s in standing.ARRANGEMENT_WORKFLOW.allowed_steps(user, arrangement)]
    forms_ = {a: (bound or {}).get(a) or FORMS[a]() for a in allowed}
    questions = []
    for q in selectors.arrangement_questions(arrangement=arrangement):
        may = (
            arrangement.status in standing.PENDING_STATES
            and "determine" in standing.QUESTION_WORKFLOW.allowed_actions(user, q)
        )
        questions.append(
            {
                "q": q,
                "text": q.text(lang),
                "form": ((bound or {}).get(f"determine-{q.pk}") or DetermineForm(question=q)) if may else None,
            }
        )
    latest = selectors.arrangement_determinations(arrangement=arrangement).first()
    latest_data = None
    if latest is not None:
        import json

        data = json.loads(latest.determination_json)
        latest_data = {
            "summary": data["explanation"]["text_zh" if lang == "zh" else "text_en"],
            "findings": [
                {
                    "rule": f["rule"],
                    "title": f["title_zh" if lang == "zh" else "title_en"],
                    "outcome": outcome_label(f["outcome"]),
                    "reason": f["reason_zh" if lang == "zh" else "reason_en"],
                }
                for f in data["findings"]
            ],
        }
    fact_questions = []
    if "declare_facts" in allowed:
        fact_questions = [q.in_language(lang, answer_errors) for q in _questions(arrangement)]
    return {
        "object": arrangement,
        "status_label": standing.STATE_LABELS[arrangement.status][1 if lang == "zh" else 0],
        "holder_province": province_label(arrangement.holder_province) if arrangement.holder_province else "—",
        "consent_provinces": [province_label(c) for c in arrangement.consent_province_list],
        "carry_over": [
            {
                "title": c["title_zh" if lang == "zh" else "title_en"],
                "detail": c["detail_zh" if lang == "zh" else "detail_en"],
                "awaits": c.get("awaits", ""),
            }
            for c in arrangement.carry_over
        ],
        "questions": questions,
        "consents": selectors.arrangement_consents(arrangement=arrangement),
        "latest": latest,
        "latest_data": latest_data,
        "determinations": selectors.arrangement_determinations(arrangement=arrangement),
        "forms": forms_,
        "fact_questions": fact_questions,
        "events": [{"e": e, "message": e.message(lang)} for e in selectors.arrangement_events(arrangement=arrangement)],
        "is_vaccine": arrangement.vaccine,
    }


def _get(request, pk):
    return selectors.arrangement_get(scope=scope_for(request.user), pk=pk)


@page_view
def arrangement_detail(request, pk):
    return render(request, "web/arrangement_detail.html", _detail_context(request, _get(request, pk)))


def _call(request, arrangement, action: str, data: dict):
    user = request.user
    calls = {
        "assess": lambda: standing.arrangement_assess(actor=user, arrangement=arrangement),
        "submit": lambda: standing.arrangement_submit(actor=user, arrangement=arrangement, password=data["password"]),
        "consent": lambda: standing.arrangement_consent(
            actor=user, arrangement=arrangement, give=True, comment=data["comment"], password=data["password"]
        ),
        "withhold_consent": lambda: standing.arrangement_consent(
            actor=user, arrangement=arrangement, give=False, comment=data["comment"], password=data["password"]
        ),
        "pass_review": lambda: standing.arrangement_review(
            actor=user, arrangement=arrangement, passed=True, comment=data["comment"], password=data["password"]
        ),
        "refuse": lambda: standing.arrangement_review(
            actor=user, arrangement=arrangement, passed=False, comment=data["comment"], password=data["password"]
        ),
        "nmpa_approve": lambda: standing.arrangement_nmpa_decide(
            actor=user, arrangement=arrangement, approve=True, reason=data["reason"], password=data["password"]
        ),
        "nmpa_reject": lambda: standing.arrangement_nmpa_decide(
            actor=user, arrangement=arrangement, approve=False, reason=data["reason"], password=data["password"]
        ),
        "record": lambda: standing.arrangement_record(
            actor=user, arrangement=arrangement, reference=data["reference"], password=data["password"]
        ),
    }
    return calls[action]


DONE = {
    "declare_facts": _("Facts declared; assess the arrangement again."),
    "assess": _("Arrangement assessed."),
    "submit": _("Arrangement submitted and signed."),
    "consent": _("Consent given and signed."),
    "withhold_consent": _("Consent withheld and signed."),
    "pass_review": _("Review passed and signed."),
    "refuse": _("Arrangement refused and signed."),
    "nmpa_approve": _("Approval recorded and signed."),
    "nmpa_reject": _("Rejection recorded and signed."),
    "record": _("Change recorded and signed."),
}


@require_POST
@page_view
def arrangement_action(request, pk, action):
    arrangement = _get(request, pk)
    if action not in FORMS:
        raise NotFound("page", action)
    step = standing.ARRANGEMENT_WORKFLOW.get(action)
    if not standing.ARRANGEMENT_WORKFLOW.actor_may(request.user, arrangement, step):
        raise PermissionDenied(step.label_en[:1].lower() + step.label_en[1:], step.label_zh)
    form = FORMS[action](request.POST)
    answer_errors = None
    if form.is_valid():
        if action == "declare_facts":
            questions = _questions(arrangement)
            try:
                updated = apply_answers(arrangement.case_facts, questions, request.POST)
            except AnswerErrors as exc:
                answer_errors = exc.in_language("zh" if is_zh() else "en")
                ok = False
            else:
                tops = {parse_path(q.path)[0] for q in questions}
                facts = {k: updated[k] for k in sorted(tops) if isinstance(k, str) and k in updated}
                ok, _result = run_service(
                    form,
                    lambda: standing.arrangement_facts_declare(
                        actor=request.user, arrangement=arrangement, facts=facts, reason=form.cleaned_data["reason"]
                    ),
                )
        else:
            ok, _result = run_service(form, _call(request, arrangement, action, form.cleaned_data))
        if ok:
            messages.success(request, str(DONE[action]))
            return redirect("web:arrangement-detail", pk=arrangement.pk)
    arrangement.refresh_from_db()
    context = _detail_context(request, arrangement, bound={action: form}, answer_errors=answer_errors)
    if action in context["forms"] or action == "declare_facts":
        context["forms"][action] = form
    context["open_action"] = action
    return render(request, "web/arrangement_detail.html", context, status=400)


@require_POST
@page_view
def arrangement_question_determine(request, pk, q_pk):
    arrangement = _get(request, pk)
    question = selectors.arrangement_question_get(arrangement=arrangement, pk=q_pk)
    form = DetermineForm(request.POST, question=question)
    if form.is_valid():
        d = form.cleaned_data
        ok, _result = run_service(
            form,
            lambda: standing.question_determine(
                actor=request.user,
                question=question,
                outcome=d["outcome"],
                determination=d["determination"],
                reasoning=d["reasoning"],
                password=d["password"],
            ),
        )
        if ok:
            messages.success(request, gettext("NMPA's determination recorded and signed."))
            return redirect("web:arrangement-detail", pk=arrangement.pk)
    arrangement.refresh_from_db()
    context = _detail_context(request, arrangement, bound={f"determine-{question.pk}": form})
    return render(request, "web/arrangement_detail.html", context, status=400)


STATUS_CHOICES = ArrangementStatus.choices
