"""Import benchmark of the registry issue (issue 3; results in docs/benchmarks.md).

One generated worker roster (职工花名册, valid IDs from membership.fakes, about 70% of
workers at one of the units, 1% of rows with a wrong ID check digit) imported by:

  ours                  membership.imports.services.roster_import, the code of
                        `import_roster`: every row normalised and checked with the
                        services' rules, upserted in chunks of 2,000 (one query loads a
                        chunk's existing workers; bulk_create / bulk_update), IDs and phones
                        encrypted and hashed, a history row per worker, one transaction;
                        rows checked and written in one read of the file
  ours, page path       the same importer as the web page runs it: the whole file checked
                        on upload (a first read), then the good rows imported on confirm
                        (a second read that checks them again)
  import-export tuned   django-import-export, a ModelResource of Worker with use_bulk=True
                        (batch 2,000), the CachedInstanceLoader, skip_diff, streets,
                        communities and employers looked up in dictionaries;
                        before_import_row normalises the cells with the same parsers and
                        checks the row with the same prepare_worker, so it stores the same
                        data (no history rows: bulk_create sends no signals)
  import-export as documented
                        the same Resource written the way the library's documentation
                        shows: ForeignKeyWidget look-ups, the default instance loader,
                        clean_model_instances=True; derived fields in before_import_row
  one save() per row    ours, but each worker written by its own save() (its history row
                        through simple-history's post_save signal)

Each contender runs in its own subprocess on an emptied worker table, so its time and
peak memory (VmHWM) are its own; the stored rows are then compared field by field.
Goal (issue 3): ours at least 5x faster than django-import-export.

  DJANGO_SETTINGS_MODULE=hedong_union.settings.test scripts/with-test-services \\
      .venv/bin/python bench/bench_import.py --rows 100000

Needs requirements-bench.txt (django-import-export, tablib).
"""

import argparse
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchlib import status_mb  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hedong_union.settings.test")

CONTENDERS = ["ours", "ours, page path", "import-export tuned", "import-export as documented",
              "one save() per row"]
UNITS = 500
SEED = 2019
BAD_SHARE = 0.01


def _setup_django():
    import django

    django.setup()


# ---------------------------------------------------------------------------
# The roster
# ---------------------------------------------------------------------------
def make_units(rng):
    """UNITS employers spread over the streets (bulk, no history: not what is measured)."""
    from membership import fakes
    from membership.models import Community, Sector, Street, Unit, UnitKind

    Unit.objects.all().delete()
    streets = list(Street.objects.all())
    communities = list(Community.objects.all())
    units = []
    for i in range(UNITS):
        street = streets[i % len(streets)]
        local = [c for c in communities if c.street_id == street.pk]
        units.append(Unit(
            name=f"{street.short_name}{i:04d}号企业有限公司", credit_code=fakes.credit_code(rng),
            kind=UnitKind.NON_PUBLIC_ENTERPRISE, sector=rng.choice(Sector.values),
            street=street, community=rng.choice(local), employee_count=rng.randrange(10, 300),
        ))
    Unit.objects.bulk_create(units)
    return units


