"""API authentication: per-user tokens (create with the password, use, list without secrets, revoke) and the
web session (with CSRF on unsafe methods)."""

from __future__ import annotations

import pytest
from django.test import Client

from bioseg.accounts.models import ApiToken
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Authentication required: send 'Authorization: Bearer <token>' or log in.",
    "message_zh": "需要身份认证：请提供 'Authorization: Bearer <令牌>' 或先登录。",
    "details": {},
}
BAD_TOKEN = {
    "code": "not_authenticated",
    "message": "The API token is unknown, revoked or expired.",
    "message_zh": "API 令牌无效、已撤销或已过期。",
    "details": {},
}


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/me"),
        ("get", "/api/v1/regions"),
        ("get", "/api/v1/sites"),
        ("get", "/api/v1/products/1"),
        ("get", "/api/v1/products/1/history"),
        ("post", "/api/v1/products"),
    ],
)
def test_every_operation_needs_a_user(method, path):
    # enforce_csrf_checks: an anonymous POST is refused as unauthenticated, not as a CSRF failure.
    response = getattr(Client(enforce_csrf_checks=True), method)(path)
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == 'Bearer realm="bioseg"'


def test_token_create_use_list_revoke(world, client_for):
    session = client_for(world.js_inspector)
    response = session.post(
        "/api/v1/auth/tokens", {"name": "LIMS import", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert raw.startswith("bsg_")
    assert body["name"] == "LIMS import"
    assert body["prefix"] == raw[:12]
    assert body["revoked_at"] is None
    token = ApiToken.objects.get()
    assert token.id == body["id"]
    assert token.user_id == world.js_inspector.id
    assert raw not in {token.key_hash, token.prefix}  # only the hash is stored

    # The token alone authenticates, with no session.
    me = Client().get("/api/v1/me", **bearer(raw))
    assert me.status_code == 200
    assert me.json()["username"] == "js_inspector"

    listed = session.get("/api/v1/auth/tokens")
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()] == [token.id]
    assert "token" not in listed.json()[0]
    assert listed.json()[0]["prefix"] == raw[:12]
    assert listed.json()[0]["last_used_at"] is not None

    revoked = Client().delete(f"/api/v1/auth/tokens/{token.id}", **bearer(raw))
    assert revoked.status_code == 204
    assert revoked.content == b""
    token.refresh_from_db()
    assert token.revoked_at is not None

    after = Client().get("/api/v1/me", **bearer(raw))
    assert after.status_code == 401
    assert after.json() == BAD_TOKEN

    again = session.delete(f"/api/v1/auth/tokens/{token.id}")
    assert again.status_code == 404
    assert again.json()["code"] == "not_found"


def test_token_create_needs_the_password(world, client_for):
    response = client_for(world.holder_qa).post(
        "/api/v1/auth/tokens", {"name": "x", "password": "wrong password 1"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "reauthentication_failed",
        "message": "The password was not accepted: Wrong user name or password.",
        "message_zh": "密码未通过验证：用户名或密码错误。",
        "details": {"cause": "bad_credentials"},
    }
    assert ApiToken.objects.count() == 0


def test_a_user_cannot_revoke_someone_elses_token(world, client_for):
    response = client_for(world.holder_qa).post(
        "/api/v1/auth/tokens", {"name": "mine", "password": PASSWORD}, content_type="application/json"
    )
    token_id = response.json()["id"]
    other = client_for(world.cmo_qa).delete(f"/api/v1/auth/tokens/{token_id}")
    assert other.status_code == 404
    assert ApiToken.objects.get().revoked_at is None
    assert client_for(world.cmo_qa).get("/api/v1/auth/tokens").json() == []


def test_an_unknown_bearer_token_is_refused_even_with_a_session(world, client_for):
    response = client_for(world.holder_qa).get("/api/v1/me", **bearer("bsg_not-a-token"))
    assert response.status_code == 401
    assert response.json() == BAD_TOKEN


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.holder_qa)
    payload = {"name": "web", "password": PASSWORD}
    refused = client.post("/api/v1/auth/tokens", payload, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "csrf_failed",
        "message": "CSRF check failed: send the X-CSRFToken header with the session cookie.",
        "message_zh": "CSRF 校验失败：使用会话时请提供 X-CSRFToken 请求头。",
        "details": {},
    }
    assert ApiToken.objects.count() == 0

    assert client.get("/api/v1/me").status_code == 200  # safe methods need no CSRF token
    csrf = client.get("/api/v1/docs").cookies["csrftoken"].value
    accepted = client.post("/api/v1/auth/tokens", payload, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201
    assert ApiToken.objects.count() == 1


def test_token_writes_need_no_csrf_token(world, client_for):
    raw = (
        client_for(world.holder_qa)
        .post("/api/v1/auth/tokens", {"name": "cli", "password": PASSWORD}, content_type="application/json")
        .json()["token"]
    )
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/personnel",
        {"enterprise_id": world.suzhou.id, "name": "王芳", "roles": ["qa"]},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 201
    assert response.json()["name"] == "王芳"


def test_me(world, client_for):
    response = client_for(world.js_inspector).get("/api/v1/me")
    assert response.status_code == 200
    org = world.js_inspector.organisation
    assert response.json() == {
        "id": world.js_inspector.id,
        "username": "js_inspector",
        "printed_name": world.js_inspector.printed_name,
        "email": "",
        "organisation": {
            "id": org.id,
            "kind": "provincial_regulator",
            "name_zh": "Jiangsu MPA（中文）",
            "name_en": "Jiangsu MPA",
            "region_code": "320000",
            "country_code": "CN",
        },
        "roles": ["provincial_inspector"],
        "scope": {"kind": "provincial", "organisation_id": org.id, "region_code": "320000"},
    }


def test_a_first_token_from_username_and_password_without_a_session(world):
    client = Client(enforce_csrf_checks=True)  # no session, no CSRF token: a script
    payload = {"username": "js_inspector", "password": PASSWORD, "name": "LIMS import", "days_valid": 30}
    response = client.post("/api/v1/auth/tokens", payload, content_type="application/json")
    assert response.status_code == 201
    raw = response.json()["token"]
    assert ApiToken.objects.get().user_id == world.js_inspector.id
    assert Client().get("/api/v1/me", **bearer(raw)).json()["username"] == "js_inspector"


def test_a_first_token_keeps_the_lockout(world, settings):
    client = Client()
    wrong = {"username": "js_inspector", "password": "wrong", "name": "x"}
    for _ in range(settings.BIOSEG_LOCKOUT_THRESHOLD - 1):
        response = client.post("/api/v1/auth/tokens", wrong, content_type="application/json")
        assert response.status_code == 401
        assert response.json() == {
            "code": "bad_credentials",
            "message": "Wrong user name or password.",
            "message_zh": "用户名或密码错误。",
            "details": {},
        }
    locked = client.post("/api/v1/auth/tokens", wrong, content_type="application/json")
    assert locked.status_code == 403 and locked.json()["code"] == "account_locked"
    right = {"username": "js_inspector", "password": PASSWORD, "name": "x"}
    still = client.post("/api/v1/auth/tokens", right, content_type="application/json")
    assert still.status_code == 403 and still.json()["code"] == "account_locked"
    unknown = client.post(
        "/api/v1/auth/tokens", {"username": "nobody", "password": "x", "name": "x"}, content_type="application/json"
    )
    assert unknown.status_code == 401 and unknown.json()["code"] == "bad_credentials"
    assert ApiToken.objects.count() == 0


def test_without_a_session_the_username_is_required(world):
    response = Client().post(
        "/api/v1/auth/tokens", {"name": "x", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["details"]["fields"] == {
        "username": {
            "message": "Without a session or a token, send your username with your password.",
            "message_zh": "未登录且未使用令牌时，请同时提供用户名和密码。",
        }
    }
    assert ApiToken.objects.count() == 0


def test_a_signed_in_user_cannot_create_a_token_for_someone_else(world, client_for):
    payload = {"username": "suzhou_qa", "password": PASSWORD, "name": "x"}
    response = client_for(world.js_inspector).post("/api/v1/auth/tokens", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["details"]["fields"]["username"]["message_zh"] == (
        "令牌只能为当前用户创建：请省略用户名，或填写您本人的用户名。"
    )
    assert ApiToken.objects.count() == 0
