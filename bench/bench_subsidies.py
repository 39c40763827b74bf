"""Subsidy benchmarks of issue 5 (results in docs/benchmarks.md).

(a) From rule to payment file for N members (default 100,000 active migrant members):
    ours   subsidies.services: universal_run (drafts, history rows included), then the
           office's submit and approve (eligibility checked again), batch_create (one line
           each), batch_approve by a second admin, batch_payment_file (the Excel file for the
           card bank, every card number decrypted)
    floor  one `INSERT … SELECT` of the same entitlement rows on the same PostgreSQL,
           nothing else (no history, no batch, no file), committed (its deferred
           foreign-key checks included, as ours pays them), then emptied; the same rolled
           back is shown beside it
    Goal: run + batch + payment file within 3x of the floor. The office's review (submit
    and approve) stands between the run and the batch; it is timed and shown apart.
    Measured in rounds, each the floors and then ours, so load on the shared machine falls
    on both; the result is the median of the rounds' ratios.

(b) Spring-return claims one after another by M members:
    ours   subsidies.services.spring_return_claim: eligibility from the member's dated
           facts, the seat by a conditional update, the entitlement and its history row
           (one statement on PostgreSQL, subsidies/bulk.py claim_insert)
    floor  a bare `UPDATE … SET accepted = accepted + 1 WHERE accepted < quota RETURNING`
           loop on the same row, each in its own transaction
    Goal: ours within 2x of the floor's claims per second. Measured twice: with fsync on,
    as production runs PostgreSQL (each commit, the floor's too, waits for its flush to
    disk), then with fsync off (the test cluster's setting: commits cost almost nothing).

Run with `make bench`, or:
  TEST_PG_FSYNC=on DJANGO_SETTINGS_MODULE=hedong_union.settings.test scripts/with-test-services \\
      .venv/bin/python bench/bench_subsidies.py [--members 100000] [--claims 3000]
      [--rounds 5] [--claim-rounds 5] [--only a|b]
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchlib import cpu_name  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hedong_union.settings.test")
os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-subsidies-"))

YEAR = 2026
RUN_ON = date(YEAR, 3, 1)
CHUNK = 10_000


def _setup_django():
    import django

    django.setup()


# ---------------------------------------------------------------------------
# Seeding: workers and members in bulk (identifiers valid, encrypted, keyed hashes)
# ---------------------------------------------------------------------------
def seed(members):
    from stdnum import luhn
    from stdnum.cn import ric

    from membership.models import Community, Member, Union, UnionForm, UnionSpan, Worker
    from membership.pii import pii_hmac

    communities = list(Community.objects.select_related("street").order_by("pk"))
    unions = {u.community_id: u for u in Union.objects.filter(form=UnionForm.COMMUNITY)}
    joined = date(YEAR - 1, 6, 1)
    made = 0
    while made < members:
        size = min(CHUNK, members - made)
        workers = []
        for i in range(made, made + size):
            body = f"410102{date(1965, 1, 1) + timedelta(days=i // 1000):%Y%m%d}{i % 1000:03d}"
            number = body + ric.calc_check_digit(body + "0")
            community = communities[i % len(communities)]
            workers.append(Worker(
                name="测试", id_number=number, id_hmac=pii_hmac("id", number),
                birth_date=date(1985, 1, 1), sex="M", hukou_province="41",
                hukou_type="rural", employment_form="scattered", street=community.street,
                community=community, identified_on=date(YEAR - 1, 1, 1)))
        workers = Worker.objects.bulk_create(workers)
        rows = []
        for i, worker in zip(range(made, made + size), workers, strict=True):
            body = f"621799{i:012d}"
            card = body + luhn.calc_check_digit(body)
            rows.append(Member(worker=worker, member_number=f"HDB{i:09d}",
                               union=unions[worker.community_id], joined_on=joined,
                               card_number=card, card_hmac=pii_hmac("card", card)))
        rows = Member.objects.bulk_create(rows)
        UnionSpan.objects.bulk_create([UnionSpan(member=m, union=m.union, started_on=joined)
                                       for m in rows])
        made += size
    return made


def _analyze():
    """Statistics as autovacuum would have them on a database in use."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _admins():
    from accounts.models import Role
    from accounts.services import user_upsert

    maker = user_upsert(username="bench_maker", role=Role.ADMIN, password="bench-pass-123")
    checker = user_upsert(username="bench_checker", role=Role.ADMIN, password="bench-pass-123")
    return maker, checker


