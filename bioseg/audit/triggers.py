"""The database triggers that feed the audit trail, for SQLite and PostgreSQL.

They are (re)installed after every ``migrate`` (and ``flush``) for every concrete model that inherits
``RegulatedModel``, so a model change never leaves a stale trigger behind.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection as default_connection

AUDIT_TABLE = "audit_auditevent"
GENESIS = "0" * 64
_LOCK_KEY = 74310001
_CTX = ("actor", "actor_id", "organisation", "reason", "request_id")


def regulated_models() -> list:
    return [m for m in apps.get_models() if getattr(m, "regulated", False) and not m._meta.abstract and m._meta.managed]


def regulated_tables() -> list[str]:
    return sorted(m._meta.db_table for m in regulated_models())


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _payload_sql(ts: str, table: str, pk: str, action: str, ctx: dict[str, str], old: str, new: str) -> str:
    """The string that is hashed, built the same way by both engines and by ``chain.payload``."""
    parts = [ts, table, pk, action, *(ctx[k] for k in _CTX), f"coalesce({old}, '')", f"coalesce({new}, '')"]
    return " || '|' || ".join(parts)


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_row_json(model, alias: str) -> str:
    pairs = ", ".join(f"'{f.column}', {alias}.{_q(f.column)}" for f in model._meta.concrete_fields)
    return f"json_object({pairs})"


def _sqlite_insert(table: str, action: str, pk: str, old: str, new: str) -> str:
    """The statement a SQLite trigger runs to append one link to the trail (``pk``, ``old``, ``new``: SQL)."""
    ctx = {k: f"x.{k}" for k in _CTX}
    ctx_cols = ", ".join(f"coalesce(bioseg_ctx('{k}'), '') AS {k}" for k in _CTX)
    prev = f"coalesce((SELECT hash FROM {AUDIT_TABLE} ORDER BY id DESC LIMIT 1), '{GENESIS}')"
    cols = "occurred_at, table_name, row_pk, action, " + ", ".join(_CTX) + ", old_values, new_values, prev_hash, hash"
    payload = _payload_sql("x.ts", f"'{table}'", "x.pk", f"'{action}'", ctx, "x.old", "x.new")
    return (
        f"INSERT INTO {AUDIT_TABLE} ({cols}) "
        f"SELECT x.ts, '{table}', x.pk, '{action}', {', '.join(ctx.values())}, x.old, x.new, x.prev, "
        f"bioseg_sha256(x.prev || '|' || {payload}) "
        f"FROM (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS ts, CAST({pk} AS TEXT) AS pk, {ctx_cols}, "
        f"{old} AS old, {new} AS new, {prev} AS prev) AS x;"
    )


def _sqlite_sql(model) -> list[str]:
    table = model._meta.db_table
    t = _q(table)

    def insert(action: str, old: str) -> str:
        return _sqlite_insert(table, action, "NEW.id", old, _sqlite_row_json(model, "NEW"))

    return [
        f"CREATE TRIGGER bioseg_audit_ins_{table} AFTER INSERT ON {t} BEGIN {insert('insert', 'NULL')} END;",
        f"CREATE TRIGGER bioseg_audit_reason_{table} BEFORE UPDATE ON {t} "
        f"WHEN coalesce(bioseg_ctx('reason'), '') = '' "
        f"BEGIN SELECT RAISE(ABORT, 'bioseg audit: an update of {table} needs a reason'); END;",
        f"CREATE TRIGGER bioseg_audit_upd_{table} AFTER UPDATE ON {t} "
        f"BEGIN {insert('update', _sqlite_row_json(model, 'OLD'))} END;",
        f"CREATE TRIGGER bioseg_audit_del_{table} BEFORE DELETE ON {t} "
        f"BEGIN SELECT RAISE(ABORT, 'bioseg audit: deleting a row of {table} is refused'); END;",
    ]


def _sqlite_trigger_names(table: str) -> list[str]:
    return [f"bioseg_audit_{kind}_{table}" for kind in ("ins", "reason", "upd", "del")]


_SQLITE_AUDIT_GUARDS = [
    f"CREATE TRIGGER bioseg_audit_immutable_upd BEFORE UPDATE ON {AUDIT_TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'bioseg audit: the audit trail cannot be changed'); END;",
    f"CREATE TRIGGER bioseg_audit_immutable_del BEFORE DELETE ON {AUDIT_TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'bioseg audit: the audit trail cannot be changed'); END;",
]


# --- user accounts ---------------------------------------------------------------------------------
#
# A user account is not a regulated table (every sign-in updates it, and its password hash must never reach the
# trail), but who belongs to which organisation, who is active and who administers are GMP-relevant: these
# columns are audited — insert, every update that changes one of them, delete — with the context of the change.

ACCOUNT_TABLE = "accounts_user"
ACCOUNT_COLUMNS = (
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "printed_name",
    "organisation_id",
    "is_active",
    "is_staff",
    "is_superuser",
)


def _sqlite_account_json(alias: str) -> str:
    return "json_object(" + ", ".join(f"'{c}', {alias}.{_q(c)}" for c in ACCOUNT_COLUMNS) + ")"


def _sqlite_account_sql() -> list[str]:
    t = _q(ACCOUNT_TABLE)
    changed = " OR ".join(f"NEW.{_q(c)} IS NOT OLD.{_q(c)}" for c in ACCOUNT_COLUMNS)
    new, old = _sqlite_account_json("NEW"), _sqlite_account_json("OLD")
    return [
        f"CREATE TRIGGER bioseg_audit_acct_ins AFTER INSERT ON {t} "
        f"BEGIN {_sqlite_insert(ACCOUNT_TABLE, 'insert', 'NEW.id', 'NULL', new)} END;",
        f"CREATE TRIGGER bioseg_audit_acct_upd AFTER UPDATE ON {t} WHEN {changed} "
        f"BEGIN {_sqlite_insert(ACCOUNT_TABLE, 'update', 'NEW.id', old, new)} END;",
        f"CREATE TRIGGER bioseg_audit_acct_del AFTER DELETE ON {t} "
        f"BEGIN {_sqlite_insert(ACCOUNT_TABLE, 'delete', 'OLD.id', old, 'NULL')} END;",
    ]


SQLITE_ACCOUNT_TRIGGERS = ("bioseg_audit_acct_ins", "bioseg_audit_acct_upd", "bioseg_audit_acct_del")


def _pg_account_json(alias: str) -> str:
    return "jsonb_build_object(" + ", ".join(f"'{c}', {alias}.{_q(c)}" for c in ACCOUNT_COLUMNS) + ")::text"


# --- PostgreSQL ------------------------------------------------------------------------------------

# The declarations every audit function starts with: the change's context and the time, read once.
_PG_CONTEXT = """  actor text := coalesce(current_setting('bioseg.actor', true), '');
  actor_id text := coalesce(current_setting('bioseg.actor_id', true), '');
  organisation text := coalesce(current_setting('bioseg.organisation', true), '');
  reason text := coalesce(current_setting('bioseg.reason', true), '');
  request_id text := coalesce(current_setting('bioseg.request_id', true), '');
  ts text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
