"""Rotating the personal-data encryption key (docs/pii-keys.md; SPEC §8): `manage.py
rotate_pii_keys` re-encrypts every encrypted column of every model and history table, and
the encrypted payment files, in chunks, resumably, with progress; afterwards the database
holds no ciphertext that only the old key opens, and every value reads as before."""

import io
from datetime import date

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from applications.demo import seed_applications
from applications.services import application_submit
from membership.demo import seed_demo
from membership.pii import EncryptedPIIField, pii_fields
from subsidies.services import batch_approve, batch_create, batch_payment_file
from tests.applications.conftest import submit_kwargs
from tests.subsidies.conftest import make_members, second_admin, universal_approved  # noqa: F401

NEW = Fernet.generate_key().decode()


def encrypted_columns():
    """(table, column) of every EncryptedPIIField, found by class; history tables included."""
    return [(model._meta.db_table, field.column)
            for model, fields in pii_fields(EncryptedPIIField) for field in fields]


def stored_tokens():
    """Every non-empty ciphertext in the database, read with raw SQL: {(table, column): [..]}."""
    found = {}
    with connection.cursor() as cursor:
        for table, column in encrypted_columns():
            cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL '
                           f"AND \"{column}\" <> ''")
            found[(table, column)] = [row[0] for row in cursor.fetchall()]
    return found


def readable_values():
    """Every model's decrypted values, as the portal reads them, by table and primary key."""
    values = {}
    for model, fields in pii_fields(EncryptedPIIField):
        for row in model._base_manager.order_by("pk").values_list("pk", *[f.name for f in fields]):
            values[(model._meta.db_table, row[0])] = row[1:]
    return values


def opens(key, token):
    try:
        Fernet(key).decrypt(token.encode() if isinstance(token, str) else token)
    except InvalidToken:
        return False
    return True


@pytest.fixture
def everything_encrypted(organisation_structure, admin_user, second_admin,
                         dawangzhuang_community, settings):
    """Workers, members and applications with their history (seed_demo, small), and a bank
    payment file, all under the old key."""
    seed_demo(seed=7, password="not-used-here-123", workers=30, units=5)
    seed_applications(seed=7)
    for card in ("6217990000000000014", "6217990000000000022"):  # Luhn-valid cards
        application_submit(**submit_kwargs(dawangzhuang_community, card_number=card))
    make_members(3, community=dawangzhuang_community, seed=9)
    approved = universal_approved(admin_user, run_on=date(2026, 1, 10),
                                  approve_on=date(2026, 1, 12))
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    batch = batch_payment_file(batch=batch, by=second_admin)
    tokens = stored_tokens()
    # Every kind of table has rows to rotate: live and history, of every model.
    assert all(tokens.values()), [k for k, v in tokens.items() if not v]
    assert any("historical" in table for table, _ in tokens)
    return batch


def _rotate(*args):
    out = io.StringIO()
    call_command("rotate_pii_keys", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_no_ciphertext_of_the_old_key_is_left_and_every_value_reads_the_same(
        everything_encrypted, settings, django_assert_max_num_queries):
    old = settings.PII_ENCRYPTION_KEYS[0]
    before = readable_values()
    clear_file = everything_encrypted.payment_file.read_decrypted()
    history_rows = _history_counts()

    settings.PII_ENCRYPTION_KEYS = [NEW, old]
    with pytest.raises(CommandError, match="not under the first key"):
        _rotate("--check")
    output = _rotate("--chunk", "25")

    assert "membership.Worker (id_number, phone)" in output
    assert "membership.HistoricalWorker" in output and "re-encrypted" in output
    for (table, column), tokens in stored_tokens().items():
        assert tokens
        assert all(opens(NEW, token) and not opens(old, token) for token in tokens), (
            table, column)
    batch = type(everything_encrypted).objects.get(pk=everything_encrypted.pk)
    with batch.payment_file.open("rb") as handle:
        token = handle.read()
    assert opens(NEW, token) and not opens(old, token)
    assert _history_counts() == history_rows  # a rotation is no change to the records

    # The old key removed, as step 3 of docs/pii-keys.md says: everything still reads.
    settings.PII_ENCRYPTION_KEYS = [NEW]
    assert readable_values() == before
    assert batch.payment_file.read_decrypted() == clear_file
    assert "Every value and file is under the first key." in _rotate("--check")


def _history_counts():
    from django.apps import apps

    return {model._meta.label: model._base_manager.count() for model in apps.get_models()
            if model.__name__.startswith("Historical")}


@pytest.mark.django_db
def test_a_rotation_stopped_half_way_goes_on_where_it_stopped(everything_encrypted, settings,
                                                              monkeypatch):
    from membership.models import Worker
    from membership.services import pii_keys

    old = settings.PII_ENCRYPTION_KEYS[0]
    settings.PII_ENCRYPTION_KEYS = [NEW, old]
    real_chunk = pii_keys._columns_chunk
    calls = {"n": 0}

    def dies_on_the_third_chunk(model, *args, **kwargs):
        if model is Worker:
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt  # the process killed mid-way
        return real_chunk(model, *args, **kwargs)

    monkeypatch.setattr(pii_keys, "_columns_chunk", dies_on_the_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        _rotate("--chunk", "10")
    ids = [t for t in stored_tokens()[("membership_worker", "id_number")]]
    rotated = sum(opens(NEW, t) for t in ids)
    assert 0 < rotated < len(ids)  # two chunks done, the rest not

    monkeypatch.setattr(pii_keys, "_columns_chunk", real_chunk)
    output = _rotate("--chunk", "10")
    assert f"{len(ids) - rotated:,} re-encrypted" in [
        line for line in output.splitlines() if line.startswith("membership.Worker ")][-1]
    assert all(opens(NEW, t) and not opens(old, t) for tokens in stored_tokens().values()
               for t in tokens)


@pytest.mark.django_db
def test_a_value_no_key_opens_stops_the_rotation_and_is_not_named(everything_encrypted,
                                                                  settings):
    settings.PII_ENCRYPTION_KEYS = [NEW]  # the old key forgotten
    with pytest.raises(CommandError) as refused:
        _rotate()
    assert "no PII_ENCRYPTION_KEYS entry decrypts it" in str(refused.value)
    assert "gAAAAA" not in str(refused.value)


def test_a_chunk_below_one_is_refused():
    with pytest.raises(CommandError, match="--chunk"):
        _rotate("--chunk", "0")
