"""An import killed with SIGKILL in the middle (SPEC §7.4; docs/security.md): its
transaction rolls back, its page then says it failed and why, and running it again
imports every good row once. The import runs in a process of its own (`manage.py shell`)
on the test PostgreSQL and Redis; it is killed once its first chunk is done."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import close_old_connections
from django.urls import reverse

from membership.imports import services
from membership.models import ImportRun, ImportStatus, Worker
from tests.processes import child_env, wait_until
from tests.membership.rosters import new_id, roster_bytes, upload, worker_row

ROOT = Path(__file__).resolve().parents[2]
ROWS = 6000  # three chunks of 2,000


def _progress(run):
    return (cache.get(f"membership:import-run:{run.pk}:progress") or {}).get("done", 0)


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_after_its_first_chunk_is_failed_and_runs_again(
        client, street_staff_dawangzhuang, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_ASYNC_ROWS = settings.UPLOAD_INLINE_MAX_BYTES = 10 ** 9  # all in here
    rows = [worker_row(身份证号=new_id()) for _ in range(ROWS)]
    run = services.import_run_create(by=street_staff_dawangzhuang, kind="workers",
                                     upload=upload(roster_bytes(rows)))
    good = run.good_rows
    assert run.status == ImportStatus.VALIDATED and good > 2 * 2000
    assert services._claim(run, street_staff_dawangzhuang)
    cache.delete(f"membership:import-run:{run.pk}:progress")

    importer = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c",
         f"from membership.imports.services import import_run_apply; "
         f"import_run_apply(run_id={run.pk})"],
        cwd=ROOT, env=child_env(settings.MEDIA_ROOT), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: _progress(run) > 0, 180), "the first chunk was never done"
        os.kill(importer.pid, signal.SIGKILL)
    finally:
        importer.wait(timeout=30)
    assert importer.returncode == -signal.SIGKILL
    assert _progress(run) < good  # killed in the middle

    # Stuck as the issue saw it: "importing", and starting again is refused.
    run.refresh_from_db()
    assert run.status == ImportStatus.IMPORTING
    client.force_login(street_staff_dawangzhuang)

    # Once its heartbeat is stale (and PostgreSQL has ended the killed session, releasing
    # the run's row), the page says what happened and offers to start again.
    settings.JOB_STALE_SECONDS = 1
    detail = reverse("membership:import_detail", args=[run.pk])

    def viewed_as_failed():
        client.get(detail)
        return ImportRun.objects.get(pk=run.pk).status == ImportStatus.FAILED

    assert wait_until(viewed_as_failed, 60, step=0.5)
    page = client.get(detail).content.decode()
    assert "导入被中断（处理进程已停止），未保存任何数据；可以重新开始导入。" in page
    assert 'data-testid="import-start"' in page
    assert not Worker.objects.exists()  # the killed transaction rolled back

    client.post(reverse("membership:import_start", args=[run.pk]))
    run.refresh_from_db()
    assert (run.status, run.created_count, run.updated_count) == (ImportStatus.DONE, good, 0)
    assert Worker.objects.count() == good and Worker.history.count() == good
    close_old_connections()
