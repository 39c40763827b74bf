"""Two submissions of one ID number at the same moment make one application (issue 4 §2):
the partial unique constraint decides, not a check before the insert. Real threads on
PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from applications import services
from applications.models import Application
from tests.applications.conftest import new_id, new_phone, submit_kwargs

THREADS = 12


def _run_concurrently(kwargs_list):
    start = threading.Barrier(len(kwargs_list))

    def submit(kwargs):
        start.wait()
        try:
            outcome = services.application_submit(**kwargs)
            return outcome.kind, outcome.application.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(kwargs_list)) as pool:
        return list(pool.map(submit, kwargs_list, timeout=120))


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_of_one_id_make_one_application(organisation_structure,
                                                                 dawangzhuang_community):
    number, phone = new_id(), new_phone()
    outcomes = _run_concurrently([submit_kwargs(dawangzhuang_community, id_number=number,
                                                phone=phone)
                                  for _ in range(THREADS)])
    assert Application.objects.count() == 1
    (pk,) = {pk for _kind, pk in outcomes}
    assert pk == Application.objects.get().pk
    assert [kind for kind, _pk in outcomes].count("created") == 1


@pytest.mark.django_db(transaction=True)
def test_the_constraint_not_the_check_decides(organisation_structure, dawangzhuang_community,
                                              monkeypatch):
    """Every thread passes the check before the insert (all check before any inserts: each
    thread's first look-up waits for the others'); the constraint refuses all but one
    insert and each loser reads again and returns the winner's application."""
    real = services._pending_application
    all_checked = threading.Barrier(THREADS)
    seen, first_checks = threading.local(), []

    def check_then_wait_for_the_others(id_hmac):
        found = real(id_hmac)
        if not getattr(seen, "checked", False):  # the check before the insert
            seen.checked = True
            first_checks.append(found)
            all_checked.wait(timeout=60)
        return found

    monkeypatch.setattr(services, "_pending_application", check_then_wait_for_the_others)
    number, phone = new_id(), new_phone()
    outcomes = _run_concurrently([submit_kwargs(dawangzhuang_community, id_number=number,
                                                phone=phone)
                                  for _ in range(THREADS)])
    assert first_checks == [None] * THREADS  # every thread found nothing pending
    kinds = [kind for kind, _pk in outcomes]
    assert kinds.count("created") == 1 and kinds.count("existing") == THREADS - 1
    assert len({pk for _kind, pk in outcomes}) == 1
    assert Application.objects.count() == 1
