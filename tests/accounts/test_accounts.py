from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.hashers import identify_hasher

from bioseg.accounts.models import ApiToken, LoginThrottle, Membership, Organisation, User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import (
    AccountLocked,
    BadCredentials,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    organisation_create,
    user_check_password,
    user_create,
    user_unlock,
)
from bioseg.audit.context import audit_context
from bioseg.common.errors import NotFound, ValidationFailed
from bioseg.registry.scope import scope_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2(make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = make_user(Role.HOLDER_QA)
    assert identify_hasher(user.password).algorithm == "argon2"


def test_five_failures_from_one_source_lock_it_even_for_the_right_password(make_user, settings):
    user = make_user(Role.HOLDER_QA, username="qa")
    for _ in range(settings.BIOSEG_LOCKOUT_THRESHOLD - 1):
        with pytest.raises(BadCredentials):
            user_check_password(username="qa", password="wrong", source="10.0.0.9")
    with pytest.raises(AccountLocked) as exc:
        user_check_password(username="qa", password="wrong", source="10.0.0.9")
    assert exc.value.code == "account_locked" and exc.value.status == 403
    with pytest.raises(AccountLocked):
        user_check_password(username="qa", password=PASSWORD, source="10.0.0.9")
    user.refresh_from_db()
    assert (user.failed_login_count, user.locked_until) == (settings.BIOSEG_LOCKOUT_THRESHOLD, None)
    # The QP at her own workstation is not locked out by someone guessing elsewhere.
    assert user_check_password(username="qa", password=PASSWORD, source="10.0.0.1").pk == user.pk
    # Once the wait has passed the right password works again from the guessing source too.
    LoginThrottle.objects.filter(username="qa", source="10.0.0.9").update(
        locked_until=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    assert user_check_password(username="qa", password=PASSWORD, source="10.0.0.9").pk == user.pk
    assert LoginThrottle.objects.filter(username="qa").count() == 0
    user.refresh_from_db()
    assert (user.failed_login_count, user.locked_until) == (0, None)


def test_each_further_failure_doubles_the_wait_up_to_a_day(make_user, settings):
    make_user(Role.HOLDER_QA, username="qa")
    waits = []
    for _ in range(settings.BIOSEG_LOCKOUT_THRESHOLD + 12):
        LoginThrottle.objects.filter(username="qa").update(locked_until=None)  # as if the wait had passed
        with pytest.raises((BadCredentials, AccountLocked)):
            user_check_password(username="qa", password="wrong", source="s")
        row = LoginThrottle.objects.get(username="qa", source="s")
        waits.append(round((row.locked_until - row.updated_at).total_seconds() / 60) if row.locked_until else 0)
    assert waits[: settings.BIOSEG_LOCKOUT_THRESHOLD + 8] == [0, 0, 0, 0, 15, 30, 60, 120, 240, 480, 960, 1440, 1440]
    assert set(waits[settings.BIOSEG_LOCKOUT_THRESHOLD + 6 :]) == {1440}


def test_unknown_names_are_locked_alike_so_the_answer_tells_nothing(make_user, settings):
    make_user(Role.HOLDER_QA, username="qa")
    answers = {}
    for name in ("qa", "nobody"):
        codes = []
        for _ in range(settings.BIOSEG_LOCKOUT_THRESHOLD + 1):
            try:
                user_check_password(username=name, password="wrong", source="s")
            except (BadCredentials, AccountLocked) as exc:
                codes.append(exc.code)
        answers[name] = codes
    assert answers["qa"] == answers["nobody"] == ["bad_credentials"] * 4 + ["account_locked"] * 2


def test_an_administrator_lock_refuses_every_source_and_unlock_lifts_everything(make_user):
    user = make_user(Role.HOLDER_QA, username="qa")
    User.objects.filter(pk=user.pk).update(locked_until=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))
    for source in ("a", "b"):
        with pytest.raises(AccountLocked):
            user_check_password(username="qa", password=PASSWORD, source=source)
    for _ in range(5):
        with pytest.raises((BadCredentials, AccountLocked)):
            user_check_password(username="qa", password="wrong", source="c")
    assert user_unlock(username="qa") == 1
    assert user_check_password(username="qa", password=PASSWORD, source="a").pk == user.pk
    assert LoginThrottle.objects.filter(username="qa").count() == 0


def test_a_success_resets_the_failure_count(make_user):
    make_user(Role.HOLDER_QA, username="qa")
    with pytest.raises(BadCredentials):
        user_check_password(username="qa", password="wrong")
    user_check_password(username="qa", password=PASSWORD)
    assert User.objects.get(username="qa").failed_login_count == 0


def test_unknown_user_gets_the_same_error_as_a_wrong_password():
    with pytest.raises(BadCredentials) as exc:
        user_check_password(username="nobody", password="x")
    assert exc.value.as_dict() == {
        "code": "bad_credentials",
        "message": "Wrong user name or password.",
        "message_zh": "用户名或密码错误。",
        "details": {},
    }


def test_roles_must_fit_the_organisation_kind_and_nothing_is_written_on_refusal():
    with audit_context(actor="setup"):
        org = organisation_create(
            kind=OrganisationKind.PROVINCIAL_REGULATOR,
            name_zh="江苏省药监局",
            name_en="Jiangsu MPA",
            region_code="320000",
        )
    with pytest.raises(ValidationFailed) as exc:
        user_create(username="x", password=PASSWORD, organisation=org, roles=[Role.CMO_QA], printed_name="X")
    assert list(exc.value.details["fields"]) == ["roles"]
    assert (User.objects.count(), Membership.objects.count()) == (0, 0)


def test_weak_password_and_taken_username_are_refused(make_user):
    u = make_user(Role.HOLDER_QA, username="taken")
    with pytest.raises(ValidationFailed) as exc:
        user_create(
            username="taken",
            password="short",
            organisation=u.organisation,
            roles=[Role.HOLDER_QA],
            printed_name="Y",
        )
    assert sorted(exc.value.details["fields"]) == ["password", "username"]
    assert User.objects.count() == 1


def test_organisation_codes_are_validated():
    with pytest.raises(ValidationFailed) as exc:
        organisation_create(
            kind="provincial_regulator",
            name_zh="某局",
            name_en="Some MPA",
            region_code="329999",
            country_code="XX",
        )
    assert sorted(exc.value.details["fields"]) == ["country_code", "region_code"]
    assert Organisation.objects.count() == 0


def test_scope_follows_the_organisation(make_user):
    assert scope_for(make_user(Role.NMPA_OFFICER)).kind == "national"
    assert scope_for(make_user(Role.SYSTEM_ADMIN)).kind == "national"
    s = scope_for(make_user(Role.PROVINCIAL_INSPECTOR))
    assert (s.kind, s.region_code) == ("provincial", "320000")
    assert scope_for(make_user(Role.CMO_QA)).kind == "enterprise"
    assert scope_for(None).kind == "none"


def test_api_tokens_are_stored_hashed_work_expire_and_can_be_revoked(make_user):
    user = make_user(Role.HOLDER_RA)
    token, raw = api_token_create(user=user, name="ci")
    assert raw.startswith("bsg_") and raw not in token.key_hash and len(token.key_hash) == 64
    assert api_token_authenticate(raw=raw).pk == user.pk
    assert api_token_authenticate(raw=raw + "x") is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert api_token_authenticate(raw=raw) is None
    token2, raw2 = api_token_create(user=user, name="other")
    api_token_revoke(user=user, token_id=token2.pk)
    assert api_token_authenticate(raw=raw2) is None
    with pytest.raises(NotFound):
        api_token_revoke(user=user, token_id=token2.pk)
