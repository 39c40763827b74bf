"""Every page, for every demo role, on the demo data (SPEC §1, §8; STYLE habit 15).

Each demo user of `seed_demo` crawls the portal breadth-first (tests/crawl/crawler.py): no
answer is 500 or more, another scope's record is refused, and a user without the full-PII
permission never sees a whole ID number, mobile phone or card number. Visitors without an
account crawl the public pages. A new page is crawled the day it is linked or routed.
"""

import io
import logging
import os

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import Client

from accounts.models import Role, User
from membership.demo import demo_users_spec
from tests.crawl.crawler import Crawl, Report
from tests.crawl.fills import fills

PUBLIC_START = ("/", "/join/", "/join/status/", "/subsidies/spring-return/",
                "/subsidies/mine/", "/login/")


def crawl_everyone(*, with_data_only=False):
    """Crawl as every demo user and as a visitor. `with_data_only`: what grows with the
    data only, for the crawl on more workers: one user of each role, no ids that no record
    has (their answers do not depend on the data) and no visitor (the public pages read
    no registry list)."""
    # Refusals are the crawl's daily bread: Django's warning of each one is left unsaid.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    report = Report()
    roles = set()
    for spec in demo_users_spec():
        if with_data_only and spec.role in roles:
            continue
        roles.add(spec.role)
        user = User.objects.get(username=spec.username)
        client = Client()
        client.force_login(user)
        # Ids no record has: tried by the office, who opens every page, and by visitors.
        Crawl(client=client, user=user, label=spec.username, fills=fills, report=report,
              check_pii=not user.can_see_full_pii,
              check_missing=spec.role == Role.ADMIN and not with_data_only).run()
    if not with_data_only:
        Crawl(client=Client(), user=AnonymousUser(), label="(anonymous)", fills=fills,
              report=report, start=PUBLIC_START, check_pii=True, check_missing=True).run()
    return report


def assert_clean(report):
    lines = [str(finding) for finding in report.findings]
    lines += [f"{'(crawl)':<26} {name}  cannot be filled: add it to tests/crawl/fills.py"
              for name in sorted(report.unfilled)]
    pages = ", ".join(f"{label} {n} in {report.seconds[label]} s"
                      for label, n in report.visited.items())
    if os.environ.get("CRAWL_TIMES"):
        print(f"pages: {pages}\nslowest views: {report.slowest(15)}")
    assert not lines, f"{len(lines)} problems ({pages}):\n" + "\n".join(lines)


def _seed(*args):
    call_command("seed_demo", *args, stdout=io.StringIO())


@pytest.mark.django_db
def test_every_page_of_every_role_on_the_demo_data(organisation_structure):
    _seed()
    assert_clean(crawl_everyone())


@pytest.mark.django_db
def test_every_page_of_every_role_with_three_thousand_workers(organisation_structure):
    _seed("--workers", "3000")
    assert_clean(crawl_everyone(with_data_only=True))