def make_roster(path, rows, rng, units):
    """A template-shaped workbook as a clerk would fill it in (openpyxl write-only)."""
    from openpyxl import Workbook

    from membership import fakes
    from membership.imports.columns import (
        EMPLOYMENT_LABELS,
        GROUP_LABELS,
        WORKER_COLUMNS,
    )
    from membership.models import Community

    communities = list(Community.objects.select_related("street"))
    groups = list(GROUP_LABELS)
    employed_forms = [label for label in EMPLOYMENT_LABELS if label != "零散就业"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("职工花名册")
    ws.append([c.header for c in WORKER_COLUMNS])
    seen = set()
    for i in range(rows):
        while True:
            number = fakes.resident_id(rng)
            if number not in seen:
                seen.add(number)
                break
        if rng.random() < BAD_SHARE:
            number = number[:17] + ("0" if number[17] != "0" else "1")
        identified = date(2025, 3, 15) + timedelta(days=rng.randrange(0, 300))
        if rng.random() < 0.7:
            unit = rng.choice(units)
            employer, form, street, community = (unit.credit_code, rng.choice(employed_forms),
                                                 None, None)
        else:
            community = rng.choice(communities)
            employer, form, street = None, "零散就业", community.street.name
            community = community.name
        ws.append([
            f"职工{i:06d}", number, fakes.phone(rng), "农业" if rng.random() < 0.75 else "非农业",
            None, form, rng.choice(groups), employer, street, community,
            "是" if rng.random() < 0.1 else "否", identified.isoformat(), None, None, None,
        ])
    wb.save(path)


# ---------------------------------------------------------------------------
# The contenders (each in its own process)
# ---------------------------------------------------------------------------
def _office():
    from membership.imports.services import district_office

    return district_office()


def run_ours(path):
    from membership.imports.services import roster_import

    result = roster_import(kind="workers", source=path, by=_office())
    return {"stored": result.created, "rejected": result.bad_rows}


def run_ours_page_path(path):
    """Check on upload, import on confirm: two reads, two transactions (as the page)."""
    from django.db import transaction

    from membership.imports.workers import WorkerImporter

    importer = WorkerImporter(by=_office())
    checked = importer.validate(path)
    with transaction.atomic():
        result = importer.apply(path, errors=checked.errors)
    return {"stored": result.created, "rejected": result.bad_rows}


def run_one_save_per_row(path):
    """The same checks as ours; each good row written by its own save()."""
    from django.db import transaction

    from membership.imports.workers import WorkerImporter

    class PerRowImporter(WorkerImporter):
        def write_chunk(self, rows):
            for row in rows:
                worker = row.existing or row.record
                worker._history_user = self.history_user
                worker.save()

    with transaction.atomic():
        result = PerRowImporter(by=_office()).check_and_apply(path)
    return {"stored": result.created, "rejected": result.bad_rows}


def run_import_export_tuned(path):
    import tablib
    from django.core.exceptions import ValidationError
    from import_export import fields, resources, widgets
    from import_export.instance_loaders import CachedInstanceLoader

    from membership.identifiers import clean_credit_code, clean_resident_id
    from membership.imports import cells
    from membership.imports.columns import (
        EMPLOYMENT_LABELS,
        GROUP_LABELS,
        HUKOU_LABELS,
        LISTED_VALUES,
    )
    from membership.models import Community, OccupationGroup, Source, Street, Unit, Worker
    from membership.models.organisations import street_short_name
    from membership.pii import pii_hmac
    from membership.services.workers import place_worker, prepare_worker

    today = date.today()
    streets = {s.short_name: s for s in Street.objects.all()}
    communities = {(c.street_id, c.name): c for c in Community.objects.all()}
    units = {u.credit_code: u for u in Unit.objects.all()}

    def choice(value, labels, key):
        return cells.parse_choice(value, labels, listed=LISTED_VALUES[key])

    class WorkerResource(resources.ModelResource):
        # Columns filled by before_import_row; foreign keys as ids (no per-row query).
        employer_id = fields.Field(attribute="employer_id", column_name="employer_id",
                                   widget=widgets.IntegerWidget())
        street_id = fields.Field(attribute="street_id", column_name="street_id",
                                 widget=widgets.IntegerWidget())
        community_id = fields.Field(attribute="community_id", column_name="community_id",
                                    widget=widgets.IntegerWidget())

        class Meta:
            model = Worker
            fields = ("id_hmac", "name", "id_number", "birth_date", "sex", "hukou_province",
                      "phone", "phone_hmac", "hukou_type", "employment_form",
                      "occupation_group", "whole_unit_informal", "identified_on", "source",
                      "employer_id", "street_id", "community_id")
            import_id_fields = ("id_hmac",)
            use_bulk = True
            batch_size = 2000
            skip_diff = True
            instance_loader_class = CachedInstanceLoader

        def before_import(self, dataset, **kwargs):
            """The upsert key for the cached instance loader: the ID's keyed hash."""
            hashes = []
            for number in dataset["身份证号"]:
                try:
                    hashes.append(pii_hmac("id", clean_resident_id(number).number))
                except ValidationError:
                    hashes.append(None)
            dataset.append_col(hashes, header="id_hmac")

        def before_import_row(self, row, **kwargs):
            employer = None
            code = cells.code_text(row["工作单位统一社会信用代码"], what="工作单位统一社会信用代码")
            if code:
                employer = units.get(clean_credit_code(code))
                if employer is None:
                    raise ValidationError({"employer": "unknown unit"})
            street_name = cells.clean_text(row["所属街道"])
            street = streets.get(street_short_name(street_name)) if street_name else None
            target = employer.street if employer else street
            community_name = cells.clean_text(row["所属社区"])
            community = (communities.get((target.pk, community_name))
                         if community_name and target else None)
            placement = place_worker(employer=employer, street=street, community=community)
            worker = Worker(
                name=cells.clean_text(row["姓名"]) or "",
                id_number=cells.code_text(row["身份证号"], what="身份证号"),
                phone=cells.code_text(row["手机号"], what="手机号"),
                hukou_type=choice(row["户籍类型"], HUKOU_LABELS, "hukou_type"),
                hukou_province=cells.parse_province(row["户籍所在省份"]) or "",
                employment_form=choice(row["就业形式"], EMPLOYMENT_LABELS, "employment_form"),
                occupation_group=(choice(row["职业群体"], GROUP_LABELS, "occupation_group")
                                  or OccupationGroup.OTHER),
                employer=employer, street=placement.street, community=placement.community,
                whole_unit_informal=bool(cells.parse_bool(row["整建制非正式员工"])),
                identified_on=cells.parse_date(row["摸底日期"]) or today,
            )
            prepare_worker(worker, today=today)  # raises ValidationError: an invalid row
            row.update({
                "name": worker.name, "id_number": worker.id_number, "id_hmac": worker.id_hmac,
                "birth_date": worker.birth_date, "sex": worker.sex,
                "hukou_province": worker.hukou_province, "phone": worker.phone,
                "phone_hmac": worker.phone_hmac, "hukou_type": worker.hukou_type,
                "employment_form": worker.employment_form,
                "occupation_group": worker.occupation_group,
                "whole_unit_informal": worker.whole_unit_informal,
                "identified_on": worker.identified_on, "source": Source.IMPORT,
                "employer_id": worker.employer_id, "street_id": worker.street_id,
                "community_id": worker.community_id,
            })

    with open(path, "rb") as stream:
        dataset = tablib.Dataset().load(stream.read(), format="xlsx")
    result = WorkerResource().import_data(dataset, dry_run=False, use_transactions=True)
    if result.has_errors():
        raise RuntimeError(result.base_errors or result.row_errors()[:1])
    return {"stored": result.totals["new"], "rejected": result.totals["invalid"]}


def run_import_export_documented(path):
    """The Resource as the library's documentation writes one: widgets per column,
    ForeignKeyWidget for the foreign keys, the default (per-row) instance loader and the
    model's own validation; the portal's rules run after the fields are set."""
    import tablib
    from django.core.exceptions import ValidationError
    from import_export import fields, resources, widgets

    from membership.identifiers import clean_phone, clean_resident_id
    from membership.imports import cells
    from membership.imports.columns import (
        EMPLOYMENT_LABELS,
        GROUP_LABELS,
        HUKOU_LABELS,
        LISTED_VALUES,
    )
    from membership.models import Community, OccupationGroup, Source, Street, Unit, Worker
    from membership.pii import pii_hmac
    from membership.services.workers import place_worker, prepare_worker

    today = date.today()

    class TextWidget(widgets.CharWidget):
        def clean(self, value, row=None, **kwargs):
            return cells.clean_text(value) or ""

    class LabelWidget(widgets.Widget):
        def __init__(self, labels, key, default=None):
            super().__init__()
            self.labels, self.key, self.default = labels, key, default

        def clean(self, value, row=None, **kwargs):
            return (cells.parse_choice(value, self.labels, listed=LISTED_VALUES[self.key])
                    or self.default)

    class YesNoWidget(widgets.BooleanWidget):
        def clean(self, value, row=None, **kwargs):
            return bool(cells.parse_bool(value))

    class DateCellWidget(widgets.DateWidget):
        def clean(self, value, row=None, **kwargs):
            return cells.parse_date(value) or today

    class EmployerWidget(widgets.ForeignKeyWidget):
        def clean(self, value, row=None, **kwargs):
            code = cells.code_text(value, what="工作单位统一社会信用代码")
            return super().clean(code.upper(), row, **kwargs) if code else None

    class StreetWidget(widgets.ForeignKeyWidget):
        def clean(self, value, row=None, **kwargs):
            name = cells.clean_text(value)
            return Street.objects.by_name(name) if name else None

    class CommunityWidget(widgets.ForeignKeyWidget):
        def get_queryset(self, value, row, *args, **kwargs):
            return Community.objects.filter(street__in=Street.objects.filter(
                short_name=cells.clean_text(row["所属街道"]).removesuffix("街道")))

    class WorkerResource(resources.ModelResource):
        name = fields.Field("name", "姓名", widget=TextWidget())
        id_number = fields.Field("id_number", "身份证号", widget=TextWidget())
        phone = fields.Field("phone", "手机号", widget=TextWidget())
        hukou_type = fields.Field("hukou_type", "户籍类型",
                                  widget=LabelWidget(HUKOU_LABELS, "hukou_type"))
        employment_form = fields.Field("employment_form", "就业形式",
                                       widget=LabelWidget(EMPLOYMENT_LABELS, "employment_form"))
        occupation_group = fields.Field("occupation_group", "职业群体", widget=LabelWidget(
            GROUP_LABELS, "occupation_group", OccupationGroup.OTHER))
        employer = fields.Field("employer", "工作单位统一社会信用代码",
                                widget=EmployerWidget(Unit, "credit_code"))
        street = fields.Field("street", "所属街道", widget=StreetWidget(Street, "short_name"))
        community = fields.Field("community", "所属社区", widget=CommunityWidget(Community, "name"))
        whole_unit_informal = fields.Field("whole_unit_informal", "整建制非正式员工",
                                           widget=YesNoWidget())
        identified_on = fields.Field("identified_on", "摸底日期", widget=DateCellWidget())
        id_hmac = fields.Field("id_hmac", "id_hmac")
        birth_date = fields.Field("birth_date", "birth_date", widget=widgets.DateWidget())
        sex = fields.Field("sex", "sex")
        hukou_province = fields.Field("hukou_province", "hukou_province")
        phone_hmac = fields.Field("phone_hmac", "phone_hmac")
        source = fields.Field("source", "source")

        class Meta:
            model = Worker
            fields = ("name", "id_number", "phone", "hukou_type", "employment_form",
                      "occupation_group", "employer", "street", "community",
                      "whole_unit_informal", "identified_on", "id_hmac", "birth_date", "sex",
                      "hukou_province", "phone_hmac", "source")
            import_id_fields = ("id_hmac",)
            use_bulk = True
            batch_size = 2000
            clean_model_instances = True

        def before_import(self, dataset, **kwargs):
            # The key column must exist before the rows are read; before_import_row fills it.
            dataset.append_col([None] * len(dataset), header="id_hmac")

        def before_import_row(self, row, **kwargs):
            """Derived fields, from the ID number and the phone (SPEC §8)."""
            try:
                rid = clean_resident_id(cells.code_text(row["身份证号"], what="身份证号"))
            except ValidationError as error:
                raise ValidationError({"id_number": error.messages}) from None
            phone = cells.code_text(row["手机号"], what="手机号")
            row.update({
                "id_hmac": pii_hmac("id", rid.number), "birth_date": rid.birth_date,
                "sex": rid.sex, "hukou_province": (cells.parse_province(row["户籍所在省份"])
                                                   or rid.province_code),
                "phone_hmac": pii_hmac("phone", clean_phone(phone)) if phone else None,
                "source": Source.IMPORT,
            })

        def import_instance(self, instance, row, **kwargs):
            super().import_instance(instance, row, **kwargs)
            placement = place_worker(
                employer=instance.employer,
                street=instance.street if instance.street_id else None,
                community=instance.community)
            instance.street, instance.community = placement.street, placement.community
            prepare_worker(instance, today=today)  # the portal's rules

    with open(path, "rb") as stream:
        dataset = tablib.Dataset().load(stream.read(), format="xlsx")
    result = WorkerResource().import_data(dataset, dry_run=False, use_transactions=True)
    if result.has_errors():
        raise RuntimeError(result.base_errors or result.row_errors()[:1])
    return {"stored": result.totals["new"], "rejected": result.totals["invalid"]}


RUNNERS = {"ours": run_ours, "ours, page path": run_ours_page_path,
           "import-export tuned": run_import_export_tuned,
           "import-export as documented": run_import_export_documented,
           "one save() per row": run_one_save_per_row}


def contender_main(name, path):
    _setup_django()
    import gc

    gc.collect()
    baseline = status_mb("VmRSS")
    started = time.perf_counter()
    outcome = RUNNERS[name](path)
    seconds = time.perf_counter() - started
    peak = status_mb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "baseline_mb": baseline,
                      **outcome}))


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------
def reset_workers():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE membership_worker, membership_historicalworker "
                       "RESTART IDENTITY CASCADE")
        cursor.execute("VACUUM ANALYZE membership_worker")
        cursor.execute("VACUUM ANALYZE membership_historicalworker")