"""

# How an audit function appends one link (pk, action, old_values, new_values set): under the chain's lock.
_PG_APPEND = f"""  PERFORM pg_advisory_xact_lock({_LOCK_KEY});
  SELECT a.hash INTO prev FROM {AUDIT_TABLE} a ORDER BY a.id DESC LIMIT 1;
  prev := coalesce(prev, '{GENESIS}');
  INSERT INTO {AUDIT_TABLE} (occurred_at, table_name, row_pk, action, actor, actor_id, organisation,
                             reason, request_id, old_values, new_values, prev_hash, hash)
  VALUES (ts, TG_TABLE_NAME, pk, action, actor, actor_id, organisation, reason, request_id,
          old_values, new_values, prev,
          encode(sha256(convert_to(prev || '|' || {
    _payload_sql("ts", "TG_TABLE_NAME", "pk", "action", dict(zip(_CTX, _CTX, strict=True)), "old_values", "new_values")
}, 'UTF8')), 'hex'));
"""

_PG_FUNCTIONS = [
    f"""
CREATE OR REPLACE FUNCTION bioseg_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
{_PG_CONTEXT}  pk text := to_jsonb(NEW)->>'id';
  new_values text := to_jsonb(NEW)::text;
  old_values text := NULL;
  action text := 'insert';
  prev text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF reason = '' THEN
      RAISE EXCEPTION 'bioseg audit: an update of % needs a reason', TG_TABLE_NAME;
    END IF;
    old_values := to_jsonb(OLD)::text;
    action := 'update';
  END IF;
{_PG_APPEND}  RETURN NEW;
END $$;""",
    f"""
CREATE OR REPLACE FUNCTION bioseg_audit_account() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
{_PG_CONTEXT}  pk text;
  new_values text := NULL;
  old_values text := NULL;
  action text := lower(TG_OP);
  prev text;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_values := {_pg_account_json("OLD")};
    pk := OLD.id::text;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_values := {_pg_account_json("NEW")};
    pk := NEW.id::text;
  END IF;
  IF TG_OP = 'UPDATE' AND old_values = new_values THEN
    RETURN NEW;  -- a sign-in, a password change: nothing audited changed
  END IF;
{_PG_APPEND}  RETURN COALESCE(NEW, OLD);
END $$;""",
    """
