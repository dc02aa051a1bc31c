"""Every write to accounts: organisations, users, roles, login with lockout, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from bioseg.accounts.models import ApiToken, Membership, Organisation, User
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
            f"Too many failed attempts: the account is locked until {until:%Y-%m-%d %H:%M} UTC.",
            f"失败次数过多：账户已锁定至 {until:%Y-%m-%d %H:%M}（UTC）。",
            details={"locked_until": until.isoformat()},
            status=403,
        )


class BadCredentials(ApplicationError):
    status = 401

    def __init__(self) -> None:
        super().__init__("bad_credentials", "Wrong user name or password.", "用户名或密码错误。", status=401)


def user_check_password(*, username: str, password: str) -> User:
    """Checks a password with lockout: after BIOSEG_LOCKOUT_THRESHOLD consecutive failures the account is
    locked for BIOSEG_LOCKOUT_MINUTES, even for the right password. Raises on refusal."""
    now = clock.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None or not user.is_active:
            User().set_password(password)  # same cost as a real check: no timing oracle for user names
            raise BadCredentials()
        if user.locked_until and user.locked_until > now:
            raise AccountLocked(user.locked_until)
        if user.check_password(password):
            if user.failed_login_count or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
                user.failed_login_count, user.locked_until = 0, None
            return user
        failures = user.failed_login_count + 1
        locked_until = None
        if failures >= settings.BIOSEG_LOCKOUT_THRESHOLD:
            locked_until = now + dt.timedelta(minutes=settings.BIOSEG_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(failed_login_count=failures, locked_until=locked_until)
    if locked_until:
        raise AccountLocked(locked_until)
    raise BadCredentials()


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
