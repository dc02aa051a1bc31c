"""One error shape for every answer the API refuses: ``{code, message, message_zh, details}``.

- ``ApplicationError`` (and its subclasses NotFound, PermissionDenied, ValidationFailed …) → its own status;
- ninja's request ``ValidationError`` (the input does not match the schema) → 422 ``validation_error``
  with ``details.fields`` keyed by the dotted location of each bad field;
- authentication failures → 401 ``not_authenticated``; other ninja ``HttpError`` → its status;
- unknown routes → 404 ``not_found``; a known route with the wrong method → 405 ``method_not_allowed``;
- anything unexpected → 500 ``internal_error`` with the request id and no stack trace (the trace is logged).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from bioseg.api.auth import BadToken
from bioseg.common.errors import ApplicationError, ValidationFailed

logger = logging.getLogger("bioseg.api")

CONTENT_TYPE = "application/json; charset=utf-8"


class ErrorOut(Schema):
    code: str
    message: str
    message_zh: str
    details: dict[str, Any]


# Documented on every operation (the handlers below produce them, not the views).
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def error_body(code: str, message: str, message_zh: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "message_zh": message_zh, "details": details or {}}


def json_error(status: int, code: str, message: str, message_zh: str, details: dict | None = None) -> HttpResponse:
    body = json.dumps(error_body(code, message, message_zh, details), ensure_ascii=False)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPE)


def _request_id(request: HttpRequest) -> str:
    return getattr(request, "request_id", "") or ""


# --- validation errors of the request schema -------------------------------------------------------

_ZH_BY_TYPE = {
    "missing": "此字段为必填项。",
    "extra_forbidden": "不允许提交此字段。",
    "int_parsing": "应为整数。",
    "int_from_float": "应为整数。",
    "float_parsing": "应为数字。",
    "bool_parsing": "应为布尔值（true/false）。",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）。",
    "date_parsing": "应为日期（YYYY-MM-DD）。",
    "datetime_parsing": "应为日期时间（ISO 8601）。",
    "datetime_from_date_parsing": "应为日期时间（ISO 8601）。",
    "decimal_parsing": "应为数字。",
    "string_type": "应为字符串。",
    "list_type": "应为列表。",
    "dict_type": "应为对象。",
    "model_type": "应为对象。",
    "json_invalid": "请求体不是有效的 JSON。",
}

# Types whose Chinese message repeats the limit or the allowed values from the error's context.
_ZH_WITH_CONTEXT = {
    "less_than_equal": ("le", "数值过大（不得大于 {}）。"),
    "less_than": ("lt", "数值过大（须小于 {}）。"),
    "greater_than_equal": ("ge", "数值过小（不得小于 {}）。"),
    "greater_than": ("gt", "数值过小（须大于 {}）。"),
    "string_too_short": ("min_length", "内容过短（至少 {} 个字符）。"),
    "string_too_long": ("max_length", "内容过长（至多 {} 个字符）。"),
    "too_short": ("min_length", "条目过少（至少 {} 项）。"),
    "too_long": ("max_length", "条目过多（至多 {} 项）。"),
    "literal_error": ("expected", "应为以下值之一：{}。"),
    "enum": ("expected", "应为以下值之一：{}。"),
}


def _zh_list_of_values(expected: str) -> str:
    """Pydantic's "'a', 'b' or 'c'" as "'a'、'b'、'c'"."""
    return expected.replace(" or ", "、").replace(", ", "、")


def zh_validation_message(err: dict[str, Any]) -> str:
    """The Chinese message of one pydantic error: never the English text inside Chinese."""
    etype = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if etype in _ZH_WITH_CONTEXT:
        key, template = _ZH_WITH_CONTEXT[etype]
        if key in ctx:
            value = str(ctx[key])
            return template.format(_zh_list_of_values(value) if key == "expected" else value)
    return _ZH_BY_TYPE.get(etype, "值无效。")


# ninja prefixes each location with its source ("body", "query", "path") and, for a body, the name of
# the view's parameter — neither is a field the client sent.
_BODY_PARAMS = {"payload", "data"}


