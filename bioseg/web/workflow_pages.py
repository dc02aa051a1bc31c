"""What every record page with a workflow shares: the forms of the steps the user may take now, and the POST of
one step (403 for a person who may not, the service's refusal on the form, a redirect to the record when done)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.shortcuts import redirect

from bioseg.common.errors import NotFound
from bioseg.common.workflow import Workflow
from bioseg.web.forms import run_service


@dataclass(frozen=True)
class StepPage:
    form: type[forms.Form]
    call: Callable[[Any, Any, dict], Any]  # (user, subject, cleaned data) -> result
    done: Any  # the success message (lazy text)


def step_forms(workflow: Workflow, user, subject, pages: dict[str, StepPage], bound: dict | None = None) -> list[dict]:
    """``[{"step", "form"}]`` for the steps ``user`` may take on ``subject`` now that have a page."""
    return [
        {"step": s, "form": (bound or {}).get(s.action) or pages[s.action].form(prefix=s.action)}
        for s in workflow.allowed_steps(user, subject)
        if s.action in pages
    ]


def post_step(request, workflow: Workflow, subject, action: str, pages: dict[str, StepPage], *, detail, url_name: str):
    """Runs one step from its form; on a refusal, ``detail(request, subject, {action: form}, status=400)``."""
    if action not in pages:
        raise NotFound("page", action)
    if request.method != "POST":
        return redirect(url_name, pk=subject.pk)
    workflow.check_actor(request.user, subject, action)  # 403 for a person who may not
    page = pages[action]
    form = page.form(request.POST, prefix=action)
    if form.is_valid():
        ok, _result = run_service(form, lambda: page.call(request.user, subject, dict(form.cleaned_data)))
        if ok:
            messages.success(request, str(page.done))
            return redirect(url_name, pk=subject.pk)
    subject.refresh_from_db()
    return detail(request, subject, {action: form}, status=400)
