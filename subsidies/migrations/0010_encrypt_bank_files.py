"""The bank's files stored before they were encrypted (payment files and result files):
each encrypted with the personal-data keys under its name plus `.fernet`, the clear file
deleted (docs/decisions.md). The reverse decrypts them back."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations

XLSX_MAGIC = b"PK\x03\x04"
SUFFIX = ".fernet"
FILES = (("Batch", "payment_file"), ("ResultUpload", "file"))


def _files(apps):
    for model_name, field in FILES:
        model = apps.get_model("subsidies", model_name)
        rows = list(model.objects.exclude(**{field: ""}).values_list("pk", field))
        for pk, name in rows:
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as handle:
                    yield model.objects.filter(pk=pk), field, name, handle.read()


def _replace(row, field, old, new_name, content):
    new = default_storage.save(new_name, ContentFile(content))
    row.update(**{field: new})
    default_storage.delete(old)


def encrypt(apps, schema_editor):
    from membership.pii import pii_fernet

    for row, field, name, data in _files(apps):
        if data.startswith(XLSX_MAGIC):  # still in clear
            _replace(row, field, name, name + SUFFIX, pii_fernet().encrypt(data))


def decrypt(apps, schema_editor):
    from membership.pii import pii_fernet

    for row, field, name, data in _files(apps):
        if not data.startswith(XLSX_MAGIC):
            plain_name = name[:-len(SUFFIX)] if name.endswith(SUFFIX) else name + ".xlsx"
            _replace(row, field, name, plain_name, pii_fernet().decrypt(data))


class Migration(migrations.Migration):

    dependencies = [
        ("subsidies", "0009_bank_files_encrypted_field"),
    ]

    operations = [
        migrations.RunPython(encrypt, decrypt),
    ]
