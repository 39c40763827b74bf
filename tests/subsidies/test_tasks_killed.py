"""A batch task killed with SIGKILL in the middle and run again: no entitlement paid twice,
none lost, totals reconcile (issue 5). A real Celery worker on the test Redis and
PostgreSQL; its pool process is killed while the bank result is being applied. And the
payment file made by such a worker, its cards decrypted by processes of its own."""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from membership.decryption import PARALLEL_FROM
from subsidies.models import (
    Batch,
    BatchLine,
    BatchState,
    Entitlement,
    EntitlementState,
    LineStatus,
    ResultUpload,
)
from subsidies.services import (
    batch_approve,
    batch_create,
    result_upload_create,
    totals,
)
from subsidies.tasks import batch_payment_file_task
from tests.processes import child_env, wait_until
from tests.subsidies.conftest import batch_sent, make_members, universal_approved

ROOT = Path(__file__).resolve().parents[2]
LINES = 6000


def _start_worker(env):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hedong_union", "worker", "--pool", "prefork",
         "--concurrency", "1", "--loglevel", "WARNING", "--without-heartbeat",
         "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _pool_children(worker):
    out = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def _result_file(line_ids):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["明细编号", "结果", "原因"])
    for i, line_id in enumerate(line_ids):
        ws.append([line_id, "失败" if i % 10 == 0 else "成功", "卡号有误" if i % 10 == 0 else ""])
    stream = io.BytesIO()
    wb.save(stream)
    return SimpleUploadedFile("bank-result.xlsx", stream.getvalue())


@pytest.mark.django_db(transaction=True)
def test_a_result_import_killed_midway_and_run_again(organisation_structure, admin_user,
                                                      second_admin, dawangzhuang_community):
    make_members(LINES, community=dawangzhuang_community)
    entitlements = universal_approved(admin_user, run_on=date(2026, 1, 10),
                                      approve_on=date(2026, 1, 12))
    batch = batch_sent(entitlements, maker=admin_user, checker=second_admin)
    line_ids = [line.line_id for line in batch.lines.order_by("pk")]

    worker = _start_worker(child_env(django_settings.MEDIA_ROOT, PII_DECRYPT_PROCESSES="2"))
    try:
        assert wait_until(lambda: _pool_children(worker), 60), "the worker did not start"
        upload = result_upload_create(batch=batch, file=_result_file(line_ids), by=second_admin)
        assert wait_until(lambda: ResultUpload.objects.get(pk=upload.pk).status == "running", 60)
        time.sleep(0.5)  # well into reading the file and settling the lines
        (child,) = _pool_children(worker)
        os.kill(child, signal.SIGKILL)

        # The killed run's transaction is gone: nothing half-applied.
        assert ResultUpload.objects.get(pk=upload.pk).status == "running"
        assert not BatchLine.objects.exclude(status=LineStatus.PENDING).exists()

        # The worker requeues the task (acks_late, reject_on_worker_lost) and runs it again.
        assert wait_until(lambda: ResultUpload.objects.get(pk=upload.pk).status == "done", 120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    upload.refresh_from_db()
    assert (upload.paid, upload.failed, upload.errors) == (LINES - LINES // 10, LINES // 10, [])
    assert Entitlement.objects.filter(state=EntitlementState.PAID).count() == LINES - LINES // 10
    assert Entitlement.objects.filter(state=EntitlementState.FAILED).count() == LINES // 10
    assert BatchLine.objects.filter(status=LineStatus.PAID).count() == LINES - LINES // 10
    (row,) = totals(year=2026)
    assert row["paid"] == 150 * (LINES - LINES // 10)
    assert row["paid_city"] + row["paid_district"] == row["paid"]


@pytest.mark.django_db(transaction=True)
def test_the_payment_file_made_by_a_worker_decrypts_the_cards_in_processes_of_its_own(
        organisation_structure, admin_user, second_admin, dawangzhuang_community):
    """A Celery pool process (daemonic: multiprocessing would refuse it children) starts
    the decrypting processes and gets every card back, in line order."""
    assert LINES > PARALLEL_FROM  # worker processes decrypt the lines after the first
    make_members(LINES, community=dawangzhuang_community)
    entitlements = universal_approved(admin_user, run_on=date(2026, 1, 10),
                                      approve_on=date(2026, 1, 12))
    batch = batch_create(by=admin_user, queryset=entitlements)
    batch_approve(batch=batch, by=second_admin)

    worker = _start_worker(child_env(django_settings.MEDIA_ROOT, PII_DECRYPT_PROCESSES="2"))
    try:
        assert wait_until(lambda: _pool_children(worker), 60), "the worker did not start"
        batch_payment_file_task.delay(batch.pk, second_admin.pk)
        assert wait_until(lambda: Batch.objects.get(pk=batch.pk).state == BatchState.SENT, 120)
        # The decrypting processes ended with the file.
        (child,) = _pool_children(worker)
        assert not subprocess.run(["pgrep", "-P", str(child)], capture_output=True,
                                  text=True).stdout.split()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    batch.refresh_from_db()
    sheet = load_workbook(io.BytesIO(batch.payment_file.read_decrypted()), read_only=True).active
    rows = [row[:2] for row in sheet.iter_rows(min_row=3, values_only=True)]
    lines = batch.lines.order_by("pk").select_related("entitlement__member")
    assert rows == [(line.line_id, line.entitlement.member.card_number) for line in lines]