CREATE OR REPLACE FUNCTION bioseg_audit_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'bioseg audit: deleting a row of % is refused', TG_TABLE_NAME;
END $$;""",
    """
CREATE OR REPLACE FUNCTION bioseg_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'bioseg audit: the audit trail cannot be changed';
END $$;""",
    """
CREATE OR REPLACE FUNCTION bioseg_audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'bioseg audit: TRUNCATE of % is refused', TG_TABLE_NAME;
END $$;""",
]


def _pg_sql(model) -> list[str]:
    table = model._meta.db_table
    t = _q(table)
    return [
        f"CREATE TRIGGER bioseg_audit_row AFTER INSERT OR UPDATE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION bioseg_audit_row();",
        f"CREATE TRIGGER bioseg_audit_del BEFORE DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION bioseg_audit_refuse_delete();",
        f"CREATE TRIGGER bioseg_audit_truncate BEFORE TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION bioseg_audit_refuse_truncate();",
    ]


_PG_AUDIT_GUARDS = (
    f"CREATE TRIGGER bioseg_audit_immutable BEFORE UPDATE OR DELETE ON {AUDIT_TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION bioseg_audit_immutable();",
    # TRUNCATE fires no row trigger: a statement trigger refuses it on the trail and on every regulated table
    f"CREATE TRIGGER bioseg_audit_truncate BEFORE TRUNCATE ON {AUDIT_TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION bioseg_audit_refuse_truncate();",
)


# --- install / uninstall ---------------------------------------------------------------------------


def uninstall(connection=None) -> None:
    conn = connection or default_connection
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            for table in regulated_tables():
                for name in _sqlite_trigger_names(table):
                    cur.execute(f"DROP TRIGGER IF EXISTS {name}")
            cur.execute("DROP TRIGGER IF EXISTS bioseg_audit_immutable_upd")
            cur.execute("DROP TRIGGER IF EXISTS bioseg_audit_immutable_del")
            for name in SQLITE_ACCOUNT_TRIGGERS:
                cur.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif conn.vendor == "postgresql":
            for table in regulated_tables():
                cur.execute(f"DROP TRIGGER IF EXISTS bioseg_audit_row ON {_q(table)}")
                cur.execute(f"DROP TRIGGER IF EXISTS bioseg_audit_del ON {_q(table)}")
                cur.execute(f"DROP TRIGGER IF EXISTS bioseg_audit_truncate ON {_q(table)}")
            cur.execute(f"DROP TRIGGER IF EXISTS bioseg_audit_immutable ON {AUDIT_TABLE}")
            cur.execute(f"DROP TRIGGER IF EXISTS bioseg_audit_truncate ON {AUDIT_TABLE}")
            cur.execute(f"DROP TRIGGER IF EXISTS bioseg_audit_account ON {_q(ACCOUNT_TABLE)}")


def install(connection=None) -> None:
    conn = connection or default_connection
    uninstall(conn)
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            for model in regulated_models():
                for stmt in _sqlite_sql(model):
                    cur.execute(stmt)
            for stmt in _SQLITE_AUDIT_GUARDS:
                cur.execute(stmt)
            for stmt in _sqlite_account_sql():
                cur.execute(stmt)
        elif conn.vendor == "postgresql":
            for stmt in _PG_FUNCTIONS:
                cur.execute(stmt)
            for model in regulated_models():
                for stmt in _pg_sql(model):
                    cur.execute(stmt)
            for stmt in _PG_AUDIT_GUARDS:
                cur.execute(stmt)
            cur.execute(
                f"CREATE TRIGGER bioseg_audit_account AFTER INSERT OR UPDATE OR DELETE ON {_q(ACCOUNT_TABLE)} "
                "FOR EACH ROW EXECUTE FUNCTION bioseg_audit_account();"
            )
        else:  # pragma: no cover - bioseg supports these two engines only
            raise RuntimeError(f"bioseg's audit trail does not support the {conn.vendor} engine")


def install_after_migrate(sender, using="default", **kwargs) -> None:
    if getattr(sender, "label", None) != "audit":
        return
    from django.db import connections

    install(connections[using])


def account_json_sql(alias: str, vendor: str) -> str:
    """The SQL expression the account triggers use for a user's audited columns (for the verifier)."""
    return _sqlite_account_json(alias) if vendor == "sqlite" else _pg_account_json(alias)


def row_json_sql(model, alias: str, vendor: str) -> str:
    """The SQL expression the triggers use for a row's values, for comparing a row with its trail."""
    if vendor == "sqlite":
        return _sqlite_row_json(model, alias)
    return f"to_jsonb({alias})::text"
