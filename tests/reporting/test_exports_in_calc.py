"""One export of each kind as LibreOffice Calc shows it (SPEC §7.4): rates as 80.00%, money
with two decimals and thousands separators, IDs and cards whole, dates as 2026-11-20.
Calc converts the file to CSV with the cells' contents as shown (tests/calc.py)."""

import io
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from membership.demo import seed_registry
from reporting import snapshots
from reporting.periods import period_of
from reporting.rates import rates_as_of
from tests.calc import calc_shown, needs_calc
from tests.conftest import REGISTRY

pytestmark = [pytest.mark.django_db, needs_calc]


def _save(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _content(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_registry_export_shows_ids_whole_and_dates(client, admin_user, worker_dawangzhuang,
                                                     tmp_path):
    client.force_login(admin_user)  # the office holds the full-PII permission
    path = _save(tmp_path, "workers.xlsx",
                 _content(client.get(reverse("membership:worker_export"))))
    shown = calc_shown(tmp_path, path)
    row = {row[0]: dict(zip(shown[1], row)) for row in shown[2:]}["王建国"]
    assert row["身份证号"] == REGISTRY["id_a"]
    assert row["手机号"] == REGISTRY["phone_a"]
    assert row["摸底日期"] == "2024-03-20"


@pytest.fixture
def ten_day_snapshot(organisation_structure):
    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        seed_registry(seed=9, workers=300, units=60)
        snapshots.ten_day_snapshot_take(period_of(date(2026, 11, 20)))
        yield


def test_a_report_export_shows_rates_as_percentages(client, leader, ten_day_snapshot,
                                                    tmp_path):
    client.force_login(leader)
    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        response = client.get(reverse("reporting:ten_day_excel", args=["2026-11-20"]))
    path = _save(tmp_path, "ten-day.xlsx", _content(response))
    shown = calc_shown(tmp_path, path)
    header = shown[1]
    rows = {row[1]: dict(zip(header, row)) for row in shown[2:]}
    rate = {r.name: r for r in rates_as_of(date(2026, 11, 20), "street")}["大王庄街道"].migrant
    expected = f"{rate.num / rate.den:.2%}"
    assert rows["大王庄街道"]["农民工入会率"] == expected
    for row in rows.values():
        for name in ("农民工入会率", "百人以上非公企业建会率"):
            value = row[name]
            assert value == "" or (value.endswith("%") and len(value.split(".")[-1]) == 3), (
                name, value)


def test_a_payment_file_shows_money_with_two_decimals(registrar, admin_user,
                                                      property_federation, tmp_path):
    from subsidies.models import Entitlement
    from subsidies.services import batch_approve, batch_create, batch_payment_file

    grant = Entitlement.objects.create(
        programme_id="INDUSTRY_GRANT", year=2026, industry_federation=property_federation,
        amount=40000, city_amount=0, district_amount=40000, state="approved")
    batch = batch_create(by=registrar, queryset=Entitlement.objects.filter(pk=grant.pk))
    batch_approve(batch=batch, by=admin_user)
    batch = batch_payment_file(batch=batch, by=admin_user)
    path = _save(tmp_path, "payment.xlsx", batch.payment_file.read_decrypted())
    sheet = load_workbook(io.BytesIO(path.read_bytes())).active
    money_column = [c.number_format for c in sheet[3]].index("#,##0.00")
    shown = calc_shown(tmp_path, path)
    assert shown[2][money_column] == "40,000.00"
