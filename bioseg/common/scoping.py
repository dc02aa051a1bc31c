"""One way to restrict a query to what a user may see, and one way to get an object in scope or a 404.

Each scoped model's manager is a ``ScopedQuerySet`` subclass that says, for a provincial and for an enterprise
scope, which rows are visible (``provincial_q`` / ``enterprise_q``, each a ``Q`` — use ``id__in`` subqueries
rather than joins over many-valued relations, so no row is repeated). ``restrict(scope)`` applies it: national
scopes see everything, a scope of kind "none" nothing. Selectors, the trace's in-scope flags and the re-check
after each write all call ``restrict``, so a model's visibility is written once (NetBox's ``RestrictedQuerySet``).

``get_in_scope`` answers the same ``NotFound`` for an unknown id, a malformed one and one outside the scope:
a 404 never says whether something exists.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from bioseg.common.errors import NotFound

MAX_ID = 2**63 - 1  # the largest primary key both engines store


class ScopedQuerySet(models.QuerySet):
    def provincial_q(self, scope) -> models.Q | None:
        """Rows a provincial regulator of ``scope.region_code`` sees; ``None``: none."""
        return None

    def enterprise_q(self, scope) -> models.Q | None:
        """Rows a user of the enterprises ``scope.enterprise_ids`` sees; ``None``: none."""
        return None

    def restrict(self, scope) -> ScopedQuerySet:
        if scope.is_national:
            return self
        if scope.is_provincial:
            q = self.provincial_q(scope)
        elif scope.is_enterprise:
            q = self.enterprise_q(scope)
        else:
            q = None
        return self.none() if q is None else self.filter(q)


def in_csv(column: str, value: str) -> models.Q:
    """``value`` is one item of a comma-separated column (portable: no regex, no JSON functions)."""
    return (
        models.Q(**{column: value})
        | models.Q(**{f"{column}__startswith": value + ","})
        | models.Q(**{f"{column}__endswith": "," + value})
        | models.Q(**{f"{column}__contains": "," + value + ","})
    )


def parse_id(value: Any) -> int | None:
    """A primary key from user input, or ``None`` when it cannot be one (not an integer, ≤ 0, > 2⁶³−1)."""
    if isinstance(value, bool):
        return None
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_ID else None


def get_in_scope(qs: ScopedQuerySet | models.QuerySet, scope, pk: Any, what: str):
    """The object ``pk`` of ``qs`` restricted to ``scope``, or ``NotFound(what, pk)``.

    ``qs`` may carry ``select_related`` and the like; if it has not been restricted yet, it is here."""
    ident = parse_id(pk)
    if ident is None:
        raise NotFound(what, pk)
    if scope is not None and hasattr(qs, "restrict"):
        qs = qs.restrict(scope)
    try:
        return qs.get(pk=ident)
    except qs.model.DoesNotExist:
        raise NotFound(what, pk) from None


def in_scope(obj, scope) -> bool:
    """Whether ``obj`` (a row of a scoped model) is visible in ``scope``: the re-check after a write."""
    return type(obj)._default_manager.all().restrict(scope).filter(pk=obj.pk).exists()


def recheck(obj, scope, what: str) -> None:
    """After a write: the written object must be inside the actor's scope, or the transaction is undone
    with the ``NotFound`` an interface would have answered (404)."""
    if not in_scope(obj, scope):
        raise NotFound(what, obj.pk)
