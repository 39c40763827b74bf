"""The payment files made before they were stored encrypted: each encrypted with the
personal-data keys under its name plus `.fernet`, the clear file deleted (docs/decisions.md).
The reverse decrypts them back."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations

XLSX_MAGIC = b"PK\x03\x04"
SUFFIX = ".fernet"


def _files(apps):
    Batch = apps.get_model("subsidies", "Batch")
    rows = list(Batch.objects.exclude(payment_file="").values_list("pk", "payment_file"))
    for pk, name in rows:
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as handle:
                yield Batch, pk, name, handle.read()


def _replace(Batch, pk, old, new_name, content):
    new = default_storage.save(new_name, ContentFile(content))
    Batch.objects.filter(pk=pk).update(payment_file=new)
    default_storage.delete(old)


def encrypt(apps, schema_editor):
    from membership.pii import pii_fernet

    for Batch, pk, name, data in _files(apps):
        if data.startswith(XLSX_MAGIC):  # still in clear
            _replace(Batch, pk, name, name + SUFFIX, pii_fernet().encrypt(data))


def decrypt(apps, schema_editor):
    from membership.pii import pii_fernet

    for Batch, pk, name, data in _files(apps):
        if not data.startswith(XLSX_MAGIC):
            plain_name = name[:-len(SUFFIX)] if name.endswith(SUFFIX) else name + ".xlsx"
            _replace(Batch, pk, name, plain_name, pii_fernet().decrypt(data))


class Migration(migrations.Migration):

    dependencies = [
        ("subsidies", "0009_payment_file_encrypted_field"),
    ]

    operations = [
        migrations.RunPython(encrypt, decrypt),
    ]
