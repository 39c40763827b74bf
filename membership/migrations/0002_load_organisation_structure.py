"""Create the district's organisation structure (SPEC §2, §11) from
membership/data/organisations.json, so `migrate` alone on an empty database starts ready.

Historical rows are written too, so the structure's history starts at install.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "organisations.json"


def _with_history(apps, model_name, objs):
    Model = apps.get_model("membership", model_name)
    Historical = apps.get_model("membership", f"Historical{model_name}")
    created = Model.objects.bulk_create(objs)
    now = timezone.now()
    fields = [f.attname for f in Model._meta.concrete_fields]
    Historical.objects.bulk_create([
        Historical(
            **{name: getattr(obj, name) for name in fields},
            history_date=now, history_type="+", history_change_reason="install",
        )
        for obj in created
    ])
    return created


def load(apps, schema_editor):
    District = apps.get_model("membership", "District")
    Street = apps.get_model("membership", "Street")
    Community = apps.get_model("membership", "Community")
    Department = apps.get_model("membership", "Department")
    DepartmentCoverage = apps.get_model("membership", "DepartmentCoverage")
    IndustryFederation = apps.get_model("membership", "IndustryFederation")
    Union = apps.get_model("membership", "Union")

    if District.objects.exists():
        return  # a database that already has its structure keeps it
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))

    (district,) = _with_history(apps, "District", [District(name=data["district"])])
    streets = _with_history(apps, "Street", [
        Street(district=district, short_name=s["short_name"], name=s["name"], position=i)
        for i, s in enumerate(data["streets"], start=1)
    ])
    communities = _with_history(apps, "Community", [
        Community(street=street, name=name)
        for street, s in zip(streets, data["streets"])
        for name in s["communities"]
    ])
    # Every community has its community union (社区工会), home of scattered workers (SPEC §4).
    _with_history(apps, "Union", [
        Union(name=f"{c.name}工会", form="community", street=c.street, community=c)
        for c in communities
    ])
    departments = {
        d.name: d
        for d in _with_history(apps, "Department", [
            Department(name=d["name"], duty=d["duty"]) for d in data["departments"]
        ])
    }
    DepartmentCoverage.objects.bulk_create([
        DepartmentCoverage(department=departments[d["name"]], criterion=c, value=v)
        for d in data["departments"]
        for c, v in d["covers"]
    ])
    _with_history(apps, "IndustryFederation", [
        IndustryFederation(
            name=f["name"], sector=f["sector"],
            leading_department=departments[f["leading_department"]],
        )
        for f in data["industry_federations"]
    ])


def unload(apps, schema_editor):
    for name in ("Union", "IndustryFederation", "DepartmentCoverage", "Department",
                 "Community", "Street", "District"):
        apps.get_model("membership", name).objects.all().delete()
        if name != "DepartmentCoverage":
            apps.get_model("membership", f"Historical{name}").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_organisation_structure")]

    operations = [migrations.RunPython(load, unload)]
