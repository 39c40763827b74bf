"""Dashboard and snapshot benchmarks of issue 6 (results in docs/benchmarks.md).

On N workers and M units seeded by `seed_registry` (default 1,000,000 and 50,000; the
seeding is not measured), side by side in one run:
(a) stored   the leadership dashboard's data from the stored snapshots:
             reporting.dashboard.district_dashboard (the latest current-figures snapshot,
             the campaign, the push's baseline, the year's ten-day trend) and the chart
             options of the page; p95 over 50 calls. The whole page (rendered, through
             Django's test client) is timed too, for information.
(b) live     the same current figures computed on each request with annotate/Count over
             the raw tables (the issue's baseline, annotate_count_rates below) for the
             district, the streets, the industries, the sectors and the occupation
             groups, plus the period's new
             members and unions and the members by street. The trend is left out of (b),
             which flatters it (computed live it would be one such pass per period).
             Goal: (a) p95 <= 150 ms and >= 20x faster than (b).
(c) `python manage.py rates --as-of D --by street`, wall time of the whole command (a new
    process: Python and Django start-up included). Goal <= 2 s.
(d) the snapshot of every scope for one ten-day period (ten_day_snapshot_take), and the
    current figures (live_snapshot_refresh). Goal <= 60 s.

The trend reads the year's ten-day snapshots: the last closed period's is taken for real
in (d); the year's other periods are filled with copies of its rows (the read cost
depends on how many rows there are, not on their values).

Run with `make bench`, or:
  DJANGO_SETTINGS_MODULE=hedong_union.settings.test scripts/with-test-services \\
      .venv/bin/python bench/bench_dashboard.py [--workers 1000000] [--units 50000]
With --reuse, a database already seeded with as many workers is measured again (its
snapshots are deleted first), without seeding.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchlib import cpu_name  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hedong_union.settings.test")

SEED = 2019
STORED_CALLS = 50
LIVE_CALLS = 5
BENCH_USER = "bench_leader"


def p95(samples):
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(function, calls, warmup=2):
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def load():
    return os.getloadavg()


# ---------------------------------------------------------------------------
# Preparation (not measured)
# ---------------------------------------------------------------------------
def prepare(workers, units, reuse=False):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import Role
    from accounts.services import user_upsert
    from membership.demo import seed_registry
    from membership.models import Worker
    from reporting.models import Snapshot

    call_command("migrate", verbosity=0)
    if reuse and Worker.objects.count() >= workers:
        Snapshot.objects.all().delete()
        _analyze()
        return None, 0.0
    started = time.perf_counter()
    counts = seed_registry(seed=SEED, workers=workers, units=units,
                           log=lambda message: print(f"  seed: {message}", flush=True))
    seeded = time.perf_counter() - started
    user_upsert(username=BENCH_USER, role=Role.LEADER, password=settings.DEMO_PASSWORD)
    _analyze()
    return counts, seeded


def _analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def fill_year(snapshot, today):
    """Ten-day snapshots of the year's other closed periods, copies of `snapshot`'s rows."""
    from reporting.models import ScopeFigure, Snapshot
    from reporting.periods import last_closed_period, periods_between

    rows = list(ScopeFigure.objects.filter(snapshot=snapshot))
    made = 0
    for period in periods_between(date(today.year, 1, 1), last_closed_period(today).end):
        if Snapshot.objects.filter(kind=Snapshot.Kind.TEN_DAY, as_of=period.end).exists():
            continue
        copy = Snapshot.objects.create(kind=Snapshot.Kind.TEN_DAY, period_start=period.start,
                                       as_of=period.end)
        for row in rows:
            row.pk, row.snapshot = None, copy
        ScopeFigure.objects.bulk_create(rows, batch_size=1000)
        made += 1
    _analyze()
    return made


# ---------------------------------------------------------------------------
# The contenders
# ---------------------------------------------------------------------------
def stored_dashboard():
    """(a): what the dashboard view computes before rendering."""
    from reporting import charts, dashboard

    data = dashboard.district_dashboard()
    milestones = data.context.plan.milestones
    charts.rates_by_scope(data.streets, milestones)
    charts.trend([data.trend], milestones)
    charts.groups(data.groups)
    charts.rates_by_scope(data.sectors, milestones)
    charts.subsidies(data.subsidy_total)
    return data


# (b)'s baseline, the shape the issue names: each scope kind's rates by annotate/Count, the
# numerator a COUNT FILTER over an Exists annotation per worker or unit. (The portal's own
# rates_as_of counted this way until the rates were counted one way, the faster one.)
_WORKER_FIELD = {"district": None, "street": "street_id", "industry": "employer__sector",
                 "sector": "employer__sector", "group": "occupation_group"}
_UNIT_FIELD = {"district": None, "street": "street_id", "industry": "sector",
               "sector": "sector", "group": None}


def _annotate_count(queryset, field, flag):
    from django.db.models import Count, Q

    from reporting.rates import Rate

    counts = {"den": Count("pk"), "num": Count("pk", filter=Q(**{flag: True}))}
    if field is None:
        totals = queryset.order_by().aggregate(**counts)
        return {None: Rate(totals["num"], totals["den"])}
    rows = queryset.values(field).order_by().annotate(**counts)
    return {row[field]: Rate(row["num"], row["den"]) for row in rows}


def annotate_count_rates(day, kind):
    from reporting.rates import (EMPTY, ScopeRates, active_member_exists, founded_exists,
                                 founding_base, migrant_base, scopes)

    migrant = _annotate_count(migrant_base(day).annotate(is_member=active_member_exists(day)),
                              _WORKER_FIELD[kind], "is_member")
    founding = None
    if kind != "group":
        founding = _annotate_count(founding_base(day).annotate(founded=founded_exists(day)),
                                   _UNIT_FIELD[kind], "founded")
    return [ScopeRates(kind=kind, key=key, name=name, migrant=migrant.get(key, EMPTY),
                       founding=None if founding is None else founding.get(key, EMPTY))
            for key, name in scopes(kind)]


def live_dashboard(today):
    """(b): the same current figures with annotate/Count over the raw tables."""
    from django.db.models import Count, Q

    from membership.models import Member, Union
    from reporting.periods import period_of

    start = period_of(today).start
    figures = {kind: annotate_count_rates(today, kind)
               for kind in ("district", "street", "industry", "sector", "group")}
    members = Member.objects.active_on(today)
    figures["members"] = list(members.values("worker__street_id").order_by()
                              .annotate(n=Count("pk")))
    figures["new_members"] = list(
        Member.objects.filter(joined_on__range=(start, today)).values(
            "worker__street_id", "worker__occupation_group").order_by()
        .annotate(n=Count("pk")))
    figures["unions"] = list(Union.objects.filter(founded_on__lte=today).values(
        "street_id").order_by().annotate(
        n=Count("pk"), new=Count("pk", filter=Q(founded_on__gte=start))))
    return figures


def page_get(client):
    from django.urls import reverse

    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200, response.status_code
    return response


def rates_command(today):
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "manage.py", "rates", "--as-of", today.isoformat(),
                          "--by", "street"], cwd=BASE_DIR, check=True, capture_output=True,
                         text=True)
    return time.perf_counter() - started, out.stdout


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    print(f"Dashboard benchmark: {args.workers:,} workers, {args.units:,} units; machine: "
          f"{platform.node()}, {os.cpu_count()} cores, {cpu_name()}, "
          f"Python {platform.python_version()}", flush=True)
    counts, seeded = prepare(args.workers, args.units, reuse=args.reuse)
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from membership.models import Member, Unit, Worker
    from reporting import live
    from reporting.periods import last_closed_period
    from reporting.snapshots import live_snapshot_refresh, ten_day_snapshot_take

    today = timezone.localdate()
    print(f"Seeded {Worker.objects.count():,} workers, {Member.objects.count():,} members, "
          f"{Unit.objects.count():,} units in {seeded:.0f} s"
          f"{' (an earlier run)' if args.reuse else ''}; figures as of {today}",
          flush=True)
    rows = []

    # (d) snapshots
    load_d = load()
    started = time.perf_counter()
    ten_day, _ = ten_day_snapshot_take(last_closed_period(today))
    ten_day_s = time.perf_counter() - started
    started = time.perf_counter()
    current = live_snapshot_refresh(today)
    live_s = time.perf_counter() - started
    current.subsidy_totals = live.subsidy_totals_rows(today.year)
    current.save(update_fields=["subsidy_totals"])
    scopes = ten_day.figures.count()
    print(f"(d) ten-day snapshot {ten_day_s:.1f} s, current figures {live_s:.1f} s "
          f"({scopes} scopes)", flush=True)
    copies = fill_year(ten_day, today)
    print(f"    {copies} more ten-day snapshots of the year filled with copies", flush=True)

    # (a) stored, and the page
    load_a = load()
    stored = timed(stored_dashboard, STORED_CALLS)
    data = stored_dashboard()
    client = Client()
    client.force_login(User.objects.get(username=BENCH_USER))
    page = timed(lambda: page_get(client), STORED_CALLS)
    print(f"(a) stored p95 {p95(stored) * 1000:.1f} ms; page p95 {p95(page) * 1000:.1f} ms",
          flush=True)

    # (b) live, and the check that it computes the same figures
    load_b = load()
    live_samples = timed(lambda: live_dashboard(today), LIVE_CALLS, warmup=1)
    check = live_dashboard(today)
    district = check["district"][0]
    assert (district.migrant, district.founding) == (data.district.migrant,
                                                     data.district.founding)
    by_name = {s.name: s for s in check["street"]}
    for line in data.streets:
        assert by_name[line.name].migrant == line.migrant, line.name
    print(f"(b) live p95 {p95(live_samples):.2f} s (median "
          f"{statistics.median(live_samples):.2f} s); same figures as (a)", flush=True)

    # (c) the rates command
    load_c = load()
    command = [rates_command(today)[0] for _ in range(3)]
    print(f"(c) rates --by street: {min(command):.2f} s best of 3, "
          f"{statistics.median(command):.2f} s median", flush=True)
    from reporting.rates import rates_as_of

    engine = timed(lambda: rates_as_of(today, "district", "street"), 3, warmup=1)
    apart = timed(lambda: rates_as_of(today, "district") + rates_as_of(today, "street"),
                  3, warmup=0)
    assert rates_as_of(today, "district", "street") == rates_as_of(
        today, "district") + rates_as_of(today, "street")
    print(f"    in process: the command's one pass {statistics.median(engine):.2f} s, "
          f"each kind counted apart {statistics.median(apart):.2f} s (medians of 3)",
          flush=True)

    ratio = p95(live_samples) / p95(stored)
    rows = [
        ("(a) dashboard data from the stored snapshots, p95 of 50",
         f"{p95(stored) * 1000:.1f} ms", "<= 150 ms", p95(stored) <= 0.150, load_a),
        ("    the whole page rendered (test client), p95 of 50",
         f"{p95(page) * 1000:.1f} ms", "(information)", None, load_a),
        ("(b) the same current figures by annotate/Count, p95 of 5",
         f"{p95(live_samples) * 1000:.0f} ms", "", None, load_b),
        ("    (b) / (a)", f"{ratio:.0f}x", ">= 20x", ratio >= 20, load_b),
        ("(c) manage.py rates --by street, wall, median of 3",
         f"{statistics.median(command):.2f} s", "<= 2 s", statistics.median(command) <= 2,
         load_c),
        ("    in process: the command's one pass (rates_as_of(D, 'district', 'street')), "
         "median", f"{statistics.median(engine):.2f} s", "(information)", None, load_c),
        ("    in process: the district and the streets counted apart, median",
         f"{statistics.median(apart):.2f} s", "(information)", None, load_c),
        ("(d) ten-day snapshot of every scope, one period",
         f"{ten_day_s:.1f} s", "<= 60 s", ten_day_s <= 60, load_d),
        ("    current figures (live_snapshot_refresh)",
         f"{live_s:.1f} s", "<= 60 s", live_s <= 60, load_d),
    ]
    print()
    print("| measurement | result | goal | met | load (1/5/15 min) |")
    print("|---|---:|---|---|---|")
    for name, result, goal, met, avg in rows:
        verdict = "" if met is None else ("yes" if met else "NO")
        print(f"| {name.strip()} | {result} | {goal} | {verdict} "
              f"| {avg[0]:.2f} / {avg[1]:.2f} / {avg[2]:.2f} |")
    print()
    print(f"workers {args.workers:,}, units {args.units:,}, seed {SEED}, seeding "
          f"{seeded:.0f} s (not measured); snapshot scopes {scopes}")


if __name__ == "__main__":
    main()
