"""The append-only audit trail (SPEC §8: who saw what; every change keeps its history).

In PostgreSQL the access log, the log of rewrites below and every simple_history table
refuse UPDATE, DELETE and TRUNCATE by a trigger (privacy/migrations, `append_only_sql`).
The trigger lets a statement through only inside a transaction that set
`hedong.audit_bypass` to `on`, and that is done in one place, `audit_trail_rewrite`, used
by the access log's retention job (accounts.retention) and by the erasure of a person's
data (privacy.services). Each use leaves an `AuditTrailRewrite` row in the same
transaction. SQLite (development) has no such triggers.
"""

from contextlib import contextmanager

from django.db import connection, transaction

from accounts.models import AuditTrailRewrite

BYPASS_SETTING = "hedong.audit_bypass"
TRIGGER_FUNCTION = "hedong_audit_append_only"
ROW_TRIGGER = "hedong_append_only"
TRUNCATE_TRIGGER = "hedong_append_only_truncate"

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {TRIGGER_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('{BYPASS_SETTING}', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""
DROP_FUNCTION_SQL = f"DROP FUNCTION IF EXISTS {TRIGGER_FUNCTION}() CASCADE;"


def append_only_sql(table):
    """The statements that make `table` append-only (PostgreSQL)."""
    qn = connection.ops.quote_name
    return [
        f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {qn(table)};",
        f"CREATE TRIGGER {ROW_TRIGGER} BEFORE UPDATE OR DELETE ON {qn(table)} "
        f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER_FUNCTION}();",
        f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {qn(table)};",
        f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {qn(table)} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER_FUNCTION}();",
    ]


def append_only_drop_sql(table):
    qn = connection.ops.quote_name
    return [f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {qn(table)};",
            f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {qn(table)};"]


def audit_tables(models):
    """The tables of the audit trail among `models` (the app registry's or a migration's):
    the access log, the log of rewrites, and every simple_history table."""
    tables = []
    for model in models:
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        if (meta.label_lower in ("accounts.accesslog", "accounts.audittrailrewrite")
                or (model.__name__.startswith("Historical")
                    and any(f.name == "history_id" for f in meta.fields))):
            tables.append(meta.db_table)
    return sorted(tables)


def bypass_set():
    """Inside a transaction: let this transaction change the audit trail."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [BYPASS_SETTING])


def _bypass_clear():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', true)", [BYPASS_SETTING])


class Rewrite:
    """What a privileged change did, filled in by its caller: rows and a description
    (never a personal value)."""

    def __init__(self, description):
        self.rows = 0
        self.description = description


@contextmanager
def audit_trail_rewrite(*, kind, by=None, description=""):
    """The one privileged path: the block may change rows of the audit trail, in one
    transaction that also records the rewrite (kind, by whom, how many rows). The bypass
    ends with the block."""
    # On an error the block's savepoint (or transaction) is rolled back, and the setting
    # with it; on success it is cleared here, as an enclosing transaction goes on.
    with transaction.atomic():
        rewrite = Rewrite(description)
        bypass_set()
        yield rewrite
        _bypass_clear()
        AuditTrailRewrite.objects.create(kind=kind, by=by, rows=rewrite.rows,
                                         description=rewrite.description[:255])
