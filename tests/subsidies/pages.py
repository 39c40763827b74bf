"""Helpers of the subsidies page, claim and API tests: Celery run in-process, a bank result
workbook, the cache (rate limits) emptied between tests."""

import io
import uuid
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from hedong_union.celery import app as celery_app


@contextmanager
def tasks_in_process():
    """Tasks queued with delay_on_commit run at once in this process (Celery's eager mode),
    errors raised; the Redis broker is not used."""
    before = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture
def eager_tasks():
    with tasks_in_process():
        yield


@pytest.fixture
def empty_cache(settings):
    """Rate-limit counters live in the shared Redis cache: every test gets a key prefix of
    its own, so it starts with none and parallel workers never share counters."""
    settings.CACHES = {**settings.CACHES, "default": {
        **settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    # No cache.clear() afterwards: on Redis it empties the whole database, other workers'
    # keys included; these keys expire within minutes.


def result_workbook(rows, header=("明细编号", "结果", "原因", "金额")):
    wb = Workbook()
    ws = wb.active
    ws.append(["银行回盘"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def result_file(rows, name="回盘.xlsx"):
    return SimpleUploadedFile(name, result_workbook(rows))
