"""Export benchmark of the registry issue (issue 3; results in docs/benchmarks.md).

The same 100,000 members, seeded by `seed_demo`, exported to .xlsx by:
  ours                  reporting.services.export_render: the code a background export job
                        runs (rows streamed from PostgreSQL, openpyxl write-only, rows
                        serialised in one string each)
  ours, openpyxl cells  the same, every cell through openpyxl's own write-only cell writer
  openpyxl normal mode  the same rows, written by a normal openpyxl Workbook with the same
                        title row, header, widths and number formats
  django-import-export  a ModelResource of the same columns, `export()` to xlsx (tablib)
Each contender runs in its own subprocess, so its peak memory (VmHWM) is its own.
Goal (issue 3): ours at least 3x faster than openpyxl normal mode, at a fifth of its peak
memory.

Run with `make bench`, or:
  DJANGO_SETTINGS_MODULE=hedong_union.settings.test scripts/with-test-services \\
      .venv/bin/python bench/bench_export.py [--members 100000]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchlib import cpu_name, status_mb  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hedong_union.settings.test")

CONTENDERS = ["ours", "ours, openpyxl cells", "openpyxl normal mode", "django-import-export"]
SEED = 2019
UNITS = 5000
MEMBER_SHARE = 0.58  # seed_demo makes about 60% of workers members; a little margin
BENCH_USER = "bench_leader"  # the leadership group: every member, personal data masked


def _setup_django():
    import django

    django.setup()


def _rss_mb():
    return status_mb("VmRSS")


def _peak_mb():
    """The process's own peak resident memory. Not ru_maxrss: Linux carries the parent's
    peak over fork and exec into it, and the parent has just seeded the database."""
    return status_mb("VmHWM")


# ---------------------------------------------------------------------------
# The contenders (each in its own process)
# ---------------------------------------------------------------------------
def _queryset(limit):
    from accounts.models import User
    from membership.selectors.exports import member_export_queryset

    user = User.objects.get(username=BENCH_USER)
    members = member_export_queryset(user=user)  # ordered by member number
    last = members.values_list("member_number", flat=True)[limit - 1]
    return user, members.filter(member_number__lte=last)


def _ours(user, queryset, path, engine="fast"):
    from django.utils import timezone, translation

    from membership.exports import MEMBERS
    from reporting import services
    from reporting.xlsx import write_xlsx

    if engine == "fast":
        with open(path, "wb") as stream:
            services.export_render(export=MEMBERS, user=user, queryset=queryset, stream=stream)
        return
    with translation.override(services.EXCEL_LANGUAGE), open(path, "wb") as stream:
        write_xlsx(stream, title=MEMBERS.title, scope="全区", as_of=timezone.localdate(),
                   columns=MEMBERS.columns, rows=MEMBERS.rows(queryset, full_pii=False),
                   sheet_name=MEMBERS.title, engine="openpyxl")


def _openpyxl_normal(user, queryset, path):
    """What one writes without write-only mode: a Workbook holding every cell."""
    from django.utils import timezone, translation
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from membership.exports import MEMBERS
    from reporting import services
    from reporting.xlsx import _NUMBER_FORMATS

    with translation.override(services.EXCEL_LANGUAGE):
        wb = Workbook()
        ws = wb.active
        ws.title = MEMBERS.title
        ws.append([f"{MEMBERS.title}　全区　{timezone.localdate():%Y-%m-%d}"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([c.header for c in MEMBERS.columns])
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for index, column in enumerate(MEMBERS.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "A3"
        formatted = [(i, _NUMBER_FORMATS[c.kind]) for i, c in enumerate(MEMBERS.columns)
                     if c.kind in _NUMBER_FORMATS]
        for row_idx, row in enumerate(MEMBERS.rows(queryset, full_pii=False), start=3):
            ws.append(row)
            for i, number_format in formatted:
                ws.cell(row=row_idx, column=i + 1).number_format = number_format
        wb.save(path)


def _import_export(user, queryset, path):
    from django.utils import translation
    from import_export import fields, resources

    from membership.models import Member, MemberStatus, OccupationGroup
    from membership.pii import mask_card, mask_id, mask_phone
    from reporting import services

    class MemberResource(resources.ModelResource):
        member_number = fields.Field(attribute="member_number", column_name="会员编号")
        name = fields.Field(attribute="worker__name", column_name="姓名")
        id_number = fields.Field(column_name="身份证号")
        phone = fields.Field(column_name="手机号")
        street = fields.Field(attribute="worker__street__name", column_name="所属街道")
        union = fields.Field(attribute="union__name", column_name="基层工会")
        joined_on = fields.Field(attribute="joined_on", column_name="入会日期")
        card = fields.Field(column_name="会员服务卡号")
        status = fields.Field(column_name="状态")
        group = fields.Field(column_name="职业群体")

        class Meta:
            model = Member
            fields = ("member_number", "name", "id_number", "phone", "street", "union",
                      "joined_on", "card", "status", "group")
            export_order = fields

        def dehydrate_id_number(self, member):
            return mask_id(member.worker.id_number)

        def dehydrate_phone(self, member):
            return mask_phone(member.worker.phone)

        def dehydrate_card(self, member):
            return mask_card(member.card_number)

        def dehydrate_status(self, member):
            return str(MemberStatus(member.status).label)

        def dehydrate_group(self, member):
            return str(OccupationGroup(member.worker.occupation_group).label)

    with translation.override(services.EXCEL_LANGUAGE):
        dataset = MemberResource().export(queryset=queryset)
        with open(path, "wb") as stream:
            stream.write(dataset.export("xlsx"))


def run_contender(name, limit):
    _setup_django()
    from django.db import connection

    user, queryset = _queryset(limit)
    connection.close()  # the contender opens its own connection, as a worker would
    baseline = _rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        started = time.perf_counter()
        if name == "ours":
            _ours(user, queryset, path)
        elif name == "ours, openpyxl cells":
            _ours(user, queryset, path, engine="openpyxl")
        elif name == "openpyxl normal mode":
            _openpyxl_normal(user, queryset, path)
        elif name == "django-import-export":
            _import_export(user, queryset, path)
        else:
            raise SystemExit(f"unknown contender {name!r}")
        seconds = time.perf_counter() - started
        peak = _peak_mb()
        size = path.stat().st_size
        rows = _count_rows(path)  # after the peak is read: checking costs memory too
    print(json.dumps({"contender": name, "seconds": seconds, "rows": rows, "peak_mb": peak,
                      "baseline_mb": baseline, "file_mb": size / 1024 / 1024}))


def _count_rows(path):
    """Data rows in the file (title and header rows left out), read back by openpyxl."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    ws = wb.active
    count = sum(1 for row in ws.iter_rows(values_only=True) if row and row[0]
                and str(row[0]).startswith("HD"))
    wb.close()
    return count


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------
def prepare(members):
    """Migrate the empty database and seed enough workers for `members` members."""
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import Role
    from accounts.services import user_upsert
    from membership.demo import seed_demo
    from membership.models import Member

    call_command("migrate", verbosity=0)
    workers = int(members / MEMBER_SHARE)
    started = time.perf_counter()
    result = seed_demo(seed=SEED, password=settings.DEMO_PASSWORD, workers=workers,
                       units=UNITS)
    seeded = time.perf_counter() - started
    user_upsert(username=BENCH_USER, role=Role.LEADER, password=settings.DEMO_PASSWORD)
    total = Member.objects.count()
    if total < members:
        raise SystemExit(f"seeded {total} members, fewer than {members}")
    return {"workers": result.registry.workers, "members": total, "units": UNITS,
            "seed_seconds": seeded}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        run_contender(args.contender, args.members)
        return

    print(f"Export benchmark: {args.members:,} members; machine: {platform.node()}, "
          f"{os.cpu_count()} cores, {cpu_name()}, Python {platform.python_version()}")
    seeded = prepare(args.members)
    print(f"Seeded {seeded['workers']:,} workers, {seeded['members']:,} members, "
          f"{seeded['units']:,} units in {seeded['seed_seconds']:.1f} s (seed {SEED})")
    results = []
    for name in CONTENDERS:
        out = subprocess.run([sys.executable, __file__, "--members", str(args.members),
                              "--contender", name], check=True, capture_output=True,
                             text=True, cwd=BASE_DIR)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if result["rows"] != args.members:
            raise SystemExit(f"{name} wrote {result['rows']} rows, not {args.members}")
        results.append(result)
        print(f"  {name}: {result['seconds']:.1f} s", flush=True)
    report(results)


def report(results):
    ours = results[0]
    normal = next(r for r in results if r["contender"] == "openpyxl normal mode")
    print()
    print("| contender | seconds | rows/s | peak memory (MB) | over baseline (MB) "
          "| time vs ours | peak vs ours |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['contender']} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} "
              f"| {r['peak_mb']:.0f} | {r['peak_mb'] - r['baseline_mb']:.0f} "
              f"| {r['seconds'] / ours['seconds']:.2f}x | {r['peak_mb'] / ours['peak_mb']:.2f}x |")
    speed = normal["seconds"] / ours["seconds"]
    memory = ours["peak_mb"] / normal["peak_mb"]
    met = speed >= 3 and memory <= 0.2
    print()
    print(f"ours vs openpyxl normal mode: {speed:.2f}x faster (goal >= 3x), peak memory "
          f"{memory:.2f} of its peak (goal <= 0.20): goal {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
