"""Large exports as background jobs (SPEC §7.4): claimed once however often the task runs
(SPEC §7.5), written with the owner's scope and permissions, progress for the page, and a
download that only the owner gets, access-logged (SPEC §8)."""

import io
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccessLog
from membership.pii import mask_id
from reporting import services
from reporting.exports import Export
from reporting.models import ExportJob
from reporting.xlsx import Column
from tests.conftest import REGISTRY


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _job(user, kind="units", **fields):
    return ExportJob.objects.create(user=user, kind=kind, parameters=fields.pop("parameters", {}),
                                    **fields)


def _workbook_rows(job):
    with job.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    return sheet, list(sheet.iter_rows(min_row=3, values_only=True))


# ---------------------------------------------------------------------------
# Running a job
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_job_writes_its_file_and_finishes(admin_user, unit_dawangzhuang_property,
                                            unit_dazhigu_education, media):
    job = _job(admin_user)
    done = services.export_job_run(job_id=job.pk)
    assert done.status == ExportJob.Status.DONE
    assert (done.rows_done, done.rows_total) == (2, 2)
    assert done.started_at <= done.finished_at
    assert done.file.name.startswith("exports/") and done.file.name.endswith(f"-{job.pk}.xlsx")
    assert (media / done.file.name).exists()
    sheet, rows = _workbook_rows(done)
    assert sheet["A1"].value.startswith("单位名录　全区　")
    assert sorted(r[0] for r in rows) == ["大王庄安居物业服务有限公司", "大直沽启明培训学校"]


@pytest.mark.django_db
def test_running_a_job_twice_does_the_work_once(admin_user, unit_dawangzhuang_property, media):
    """A task delivered twice (acks_late, a retry) finds the job claimed (STYLE habit 5)."""
    job = _job(admin_user)
    first = services.export_job_run(job_id=job.pk)
    assert services.export_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.file.name, job.finished_at) == (
        ExportJob.Status.DONE, first.file.name, first.finished_at)
    assert len(list((media / "exports").rglob("*.xlsx"))) == 1


@pytest.mark.django_db
def test_a_job_running_elsewhere_is_left_alone(admin_user, unit_dawangzhuang_property):
    job = _job(admin_user, status=ExportJob.Status.RUNNING, started_at=timezone.now())
    assert services.export_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING and not job.file


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_claimed_again_once_its_heartbeat_is_stale(
        admin_user, unit_dawangzhuang_property):
    stuck_since = timezone.now() - timedelta(seconds=django_settings.JOB_STALE_SECONDS + 60)
    job = _job(admin_user, status=ExportJob.Status.RUNNING, started_at=stuck_since,
               heartbeat_at=stuck_since)
    assert services.export_job_run(job_id=job.pk).status == ExportJob.Status.DONE


@pytest.mark.django_db
def test_a_failing_export_marks_the_job_failed(admin_user, monkeypatch):
    def broken_rows(queryset, *, full_pii):
        raise RuntimeError("the database went away")
        yield  # pragma: no cover

    broken = Export(kind="units", title="单位名录", filename="units",
                    target_type="membership.unit", columns=[Column("单位名称")],
                    queryset=lambda user: ExportJob.objects.none(), rows=broken_rows)
    monkeypatch.setattr(services, "export_get", lambda kind: broken)
    job = _job(admin_user)
    with pytest.raises(RuntimeError):
        services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportJob.Status.FAILED, "RuntimeError")
    assert job.finished_at is not None and not job.file


@pytest.mark.django_db
def test_progress_is_saved_while_the_rows_are_written(admin_user, monkeypatch,
                                                      unit_dawangzhuang_property,
                                                      unit_dazhigu_education):
    seen = []
    original = services._counted

    def spy(rows, progress):
        def recording(done):
            progress(done)
            seen.append(ExportJob.objects.get(pk=job.pk).rows_done)
        return original(rows, recording)

    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(services, "_counted", spy)
    job = _job(admin_user)
    services.export_job_run(job_id=job.pk)
    assert seen == [1, 2]


@pytest.mark.django_db
def test_a_job_runs_with_the_owners_scope_and_masking(street_staff_dawangzhuang,
                                                      worker_dawangzhuang, worker_dazhigu):
    job = _job(street_staff_dawangzhuang, kind="workers")
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    sheet, rows = _workbook_rows(job)
    assert sheet["A1"].value.startswith("职工花名册　大王庄街道　")
    assert [(r[0], r[1]) for r in rows] == [("王建国", mask_id(REGISTRY["id_a"]))]


@pytest.mark.django_db
def test_a_job_keeps_the_list_filters(admin_user, worker_dawangzhuang, worker_dazhigu, dazhigu):
    job = _job(admin_user, kind="workers", parameters={"street": dazhigu.pk, "search": ""})
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert [r[0] for r in _workbook_rows(job)[1]] == ["赵秀英"]


# ---------------------------------------------------------------------------
# The pages: progress, status, download; the owner's alone
# ---------------------------------------------------------------------------
@pytest.fixture
def finished_job(street_staff_dawangzhuang, unit_dawangzhuang_property):
    job = _job(street_staff_dawangzhuang)
    return services.export_job_run(job_id=job.pk)


