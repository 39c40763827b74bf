"""Downloads people can read: names in Chinese (RFC 6266 `filename*`, with an ASCII
`filename` beside it), sheets named for what they hold, and the bulletin's change since
last month a number, not text (SPEC §7.4)."""

import io
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from hedong_union.downloads import content_disposition
from reporting import bulletins

NOW = "2026-11-28 10:00 +0800"


def _workbook(response):
    content = (b"".join(response.streaming_content) if response.streaming
               else response.content)
    return load_workbook(io.BytesIO(content))


def _names(response):
    header = response["Content-Disposition"]
    assert header.startswith("attachment; ")
    ascii_name = header.split('filename="', 1)[1].split('"', 1)[0]
    utf8_name = header.split("filename*=UTF-8''", 1)[1]
    return ascii_name, utf8_name


def test_the_header_carries_the_chinese_name_and_an_ascii_fallback():
    header = content_disposition("月通报-202610-v1.xlsx", fallback="yuetongbao-202610-v1.xlsx")
    assert header == ("attachment; filename=\"yuetongbao-202610-v1.xlsx\"; "
                      f"filename*=UTF-8''{quote('月通报-202610-v1.xlsx')}")
    # Nothing in the fallback can end the quoted string early.
    assert content_disposition("报表.xlsx", fallback='a"b\\c.xlsx').startswith(
        'attachment; filename="abc.xlsx"; ')


@pytest.mark.django_db
def test_the_bulletin_change_since_last_month_is_a_number_of_points(client, admin_user):
    with time_machine.travel(NOW, tick=False):
        draft, _ = bulletins.bulletin_draft(2026, 10)
        streets = draft.content["streets"]
        streets[0].update(migrant_change="+1.25", founding_change="-0.50")
        streets[1].update(migrant_change="+0.00", founding_change=None)
        draft.save(update_fields=["content"])
        client.force_login(admin_user)
        response = client.get(reverse("reporting:bulletin_excel", args=[draft.pk]))
    wb = _workbook(response)
    assert wb.sheetnames == ["月通报"]
    sheet = wb.active
    assert sheet["D2"].value == sheet["G2"].value == "较上月变化（百分点）"
    first, second = sheet[3], sheet[4]
    for cell, value in ((first[3], 1.25), (first[6], -0.5), (second[3], 0)):
        assert cell.data_type == "n" and cell.value == pytest.approx(value)
        assert cell.number_format == "+0.00;-0.00;0.00"
    assert second[6].value is None  # no last month to compare with: blank, not "—"
    assert _names(response) == (f"yuetongbao-202610-v{draft.version}.xlsx",
                                quote(f"月通报-202610-v{draft.version}.xlsx"))


@pytest.mark.django_db
@pytest.mark.parametrize("url,name,fallback,sheet", [
    (reverse("membership:unit_export"), "单位名录-20261128.xlsx", "units-20261128.xlsx",
     "单位名录"),
    (reverse("membership:import_template", args=["workers"]), "职工花名册导入模板.xlsx",
     "template-workers.xlsx", "职工花名册"),
    (reverse("subsidies:totals_export") + "?year=2026", "补贴发放汇总-2026.xlsx",
     "subsidy-totals-2026.xlsx", "补贴发放汇总"),
])
def test_downloads_are_named_in_chinese_and_so_are_their_sheets(client, admin_user, url, name,
                                                                fallback, sheet):
    client.force_login(admin_user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    assert _names(response) == (fallback, quote(name))
    sheetnames = _workbook(response).sheetnames
    assert sheetnames[0] == sheet
    assert not any(s.startswith("Sheet") for s in sheetnames)


@pytest.mark.django_db
def test_a_poster_qr_code_is_saved_under_its_community_name(client, dawangzhuang_community):
    response = client.get(reverse("applications:poster_qr",
                                  args=["community", dawangzhuang_community.pk, "png"]))
    # Shown in the poster (inline), saved under a name that says whose code it is.
    assert response["Content-Disposition"] == content_disposition(
        f"入会二维码-{dawangzhuang_community.name}.png",
        fallback=f"qr-community-{dawangzhuang_community.pk}.png", inline=True)
    assert "filename*=UTF-8''%E5%85%A5%E4%BC%9A" in response["Content-Disposition"]
