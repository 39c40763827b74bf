"""Create the programmes of SPEC §6 and their yearly settings from
subsidies/data/programmes.json, so `migrate` alone starts ready (SPEC §11)."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "programmes.json"
_DECIMALS = ("amount", "city_share", "cap", "minimum")


def load(apps, schema_editor):
    Programme = apps.get_model("subsidies", "Programme")
    ProgrammeYear = apps.get_model("subsidies", "ProgrammeYear")
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for item in data["programmes"]:
        programme, created = Programme.objects.get_or_create(code=item["code"], defaults={
            "name": item["name"], "first_year": item["first_year"],
            "last_year": item.get("last_year")})
        if not created:
            continue
        ProgrammeYear.objects.bulk_create([
            ProgrammeYear(programme=programme, **{
                key: Decimal(value) if key in _DECIMALS else value
                for key, value in year.items()
            })
            for year in item["years"]
        ])


def unload(apps, schema_editor):
    apps.get_model("subsidies", "ProgrammeYear").objects.all().delete()
    apps.get_model("subsidies", "Programme").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_programmes_entitlements_batches")]

    operations = [migrations.RunPython(load, unload)]
