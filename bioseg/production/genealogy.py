"""The reach of a set of lots over the materialised genealogy: one recursive query, the same on both engines.

``reach_sql(roots, direction)`` is ``WITH RECURSIVE reach(id) AS (roots UNION one step over LotEdge) SELECT id
FROM reach``; each recursive step is an index-only range scan (forward: ``uniq_lot_edge``; backward:
``lotedge_child_parent_idx``). Selectors, the trace, release blockers and (later) the impact of a deviation all
reach lots through here.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

DIRECTIONS = ("forward", "backward")


def reach_sql(roots: QuerySet, direction: str) -> tuple[str, tuple]:
    """SQL selecting the ids of ``roots`` (a Lot queryset) and every lot downstream (forward) or
    upstream (backward) of them, and its parameters."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    from bioseg.production.models import LotEdge

    base_sql, base_params = roots.order_by().values("id").query.sql_with_params()
    edge = LotEdge._meta.db_table
    near, far = ("parent_lot_id", "child_lot_id") if direction == "forward" else ("child_lot_id", "parent_lot_id")
    sql = (
        f"WITH RECURSIVE reach(id) AS ({base_sql} "
        f"UNION SELECT e.{far} FROM {edge} e JOIN reach r ON e.{near} = r.id) "
        "SELECT id FROM reach"
    )
    return sql, tuple(base_params)


def reach(roots: QuerySet, direction: str) -> RawSQL:
    """The reached ids as an expression for ``filter(id__in=...)``."""
    return RawSQL(*reach_sql(roots, direction))


def lot_ancestor_ids(*, lot) -> set[int]:
    """Every lot upstream of ``lot`` (not the lot itself)."""
    from bioseg.production.models import Lot

    return set(
        Lot.objects.filter(id__in=reach(Lot.objects.filter(pk=lot.pk), "backward"))
        .exclude(pk=lot.pk)
        .values_list("id", flat=True)
    )


def lot_descendant_ids(*, lot) -> set[int]:
    """Every lot downstream of ``lot`` (not the lot itself)."""
    from bioseg.production.models import Lot

    return set(
        Lot.objects.filter(id__in=reach(Lot.objects.filter(pk=lot.pk), "forward"))
        .exclude(pk=lot.pk)
        .values_list("id", flat=True)
    )
