"""Refuse the NUL character (U+0000) in what a client sends to the API, before any view runs.

PostgreSQL cannot store NUL in text and raises on a query that compares with it; SQLite stores it. Either way
no field of bioseg may hold it, so a query parameter or a JSON string containing it is answered 400
``nul_character`` naming where it was — identically on both engines. (The web's forms refuse it already: Django's
``CharField`` validates against null characters.) Multipart uploads are files and are left to their readers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig

from bioseg.api.errors import json_error

NUL = "\x00"


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(str(key), f"{path}.{key}" if path else str(key))
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def nul_field(request) -> str | None:
    """Where the request carries a NUL character (a query parameter's name, a JSON path), or None."""
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return key.replace(NUL, "\\u0000")
    content_type = request.META.get("CONTENT_TYPE", "")
    if "json" in content_type:
        try:
            body = request.body
        except RequestDataTooBig:
            return None  # the view answers 413 request_too_large
        if b"\x00" in body or b"u0000" in body:
            try:
                data = json.loads(body)
            except ValueError:
                return None  # not JSON: the view answers invalid_json
            for path, text in _strings(data, ""):
                if NUL in text:
                    return path or "(body)"
    return None


class NulCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            where = nul_field(request)
            if where is not None:
                return json_error(
                    400,
                    "nul_character",
                    f"{where}: text must not contain the NUL character (U+0000).",
                    f"{where}：文本不得包含空字符（U+0000）。",
                    {"field": where},
                )
        return self.get_response(request)