def _reset():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE subsidies_batchline, subsidies_historicalbatch, "
                       "subsidies_resultupload, subsidies_batch, "
                       "subsidies_historicalentitlement, subsidies_entitlement, "
                       "accounts_accesslog CASCADE")
        cursor.execute("UPDATE subsidies_programmeyear SET accepted = 0")


# ---------------------------------------------------------------------------
# (a) the rule run to the payment file
# ---------------------------------------------------------------------------
FLOOR_SQL = """
INSERT INTO subsidies_entitlement
    (programme_code, year, member_id, amount, city_amount, district_amount, state,
     certificate_level, note, reject_reason, created_by_id, created_at)
SELECT 'UNIVERSAL', %(year)s, m.id, 150.00, 90.00, 60.00, 'draft', '', %(note)s, '',
       %(by)s, now()
FROM membership_member m JOIN membership_worker w ON w.id = m.worker_id
WHERE w.is_migrant AND m.joined_on <= %(on)s AND (m.ended_on IS NULL OR m.ended_on > %(on)s)
"""


def floor_insert_select(by, *, commit=True):
    """The floor's INSERT … SELECT in its own transaction, timed to its commit: the
    entitlement table's foreign keys are DEFERRABLE INITIALLY DEFERRED (Django's default
    on PostgreSQL), so PostgreSQL checks each row's programme, member and user at COMMIT.
    Every step of ours commits and pays those checks; `commit=False` rolls back instead
    (the first measurement's floor), skipping them."""
    from django.db import connection, transaction

    _reset()  # the same empty tables as ours starts from
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, {"year": YEAR, "note": f"rule run {RUN_ON}", "by": by.pk,
                                       "on": RUN_ON})
            rows = cursor.rowcount
        if not commit:
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
    if commit:
        seconds = time.perf_counter() - started
    _reset()
    return seconds, rows


def ours_run_to_file(maker, checker):
    from subsidies.models import Entitlement
    from subsidies.services import (
        batch_approve,
        batch_create,
        batch_payment_file,
        entitlements_approve,
        entitlements_submit,
        universal_run,
    )

    times = {}

    def timed(name, fn):
        started = time.perf_counter()
        result = fn()
        times[name] = time.perf_counter() - started
        return result

    created = timed("run", lambda: universal_run(year=YEAR, by=maker, on=RUN_ON))
    queryset = Entitlement.objects.filter(programme_id="UNIVERSAL", year=YEAR)
    timed("submit", lambda: entitlements_submit(queryset=queryset, by=maker))
    approved, _rejected = timed("approve", lambda: entitlements_approve(
        queryset=queryset, by=maker, on=RUN_ON))
    batch = timed("batch", lambda: batch_create(by=maker, queryset=queryset))
    timed("batch approve", lambda: batch_approve(batch=batch, by=checker))
    batch = timed("payment file", lambda: batch_payment_file(batch=batch, by=checker))
    lines = batch.lines.count()
    history = Entitlement.history.filter(programme_id="UNIVERSAL").count()
    return times, {"created": created, "approved": approved, "lines": lines,
                   "history rows": history, "file bytes": batch.payment_file.size}


# ---------------------------------------------------------------------------
# (b) spring-return claims
# ---------------------------------------------------------------------------
def ours_claims(members, start=0):
    from zoneinfo import ZoneInfo

    from subsidies.services import spring_return_claim

    received = timezone_aware(ZoneInfo("Asia/Shanghai"))
    started = time.perf_counter()
    for i, member in enumerate(members, start=start):
        spring_return_claim(member=member, fare=Decimal("120.00"), ticket_number=f"B{i:08d}",
                            trip_date=date(YEAR, 2, 25), received_at=received)
    return time.perf_counter() - started


def timezone_aware(zone):
    from datetime import datetime

    return datetime(YEAR, 3, 1, 10, 0, tzinfo=zone)


def floor_claims(count):
    from django.db import connection

    from subsidies.models import ProgrammeYear

    seat = ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=YEAR).pk
    sql = ("UPDATE subsidies_programmeyear SET accepted = accepted + 1 "
           "WHERE id = %s AND accepted < quota RETURNING accepted")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _ in range(count):
            cursor.execute(sql, [seat])  # autocommit: each its own transaction
            cursor.fetchone()
    return time.perf_counter() - started


