"""Bounded roster uploads (SPEC §7.4, §8; docs/security.md): every hostile workbook of
tests/upload_bombs.py is refused with its reason and nothing is kept; blank rows count
against the row limit; a file above UPLOAD_INLINE_MAX_BYTES is never parsed in the
request. And runs whose process died are seen, failed with a message, and started again."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

import membership.tasks  # noqa: F401 - registers the tasks with the Celery app
from membership.imports import reader as reader_module
from membership.imports import services
from membership.models import ImportRun, ImportStatus, Worker
from membership.tasks.imports import import_run_validate_task, import_runs_fail_stale_task
from tests import upload_bombs
from tests.membership.rosters import (
    frozen_today,  # noqa: F401 - fixture
    new_id,
    roster_bytes,
    upload,
    worker_row,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def _upload(client, content):
    return client.post(reverse("membership:import_list"),
                       {"kind": "workers", "file": upload(content, name="花名册.xlsx")})


def _form_error(response):
    """The page's text, where the form shows its error."""
    return re.sub(r"\s+", " ", response.content.decode())


BOMBS = {
    "shared strings": (lambda: upload_bombs.shared_strings_bomb(), "解压后将占用 404 MB"),
    "blank rows": (lambda: upload_bombs.blank_rows_bomb(), "解压后将占用 344 MB"),
    "entries": (lambda: upload_bombs.many_entries(), "包含 605 个部件，超过模板所需的 500 个"),
    "external link": (upload_bombs.external_link, "链接了其他文件"),
    "external relationship": (upload_bombs.external_relationship, "链接了其他文件"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("bomb", BOMBS)
def test_each_bomb_is_refused_in_the_request_and_nothing_is_kept(
        client, street_staff_dawangzhuang, media_root, bomb):
    build, reason = BOMBS[bomb]
    client.force_login(street_staff_dawangzhuang)
    response = _upload(client, build())
    assert response.status_code == 200
    assert reason in _form_error(response)
    assert not ImportRun.objects.exists() and not _stored(media_root)


@pytest.mark.django_db
def test_a_packed_part_is_refused_by_its_ratio_under_the_size_limit(
        client, street_staff_dawangzhuang, settings):
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 10 ** 10
    client.force_login(street_staff_dawangzhuang)
    response = _upload(client, upload_bombs.shared_strings_bomb())
    assert "出于安全考虑已被拒绝" in _form_error(response)


@pytest.mark.django_db
def test_shared_strings_have_their_own_limit(client, street_staff_dawangzhuang, settings):
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = settings.UPLOAD_MAX_COMPRESSION_RATIO = 10 ** 10
    client.force_login(street_staff_dawangzhuang)
    response = _upload(client, upload_bombs.shared_strings_bomb())
    assert "文字占用 404 MB，超过允许的 64 MB" in _form_error(response)


@pytest.mark.django_db
def test_a_hyperlink_in_a_cell_is_not_an_external_link(street_staff_dawangzhuang):
    reader_module.check_file(upload(upload_bombs.with_hyperlink()))  # no error


@pytest.mark.django_db
def test_blank_rows_under_a_lying_dimension_count_against_the_row_limit(
        client, street_staff_dawangzhuang, settings, media_root):
    """Packed like an ordinary sheet, so only the row count stops it: the check of the
    rows fails the run with the reason, and the file is not kept."""
    settings.UPLOAD_MAX_ROWS = 1000
    client.force_login(street_staff_dawangzhuang)
    response = _upload(client, upload_bombs.numbered_blank_rows(5000))
    assert ("文件超过 1,000 行（空行也计入行数），请拆分成几个文件，或删除数据下方的空行。"
            in _form_error(client.get(response.url)))
    assert ImportRun.objects.get().status == ImportStatus.FAILED and not _stored(media_root)


@pytest.mark.django_db
def test_rows_at_the_limit_with_blank_ones_among_them_are_read(settings, dawangzhuang):
    settings.UPLOAD_MAX_ROWS = 3
    rows = [worker_row(身份证号=new_id()), {}, worker_row(身份证号=new_id())]
    result = services.roster_import(kind="workers", source=upload(roster_bytes(rows)),
                                    by=services.district_office(), dry_run=True)
    assert result.good_rows == 2


# -- the measured bombs (figures in docs/security.md) --------------------------------------

@pytest.mark.parametrize("bomb", ["shared strings", "blank rows"])
def test_a_bomb_costs_the_reading_process_little_memory_and_time(tmp_path, bomb):
    """In a fresh process, as a worker reads it: before the zip check these took 1.3 GB
    (shared strings) and tens of seconds of CPU (blank rows)."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(BOMBS[bomb][0]())
    figures = upload_bombs.measure("roster", path)
    assert figures["outcome"] == "refused"
    assert figures["rss_mb"] < 30 and figures["cpu_s"] < 2, figures


def test_a_sheet_of_blank_rows_within_the_zip_limits_stops_at_the_row_limit(tmp_path):
    path = tmp_path / "blank.xlsx"
    path.write_bytes(upload_bombs.numbered_blank_rows(250_000))
    figures = upload_bombs.measure("roster", path)
    assert figures["outcome"] == "refused" and "200,000" in figures["message"]
    assert figures["rss_mb"] < 50 and figures["cpu_s"] < 10, figures


# -- large files go to Celery --------------------------------------------------------------

@pytest.mark.django_db
def test_a_file_above_the_inline_size_is_not_parsed_in_the_request(
        street_staff_dawangzhuang, settings, monkeypatch, django_capture_on_commit_callbacks,
        frozen_today):
    settings.UPLOAD_INLINE_MAX_BYTES = 1024
    content = roster_bytes([worker_row(身份证号=new_id())])
    assert len(content) > 1024

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed in the request")

    with monkeypatch.context() as patch:
        patch.setattr(services, "RosterReader", no_parsing)
        with django_capture_on_commit_callbacks() as queued:
            run = services.import_run_create(by=street_staff_dawangzhuang, kind="workers",
                                             upload=upload(content))
    assert run.status == ImportStatus.VALIDATING and len(queued) == 1
    import_run_validate_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.good_rows) == (ImportStatus.VALIDATED, 1)


@pytest.mark.django_db
def test_a_large_file_refused_by_the_task_shows_why_and_is_not_kept(
        client, street_staff_dawangzhuang, settings, media_root):
    settings.UPLOAD_INLINE_MAX_BYTES = 1024
    settings.UPLOAD_MAX_ROWS = 1000
    run = services.import_run_create(by=street_staff_dawangzhuang, kind="workers",
                                     upload=upload(upload_bombs.numbered_blank_rows(5000)))
    assert _stored(media_root)
    import_run_validate_task(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and "空行也计入行数" in run.file_error
    assert not _stored(media_root)
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("membership:import_detail", args=[run.pk])).content.decode()
    assert "空行也计入行数" in page


# -- runs whose process died ---------------------------------------------------------------

def _checked_run(user, rows=2):
    run = services.import_run_create(
        by=user, kind="workers",
        upload=upload(roster_bytes([worker_row(身份证号=new_id()) for _ in range(rows)])))
    assert run.status == ImportStatus.VALIDATED
    return run


def _as_if_killed(run, status, *, ago):
    """What a process killed in the middle leaves: the run running, an old heartbeat."""
    ImportRun.objects.filter(pk=run.pk).update(
        status=status, heartbeat_at=timezone.now() - timedelta(seconds=ago), progress=0)


@pytest.mark.django_db
def test_a_stale_import_is_failed_on_its_page_and_can_be_started_again(
        client, street_staff_dawangzhuang, settings, frozen_today):
    run = _checked_run(street_staff_dawangzhuang)
    _as_if_killed(run, ImportStatus.IMPORTING, ago=settings.JOB_STALE_SECONDS + 5)
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("membership:import_detail", args=[run.pk])).content.decode()
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert "导入被中断（处理进程已停止），未保存任何数据；可以重新开始导入。" in page
    assert 'data-testid="import-start"' in page
    client.post(reverse("membership:import_start", args=[run.pk]))
    run.refresh_from_db()
    assert (run.status, run.created_count, run.file_error) == (ImportStatus.DONE, 2, "")
    assert Worker.objects.count() == 2


@pytest.mark.django_db
def test_a_running_import_with_a_fresh_heartbeat_is_left_alone(
        client, street_staff_dawangzhuang, settings, frozen_today):
    run = _checked_run(street_staff_dawangzhuang)
    _as_if_killed(run, ImportStatus.IMPORTING, ago=settings.JOB_STALE_SECONDS - 60)
    client.force_login(street_staff_dawangzhuang)
    client.post(reverse("membership:import_start", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.IMPORTING and not Worker.objects.exists()


@pytest.mark.django_db
def test_the_beat_task_fails_stale_checks_and_imports_once(
        street_staff_dawangzhuang, settings, frozen_today):
    importing = _checked_run(street_staff_dawangzhuang)
    _as_if_killed(importing, ImportStatus.IMPORTING, ago=settings.JOB_STALE_SECONDS + 5)
    checking = _checked_run(street_staff_dawangzhuang)
    _as_if_killed(checking, ImportStatus.VALIDATING, ago=settings.JOB_STALE_SECONDS + 5)
    fresh = _checked_run(street_staff_dawangzhuang)
    _as_if_killed(fresh, ImportStatus.VALIDATING, ago=10)
    assert import_runs_fail_stale_task() == 2
    assert import_runs_fail_stale_task() == 0
    checking.refresh_from_db()
    assert checking.file_error == "该文件的检查被中断（处理进程已停止）；请重新上传文件。"
    assert ImportRun.objects.get(pk=fresh.pk).status == ImportStatus.VALIDATING


@pytest.mark.django_db
def test_two_claims_of_one_run_take_it_once(street_staff_dawangzhuang, frozen_today):
    run = _checked_run(street_staff_dawangzhuang)
    assert services._claim(run, street_staff_dawangzhuang)
    assert not services._claim(run, street_staff_dawangzhuang)


@pytest.mark.django_db
def test_a_check_is_claimed_once(street_staff_dawangzhuang, settings, frozen_today):
    settings.UPLOAD_INLINE_MAX_BYTES = 0
    run = services.import_run_create(
        by=street_staff_dawangzhuang, kind="workers",
        upload=upload(roster_bytes([worker_row(身份证号=new_id())])))
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())  # another worker
    assert services.import_run_validate(run_id=run.pk).status == ImportStatus.VALIDATING
