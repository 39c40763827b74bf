"""The card field's decryption (membership.pii.EncryptedPIIField), one value as a model
reads it and many as the bank's payment file reads 100,000 cards, in worker processes
(membership.decryption): Fernet's values, old keys after a rotation, refusals, the order
of the rows, the workers stopped whatever happens."""

import copy
import os
import subprocess

import pytest
from cryptography.fernet import Fernet

from membership import decryption
from membership.models import Member
from membership.pii import PIIDecryptionError

WAYS = ["field", "here", "worker processes"]


def _card_field():
    """The card field with the keys as the settings now say (its cached ones dropped)."""
    field = copy.copy(Member._meta.get_field("card_number"))
    for cached in ("keys", "f"):
        field.__dict__.pop(cached, None)
    return field


def pii_decrypt_many(tokens, way="field"):
    """Decrypt `tokens` one of three ways: as the field does on reading a model, as a file's
    rows in this process, or in two worker processes a token at a time (with the `way`
    fixture: none decrypted here first)."""
    field = _card_field()
    if way == "field":
        return [field.to_python(token) for token in tokens]
    rows = decryption.decrypted_rows([("line", token) for token in tokens], {1: field},
                                     processes=1 if way == "here" else 2, chunk=1)
    return [card for _line, card in rows]


def decrypting_children():
    """This process's children running membership/decryption.py."""
    found = subprocess.run(["pgrep", "-P", str(os.getpid()), "-f", "decryption.py"],
                           capture_output=True, text=True)
    return found.stdout.split()


@pytest.fixture(params=WAYS)
def way(request, monkeypatch):
    if request.param == "worker processes":
        monkeypatch.setattr(decryption, "PARALLEL_FROM", 0)
    return request.param


def test_many_tokens_decrypt_as_fernet_does(settings, way):
    key = settings.PII_ENCRYPTION_KEYS[0]
    values = ["6217990000000000011", "", "x" * 15, "y" * 16, "卡号一二三", None]
    tokens = [None if v is None else Fernet(key).encrypt(v.encode()).decode() for v in values]
    assert pii_decrypt_many(tokens, way) == values
    assert pii_decrypt_many([], way) == []


def test_old_keys_still_decrypt_after_rotation(settings, way):
    old, new = settings.PII_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    tokens = [Fernet(old).encrypt(b"6217990000000000011").decode(),
              Fernet(new).encrypt(b"6217990000000000029").decode()]
    settings.PII_ENCRYPTION_KEYS = [new, old]
    assert pii_decrypt_many(tokens, way) == ["6217990000000000011", "6217990000000000029"]


@pytest.mark.parametrize("tamper", ["flip", "foreign key", "truncate", "garbage"])
def test_a_token_no_key_authenticates_is_refused(settings, tamper, way):
    key = settings.PII_ENCRYPTION_KEYS[0]
    token = Fernet(key).encrypt(b"6217990000000000011").decode()
    if tamper == "flip":
        raw = bytearray(__import__("base64").urlsafe_b64decode(token))
        raw[30] ^= 1
        token = __import__("base64").urlsafe_b64encode(bytes(raw)).decode()
    elif tamper == "foreign key":
        token = Fernet(Fernet.generate_key()).encrypt(b"6217990000000000011").decode()
    elif tamper == "truncate":
        token = token[:-8]
    else:
        token = "gAAAAA-not-a-token"
    with pytest.raises(PIIDecryptionError, match="Member.card_number") as refused:
        pii_decrypt_many([token], way)
    assert token not in str(refused.value)


def _encrypted_rows(settings, count):
    """`count` rows (number, card token, name, phone token) and the cards and phones."""
    fernet = Fernet(settings.PII_ENCRYPTION_KEYS[0])
    cards = [f"62179900000{i:08d}" for i in range(count)]
    phones = [f"139{i:08d}" for i in range(count)]
    rows = [(i, fernet.encrypt(card.encode()).decode(), f"名{i}",
             fernet.encrypt(phone.encode()).decode())
            for i, (card, phone) in enumerate(zip(cards, phones))]
    return rows, cards, phones


def test_many_chunks_come_back_in_order_from_the_workers(settings, monkeypatch):
    monkeypatch.setenv("PII_ENCRYPTION_KEYS", ",".join(settings.PII_ENCRYPTION_KEYS))
    monkeypatch.setattr(decryption, "PARALLEL_FROM", 3)
    rows, cards, phones = _encrypted_rows(settings, 23)
    field = _card_field()
    given = decryption.decrypted_rows(iter(rows), {1: field, 3: field}, processes=2, chunk=4)
    head = [next(given) for _ in range(3)]
    assert not decrypting_children()  # the first rows are decrypted here
    fourth = next(given)
    # The rest are decrypted by processes of their own, started for this file, which are
    # given the keys through their pipe, not in their environment.
    children = decrypting_children()
    assert len(children) == 2
    for pid in children:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            environment = environ.read()
        assert b"PII_" not in environment
        assert settings.PII_ENCRYPTION_KEYS[0].encode() not in environment
    assert [*head, fourth, *given] == [[i, card, f"名{i}", phone]
                               for i, (card, phone) in enumerate(zip(cards, phones))]
    assert not decrypting_children()  # stopped once the rows are given back


def test_a_file_of_parallel_from_rows_starts_no_worker(settings, monkeypatch):
    monkeypatch.setattr(decryption, "PARALLEL_FROM", 4)
    rows, cards, _phones = _encrypted_rows(settings, 4)
    given = decryption.decrypted_rows(rows, {1: _card_field()}, processes=2, chunk=1)
    assert [row[1] for row in given] == cards
    assert not decrypting_children()


def test_the_workers_stop_when_a_later_chunk_fails(settings, monkeypatch):
    monkeypatch.setattr(decryption, "PARALLEL_FROM", 0)
    rows, _cards, _phones = _encrypted_rows(settings, 12)
    rows[9] = (9, "gAAAAA-not-a-token", "名9", rows[9][3])
    given = decryption.decrypted_rows(rows, {1: _card_field()}, processes=2, chunk=3)
    assert [row[0] for _i, row in zip(range(9), given)] == list(range(9))
    with pytest.raises(PIIDecryptionError, match="Member.card_number"):
        next(given)
    assert not decrypting_children()


def test_the_workers_stop_when_the_reader_stops_early(settings, monkeypatch):
    monkeypatch.setattr(decryption, "PARALLEL_FROM", 0)
    rows, cards, _phones = _encrypted_rows(settings, 40)
    given = decryption.decrypted_rows(rows, {1: _card_field()}, processes=2, chunk=3)
    assert next(given)[1] == cards[0]
    given.close()  # e.g. the file's writing failed
    assert not decrypting_children()


@pytest.mark.django_db
def test_stored_reads_the_ciphertext_for_the_workers(member_dawangzhuang):
    from membership.pii import stored

    member = Member.objects.filter(pk=member_dawangzhuang.pk)
    member.update(card_number="6217990000000000011")
    (token,) = member.values_list(stored("card_number"), flat=True)
    assert token.startswith(decryption.TOKEN_PREFIX)
    assert pii_decrypt_many([token]) == ["6217990000000000011"]