def minimum_claims(members, start, *, one_statement=False, prepared=False):
    """The least a claim must write, in raw SQL: the seat, the entitlement, its history row,
    in one transaction (no eligibility read, no ORM); `one_statement`: the statement alone
    in autocommit (PostgreSQL makes it atomic), no BEGIN and COMMIT round trips; `prepared`
    (with `one_statement`): that statement prepared once, as ours is, so each claim is one
    EXECUTE with nothing parsed or planned and no Python but the loop."""
    from contextlib import nullcontext

    from django.db import connection, connections, transaction
    from django.utils import timezone

    from subsidies import bulk
    from subsidies.models import ProgrammeYear

    seat = ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=YEAR).pk
    sql = (
        "WITH seat AS (UPDATE subsidies_programmeyear SET accepted = accepted + 1 "
        "WHERE id = %s AND accepted < quota RETURNING id), "
        f"new AS (INSERT INTO {bulk.TABLE} (programme_code, year, member_id, amount, "
        "city_amount, district_amount, state, certificate_level, ticket_number, trip_date, "
        "fare, received_at, note, reject_reason, created_at) "
        "SELECT 'SPRING_RETURN', %s, %s, 120.00, 0, 120.00, 'pending', '', %s, %s, 120.00, "
        "%s, '', '', %s FROM seat RETURNING *) " + bulk._history_from("new", "+"))
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for i, member in enumerate(members, start=start):
            params = [seat, YEAR, member.pk, f"M{i:08d}", date(YEAR, 2, 25), now, now, now, None]
            if prepared:
                bulk._execute_prepared(connections[connection.alias], cursor, sql,
                                       "bench_least_claim", params)
                continue
            with nullcontext() if one_statement else transaction.atomic():
                cursor.execute(sql, params)
    return time.perf_counter() - started


def claim_members(count):
    from membership.models import Member

    return list(Member.objects.select_related("worker").order_by("pk")[:count])


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--claims", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--claim-rounds", type=int, default=5)
    parser.add_argument("--only", choices=["a", "b"], help="run one of the two benchmarks")
    args = parser.parse_args()
    _setup_django()
    from django.core.management import call_command

    print(f"Subsidy benchmarks: {args.members:,} members, {args.claims:,} claims; machine: "
          f"{platform.node()}, {os.cpu_count()} cores, {cpu_name()}, "
          f"Python {platform.python_version()}")
    call_command("migrate", verbosity=0)
    maker, checker = _admins()
    started = time.perf_counter()
    seeded = seed(args.members)
    _analyze()
    print(f"Seeded {seeded:,} members in {time.perf_counter() - started:.1f} s")

    if args.only in (None, "a"):
        run_to_file(args, seeded, maker, checker)
    if args.only in (None, "b"):
        claims(args)


