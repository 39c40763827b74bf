"""The card field's decryption (membership.pii.EncryptedPIIField), as the bank's payment
file reads 100,000 cards: Fernet's values, old keys after a rotation, refusals."""

import copy

import pytest
from cryptography.fernet import Fernet

from membership.models import Member
from membership.pii import PIIDecryptionError


def pii_decrypt_many(tokens):
    """Decrypt as the field does on reading, with the keys as the settings now say."""
    field = copy.copy(Member._meta.get_field("card_number"))
    for cached in ("keys", "f"):
        field.__dict__.pop(cached, None)
    return [field.to_python(token) for token in tokens]


def test_many_tokens_decrypt_as_fernet_does(settings):
    key = settings.PII_ENCRYPTION_KEYS[0]
    values = ["6217990000000000011", "", "x" * 15, "y" * 16, "卡号一二三", None]
    tokens = [None if v is None else Fernet(key).encrypt(v.encode()).decode() for v in values]
    assert pii_decrypt_many(tokens) == values
    assert pii_decrypt_many([]) == []


def test_old_keys_still_decrypt_after_rotation(settings):
    old, new = settings.PII_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    tokens = [Fernet(old).encrypt(b"6217990000000000011").decode(),
              Fernet(new).encrypt(b"6217990000000000029").decode()]
    settings.PII_ENCRYPTION_KEYS = [new, old]
    assert pii_decrypt_many(tokens) == ["6217990000000000011", "6217990000000000029"]


@pytest.mark.parametrize("tamper", ["flip", "foreign key", "truncate", "garbage"])
def test_a_token_no_key_authenticates_is_refused(settings, tamper):
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
    with pytest.raises(PIIDecryptionError):
        pii_decrypt_many([token])
