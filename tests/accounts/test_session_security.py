"""Idle expiry without a write per request, tokens of locked accounts, and the security headers."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bioseg.accounts.middleware import TOUCH_KEY
from bioseg.accounts.models import ApiToken, User
from bioseg.accounts.roles import Role
from bioseg.accounts.services import api_token_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(make_user) -> tuple[Client, User]:
    user = make_user(Role.HOLDER_QA, username="idle_qa", password=PASSWORD)
    client = Client()
    assert client.post("/login/", {"username": "idle_qa", "password": PASSWORD}).status_code == 302
    return client, user


def _session_writes(queries) -> list[str]:
    return [
        q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_the_idle_timeout_is_thirty_minutes_by_default(settings):
    assert settings.BIOSEG_IDLE_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is False


def test_reads_within_a_minute_do_not_write_the_session(make_user):
    client, _ = _login(make_user)
    client.get("/")  # first request after login stamps the touch time
    key = client.session.session_key
    expiry = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        for url in ["/", "/lots/", "/", "/sites/"]:
            assert client.get(url).status_code == 200
    assert _session_writes(queries.captured_queries) == []
    assert Session.objects.get(session_key=key).expire_date == expiry


def test_a_request_after_the_touch_interval_renews_the_expiry(make_user):
    client, _ = _login(make_user)
    client.get("/")
    session = client.session
    session[TOUCH_KEY] = int(time.time()) - 61
    session.save()
    key = session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    assert client.get("/").status_code == 200
    renewed = Session.objects.get(session_key=key).expire_date
    left = (renewed - timezone.now()).total_seconds()
    assert 1790 <= left <= 1800


def test_an_idle_session_is_gone_and_the_next_request_asks_for_login(make_user):
    client, _ = _login(make_user)
    client.get("/")
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/lots/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/lots/"


def test_a_locked_accounts_tokens_stop_working_and_work_again_after(make_user):
    user = make_user(Role.HOLDER_QA, username="tok_qa", password=PASSWORD)
    _, raw = api_token_create(user=user, name="script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert Client().get("/api/v1/me", **auth).status_code == 200
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=15))
    refused = Client().get("/api/v1/me", **auth)
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert Client().get("/api/v1/me", **auth).json()["username"] == "tok_qa"


def test_token_use_is_recorded_at_most_once_a_minute(make_user):
    user = make_user(Role.HOLDER_QA, username="tok_qa2", password=PASSWORD)
    token, raw = api_token_create(user=user, name="script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    Client().get("/api/v1/me", **auth)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert Client().get("/api/v1/me", **auth).status_code == 200
    assert [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")] == []
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(seconds=61))
    Client().get("/api/v1/me", **auth)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_pages_carry_the_security_headers(client, db):
    response = client.get("/login/")
    assert response["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    api = client.get("/api/v1/me")
    assert "Content-Security-Policy" not in api
