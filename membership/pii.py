"""Personal information at rest and on screen (SPEC §8).

ID numbers, phones and card numbers are stored encrypted (Fernet, through
django-fernet-encrypted-fields) with a keyed hash beside each for exact look-up and
uniqueness. The encryption keys and the HMAC key are separate and come from the
environment; docs/pii-keys.md explains rotation.
"""

import hashlib
import hmac
import os
import tempfile
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.signals import setting_changed
from django.db.models import FileField, TextField
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Cast
from django.dispatch import receiver
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
        return pii_keys()

    def to_python(self, value):
        if hasattr(self, "_already_decrypted"):  # the package's flag while a form cleans
            return value
        # A plain value on its way in (forms, clean()) is returned as it is.
        return decryption.decrypt_value(self.f, value, f"{self.model.__name__}.{self.name}")


def pii_keys():
    """The Fernet keys of PII_ENCRYPTION_KEYS, as bytes, newest first."""
    return [key.encode("ascii") for key in settings.PII_ENCRYPTION_KEYS]


def pii_fernet():
    """The Fernet the encrypted fields use: the first key encrypts, every key decrypts."""
    return decryption.fernet_for(pii_keys())


def pii_fields(field_class=EncryptedPIIField):
    """(model, [fields]) of every installed model with fields of `field_class`, the
    historical models of simple_history included (their fields are copies of the same
    class)."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, field_class)]
        if fields:
            found.append((model, fields))
    return found


@receiver(setting_changed)
def _keys_reloaded(setting, **kwargs):
    """The fields keep their keys once read; a change of the setting (tests) drops them."""
    if setting != "PII_ENCRYPTION_KEYS":
        return
    for _model, fields in pii_fields(EncryptedPIIField):
        for field in fields:
            field.__dict__.pop("keys", None)
            field.__dict__.pop("f", None)


class EncryptedFieldFile(FieldFile):
    """A stored file whose content is one Fernet token of PII_ENCRYPTION_KEYS."""

    def save_encrypted(self, name, data, save=True):
        """Store the bytes `data` encrypted under the first key."""
        self.save(name, ContentFile(pii_fernet().encrypt(data)), save=save)

    def read_decrypted(self):
        """The file's bytes in clear; PIIDecryptionError when no configured key opens it."""
        from cryptography.fernet import InvalidToken

        with self.open("rb") as handle:
            token = handle.read()
        try:
            return pii_fernet().decrypt(token)
        except InvalidToken:
            raise PIIDecryptionError(
                f"{self.instance._meta.label}.{self.field.name}: no PII_ENCRYPTION_KEYS entry "
                f"decrypts the file") from None


class EncryptedPIIFileField(FileField):
    """A file holding personal data, stored encrypted with the personal-data keys (the bank's
    payment file: docs/decisions.md). Written with `save_encrypted`, read with
    `read_decrypted`; `manage.py rotate_pii_keys` re-encrypts it with the others."""

    attr_class = EncryptedFieldFile


@contextmanager
def pii_scratch():
    """Temporary files made inside (openpyxl writes each sheet through one) go to
    PII_SCRATCH_DIR, a memory file system, so personal data in clear never reaches a disk.
    For the process as a whole while it lasts: a Celery task's own process."""
    folder = settings.PII_SCRATCH_DIR or ("/dev/shm" if os.access("/dev/shm", os.W_OK)
                                          else None)
    before = tempfile.tempdir
    tempfile.tempdir = folder
    try:
        yield folder
    finally:
        tempfile.tempdir = before


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
