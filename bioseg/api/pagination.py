"""One pagination for every list: ``?limit=&offset=`` in, ``{items, count, limit, offset}`` out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1–500).")
        offset: int = Field(0, ge=0, le=2**63 - 1, description="Items to skip.")

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="How many items match, over all pages.")
        limit: int
        offset: int

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)

    def paginate_queryset(self, queryset, pagination: Input, request: HttpRequest, **params: Any) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result["limit"] = pagination.limit
        result["offset"] = pagination.offset
        return result
