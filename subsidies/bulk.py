"""Set-based writes of entitlements for the big paths: the yearly rule run, the office's
decisions, batches and the bank's result (issue 5, performance).

Each write is one SQL statement that changes the rows and, in the same statement, writes
the history rows django-simple-history writes on save (same columns, history_type "+" for
a creation and "~" for a change, the acting user, one timestamp), so SPEC §8's history
holds on the fast path too. Which rows are meant comes from ORM querysets, so the rules in
rules.py and the scoping stay the only place that decides; the constraints of the tables
still refuse anything that would pay twice.

Used only on PostgreSQL (the suite's, the benchmark's and production's database); on
another database the services take their ORM path.
"""

import functools

from django.db import connection
from django.utils import timezone

from subsidies.models import Entitlement

TABLE = Entitlement._meta.db_table
HISTORY_TABLE = Entitlement.history.model._meta.db_table
COLUMNS = [f.column for f in Entitlement._meta.concrete_fields]
# A field's column by its name or attname ("programme" or "programme_id": programme_code).
_COLUMN = {**{f.name: f.column for f in Entitlement._meta.concrete_fields},
           **{f.attname: f.column for f in Entitlement._meta.concrete_fields}}
_HISTORY_COLUMNS = ", ".join(COLUMNS + ["history_date", "history_change_reason",
                                        "history_type", "history_user_id"])


@functools.cache
def available():
    """Whether the default database is PostgreSQL (asked once: it does not change while
    the process runs)."""
    return connection.vendor == "postgresql"


def _history_from(alias, kind):
    """The INSERT of history rows for every row of the CTE `alias` (params: date, user;
    typed, so that a prepared statement knows them)."""
    source = ", ".join(f"{alias}.{column}" for column in COLUMNS)
    return (f"INSERT INTO {HISTORY_TABLE} ({_HISTORY_COLUMNS}) "
            f"SELECT {source}, %s::timestamptz, NULL, '{kind}', %s::bigint FROM {alias}")


def _sql(queryset):
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# A write of this many rows is followed by an ANALYZE of its table in the same transaction.
ANALYZE_FROM = 5_000


def _analysed_after(table, changed):
    """ANALYZE `table` after `changed` rows were written to it, when they are many: the
    office's next step reads what the big write made (the approved entitlements, a
    batch's lines) before autovacuum has analysed it, and on the old statistics (say, every
    row still pending) PostgreSQL planned the batch's anti-joins as nested loops over
    100,000 rows, a seq scan of the lines table being written at each (65 s instead of 2 s
    in the benchmark, now and then). Within the transaction ANALYZE counts its own
    uncommitted rows; it samples 30,000 rows (about 0.1 s) and holds only a lock that
    keeps autovacuum off the table until the commit."""
    if changed >= ANALYZE_FROM:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return changed


def insert_for_members(*, members, values, by, now):
    """Insert one entitlement per member of the queryset `members` (of member ids) with the
    same `values`, and its history row; returns how many were inserted.

    The caller excludes members who already hold one; a unique constraint refusing a row
    fails the whole statement, as it should.
    """
    member_sql, member_params = _sql(members)
    names = list(values)
    columns = ", ".join(["member_id", *[_COLUMN[n] for n in names], "created_at"])
    placeholders = ", ".join(["%s"] * len(names))
    sql = (f"WITH new AS (INSERT INTO {TABLE} ({columns}) "
           f"SELECT eligible.id, {placeholders}, %s FROM ({member_sql}) AS eligible(id) "
           f"RETURNING *) " + _history_from("new", "+"))
    # Placeholders in order: the constants and created_at (the SELECT list), the member
    # query's own parameters (FROM), then the history's date and user.
    params = [*[values[n] for n in names], now, *member_params, now, by.pk]
    return _analysed_after(TABLE, _execute(sql, params))


