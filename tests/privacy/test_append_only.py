"""The audit trail cannot be rewritten (SPEC §8): the access log and every history table
refuse UPDATE, DELETE and TRUNCATE in PostgreSQL itself; only the privileged path of
accounts.audit gets through, and each use of it is recorded."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.audit import audit_tables, audit_trail_rewrite, bypass_set
from accounts.models import AccessLog, AuditTrailRewrite
from accounts.retention import access_log_archive, archive_tables
from accounts.services import access_log_record
from applications.models import Application
from membership.models import Member, Worker


def _tables():
    return audit_tables(apps.get_models())


def _triggers(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
                       "AND NOT tgisinternal", [table])
        return {row[0] for row in cursor.fetchall()}


def _try(sql, params=()):
    """Run `sql` as an attacker would; the rows it changed, or None when refused."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    except DatabaseError as error:
        assert "append-only" in str(error)
        return None


def _pk_column(table):
    return "history_id" if "_historical" in table else "id"


@pytest.fixture
def audit_rows(admin_user, member_dawangzhuang, worker_dazhigu):
    """Rows in the access log and in many history tables."""
    from membership.services import worker_update

    worker_update(worker=member_dawangzhuang.worker, by=admin_user, phone="13611112222")
    access_log_record(user=admin_user, action=AccessLog.Action.VIEW_FULL,
                      target_type="membership.worker", target_id=worker_dazhigu.pk)
    with audit_trail_rewrite(kind=AuditTrailRewrite.Kind.ARCHIVE, by=admin_user,
                             description="test"):
        pass


def test_every_history_table_and_the_access_log_are_append_only(db):
    tables = _tables()
    for expected in ("accounts_accesslog", "accounts_audittrailrewrite",
                     "membership_historicalworker", "membership_historicalmember",
                     "applications_historicalapplication", "subsidies_historicalentitlement",
                     "accounts_historicaluser", "privacy_historicaldatarequest"):
        assert expected in tables
    missing = [t for t in tables
               if _triggers(t) != {"hedong_append_only", "hedong_append_only_truncate"}]
    assert missing == [], "a history table without the append-only triggers: " \
                          "add a migration that calls privacy's `protect`"


def test_no_row_of_the_audit_trail_can_be_changed_with_database_write_access(audit_rows):
    """What an attacker who can write to the database, but has not the bypass, could change
    in the audit trail: 0 rows (docs/security.md)."""
    qn = connection.ops.quote_name
    changed, tried = 0, 0
    with connection.cursor() as cursor:  # the fixture's deferred checks, before a TRUNCATE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table in _tables():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {qn(table)}")
            rows = cursor.fetchone()[0]
        tried += rows
        pk = _pk_column(table)
        for sql in (f"UPDATE {qn(table)} SET {qn(pk)} = {qn(pk)}",
                    f"DELETE FROM {qn(table)}",
                    f"TRUNCATE {qn(table)} CASCADE"):
            result = _try(sql)
            if rows:
                assert result is None, sql
            changed += result or 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {qn(table)}")
            assert cursor.fetchone()[0] == rows
    assert tried > 10 and changed == 0


def test_insert_is_allowed(audit_rows, admin_user):
    before = AccessLog.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO accounts_accesslog (user_id, action, target_type, target_id, "
                       "description, created_at) VALUES (%s, 'export', 'x', '', '', now())",
                       [admin_user.pk])
    assert AccessLog.objects.count() == before + 1


