"""The bank's payment file at rest (SPEC §8; docs/decisions.md): stored encrypted with the
personal-data keys, never a whole card number in clear on disk, downloaded by the office
only and each download in the access log."""

import importlib
import io
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.worksheet import _writer as openpyxl_writer

from accounts.models import AccessLog
from subsidies.models import Batch, LineStatus, ResultUpload
from subsidies.services import batch_approve, batch_create, batch_payment_file
from tests.subsidies.conftest import make_members, universal_approved
from tests.subsidies.pages import eager_tasks, result_file  # noqa: F401


@pytest.fixture
def approved(admin_user, dawangzhuang_community):
    make_members(4, community=dawangzhuang_community)
    return universal_approved(admin_user, run_on=date(2026, 1, 10), approve_on=date(2026, 1, 12))


@pytest.fixture
def sent(approved, admin_user, second_admin):
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    return batch_payment_file(batch=batch, by=second_admin)


def _cards(approved):
    return {e.member.card_number for e in approved.select_related("member")}


def _stored_bytes(batch):
    return Path(batch.payment_file.path).read_bytes()


@pytest.mark.django_db
def test_the_stored_file_holds_no_card_number(sent, approved):
    stored = _stored_bytes(sent)
    cards = _cards(approved)
    assert len(cards) == 4
    for card in cards:
        assert card.encode() not in stored
        assert card[-8:].encode() not in stored
    assert not stored.startswith(b"PK")  # not a workbook: a Fernet token
    assert sent.payment_file.name.endswith(".xlsx.fernet")
    sheet = load_workbook(io.BytesIO(sent.payment_file.read_decrypted())).active
    assert {row[1] for row in sheet.iter_rows(min_row=3, values_only=True)} == cards


@pytest.mark.django_db
def test_the_file_is_put_together_in_the_scratch_folder_only(approved, admin_user, second_admin,
                                                             settings, tmp_path, monkeypatch):
    """openpyxl writes each sheet through a temporary file: that one goes to PII_SCRATCH_DIR
    (a memory file system in production), and is gone afterwards."""
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    settings.PII_SCRATCH_DIR = str(scratch)
    made = []
    real = openpyxl_writer.NamedTemporaryFile

    def spy(*args, **kwargs):
        handle = real(*args, **kwargs)
        made.append(handle.name)
        return handle

    monkeypatch.setattr(openpyxl_writer, "NamedTemporaryFile", spy)
    before = tempfile.tempdir
    batch = batch_create(by=admin_user, queryset=approved)
    batch_approve(batch=batch, by=second_admin)
    batch_payment_file(batch=batch, by=second_admin)
    assert made and all(Path(name).parent == scratch for name in made)
    assert list(scratch.iterdir()) == []
    assert tempfile.tempdir == before


@pytest.mark.django_db
def test_the_office_downloads_it_in_clear_and_the_download_is_logged(client, sent, approved,
                                                                     second_admin):
    client.force_login(second_admin)
    before = AccessLog.objects.filter(description__contains="downloaded").count()
    response = client.get(reverse("subsidies:batch_download", args=[sent.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert {row[1] for row in sheet.iter_rows(min_row=3, values_only=True)} == _cards(approved)
    logged = AccessLog.objects.filter(description__contains="downloaded")
    assert logged.count() == before + 1
    entry = logged.latest("created_at")
    assert (entry.user, entry.action, entry.target_type, entry.target_id) == (
        second_admin, AccessLog.Action.EXPORT, "subsidies.batch", str(sent.pk))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leader", "street_staff_dawangzhuang",
                                 "community_staff_dawangzhuang", "liaison_zhujianwei"])
def test_no_one_but_the_office_downloads_it(client, sent, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("subsidies:batch_download", args=[sent.pk]))
    assert response.status_code in (403, 404)
    assert not AccessLog.objects.filter(description__contains="downloaded").exists()


@pytest.mark.django_db
def test_a_file_gone_from_the_storage_is_a_404(client, sent, second_admin):
    default_storage.delete(sent.payment_file.name)
    client.force_login(second_admin)
    assert client.get(reverse("subsidies:batch_download", args=[sent.pk])).status_code == 404


@pytest.mark.django_db
def test_the_bank_result_file_is_stored_encrypted_and_applied(sent, approved, second_admin,
                                                             eager_tasks,
                                                             django_capture_on_commit_callbacks):
    """A bank may send the cards back in its result file: it is stored as the payment file."""
    from subsidies.services import result_upload_create

    cards = sorted(_cards(approved))
    lines = list(sent.lines.order_by("pk"))
    upload = result_file([(line.line_id, "成功", card, 150) for line, card in zip(lines, cards)])
    with django_capture_on_commit_callbacks(execute=True):
        result_upload_create(batch=sent, file=upload, by=second_admin)
    stored = ResultUpload.objects.get()
    assert stored.status == ResultUpload.Status.DONE and stored.paid == 4
    assert stored.file.name.endswith(".xlsx.fernet")
    on_disk = Path(stored.file.path).read_bytes()
    assert not on_disk.startswith(b"PK")
    assert not any(card.encode() in on_disk for card in cards)
    assert set(sent.lines.values_list("status", flat=True)) == {LineStatus.PAID}


@pytest.mark.django_db
def test_the_migration_encrypts_the_files_made_before_and_its_reverse_decrypts(
        sent, approved, second_admin):
    """subsidies/0010: payment and result files stored in clear before are encrypted."""
    migration = importlib.import_module("subsidies.migrations.0010_encrypt_bank_files")
    clear = sent.payment_file.read_decrypted()
    old = default_storage.save("batches/PB-before.xlsx", ContentFile(clear))
    default_storage.delete(sent.payment_file.name)
    Batch.objects.filter(pk=sent.pk).update(payment_file=old)
    result = ResultUpload.objects.create(batch=sent, uploaded_by=second_admin, file=(
        default_storage.save("bank-results/before.xlsx", ContentFile(clear))))

    migration.encrypt(django_apps, None)
    result.refresh_from_db()
    assert result.file.name == "bank-results/before.xlsx.fernet"
    assert result.file.read_decrypted() == clear
    batch = Batch.objects.get(pk=sent.pk)
    assert batch.payment_file.name == old + ".fernet"
    assert not default_storage.exists(old)
    assert not any(card.encode() in _stored_bytes(batch) for card in _cards(approved))
    assert batch.payment_file.read_decrypted() == clear
    migration.encrypt(django_apps, None)  # twice: nothing more
    assert Batch.objects.get(pk=sent.pk).payment_file.name == old + ".fernet"

    migration.decrypt(django_apps, None)
    batch = Batch.objects.get(pk=sent.pk)
    assert batch.payment_file.name == old
    assert _stored_bytes(batch) == clear
