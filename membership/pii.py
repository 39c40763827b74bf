"""Personal information at rest and on screen (SPEC §8).

ID numbers, phones and card numbers are stored encrypted (Fernet, through
django-fernet-encrypted-fields) with a keyed hash beside each for exact look-up and
uniqueness. The encryption keys and the HMAC key are separate and come from the
environment; docs/pii-keys.md explains rotation.
"""

import hashlib
import hmac

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.utils.functional import cached_property
from encrypted_fields.fields import EncryptedCharField


class PIIDecryptionError(RuntimeError):
    """A stored value could not be decrypted with any configured key."""


class EncryptedPIIField(EncryptedCharField):
    """An encrypted text column keyed by PII_ENCRYPTION_KEYS (newest first).

    Unlike the package's default, the key does not depend on SECRET_KEY, and a value that
    no key decrypts is an error, never shown as the ciphertext.
    """

    @cached_property
    def keys(self):
        return [key.encode("ascii") for key in settings.PII_ENCRYPTION_KEYS]

    def to_python(self, value):
        if value is None or not isinstance(value, str) or hasattr(self, "_already_decrypted"):
            return value
        if not value.startswith("gAAAAA"):
            return value  # a plain value on its way in (forms, clean())
        try:
            return self.f.decrypt(value.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise PIIDecryptionError(
                f"{self.model.__name__}.{self.name}: no PII_ENCRYPTION_KEYS entry decrypts it"
            ) from None


def pii_hmac(kind, value):
    """The keyed hash of a normalised identifier, for exact look-up and uniqueness.

    `kind` separates the namespaces so an ID and a card with the same digits never collide.
    """
    if not value:
        return None
    message = f"{kind}:{value}".encode()
    return hmac.new(settings.PII_HMAC_KEY.encode(), message, hashlib.sha256).hexdigest()


def mask_id(number):
    """First 2 and last 4: the first 6 would give the home county (SPEC §8)."""
    if not number:
        return ""
    return f"{number[:2]}{'*' * (len(number) - 6)}{number[-4:]}"


def mask_phone(phone):
    if not phone:
        return ""
    return f"{phone[:3]}****{phone[-4:]}"


def mask_card(card):
    if not card:
        return ""
    return f"****{card[-4:]}"