@pytest.mark.django_db
def test_the_owner_downloads_the_file_and_the_download_is_logged(client, finished_job,
                                                                 street_staff_dawangzhuang):
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("reporting:export_job_download", args=[finished_job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A3"].value == "大王庄安居物业服务有限公司"
    entry = AccessLog.objects.get(user=street_staff_dawangzhuang)
    assert (entry.action, entry.target_type, entry.target_id) == (
        AccessLog.Action.EXPORT, "membership.unit", str(finished_job.pk))
    assert entry.description == f"units export job {finished_job.pk} downloaded"


@pytest.mark.django_db
@pytest.mark.parametrize("other", ["admin_user", "street_staff_dazhigu", "leader"])
@pytest.mark.parametrize("url_name", ["export_job_detail", "export_job_status",
                                      "export_job_download"])
def test_anyone_but_the_owner_gets_404(client, request, finished_job, other, url_name):
    """The office too: the file holds what the owner's scope and permissions gave."""
    client.force_login(request.getfixturevalue(other))
    response = client.get(reverse(f"reporting:{url_name}", args=[finished_job.pk]))
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client, finished_job):
    response = client.get(reverse("reporting:export_job_download", args=[finished_job.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_file_not_ready_yet_cannot_be_downloaded(client, street_staff_dawangzhuang):
    job = _job(street_staff_dawangzhuang, rows_total=9000)
    client.force_login(street_staff_dawangzhuang)
    assert client.get(reverse("reporting:export_job_download",
                              args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_the_status_tells_the_progress_and_then_the_download(client, street_staff_dawangzhuang,
                                                             finished_job):
    client.force_login(street_staff_dawangzhuang)
    running = _job(street_staff_dawangzhuang, status=ExportJob.Status.RUNNING, rows_done=3000,
                   rows_total=12000, started_at=timezone.now())
    state = client.get(reverse("reporting:export_job_status", args=[running.pk])).json()
    assert state == {"status": "running", "status_label": "进行中", "rows_done": 3000,
                     "rows_total": 12000, "percent": 25, "finished": False,
                     "download_url": None, "failed_message": ""}
    state = client.get(reverse("reporting:export_job_status", args=[finished_job.pk])).json()
    assert (state["status"], state["percent"], state["finished"]) == ("done", 100, True)
    assert state["download_url"] == reverse("reporting:export_job_download",
                                            args=[finished_job.pk])


@pytest.mark.django_db
def test_the_progress_page_polls_from_a_static_script(client, street_staff_dawangzhuang):
    """No inline script (CSP): the page names its status URL for export_progress.js."""
    job = _job(street_staff_dawangzhuang, rows_total=9000)
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("reporting:export_job_detail", args=[job.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-status-url="{reverse("reporting:export_job_status", args=[job.pk])}"' in html
    assert "js/export_progress.js" in html
    assert "<script>" not in html
    assert "排队中" in html and "9000" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


# ---------------------------------------------------------------------------
# The real thing: a Celery worker on the Redis broker
# ---------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_large_export_runs_in_celery_and_is_downloaded(client, monkeypatch, admin_user,
                                                         unit_dawangzhuang_property,
                                                         unit_dazhigu_education):
    from celery.contrib.testing.worker import start_worker

    import reporting.tasks  # noqa: F401  (registers the task with the app)
    from hedong_union.celery import app

    assert app.conf.broker_url.startswith("redis://")
    monkeypatch.setattr(services, "INLINE_MAX_ROWS", 1)
    client.force_login(admin_user)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        response = client.get(reverse("membership:unit_export"))
        job = ExportJob.objects.get()
        assert response["Location"] == reverse("reporting:export_job_detail", args=[job.pk])
        deadline = time.monotonic() + 60
        while not job.is_finished and time.monotonic() < deadline:
            time.sleep(0.2)
            job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    response = client.get(reverse("reporting:export_job_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 4
    assert AccessLog.objects.filter(user=admin_user, target_id=str(job.pk)).count() == 2


@pytest.mark.django_db
def test_my_exports_lists_only_my_jobs(client, street_staff_dawangzhuang, street_staff_dazhigu):
    from reporting.models import ExportJob

    mine = ExportJob.objects.create(user=street_staff_dawangzhuang, kind="members",
                                    parameters={})
    ExportJob.objects.create(user=street_staff_dazhigu, kind="units", parameters={})
    client.force_login(street_staff_dawangzhuang)
    response = client.get(reverse("reporting:export_job_list"))
    assert [job.pk for job, _state in response.context["jobs"]] == [mine.pk]


# ---------------------------------------------------------------------------
# A job whose worker died (docs/security.md, "Uploads, bodies and interrupted work")
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_stale_job_is_failed_on_its_page_with_the_reason(client, street_staff_dawangzhuang,
                                                           settings):
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    job = _job(street_staff_dawangzhuang, status=ExportJob.Status.RUNNING, rows_done=2000,
               rows_total=9000, started_at=long_ago, heartbeat_at=long_ago)
    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse("reporting:export_job_detail", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.was_interrupted
    assert "导出被中断（处理进程已停止）。请从列表重新导出；数据没有任何损失。" in page


@pytest.mark.django_db
def test_the_beat_task_fails_stale_jobs_only_and_a_late_delivery_still_runs_them(
        admin_user, unit_dawangzhuang_property, settings):
    from reporting.tasks import export_jobs_fail_stale_task

    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    stale = _job(admin_user, status=ExportJob.Status.RUNNING, started_at=long_ago,
                 heartbeat_at=long_ago)
    alive = _job(admin_user, status=ExportJob.Status.RUNNING, started_at=long_ago,
                 heartbeat_at=timezone.now())
    assert export_jobs_fail_stale_task() == 1
    assert export_jobs_fail_stale_task() == 0
    assert ExportJob.objects.get(pk=alive.pk).status == ExportJob.Status.RUNNING
    assert services.export_job_run(job_id=stale.pk).status == ExportJob.Status.DONE