def update(*, entitlements, values, by, now, only_state=None):
    """Set `values` on the entitlements of the queryset `entitlements` (of ids), only those
    still in `only_state` when given, with a history row each; returns how many changed.

    The ids are read first and sent as an array: an `id IN (subquery on the same table)`
    can get a nested-loop plan right after a big insert, before the table is analysed."""
    return update_ids(ids=list(entitlements.values_list("pk", flat=True)), values=values,
                      by=by, now=now, only_state=only_state)


def update_ids(*, ids, values, by, now, only_state=None):
    """As `update`, for a list of ids."""
    if not ids:
        return 0
    assignments = ", ".join(f"{_COLUMN[n]} = %s" for n in values)
    condition = " AND e.state = %s" if only_state else ""
    # Joined with the unnested ids, not filtered by `= ANY(array)`: a long array in a filter
    # is searched row by row.
    sql = (f"WITH changed AS (UPDATE {TABLE} AS e SET {assignments} "
           f"FROM unnest(%s::bigint[]) AS chosen(id) "
           f"WHERE e.id = chosen.id{condition} RETURNING e.*) " + _history_from("changed", "~"))
    params = [*values.values(), list(ids), *([only_state] if only_state else []), now, by.pk]
    return _analysed_after(TABLE, _execute(sql, params))


def batch_lines_insert(*, batch, entitlements):
    """Give each entitlement of the queryset `entitlements` (of pk and amount) a line of
    `batch`, the lines' keys (and so their line ids) in entitlement order; returns how
    many lines were made.

    The entitlements themselves are not written. The queryset is the statement's source as
    it is (no `id IN` on the same table); a line that would make an entitlement's second
    pending or paid line is refused by the unique index, failing the whole statement."""
    from subsidies.models import BatchLine

    source_sql, source_params = _sql(entitlements)
    sql = (f"INSERT INTO {BatchLine._meta.db_table} "
           f"(batch_id, entitlement_id, amount, status, failure_reason) "
           f"SELECT %s, source.id, source.amount, 'pending', '' "
           f"FROM ({source_sql}) AS source(id, amount) ORDER BY source.id")
    return _analysed_after(BatchLine._meta.db_table, _execute(sql, [batch.pk, *source_params]))


def lines_settle(lines):
    """Write each line's status, reason and settlement time in one statement."""
    from subsidies.models import BatchLine

    if not lines:
        return 0
    sql = (f"UPDATE {BatchLine._meta.db_table} AS l SET status = v.status, "
           f"failure_reason = v.reason, settled_at = v.settled "
           f"FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[]) "
           f"AS v(id, status, reason, settled) WHERE l.id = v.id")
    return _execute(sql, [[line.pk for line in lines], [line.status for line in lines],
                          [line.failure_reason for line in lines],
                          [line.settled_at for line in lines]])


def claim_insert(*, values, active, seat, settings_as_read):
    """A claim in one statement, one round trip: take a seat of the ProgrammeYear `seat`
    by the conditional update (so concurrent claims never pass the quota), insert the
    entitlement of `values` (its fields by attname; the others take their defaults, the
    creation time now) and its history row, only if `active` (the SQL and parameters of a
    query) has a row (the membership is active, asked as the rules ask it) and the year's
    settings are still `settings_as_read` (column: value), the ones the caller's checks
    used.

    Returns the entitlement, saved, or None when no seat was taken: the membership not
    active, the settings changed or the quota full, for the caller's checked way to tell
    which. A unique constraint refusing the entitlement raises IntegrityError and the
    statement, seat included, changes nothing. The statement is prepared once per database
    connection (parsed and planned once).
    """
    from django.db import connections

    db = connections[connection.alias]  # the wrapper itself, not the thread-local proxy
    active_sql, active_params = active
    row = _claim_row(values)
    # The values as the instance holds them: the statement casts each to its column's type,
    # and on PostgreSQL Django's per-field preparation of these types changes nothing. Empty
    # ones (NULL, '') are written in the statement's text: a claim leaves most columns
    # empty, and every parameter of an EXECUTE costs the server a parse.
    shape = tuple(None if value is None else "" if value == "" else True for value in row)
    sql, name = _claim_statement(db, active_sql, tuple(settings_as_read), shape)
    params = [seat, *settings_as_read.values(), *active_params,
              *(value for value, kind in zip(row, shape) if kind is True),
              row[_CREATED_AT], None]  # history: the creation time; a member's own claim
    with db.cursor() as cursor:
        _execute_prepared(db, cursor, sql, name, params)
        found = cursor.fetchone()
    if found is None:
        return None
    # The instance as if read back (the primary key is the first concrete field).
    return Entitlement.from_db(db.alias, None, [found[0], *row])