def test_the_orm_is_refused_too(audit_rows):
    entry = AccessLog.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).update(description="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Worker.history.all().delete()


def test_the_privileged_path_lets_through_only_inside_it_and_is_recorded(audit_rows,
                                                                        admin_user):
    entry = AccessLog.objects.first()
    before = AuditTrailRewrite.objects.count()
    with audit_trail_rewrite(kind=AuditTrailRewrite.Kind.ERASE, by=admin_user,
                             description="test") as rewrite:
        rewrite.rows = AccessLog.objects.filter(pk=entry.pk).update(description="changed")
    assert AccessLog.objects.get(pk=entry.pk).description == "changed"
    recorded = AuditTrailRewrite.objects.order_by("-pk").first()
    assert AuditTrailRewrite.objects.count() == before + 1
    assert (recorded.kind, recorded.by, recorded.rows) == ("erase", admin_user, 1)
    # After the block, in the same transaction, the trail is closed again.
    assert _try("UPDATE accounts_accesslog SET description = 'again'") is None
    # And the record of the rewrite cannot be rewritten either.
    assert _try("DELETE FROM accounts_audittrailrewrite") is None


def test_an_error_inside_the_privileged_path_leaves_the_trail_closed(audit_rows):
    with pytest.raises(ZeroDivisionError):
        with audit_trail_rewrite(kind=AuditTrailRewrite.Kind.ERASE, description="x"):
            1 / 0
    assert _try("UPDATE accounts_accesslog SET description = 'again'") is None
    assert not AuditTrailRewrite.objects.filter(description="x").exists()


@pytest.mark.django_db(transaction=True)
def test_the_test_database_is_still_flushed_between_transactional_tests(admin_user):
    """The flush after this test truncates the trail through the bypass
    (tests/conftest.py); a plain TRUNCATE is refused."""
    access_log_record(user=admin_user, action=AccessLog.Action.EXPORT, target_type="x")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert _try("TRUNCATE accounts_accesslog CASCADE") is None


def test_a_test_may_clear_history_through_the_bypass(audit_rows):
    bypass_set()
    Member.history.all().delete()
    assert not Member.history.exists()


# ---------------------------------------------------------------------------
# Retention: moved to a yearly archive table, never deleted
# ---------------------------------------------------------------------------
def _logged_on(user, when, n=1):
    with time_machine.travel(when, tick=False):
        for _ in range(n):
            access_log_record(user=user, action=AccessLog.Action.VIEW_FULL,
                              target_type="membership.worker", target_id="1")


def _archive_count(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def test_old_rows_move_to_a_dated_archive_table(admin_user):
    tz = timezone.get_current_timezone()
    _logged_on(admin_user, datetime(2022, 6, 1, 10, tzinfo=tz), 2)
    _logged_on(admin_user, datetime(2023, 3, 1, 10, tzinfo=tz), 3)
    _logged_on(admin_user, datetime(2026, 11, 30, 10, tzinfo=tz), 1)
    now = datetime(2026, 12, 1, 12, tzinfo=tz)
    moved = access_log_archive(now=now, days=365)
    assert moved == {"accounts_accesslog_archive_2022": 2, "accounts_accesslog_archive_2023": 3}
    assert AccessLog.objects.count() == 1
    assert _archive_count("accounts_accesslog_archive_2023") == 3
    assert {"accounts_accesslog_archive_2022",
            "accounts_accesslog_archive_2023"} <= set(archive_tables())
    recorded = AuditTrailRewrite.objects.get(kind=AuditTrailRewrite.Kind.ARCHIVE)
    assert recorded.rows == 5 and recorded.by is None
    # The archive is append-only too.
    assert _try("DELETE FROM accounts_accesslog_archive_2023") is None
    assert _try("UPDATE accounts_accesslog_archive_2023 SET description = 'x'") is None
    # Twice: nothing more to move, nothing lost.
    assert access_log_archive(now=now, days=365) == {}
    assert _archive_count("accounts_accesslog_archive_2022") == 2


def test_the_retention_setting_and_schedule(admin_user, settings):
    assert settings.ACCESS_LOG_RETENTION_DAYS > 0
    assert any(entry["task"] == "accounts.access_log_archive"
               for entry in settings.CELERY_BEAT_SCHEDULE.values())
    from accounts.tasks import access_log_archive_task

    settings.ACCESS_LOG_RETENTION_DAYS = 10
    when = timezone.now() - timedelta(days=30)
    _logged_on(admin_user, when)
    assert access_log_archive_task.apply().get() == {
        f"accounts_accesslog_archive_{timezone.localtime(when).year}": 1}


def test_the_command(admin_user, capsys):
    _logged_on(admin_user, timezone.now() - timedelta(days=40))
    call_command("archive_access_log", "--days", "30")
    assert "1 rows archived" in capsys.readouterr().out
    call_command("archive_access_log", "--days", "30")
    assert "Nothing to archive." in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("archive_access_log", "--days", "-1")


def test_applications_history_is_protected_as_any(db):
    assert "applications_historicalapplication" in _tables()
    assert Application.history.model._meta.db_table == "applications_historicalapplication"
    assert settings.ACCESS_LOG_RETENTION_DAYS == 3 * 365
