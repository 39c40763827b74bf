"""Two submissions of one ID number at the same moment make one application (issue 4 §2):
the partial unique constraint decides, not a check before the insert. Real threads on
PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from applications import services
from applications.models import Application
from tests.applications.conftest import new_id, submit_kwargs

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
    number = new_id()
    outcomes = _run_concurrently([submit_kwargs(dawangzhuang_community, id_number=number)
                                  for _ in range(THREADS)])
    assert Application.objects.count() == 1
    (pk,) = {pk for _kind, pk in outcomes}
    assert pk == Application.objects.get().pk
    assert [kind for kind, _pk in outcomes].count("created") == 1


@pytest.mark.django_db(transaction=True)
def test_the_constraint_not_the_check_decides(organisation_structure, dawangzhuang_community,
                                              monkeypatch):
    """Every thread passes the check before the insert (as if all checked at once); the
    constraint refuses all but one insert and each loser returns the winner's application."""
    real = services._pending_application

    def blind_check(id_hmac, *, after_conflict=False):
        return real(id_hmac) if after_conflict else None

    monkeypatch.setattr(services, "_pending_application", blind_check)
    number = new_id()
    outcomes = _run_concurrently([submit_kwargs(dawangzhuang_community, id_number=number)
                                  for _ in range(THREADS)])
    kinds = [kind for kind, _pk in outcomes]
    assert kinds.count("created") == 1 and kinds.count("existing") == THREADS - 1
    assert len({pk for _kind, pk in outcomes}) == 1
    assert Application.objects.count() == 1
