"""Who am I, and my API tokens. A token is shown once, when created; creating one needs the password."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from bioseg.accounts import services
from bioseg.api.auth import SessionAuth, TokenAuth
from bioseg.api.errors import ERRORS
from bioseg.common.errors import ApplicationError, ValidationFailed
from bioseg.registry.scope import scope_for

router = Router(tags=["accounts"])


class OrganisationOut(Schema):
    id: int
    kind: str
    name_zh: str
    name_en: str
    region_code: str
    country_code: str


class ScopeOut(Schema):
    kind: str = Field(description="national | provincial | enterprise | none")
    organisation_id: int | None
    region_code: str


class MeOut(Schema):
    id: int
    username: str
    printed_name: str
    email: str
    organisation: OrganisationOut | None
    roles: list[str]
    scope: ScopeOut


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="What the token is for, e.g. 'LIMS import'.")
    password: str = Field(description="Your password, re-entered.")
    days_valid: int = Field(90, ge=1, le=365)
    username: str | None = Field(
        None,
        description="Your user name: needed (only) without a session or a token — how a script gets its first "
        "token. The password is checked with the same lockout as the login page.",
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself. Shown only now: store it safely.")


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The calling user, their roles and scope")
def me(request: HttpRequest):
    user = request.user
    scope = scope_for(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "printed_name": user.printed_name,
        "email": user.email,
        "organisation": user.organisation,
        "roles": sorted(user.roles),
        "scope": {"kind": scope.kind, "organisation_id": scope.organisation_id, "region_code": scope.region_code},
    }


class ReauthenticationFailed(ApplicationError):
    status = 403


def credentials_in_body(request: HttpRequest) -> Any:
    """The last auth of ``POST /auth/tokens``: a request with neither a session nor a bearer token may still
    create a token by sending username and password (checked by the handler, with the lockout)."""
    user = getattr(request, "user", None)
    if request.headers.get("Authorization") or (user is not None and user.is_authenticated):
        return None
    return "credentials"


@router.post(
    "/auth/tokens",
    response={201: NewTokenOut, **ERRORS},
    auth=[TokenAuth(), SessionAuth(), credentials_in_body],
    summary="Create an API token (password needed; with username, no session needed)",
)
def token_create(request: HttpRequest, payload: TokenIn):
    if request.auth == "credentials":  # no session, no token: the user name and password are the credentials
        if not payload.username:
            raise ValidationFailed(
                {
                    "username": (
                        "Without a session or a token, send your username with your password.",
                        "未登录且未使用令牌时，请同时提供用户名和密码。",
                    )
                }
            )
        # Wrong credentials are a 401 bad_credentials, a locked account a 403 account_locked (as on the login page).
        user = services.user_check_password(
            username=payload.username, password=payload.password, source=request.META.get("REMOTE_ADDR", "")
        )
        token, raw = services.api_token_create(user=user, name=payload.name, days_valid=payload.days_valid)
        token.token = raw
        return Status(201, token)
    if payload.username is not None and payload.username != request.user.get_username():
        raise ValidationFailed(
            {
                "username": (
                    "A token is created for the calling user: leave username out, or give your own.",
                    "令牌只能为当前用户创建：请省略用户名，或填写您本人的用户名。",
                )
            }
        )
    try:
        services.user_check_password(
            username=request.user.get_username(), password=payload.password, source=request.META.get("REMOTE_ADDR", "")
        )
    except ApplicationError as exc:
        raise ReauthenticationFailed(
            "reauthentication_failed",
            "The password was not accepted: " + exc.message,
            "密码未通过验证：" + exc.message_zh,
            details={"cause": exc.code},
        ) from exc
    token, raw = services.api_token_create(user=request.user, name=payload.name, days_valid=payload.days_valid)
    token.token = raw
    return Status(201, token)


@router.get("/auth/tokens", response={200: list[TokenOut], **ERRORS}, summary="Your API tokens (no secrets)")
def token_list(request: HttpRequest):
    return request.user.api_tokens.order_by("-created_at", "-id")


@router.delete("/auth/tokens/{int:id}", response={204: None, **ERRORS}, summary="Revoke one of your API tokens")
def token_revoke(request: HttpRequest, id: int):
    services.api_token_revoke(user=request.user, token_id=id)
    return Status(204, None)
