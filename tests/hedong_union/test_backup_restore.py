"""Backups that restore (docs/operations.md §4): a seeded database dumped with the real
`pg_dump --format=custom` and restored with `pg_restore` into a fresh database has every row
of every table, every history row, every sequence where it was, and every encrypted value
readable with the keys."""

import os
import re
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from applications.demo import seed_applications
from membership.demo import seed_demo
from membership.pii import EncryptedPIIField, pii_fernet, pii_fields
from subsidies.demo import seed_subsidies


def pg_bin(tool):
    """The PostgreSQL client `tool` of the server's major version, found as
    scripts/with-test-services finds the server (PG_BIN, else /usr/lib/postgresql/*/bin),
    else on the PATH."""
    major = connection.cursor().connection.server_version // 10000
    folders = [os.environ.get("PG_BIN", ""), f"/usr/lib/postgresql/{major}/bin",
               *sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)]
    for folder in folders:
        if folder and (Path(folder) / tool).is_file():
            return str(Path(folder) / tool)
    return tool


def conninfo(dbname):
    settings = connection.settings_dict
    parts = {"host": settings["HOST"], "port": settings["PORT"], "user": settings["USER"],
             "dbname": dbname}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def run(*args):
    env = {**os.environ}
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def table_digests(cursor):
    """{table: (rows, md5 of its rows in a fixed order)} of every table in the schema."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    digests = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' '
                       f'ORDER BY t::text), \'\')) FROM "{table}" t')
        digests[table] = cursor.fetchone()
    return digests


def sequence_values(cursor):
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences "
                   "WHERE schemaname = 'public' ORDER BY 1")
    return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_a_dump_restores_into_a_fresh_database_with_everything_readable(
        organisation_structure, tmp_path):
    seed_demo(seed=11, password="not-used-here-123", workers=60, units=8)
    seed_applications(seed=11)
    seed_subsidies(seed=11)
    source = connection.settings_dict["NAME"]
    fresh = f"{source}_restored"[:63]
    dump = tmp_path / "hedong.dump"

    # The commands of docs/operations.md §4.
    run(pg_bin("pg_dump"), "--format=custom", f"--dbname={conninfo(source)}", f"--file={dump}")
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        cursor.execute(f'CREATE DATABASE "{fresh}" TEMPLATE template0 ENCODING \'UTF8\'')
    try:
        run(pg_bin("pg_restore"), "--no-owner", "--exit-on-error",
            f"--dbname={conninfo(fresh)}", str(dump))
        restored = psycopg2.connect(conninfo(fresh))
        try:
            with connection.cursor() as original, restored.cursor() as copy:
                expected = table_digests(original)
                assert table_digests(copy) == expected
                assert sequence_values(copy) == sequence_values(original)
                # The registry and its history were there to restore.
                for table in ("membership_worker", "membership_historicalworker",
                              "membership_historicalmember", "applications_historicalapplication",
                              "subsidies_historicalentitlement", "accounts_user"):
                    assert expected[table][0] > 0, table
                _every_encrypted_value_reads_the_same(copy)
        finally:
            restored.close()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')


def _every_encrypted_value_reads_the_same(copy):
    """Each EncryptedPIIField column of the copy (history included), decrypted with the
    keys, equals the value the portal reads from the original."""
    fernet = pii_fernet()
    checked = 0
    for model, fields in pii_fields(EncryptedPIIField):
        names = [field.name for field in fields]
        portal = {row[0]: list(row[1:]) for row in
                  model._base_manager.values_list("pk", *names)}
        columns = ", ".join(f'"{field.column}"' for field in fields)
        copy.execute(f'SELECT "{model._meta.pk.column}", {columns} FROM "{model._meta.db_table}"')
        restored = {}
        for pk, *tokens in copy.fetchall():
            # Stored as ciphertext, never a bare number.
            assert not any(re.fullmatch(r"\d{11,19}X?", t or "") for t in tokens)
            restored[pk] = [fernet.decrypt(t.encode()).decode() if t else None for t in tokens]
            checked += sum(1 for t in tokens if t)
        assert restored == portal, model._meta.label
    assert checked > 100