def stored_fingerprint():
    """A digest of what was stored, to check that the contenders stored the same data."""
    from membership.models import Worker

    digest = hashlib.sha256()
    rows = Worker.objects.order_by("id_hmac").values_list(
        "id_hmac", "name", "birth_date", "sex", "hukou_province", "phone_hmac", "hukou_type",
        "employment_form", "occupation_group", "employer__credit_code", "street_id",
        "community_id", "whole_unit_informal", "identified_on", "source")
    count = 0
    for row in rows.iterator(chunk_size=5000):
        digest.update(repr(row).encode())
        count += 1
    sample = Worker.objects.order_by("pk").first()
    decrypts = sample is not None and len(sample.id_number) == 18
    return digest.hexdigest()[:12], count, decrypts


def history_rows():
    from membership.models import Worker

    return Worker.history.count()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--only", choices=CONTENDERS, action="append",
                        help="run only these contenders (repeatable)")
    parser.add_argument("--file", help="reuse this roster instead of generating one")
    parser.add_argument("--contender", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        return contender_main(args.contender, args.file)

    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    print(f"Setting up: {UNITS} units, then a roster of {args.rows:,} workers ...", flush=True)
    units = make_units(rng)
    path = Path(args.file or f"/tmp/hedong-bench-roster-{args.rows}.xlsx")
    started = time.perf_counter()
    if not args.file:
        make_roster(path, args.rows, rng, units)
    print(f"Roster {path} ({path.stat().st_size / 2**20:.1f} MB) ready in "
          f"{time.perf_counter() - started:.0f} s", flush=True)

    results = {}
    for name in args.only or CONTENDERS:
        reset_workers()
        print(f"  {name} ...", flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "--contender", name, "--file", str(path)],
            capture_output=True, text=True, env=os.environ,
        )
        if out.returncode:
            sys.exit(f"{name} failed:\n{out.stderr[-3000:]}")
        data = json.loads(out.stdout.strip().splitlines()[-1])
        data["fingerprint"], data["rows_in_db"], data["decrypts"] = stored_fingerprint()
        data["history"] = history_rows()
        results[name] = data

    print()
    print(f"Import of {args.rows:,} worker rows ({BAD_SHARE:.0%} bad), "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs")
    header = (f"{'contender':<30}{'seconds':>9}{'rows/s':>9}{'peak MB':>9}{'+MB':>7}"
              f"{'stored':>9}{'bad':>6}{'history':>9}  data")
    print(header)
    print("-" * len(header))
    reference = results.get("ours", {}).get("fingerprint")
    for name, d in results.items():
        same = "same" if d["fingerprint"] == reference else "DIFFERENT"
        print(f"{name:<30}{d['seconds']:>9.1f}{args.rows / d['seconds']:>9.0f}"
              f"{d['peak_mb']:>9.0f}{d['peak_mb'] - d['baseline_mb']:>7.0f}"
              f"{d['rows_in_db']:>9,}{d['rejected']:>6}{d['history']:>9,}  {same}")
    if "ours" in results:
        ours = results["ours"]
        print()
        for name, d in results.items():
            if name != "ours":
                print(f"ours vs {name}: {d['seconds'] / ours['seconds']:.1f}x faster, "
                      f"{ours['peak_mb'] / d['peak_mb']:.2f}x the peak memory")
        for name in ("import-export tuned", "import-export as documented"):
            if name in results:
                ratio = results[name]["seconds"] / ours["seconds"]
                print(f"Goal (ours >= 5x faster than django-import-export), against "
                      f"{name}: {'met' if ratio >= 5 else 'NOT met'} ({ratio:.1f}x)")


if __name__ == "__main__":
    main()
