"""Sign in and out, wrong passwords, lockout, and that every page needs a signed-in user."""

from __future__ import annotations

import pytest
from django.test import Client

from bioseg.accounts.models import LoginThrottle, User
from bioseg.accounts.roles import Role

PAGES = ["/", "/enterprises/", "/sites/", "/products/", "/personnel/", "/sites/new/", "/products/new/", "/audit/"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


def test_anonymous_object_pages_redirect_too(client, world):
    for url in [f"/sites/{world.innovator_site.pk}/", f"/sites/{world.innovator_site.pk}/history/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_login_page_has_the_test_hooks(client, db):
    response = client.get("/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_username"' in html
    assert 'id="id_password"' in html
    assert 'data-testid="login-submit"' in html
    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html


def test_login_then_logout(client, make_user, page):
    user = make_user(Role.HOLDER_QA, username="alice", password=page.password)
    response = client.post("/login/", {"username": "alice", "password": page.password})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert 'data-testid="current-user">Test User 1<' in page.content.decode()
    assert int(client.session["_auth_user_id"]) == user.pk

    assert client.get("/logout/").status_code == 405  # logging out is a POST
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_login_follows_next(client, make_user, page):
    make_user(Role.NMPA_OFFICER, username="nmpa1", password=page.password)
    response = client.post(
        "/login/?next=/products/", {"username": "nmpa1", "password": page.password, "next": "/products/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/products/"


def test_wrong_password_shows_the_error_and_counts(client, make_user, page):
    user = make_user(Role.HOLDER_QA, username="bob", password=page.password)
    response = client.post("/login/", {"username": "bob", "password": "wrong password 1"})
    assert response.status_code == 200
    assert "用户名或密码错误。" in page.text(response)
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.failed_login_count == 1


def test_wrong_password_in_english(client, make_user, page):
    make_user(Role.HOLDER_QA, username="bob", password=page.password)
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.post("/login/", {"username": "bob", "password": "wrong password 1"})
    assert "Wrong user name or password." in page.text(response)
    assert "用户名或密码错误" not in page.text(response)


def test_unknown_user_gets_the_same_error(client, db, page):
    response = client.post("/login/", {"username": "nobody", "password": "whatever it is"})
    assert response.status_code == 200
    assert "用户名或密码错误。" in page.text(response)


def test_lockout_after_five_failures_even_with_the_right_password(client, make_user, page):
    user = make_user(Role.HOLDER_QA, username="carol", password=page.password)
    for _ in range(4):
        response = client.post("/login/", {"username": "carol", "password": "not the password"})
        assert "用户名或密码错误。" in page.text(response)
    response = client.post("/login/", {"username": "carol", "password": "not the password"})
    assert "失败次数过多：从此处登录已锁定至" in page.text(response)
    user.refresh_from_db()
    assert user.failed_login_count == 5
    assert user.locked_until is None  # the source is locked, not the account
    throttle = LoginThrottle.objects.get(username="carol", source="127.0.0.1")

    response = client.post("/login/", {"username": "carol", "password": page.password})
    assert response.status_code == 200
    until = f"{throttle.locked_until:%Y-%m-%d %H:%M}"
    assert f"失败次数过多：从此处登录已锁定至 {until}（UTC）（管理员可解除：bioseg unlock 用户名）。" in page.text(
        response
    )
    assert 'data-testid="login-error"' in response.content.decode()
    assert "_auth_user_id" not in client.session

    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.post("/login/", {"username": "carol", "password": page.password})
    assert (
        f"Too many failed attempts: sign-in from here is locked until {until} UTC "
        "(an administrator can lift it: bioseg unlock USER)." in page.text(response)
    )
    # Another workstation signs in.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post("/login/", {"username": "carol", "password": page.password}).status_code == 302


def test_inactive_user_cannot_sign_in(client, make_user, page):
    user = make_user(Role.HOLDER_QA, username="dave", password=page.password)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.post("/login/", {"username": "dave", "password": page.password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_session_expires(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # idle expiry; see tests/accounts/test_session_security.py
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