def _field_key(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in _BODY_PARAMS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_error_response(errors: list[dict[str, Any]]) -> HttpResponse:
    fields: dict[str, dict[str, str]] = {}
    listed = []
    for err in errors:
        key = _field_key(err.get("loc", ()))
        msg = str(err.get("msg", "Invalid value."))
        etype = str(err.get("type", ""))
        zh = zh_validation_message(err)
        fields.setdefault(key, {"message": msg, "message_zh": zh})
        listed.append({"loc": [str(p) for p in err.get("loc", ())], "type": etype, "message": msg})
    names = ", ".join(sorted(fields))
    return json_error(
        422,
        "validation_error",
        f"Invalid input: {names}.",
        f"输入无效：{names}。",
        {"fields": fields, "errors": listed},
    )


def check_choice(field: str, value: str | None, choices) -> None:
    """A filter or field value outside its controlled list is a 400 ``validation_error`` naming the field —
    never an empty list that looks like "nothing matches"."""
    if value is not None and value not in choices:
        allowed = sorted(str(c) for c in choices)
        raise ValidationFailed(
            {
                field: (
                    f"{value!r} is not one of {', '.join(allowed)}.",
                    f"{value!r} 不是可选值，可选值为：{'、'.join(allowed)}。",
                )
            }
        )


def choice_filter(field: str, choices, column: str | None = None):
    """A ``FilterSchema`` method that checks the value against ``choices`` and filters ``column`` (default:
    the field) by equality: ``filter_category = choice_filter("category", Category.values)``."""
    from django.db.models import Q

    def method(self, value: str | None) -> Q:
        if value is None:
            return Q()
        check_choice(field, value, choices)
        return Q(**{column or field: value})

    return method


# --- handlers ---------------------------------------------------------------------------------------


def _on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return json_error(exc.status, exc.code, exc.message, exc.message_zh, exc.details)


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return validation_error_response(exc.errors)


def _on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return not_authenticated("bad_token" if isinstance(exc, BadToken) else "")


def not_authenticated(reason: str = "") -> HttpResponse:
    en = "Authentication required: send 'Authorization: Bearer <token>' or log in."
    zh = "需要身份认证：请提供 'Authorization: Bearer <令牌>' 或先登录。"
    if reason == "bad_token":
        en = "The API token is unknown, revoked or expired."
        zh = "API 令牌无效、已撤销或已过期。"
    response = json_error(401, "not_authenticated", en, zh)
    response["WWW-Authenticate"] = 'Bearer realm="bioseg"'
    return response


_HTTP_CODES = {
    400: ("bad_request", "Bad request.", "请求无效。"),
    401: ("not_authenticated", "Authentication required.", "需要身份认证。"),
    403: ("permission_denied", "Forbidden.", "禁止访问。"),
    404: ("not_found", "Not found.", "未找到。"),
    405: ("method_not_allowed", "Method not allowed.", "不允许的请求方法。"),
    429: ("throttled", "Too many requests.", "请求过于频繁。"),
}


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and "CSRF" in exc.message:
        return json_error(
            403,
            "csrf_failed",
            "CSRF check failed: send the X-CSRFToken header with the session cookie.",
            "CSRF 校验失败：使用会话时请提供 X-CSRFToken 请求头。",
        )
    if exc.status_code == 400 and exc.message == "Cannot parse request body":
        return json_error(400, "invalid_json", "The request body is not valid JSON.", "请求体不是有效的 JSON。")
    code, en, zh = _HTTP_CODES.get(exc.status_code, ("http_error", "Request refused.", "请求被拒绝。"))
    return json_error(exc.status_code, code, exc.message or en, zh)


def _on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return route_not_found(request)


def _on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return json_error(
        413,
        "request_too_large",
        f"The request body is larger than the {limit:,} bytes this endpoint accepts.",
        f"请求体超过此接口允许的 {limit:,} 字节。",
        {"max_bytes": limit},
    )


def _on_bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
    return json_error(
        400,
        "invalid_multipart",
        "The upload is not valid multipart/form-data (send the file as a form field with a boundary).",
        "上传内容不是有效的 multipart/form-data（请以带分隔符的表单字段发送文件）。",
    )


def _on_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error in API request %s %s", request.method, request.path)
    return json_error(
        500,
        "internal_error",
        "An unexpected error occurred. It has been logged; quote the request id when you report it.",
        "发生意外错误，已记录日志；报告问题时请提供请求编号。",
        {"request_id": _request_id(request)},
    )


def install_handlers(api) -> None:
    api.add_exception_handler(Exception, _on_exception)
    api.add_exception_handler(ApplicationError, _on_application_error)
    api.add_exception_handler(ValidationError, _on_validation_error)
    api.add_exception_handler(AuthenticationError, _on_authentication_error)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(Http404, _on_404)
    api.add_exception_handler(RequestDataTooBig, _on_too_big)
    api.add_exception_handler(MultiPartParserError, _on_bad_multipart)


# --- outside ninja's operations: unknown routes and wrong methods --------------------------------------


@csrf_exempt
def route_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return json_error(
        404,
        "not_found",
        f"No API endpoint at {request.path}.",
        f"不存在此 API 接口：{request.path}。",
        {"path": request.path},
    )


def method_not_allowed_json(request: HttpRequest, response: HttpResponseNotAllowed) -> HttpResponse:
    allowed = sorted(m.strip() for m in response["Allow"].split(",") if m.strip())
    json_response = json_error(
        405,
        "method_not_allowed",
        f"{request.method} is not allowed here; allowed: {', '.join(allowed)}.",
        f"此处不允许 {request.method} 请求；允许：{'、'.join(allowed)}。",
        {"method": request.method, "allowed": allowed},
    )
    json_response["Allow"] = ", ".join(allowed)
    return json_response
