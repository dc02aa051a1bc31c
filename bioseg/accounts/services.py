"""Every write to accounts: organisations, users, roles, login with lockout, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction

from bioseg.accounts.models import ApiToken, LoginThrottle, Membership, Organisation, User
from bioseg.accounts.roles import ROLES_BY_KIND, OrganisationKind, Role
from bioseg.common import clock
from bioseg.common.errors import ApplicationError, ValidationFailed
from bioseg.common.regions import is_country_code, is_province_code

TOKEN_PREFIX = "bsg_"


def organisation_create(
    *, kind: str, name_zh: str, name_en: str, region_code: str = "", country_code: str = "CN"
) -> Organisation:
    errors: dict[str, tuple[str, str]] = {}
    if kind not in OrganisationKind.values:
        errors["kind"] = (f"Unknown organisation kind {kind!r}.", f"未知的机构类型 {kind!r}。")
    if not name_zh.strip() or not name_en.strip():
        errors["name"] = (
            "Both the Chinese and the English name are required.",
            "中文名称和英文名称均为必填项。",
        )
    if region_code and not is_province_code(region_code):
        errors["region_code"] = (
            f"{region_code!r} is not a GB/T 2260 provincial code.",
            f"{region_code!r} 不是 GB/T 2260 省级行政区划代码。",
        )
    if kind == OrganisationKind.PROVINCIAL_REGULATOR and not region_code:
        errors["region_code"] = (
            "A provincial regulator needs its province.",
            "省级药监部门必须指定所辖省份。",
        )
    if not is_country_code(country_code):
        errors["country_code"] = (
            f"{country_code!r} is not an ISO 3166-1 alpha-2 code.",
            f"{country_code!r} 不是 ISO 3166-1 二字母国家代码。",
        )
    if errors:
        raise ValidationFailed(errors)
    org, _ = Organisation.objects.get_or_create(
        kind=kind,
        name_en=name_en.strip(),
        defaults={"name_zh": name_zh.strip(), "region_code": region_code, "country_code": country_code},
    )
    return org


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    organisation: Organisation,
    roles: list[str],
    printed_name: str,
    email: str = "",
) -> User:
    errors: dict[str, tuple[str, str]] = {}
    if User.objects.filter(username=username).exists():
        errors["username"] = (f"The user name {username!r} is taken.", f"用户名 {username!r} 已被占用。")
    allowed = ROLES_BY_KIND.get(organisation.kind, set())
    for role in roles:
        if role not in Role.values:
            errors["roles"] = (f"Unknown role {role!r}.", f"未知角色 {role!r}。")
        elif role not in allowed:
            errors["roles"] = (
                f"The role {role!r} does not belong to a {organisation.kind} organisation.",
                f"角色 {role!r} 不适用于此类机构（{organisation.kind}）。",
            )
    if not roles:
        errors["roles"] = ("A user needs at least one role.", "用户至少需要一个角色。")
    try:
        validate_password(password)
    except ValidationError as exc:
        errors["password"] = (" ".join(exc.messages), "密码不符合要求：" + " ".join(exc.messages))
    if errors:
        raise ValidationFailed(errors)
    user = User(username=username, organisation=organisation, printed_name=printed_name, email=email)
    user.set_password(password)
    user.is_staff = Role.SYSTEM_ADMIN in roles
    user.save()
    Membership.objects.bulk_create([Membership(user=user, role=r) for r in sorted(set(roles))])
    return user


class AccountLocked(ApplicationError):
    status = 403

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(
            "account_locked",
            f"Too many failed attempts: sign-in from here is locked until {until:%Y-%m-%d %H:%M} UTC "
            "(an administrator can lift it: bioseg unlock USER).",
            f"失败次数过多：从此处登录已锁定至 {until:%Y-%m-%d %H:%M}（UTC）（管理员可解除：bioseg unlock 用户名）。",
            details={"locked_until": until.isoformat()},
            status=403,
        )


class BadCredentials(ApplicationError):
    status = 401

    def __init__(self) -> None:
        super().__init__("bad_credentials", "Wrong user name or password.", "用户名或密码错误。", status=401)


MAX_BACKOFF = dt.timedelta(days=1)


def _backoff(failures: int) -> dt.timedelta | None:
    over = failures - settings.BIOSEG_LOCKOUT_THRESHOLD
    if over < 0:
        return None
    return min(dt.timedelta(minutes=settings.BIOSEG_LOCKOUT_MINUTES) * (2 ** min(over, 16)), MAX_BACKOFF)


def user_check_password(*, username: str, password: str, source: str = "") -> User:
    """Checks a password with a back-off per (user name, source): after BIOSEG_LOCKOUT_THRESHOLD consecutive
    failures from one source that source waits (even with the right password), doubling per further failure.
    Every name — existing or not — is counted and answered alike, and the password hash is computed on every
    path, so neither the answer nor its timing tells whether a user name exists. An administrator's lock
    (``User.locked_until``) refuses every source. Raises on refusal."""
    now = clock.now()
    name = (username or "")[:150]
    source = (source or "")[:64]
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=name).first()
        if user is not None and user.is_active:
            correct = user.check_password(password)
        else:
            User().set_password(password)  # same cost as a real check
            correct = False
        throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(username=name.lower(), source=source)
        if throttle.locked_until and throttle.locked_until > now:
            raise AccountLocked(throttle.locked_until)
        if user is not None and user.locked_until and user.locked_until > now and user.is_active:
            raise AccountLocked(user.locked_until)
        if correct:
            throttle.delete()
            if user.failed_login_count:
                User.objects.filter(pk=user.pk).update(failed_login_count=0)
                user.failed_login_count = 0
            return user
        throttle.failures += 1
        wait = _backoff(throttle.failures)
        throttle.locked_until = now + wait if wait else None
        throttle.save()
        if user is not None:
            User.objects.filter(pk=user.pk).update(failed_login_count=models.F("failed_login_count") + 1)
    if throttle.locked_until:
        raise AccountLocked(throttle.locked_until)
    raise BadCredentials()


def user_unlock(*, username: str) -> int:
    """An administrator lifts every sign-in lock of a user name (all sources) and an administrator's lock;
    returns how many locks were lifted."""
    with transaction.atomic():
        lifted = LoginThrottle.objects.filter(username=username.lower(), locked_until__isnull=False).count()
        LoginThrottle.objects.filter(username=username.lower()).delete()
        lifted += User.objects.filter(username=username, locked_until__isnull=False).update(
            locked_until=None, failed_login_count=0
        )
    return lifted


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, user: User, name: str, days_valid: int | None = 90) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token; the raw token is never stored and cannot be shown again."""
    if not name.strip():
        raise ValidationFailed({"name": ("A token needs a name.", "令牌需要名称。")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = clock.now() + dt.timedelta(days=days_valid) if days_valid else None
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=raw[:12], key_hash=_hash_token(raw), expires_at=expires
    )
    return token, raw


def api_token_authenticate(*, raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_hash=_hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    now = clock.now()
    if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.user.locked_until and token.user.locked_until > now:
        return None  # a locked account's tokens stop working with it
    touch = dt.timedelta(seconds=settings.BIOSEG_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or now - token.last_used_at >= touch:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most once per interval: no write per call
    return token.user


def api_token_revoke(*, user: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    if not updated:
        from bioseg.common.errors import NotFound

        raise NotFound("API token", token_id)
