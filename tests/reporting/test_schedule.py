"""The schedule of SPEC §7.5: every entry names a real task; each task is safe to run
twice and late (run here through a real Celery worker on the Redis broker)."""

import os
from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

import reporting.tasks  # noqa: F401  (registers the tasks)
import subsidies.tasks  # noqa: F401
from hedong_union.celery import app
from membership.models import ImportRun
from reporting import retention
from reporting.models import Bulletin, ExportJob, MilestoneReport, Snapshot
from subsidies.models import Entitlement

SCHEDULE = settings.CELERY_BEAT_SCHEDULE


def test_every_entry_names_a_registered_task():
    # As a worker starts: every app's tasks module imported (autodiscovery is lazy, so
    # without this the set would depend on what earlier tests happened to import).
    app.loader.import_default_modules()
    assert {entry["task"] for entry in SCHEDULE.values()} <= set(app.tasks)


def test_the_days_of_the_schedule():
    snapshots = SCHEDULE["ten-day snapshots"]["schedule"]
    assert snapshots.day_of_month == {1, 11, 21}
    assert SCHEDULE["monthly bulletin draft"]["schedule"].day_of_month == {1}
    milestones = SCHEDULE["milestone reports"]["schedule"]
    assert milestones.month_of_year == {8, 11} and milestones.day_of_month == {1}
    universal = SCHEDULE["yearly UNIVERSAL rule run"]["schedule"]
    assert universal.month_of_year == {1}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


@pytest.mark.django_db(transaction=True)
def test_the_ten_day_snapshot_task_sent_twice_makes_one_snapshot_per_period(
        organisation_structure):
    from celery.contrib.testing.worker import start_worker

    with time_machine.travel("2026-11-12 00:15 +0800", tick=True):
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            first = reporting.tasks.ten_day_snapshots_task.delay()
            second = reporting.tasks.ten_day_snapshots_task.delay()
            made = first.get(timeout=120) + second.get(timeout=120)
    assert "2026-11-10" in made
    ends = list(Snapshot.objects.filter(kind="ten_day").values_list("as_of", flat=True))
    assert len(ends) == len(set(ends)) == len(made)
    assert max(ends) == date(2026, 11, 10)


@pytest.mark.django_db(transaction=True)
def test_the_bulletin_and_milestone_tasks_run_late_and_twice_make_each_report_once(
        organisation_structure):
    with time_machine.travel("2026-08-03 09:00 +0800", tick=False):  # two days late
        reporting.tasks.bulletin_draft_task.apply().get()
        reporting.tasks.bulletin_draft_task.apply().get()
        reporting.tasks.milestone_reports_task.apply().get()
        reporting.tasks.milestone_reports_task.apply().get()
    assert list(Bulletin.objects.values_list("year", "month")) == [(2026, 7)]
    assert list(MilestoneReport.objects.values_list("as_of", flat=True)) == [date(2026, 7, 31)]


@pytest.mark.django_db
def test_the_january_universal_run_makes_drafts_only_and_needs_an_admin(
        organisation_structure):
    from accounts.models import Role
    from accounts.services import user_upsert
    from membership.demo import seed_registry

    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        seed_registry(seed=3, workers=150, units=20)
    task = subsidies.tasks.universal_run_scheduled_task
    assert task.apply(kwargs={"year": 2026}).get() is None  # no admin: nothing happens
    assert not Entitlement.objects.exists()
    user_upsert(username="office_zhao", role=Role.ADMIN, password="x-long-password-1",
                full_name="赵")
    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        created = task.apply(kwargs={"year": 2026}).get()
        again = task.apply(kwargs={"year": 2026}).get()
    assert created == Entitlement.objects.count() > 0 and again == 0
    assert not Entitlement.objects.exclude(state="draft").exists()


@pytest.mark.django_db
def test_old_import_and_export_files_are_deleted_and_the_records_kept(street_staff_dawangzhuang):
    old = ExportJob.objects.create(user=street_staff_dawangzhuang, kind="units", parameters={})
    old.file.save("old.xlsx", ContentFile(b"x"))
    new = ExportJob.objects.create(user=street_staff_dawangzhuang, kind="units", parameters={})
    new.file.save("new.xlsx", ContentFile(b"x"))
    ExportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=settings.PII_FILE_RETENTION_DAYS + 1))
    run = ImportRun.objects.create(user=street_staff_dawangzhuang, kind="units",
                                   file=ContentFile(b"x", name="roster.xlsx"))
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=90))
    old_path = old.file.path
    assert retention.files_purge() == {"imports": 1, "exports": 1}
    assert retention.files_purge() == {"imports": 0, "exports": 0}
    old.refresh_from_db()
    new.refresh_from_db()
    assert not old.file and new.file
    assert not os.path.exists(old_path) and os.path.exists(new.file.path)
    assert ImportRun.objects.filter(pk=run.pk, file="").exists()