def _claim_row(values):
    """The claim's values in _CLAIM_FIELDS order: `values`, else the field's default, the
    creation time for created_at."""
    now = timezone.now()
    return [values[attname] if attname in values
            else now if attname == "created_at"
            else _CLAIM_DEFAULTS[attname]() for attname in _CLAIM_ATTNAMES]


# (active SQL, settings columns, which values are empty): (SQL, prepared statement name)
_claim_statements = {}


def _claim_statement(db, active_sql, columns, shape):
    """claim_insert's SQL, built once per process for its shape: `shape` says of each of
    _CLAIM_FIELDS whether its value is NULL (None), '' or a parameter (True)."""
    import hashlib

    from subsidies.models import ProgrammeYear

    key = (active_sql, columns, shape)
    if key in _claim_statements:
        return _claim_statements[key]
    fields = _CLAIM_FIELDS
    same = " AND ".join(f"{column} IS NOT DISTINCT FROM %s" for column in columns)
    literal = {None: "NULL", "": "''", True: "%s"}
    typed = ", ".join(f"{literal[kind]}::{f.cast_db_type(db)}"
                      for f, kind in zip(fields, shape, strict=True))
    sql = (
        f"WITH seat AS (UPDATE {ProgrammeYear._meta.db_table} SET accepted = accepted + 1 "
        f"WHERE id = %s AND accepted < quota AND {same} AND EXISTS ({active_sql}) "
        f"RETURNING id), "
        f"new AS (INSERT INTO {TABLE} ({', '.join(f.column for f in fields)}) "
        f"SELECT {typed} FROM seat RETURNING *), "
        f"history AS ({_history_from('new', '+')}) "
        f"SELECT id FROM new")
    name = "subsidies_" + hashlib.sha1(sql.encode()).hexdigest()[:20]
    _claim_statements[key] = sql, name
    return sql, name


_CLAIM_FIELDS = Entitlement._meta.concrete_fields[1:]  # all but the primary key, first
_CLAIM_ATTNAMES = [f.attname for f in _CLAIM_FIELDS]
_CREATED_AT = _CLAIM_ATTNAMES.index("created_at")


_CLAIM_DEFAULTS = {f.attname: f.get_default for f in _CLAIM_FIELDS}


def _execute_prepared(db, cursor, sql, name, params):
    """Run `sql` (%s placeholders) as the prepared statement `name` of this database
    connection: PREPAREd the first time the connection meets it, then EXECUTEd with the
    values. A prepared statement lives as long as the connection (whatever its
    transactions do); a new connection prepares again. With
    settings.DATABASE_PREPARED_STATEMENTS false (a transaction-mode pooler), `sql` is
    simply executed."""
    from django.conf import settings

    if not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    raw = db.connection
    prepared = getattr(db, "_subsidies_prepared", None)
    if prepared is None or prepared[0] is not raw:
        prepared = (raw, set())
        db._subsidies_prepared = prepared
    if name not in prepared[1]:
        numbered = sql % tuple(f"${i}" for i in range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} AS {numbered}")
        prepared[1].add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
