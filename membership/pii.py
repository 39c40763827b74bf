"""Personal information at rest and on screen (SPEC §8).

ID numbers, phones and card numbers are stored encrypted (Fernet, through
django-fernet-encrypted-fields) with a keyed hash beside each for exact look-up and
uniqueness. The encryption keys and the HMAC key are separate and come from the
environment; docs/pii-keys.md explains rotation.
"""

import hashlib
import hmac

from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.functional import cached_property
from encrypted_fields.fields import EncryptedCharField

from membership import decryption
from membership.decryption import PIIDecryptionError  # noqa: F401 (raised by the field)


class EncryptedPIIField(EncryptedCharField):
    """An encrypted text column keyed by PII_ENCRYPTION_KEYS (newest first).

    Unlike the package's default, the key does not depend on SECRET_KEY, and a value that
    no key decrypts is an error, never shown as the ciphertext.
    """

    @cached_property
    def keys(self):
        return [key.encode("ascii") for key in settings.PII_ENCRYPTION_KEYS]

    def to_python(self, value):
        if hasattr(self, "_already_decrypted"):  # the package's flag while a form cleans
            return value
        # A plain value on its way in (forms, clean()) is returned as it is.
        return decryption.decrypt_value(self.f, value, f"{self.model.__name__}.{self.name}")


def stored(name):
    """The column `name` (a lookup path to an EncryptedPIIField) as stored, ciphertext, for
    `values_list`: read so, it is decrypted by `decrypted_rows`, not row by row."""
    return Cast(name, TextField())


def decrypted_rows(rows, fields):
    """`rows` with the values at the positions of `fields` ({position: EncryptedPIIField},
    read with `stored`) decrypted, in worker processes for a big file
    (membership.decryption; settings.PII_DECRYPT_PROCESSES of them)."""
    return decryption.decrypted_rows(rows, fields, processes=settings.PII_DECRYPT_PROCESSES)


def pii_hmac(kind, value):
    """The keyed hash of a normalised identifier, for exact look-up and uniqueness.

    `kind` separates the namespaces so an ID and a card with the same digits never collide.
    """
    if not value:
        return None
    message = f"{kind}:{value}".encode()
    return hmac.new(settings.PII_HMAC_KEY.encode(), message, hashlib.sha256).hexdigest()


# What an erased identifier holds (privacy.services, PIPL Art. 47): shown as it is.
ERASED = "已删除"
# The change reason of the history row an erasure adds.
ERASED_REASON = "erased"


def mask_id(number):
    """First 2 and last 4: the first 6 would give the home county (SPEC §8)."""
    if not number or number == ERASED:
        return number or ""
    return f"{number[:2]}{'*' * (len(number) - 6)}{number[-4:]}"


def mask_phone(phone):
    if not phone or phone == ERASED:
        return phone or ""
    return f"{phone[:3]}****{phone[-4:]}"


def mask_card(card):
    if not card or card == ERASED:
        return card or ""
    return f"****{card[-4:]}"
