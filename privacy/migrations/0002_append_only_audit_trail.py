"""The audit trail is append-only in PostgreSQL itself (SPEC §8): a trigger refuses UPDATE,
DELETE and TRUNCATE on the access log, the log of its rewrites and every simple_history
table of every app, unless the transaction went through accounts.audit's privileged path.
SQLite (development) is left as it is.

A history table added later needs a migration calling `protect` again;
tests/privacy/test_append_only.py fails until it has one."""

from django.db import migrations

from accounts.audit import (
    DROP_FUNCTION_SQL,
    FUNCTION_SQL,
    append_only_drop_sql,
    append_only_sql,
    audit_tables,
)


def protect(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION_SQL, params=None)
    for table in audit_tables(apps.get_models()):
        for statement in append_only_sql(table):
            schema_editor.execute(statement, params=None)


def unprotect(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in audit_tables(apps.get_models()):
        for statement in append_only_drop_sql(table):
            schema_editor.execute(statement, params=None)
    schema_editor.execute(DROP_FUNCTION_SQL, params=None)


class Migration(migrations.Migration):
    # After the latest migration of every app, so that every history table exists.
    dependencies = [
        ("accounts", "0007_audit_trail_rewrites"),
        ("membership", "0006_import_run_heartbeat"),
        ("applications", "0003_application_member_service_card"),
        ("reporting", "0004_export_job_heartbeat"),
        ("subsidies", "0011_result_upload_heartbeat"),
        ("privacy", "0001_data_requests"),
    ]

    operations = [migrations.RunPython(protect, unprotect, elidable=False)]
