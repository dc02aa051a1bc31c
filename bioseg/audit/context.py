"""Who is acting, and why: the context the database triggers copy into every audit row.

On SQLite the triggers call the SQL function ``bioseg_ctx(key)``, registered on each connection, which
reads this module's context variable. On PostgreSQL the values are pushed into the session settings
``bioseg.actor`` … with ``set_config`` whenever the context changes, and read with ``current_setting``.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.db import connection

KEYS = ("actor", "actor_id", "organisation", "reason", "request_id")


@dataclass(frozen=True)
class AuditContext:
    actor: str = ""
    actor_id: str = ""
    organisation: str = ""
    reason: str = ""
    request_id: str = ""


_EMPTY = AuditContext()  # frozen, so sharing it as the default is safe
_current: contextvars.ContextVar[AuditContext] = contextvars.ContextVar("bioseg_audit", default=_EMPTY)


def current() -> AuditContext:
    return _current.get()


def _failed_transaction(conn) -> bool:
    """True while a PostgreSQL transaction has failed and awaits its rollback: any statement would only raise
    "current transaction is aborted" and hide the error that is on its way out."""
    import psycopg

    raw = conn.connection
    return raw is not None and raw.info.transaction_status == psycopg.pq.TransactionStatus.INERROR


def _push(ctx: AuditContext, conn=None) -> None:
    conn = conn or connection
    if conn.vendor == "postgresql" and not _failed_transaction(conn):
        with conn.cursor() as cur:
            cur.execute(
                "SELECT " + ", ".join(f"set_config('bioseg.{k}', %s, false)" for k in KEYS),
                [getattr(ctx, k) for k in KEYS],
            )


@contextmanager
def audit_context(*, actor=None, reason: str | None = None, request_id: str | None = None) -> Iterator[None]:
    """Sets the actor (a User, or a plain name for system jobs), the reason and the request id for every
    write inside the block; values not given are inherited from the enclosing context."""
    previous = _current.get()
    changes: dict[str, str] = {}
    if actor is not None:
        if isinstance(actor, str):
            changes.update(actor=actor, actor_id="", organisation="")
        else:
            org = getattr(actor, "organisation", None)
            changes.update(
                actor=actor.get_username(),
                actor_id=str(actor.pk or ""),
                organisation=org.name_en if org is not None else "",
            )
    if reason is not None:
        changes["reason"] = reason
    if request_id is not None:
        changes["request_id"] = request_id
    ctx = replace(previous, **changes)
    token = _current.set(ctx)
    if connection.connection is not None:
        _push(ctx)  # otherwise the connection, when it opens, takes the context (on_connection_created)
    try:
        yield
    finally:
        _current.reset(token)
        if connection.connection is not None:
            _push(previous)


def _ctx_sql_function(key: str) -> str:
    return getattr(_current.get(), key, "") if key in KEYS else ""


def _sha256_sql_function(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def on_connection_created(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        raw = connection.connection
        raw.create_function("bioseg_ctx", 1, _ctx_sql_function, deterministic=False)
        raw.create_function("bioseg_sha256", 1, _sha256_sql_function, deterministic=True)
    elif connection.vendor == "postgresql":
        _push(_current.get(), connection)
