"""The access log's retention (SPEC §8): rows older than ACCESS_LOG_RETENTION_DAYS leave the
live table for a yearly archive table (accounts_accesslog_archive_<year>, by the year of
the entry), never deleted. The archive is append-only like the log; the move goes through
the one privileged path (accounts.audit), and is itself recorded there."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.audit import append_only_sql, audit_trail_rewrite
from accounts.models import AccessLog, AuditTrailRewrite

logger = logging.getLogger(__name__)

ARCHIVE_PREFIX = "accounts_accesslog_archive_"


def archive_table(year):
    return f"{ARCHIVE_PREFIX}{int(year)}"


def _archive_create(cursor, table):
    qn = connection.ops.quote_name
    source = qn(AccessLog._meta.db_table)
    if connection.vendor == "postgresql":
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {qn(table)} "
                       f"(LIKE {source} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                       f"INCLUDING INDEXES)")
        for statement in append_only_sql(table):
            cursor.execute(statement)
    else:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {qn(table)} AS "
                       f"SELECT * FROM {source} WHERE 0 = 1")


def access_log_archive(*, now=None, days=None):
    """Move the access log's rows older than `days` (ACCESS_LOG_RETENTION_DAYS) to their
    year's archive table. Returns {table: rows moved}. Safe to run twice: a moved row is
    no longer in the live table, and the copy and the removal share one transaction."""
    now = now or timezone.now()
    days = settings.ACCESS_LOG_RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    old = AccessLog.objects.filter(created_at__lt=cutoff)
    years = sorted({d.year for d in old.dates("created_at", "year")})
    if not years:
        return {}
    qn = connection.ops.quote_name
    source = qn(AccessLog._meta.db_table)
    moved = {}
    with audit_trail_rewrite(kind=AuditTrailRewrite.Kind.ARCHIVE,
                             description="access log retention") as rewrite:
        with connection.cursor() as cursor:
            for year in years:
                table = archive_table(year)
                start = timezone.make_aware(datetime(year, 1, 1))
                end = min(timezone.make_aware(datetime(year + 1, 1, 1)), cutoff)
                _archive_create(cursor, table)
                where = f"WHERE {qn('created_at')} >= %s AND {qn('created_at')} < %s"
                cursor.execute(f"INSERT INTO {qn(table)} SELECT * FROM {source} {where}",
                               [start, end])
                cursor.execute(f"DELETE FROM {source} {where}", [start, end])
                moved[table] = cursor.rowcount
        rewrite.rows = sum(moved.values())
        rewrite.description = ("access log retention: "
                               + ", ".join(f"{t} {n}" for t, n in moved.items()))
    logger.info("access log retention: %s rows archived", sum(moved.values()))
    return moved


def archive_tables():
    """The archive tables that exist, oldest first."""
    return sorted(t for t in connection.introspection.table_names()
                  if t.startswith(ARCHIVE_PREFIX))