def run_to_file(args, seeded, maker, checker):
    """(a): rounds of the committed floor, the rolled-back floor and our steps, one after
    the other, so a burst of load on the shared machine falls on both sides of a round;
    each round's ratio is ours over that round's floor, and the median ratio is the result."""
    rounds = []
    for _ in range(args.rounds):
        floor, rows = floor_insert_select(maker)
        assert rows == seeded, (rows, seeded)
        rolled_back, _rows = floor_insert_select(maker, commit=False)  # leaves tables empty
        times, counts = ours_run_to_file(maker, checker)
        assert counts["created"] == counts["lines"] == counts["approved"] == seeded, counts
        rounds.append({"floor": floor, "rolled back": rolled_back, **times,
                       "headline": times["run"] + times["batch"] + times["payment file"],
                       "all steps": sum(times.values())})
    ratios = [r["headline"] / r["floor"] for r in rounds]
    ratio = statistics.median(ratios)
    median = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
    floor = median["floor"]
    print()
    print(f"(a) rule run to payment file, {seeded:,} members ({args.rounds} rounds, each the "
          f"floors then ours; medians)")
    print()
    print("| step | seconds | vs floor |")
    print("|---|---:|---:|")
    print(f"| floor: one INSERT … SELECT of the entitlement rows, committed | {floor:.2f} | "
          f"1.00x |")
    print(f"| (the same, rolled back: no foreign-key checks, no commit) | "
          f"{median['rolled back']:.2f} | {median['rolled back'] / floor:.2f}x |")
    for name in ("run", "submit", "approve", "batch", "batch approve", "payment file"):
        print(f"| {name} | {median[name]:.2f} | {median[name] / floor:.2f}x |")
    print(f"| **run + batch + payment file** | **{median['headline']:.2f}** | "
          f"**{ratio:.2f}x** (the median of the rounds' ratios) |")
    total = median["all steps"]
    print(f"| all steps, the review included | {total:.2f} | {total / floor:.2f}x |")
    print()
    print("| round | floor | rolled back | run | batch | payment file | ours | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for i, (r, each) in enumerate(zip(rounds, ratios, strict=True), start=1):
        print(f"| {i} | {r['floor']:.2f} | {r['rolled back']:.2f} | {r['run']:.2f} | "
              f"{r['batch']:.2f} | {r['payment file']:.2f} | {r['headline']:.2f} | "
              f"{each:.2f}x |")
    print()
    print(f"counts: {counts}")
    print(f"(a) goal within 3x: {'met' if ratio <= 3 else 'NOT met'} ({ratio:.2f}x the "
          f"committed floor, median of {args.rounds} rounds, from {min(ratios):.2f}x to "
          f"{max(ratios):.2f}x; {median['headline'] / median['rolled back']:.2f}x the "
          f"rolled-back one)")


def claims(args):
    """(b): the claim contenders, on the cluster as production runs it (fsync on: each
    commit waits for its WAL flush) and then with fsync off (the test cluster's setting,
    where a commit costs almost nothing and the rest weighs more)."""
    results = {}
    for setting in ("on", "off"):
        if not _fsync(setting):
            print(f"\n(b) with fsync {setting}: not measured (the cluster was started with "
                  "fsync fixed on its command line; `make bench` starts it with "
                  "TEST_PG_FSYNC=on)")
            continue
        results[setting] = _claims_round_robin(args, setting)
    _fsync(None)
    for setting, ratio in results.items():
        print(f"(b) goal within 2x, fsync {setting}: {'met' if ratio <= 2 else 'NOT met'} "
              f"({ratio:.2f}x)")


def _fsync(setting):
    """Set the cluster's fsync (None: back to its start-up value) and say whether it took:
    a value given on the server's command line (-F) overrides ALTER SYSTEM."""
    from django.db import connection

    with connection.cursor() as cursor:
        if setting is None:
            cursor.execute("ALTER SYSTEM RESET fsync")
        else:
            cursor.execute(f"ALTER SYSTEM SET fsync = {setting}")
        cursor.execute("SELECT pg_reload_conf()")
        for _ in range(50):
            cursor.execute("SHOW fsync")
            if setting is None or cursor.fetchone()[0] == setting:
                return True
            time.sleep(0.1)
    return False


def _claims_round_robin(args, setting):
    from subsidies.models import ProgrammeYear

    # The contenders take turns, round after round, each on emptied tables; each one's
    # median over the rounds is reported, so a burst of load on the shared machine does not
    # fall on one contender only.
    members = claim_members(args.claims)
    contenders = [
        ("floor: bare UPDATE … WHERE accepted < quota RETURNING",
         lambda: floor_claims(args.claims)),
        ("the least a claim writes: seat + entitlement + history, raw SQL, one transaction",
         lambda: minimum_claims(members, start=0)),
        ("the same in one statement, autocommit",
         lambda: minimum_claims(members, start=0, one_statement=True)),
        ("the same, prepared once (no parsing, no planning, no Python but the loop)",
         lambda: minimum_claims(members, start=0, one_statement=True, prepared=True)),
        ("**ours: spring_return_claim**", lambda: ours_claims(members)),
    ]
    seconds = {label: [] for label, _run in contenders}
    for _ in range(args.claim_rounds):
        for label, run in contenders:
            _reset()
            ProgrammeYear.objects.filter(programme_id="SPRING_RETURN", year=YEAR).update(
                quota=args.claims * 10, accepted=0)
            seconds[label].append(run())
            accepted = ProgrammeYear.objects.get(programme_id="SPRING_RETURN", year=YEAR)
            assert accepted.accepted == args.claims, (label, accepted.accepted)
    median = {label: statistics.median(runs) for label, runs in seconds.items()}
    bare, ours = median[contenders[0][0]], median[contenders[-1][0]]
    print()
    print(f"(b) spring-return claims, fsync {setting}, {args.claims:,} one after another "
          f"(median of {args.claim_rounds} rounds, the contenders taking turns)")
    print()
    print("| contender | seconds | claims/s | vs floor | the rounds (s) |")
    print("|---|---:|---:|---:|---|")
    for label, _run in contenders:
        runs = ", ".join(f"{value:.2f}" for value in seconds[label])
        print(f"| {label} | {median[label]:.2f} | {args.claims / median[label]:,.0f} | "
              f"{median[label] / bare:.2f}x | {runs} |")
    print()
    return ours / bare


if __name__ == "__main__":
    main()
