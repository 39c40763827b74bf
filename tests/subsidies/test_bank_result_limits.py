"""The bank's result file, bounded like every upload (SPEC §6.3, §8; docs/security.md):
the hostile workbooks of tests/upload_bombs.py are refused before parsing, blank rows
count against the row limit, a large file is read only by the task, and an upload whose
worker died is failed with its reason."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from subsidies import services
from subsidies.models import LineStatus, ResultUpload
from subsidies.tasks import result_uploads_fail_stale_task
from tests import upload_bombs
from tests.subsidies.conftest import batch_sent, make_members, universal_approved
from tests.subsidies.pages import result_file

HEADER = upload_bombs.BANK_HEADER
MB = upload_bombs.MB


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sent_batch(admin_user, second_admin, dawangzhuang_community):
    make_members(1, community=dawangzhuang_community)
    queryset = universal_approved(admin_user, run_on=date(2026, 1, 10),
                                  approve_on=date(2026, 1, 12))
    return batch_sent(queryset, maker=admin_user, checker=second_admin)


def _file(content):
    return SimpleUploadedFile("回盘.xlsx", content)


def _stored(media_root):
    """The bank result files kept (the batch's own payment file lives elsewhere)."""
    folder = media_root / "bank-results"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


BOMBS = {
    "shared strings": (lambda: upload_bombs.shared_strings_bomb(250 * MB, HEADER),
                       "超过允许的 200 MB"),
    "entries": (lambda: upload_bombs.many_entries(header=HEADER), "包含 605 个部件"),
    "external link": (lambda: upload_bombs.external_link(HEADER), "链接了其他文件"),
    "external relationship": (lambda: upload_bombs.external_relationship(HEADER),
                              "链接了其他文件"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("bomb", BOMBS)
def test_each_bomb_is_refused_before_anything_is_stored(sent_batch, second_admin, media_root,
                                                        bomb):
    build, reason = BOMBS[bomb]
    with pytest.raises(ValidationError) as caught:
        services.result_upload_create(batch=sent_batch, file=_file(build()), by=second_admin)
    assert reason in caught.value.messages[0]
    assert not ResultUpload.objects.exists() and not _stored(media_root)


@pytest.mark.django_db
def test_blank_rows_count_against_the_row_limit(sent_batch, second_admin, settings):
    settings.UPLOAD_MAX_ROWS = 1000
    with pytest.raises(ValidationError) as caught:
        services.result_upload_create(
            batch=sent_batch, by=second_admin,
            file=_file(upload_bombs.numbered_blank_rows(5000, HEADER)))
    assert caught.value.messages == ["文件超过 1,000 行（空行也计入行数），请删除数据下方的空行。"]


def test_a_sheet_of_blank_rows_costs_the_reader_little(tmp_path):
    path = tmp_path / "blank.xlsx"
    path.write_bytes(upload_bombs.numbered_blank_rows(250_000, HEADER))
    figures = upload_bombs.measure("bank", path)
    assert figures["outcome"] == "refused" and "200,000" in figures["message"]
    assert figures["rss_mb"] < 150 and figures["cpu_s"] < 30, figures


@pytest.mark.django_db
def test_a_large_file_is_read_by_the_task_only_and_its_refusal_shown(
        client, sent_batch, second_admin, settings, monkeypatch, media_root,
        django_capture_on_commit_callbacks):
    settings.UPLOAD_INLINE_MAX_BYTES = 1024
    settings.UPLOAD_MAX_ROWS = 1000
    content = upload_bombs.numbered_blank_rows(5000, HEADER)
    with monkeypatch.context() as patch:
        patch.setattr(services, "read_result_file_check",
                      lambda file: pytest.fail("read in the request"))
        with django_capture_on_commit_callbacks() as queued:
            upload = services.result_upload_create(batch=sent_batch, file=_file(content),
                                                   by=second_admin)
    assert len(queued) == 1 and upload.status == ResultUpload.Status.QUEUED
    services.result_upload_apply(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == ResultUpload.Status.FAILED and not _stored(media_root)
    client.force_login(second_admin)
    page = client.get(reverse("subsidies:result_upload_detail", args=[upload.pk]))
    assert "空行也计入行数" in page.content.decode()


@pytest.mark.django_db
def test_an_upload_whose_worker_died_is_failed_and_the_file_applies_again(
        client, sent_batch, second_admin, settings, django_capture_on_commit_callbacks):
    line = sent_batch.lines.get()
    with django_capture_on_commit_callbacks():
        upload = services.result_upload_create(
            batch=sent_batch, file=result_file([(line.line_id, "成功", "")]), by=second_admin)
    ResultUpload.objects.filter(pk=upload.pk).update(
        status=ResultUpload.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5))
    client.force_login(second_admin)
    page = client.get(reverse("subsidies:result_upload_detail", args=[upload.pk]))
    assert "该文件的导入被中断（处理进程已停止），未保存任何数据；请重新导入该文件。" in (
        page.content.decode())
    assert result_uploads_fail_stale_task() == 0  # already failed
    with django_capture_on_commit_callbacks():
        again = services.result_upload_create(
            batch=sent_batch, file=result_file([(line.line_id, "成功", "")]), by=second_admin)
    services.result_upload_apply(upload_id=again.pk)  # what the queued task does
    again.refresh_from_db()
    line.refresh_from_db()
    assert again.status == ResultUpload.Status.DONE and line.status == LineStatus.PAID


@pytest.mark.django_db
def test_the_beat_task_leaves_a_fresh_upload_alone(sent_batch, second_admin,
                                                   django_capture_on_commit_callbacks):
    line = sent_batch.lines.get()
    with django_capture_on_commit_callbacks():
        upload = services.result_upload_create(
            batch=sent_batch, file=result_file([(line.line_id, "成功", "")]), by=second_admin)
    assert result_uploads_fail_stale_task() == 0
    assert ResultUpload.objects.get(pk=upload.pk).status == ResultUpload.Status.QUEUED


def test_a_dimension_that_understates_the_rows_loses_none():
    """The sheet says A1:O2; the reader no longer stops there."""
    from subsidies.bank import read_result_file

    rows = [[f"L{n}", "成功", "", "150"] for n in range(5)]
    content = upload_bombs.plain_workbook(list(HEADER), rows)
    assert [row[1] for row in read_result_file(_file(content))] == [f"L{n}" for n in range(5)]
