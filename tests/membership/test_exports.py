"""Excel exports of units, workers and members (SPEC §7.4): the title row, the bold frozen
Chinese header, numbers and dates as such, personal data masked unless the user holds the
full-PII permission (SPEC §8), the list's filters and scope, every export in the access log,
and large exports handed to a background job."""

import io
import json
import random
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccessLog
from membership import exports, fakes
from membership.pii import mask_card, mask_id, mask_phone, pii_hmac
from membership.services import founding_step_add, member_bind_card, worker_create
from reporting import services as reporting_services
from reporting.models import ExportJob
from tests.conftest import REGISTRY

UNIT_HEADER = ["单位名称", "统一社会信用代码", "单位类型", "行业", "所属街道", "所属社区", "职工人数",
               "农民工人数", "重点企业", "双万双服", "工商联会员", "缴纳建会筹备金", "建会状态", "建会日期",
               "登记日期"]
WORKER_HEADER = ["姓名", "身份证号", "手机号", "户籍类型", "户籍所在省份", "就业形式", "职业群体",
                 "工作单位统一社会信用代码", "所属街道", "所属社区", "整建制非正式员工", "摸底日期", "是否会员",
                 "入会日期", "会员服务卡号"]
MEMBER_HEADER = ["会员编号", "姓名", "身份证号", "手机号", "所属街道", "基层工会", "入会日期", "会员服务卡号",
                 "是否绑定会员服务卡", "状态", "职业群体"]
CARD = fakes.card_number(random.Random(7100))


def _sheet(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content)).active


def _rows(sheet):
    return list(sheet.iter_rows(min_row=3, values_only=True))


def _by_first(sheet):
    return {row[0]: row for row in _rows(sheet)}


@pytest.fixture
def founded_unit(registrar, unit_dawangzhuang_property):
    """The 大王庄 property company, founded on 2024-03-01 after a preparatory group."""
    founding_step_add(unit=unit_dawangzhuang_property, by=registrar, status="preparing",
                      on=date(2023, 12, 1))
    founding_step_add(unit=unit_dawangzhuang_property, by=registrar, status="founded",
                      on=date(2024, 3, 1), new_union_name="大王庄安居物业服务有限公司工会",
                      chair="周主席", members_at_founding=80)
    unit_dawangzhuang_property.refresh_from_db()
    return unit_dawangzhuang_property


@pytest.fixture
def carded_member(registrar, member_dawangzhuang):
    return member_bind_card(member=member_dawangzhuang, by=registrar, card_number=CARD)


# ---------------------------------------------------------------------------
# Format (SPEC §7.4)
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_unit_export_has_a_title_row_and_a_bold_frozen_chinese_header(client, admin_user,
                                                                        founded_unit):
    client.force_login(admin_user)
    sheet = _sheet(client.get(reverse("membership:unit_export")))
    today = timezone.localdate().isoformat()
    assert sheet["A1"].value == f"单位名录　全区　{today}"
    assert sheet["A1"].font.b
    assert [c.value for c in sheet[2]] == UNIT_HEADER
    assert all(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width == 36
    assert sheet.column_dimensions["B"].width == 22


@pytest.mark.django_db
def test_unit_rows_carry_chinese_labels_numbers_and_dates(client, admin_user, founded_unit):
    client.force_login(admin_user)
    sheet = _sheet(client.get(reverse("membership:unit_export")))
    (row,) = [r for r in sheet.iter_rows(min_row=3) if r[0].value == founded_unit.name]
    values = [c.value for c in row]
    assert values == [
        "大王庄安居物业服务有限公司", REGISTRY["code_a"], "非公企业", "物业", "大王庄街道",
        founded_unit.community.name, 120, 40, "否", "否", "否", "否", "已建会",
        datetime(2024, 3, 1), datetime(2018, 6, 1),
    ]
    employees, founded_on, registered_on = row[6], row[13], row[14]
    assert employees.data_type == "n" and employees.number_format == "0"
    assert founded_on.is_date and founded_on.number_format == "yyyy-mm-dd"
    assert registered_on.is_date


@pytest.mark.django_db
def test_a_unit_without_a_union_has_no_founding_date(client, admin_user,
                                                     unit_dazhigu_education):
    client.force_login(admin_user)
    row = _by_first(_sheet(client.get(reverse("membership:unit_export"))))["大直沽启明培训学校"]
    assert row[2] == "社会组织" and row[3] == "民办教育"
    assert row[12] == "未建会" and row[13] is None


@pytest.mark.django_db
def test_worker_export_follows_the_roster_template(client, admin_user, carded_member):
    client.force_login(admin_user)
    sheet = _sheet(client.get(reverse("membership:worker_export")))
    assert sheet["A1"].value.startswith("职工花名册　全区　")
    assert [c.value for c in sheet[2]] == WORKER_HEADER
    row = _by_first(sheet)["王建国"]
    assert row == ("王建国", REGISTRY["id_a"], REGISTRY["phone_a"], "农业", "天津市", "劳动合同",
                   "保安员", REGISTRY["code_a"], "大王庄街道", row[9], "否", datetime(2024, 3, 20),
                   "是", datetime(2024, 4, 1), CARD)


@pytest.mark.django_db
def test_a_worker_who_is_no_member_has_empty_membership_cells(client, admin_user,
                                                               worker_dazhigu):
    client.force_login(admin_user)
    row = _by_first(_sheet(client.get(reverse("membership:worker_export"))))["赵秀英"]
    assert row[3] == "非农业" and row[4] == "河北省"
    assert row[12:] == ("否", None, None)


@pytest.mark.django_db
def test_member_export_columns(client, admin_user, carded_member, union_dawangzhuang_property):
    client.force_login(admin_user)
    sheet = _sheet(client.get(reverse("membership:member_export")))
    assert sheet["A1"].value.startswith("会员名册　全区　")
    assert [c.value for c in sheet[2]] == MEMBER_HEADER
    row = _by_first(sheet)[carded_member.member_number]
    assert row == (carded_member.member_number, "王建国", REGISTRY["id_a"], REGISTRY["phone_a"],
                   "大王庄街道", union_dawangzhuang_property.name, datetime(2024, 4, 1), CARD,
                   "是", "在册", "保安员")
    assert sheet.cell(row=3, column=7).number_format == "yyyy-mm-dd"


# ---------------------------------------------------------------------------
# Personal data and the access log (SPEC §8)
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_street_user_gets_masked_ids_phones_and_cards(client, street_staff_dawangzhuang,
                                                        carded_member):
    client.force_login(street_staff_dawangzhuang)
    workers = _sheet(client.get(reverse("membership:worker_export")))
    assert workers["A1"].value.startswith("职工花名册　大王庄街道　")
    row = _by_first(workers)["王建国"]
    assert row[1] == mask_id(REGISTRY["id_a"]) == REGISTRY["id_a"][:2] + "*" * 12 + \
        REGISTRY["id_a"][-4:]
    assert row[2] == mask_phone(REGISTRY["phone_a"]) == "138****1234"
    assert row[14] == mask_card(CARD) == f"****{CARD[-4:]}"
    members = _sheet(client.get(reverse("membership:member_export")))
    row = _by_first(members)[carded_member.member_number]
    assert (row[2], row[3], row[7]) == (mask_id(REGISTRY["id_a"]), "138****1234",
                                        f"****{CARD[-4:]}")
    text = " ".join(str(v) for r in _rows(workers) + _rows(members) for v in r)
    assert REGISTRY["id_a"] not in text and REGISTRY["phone_a"] not in text and CARD not in text


@pytest.mark.django_db
def test_the_office_gets_the_full_numbers_and_the_export_is_access_logged(
        client, admin_user, carded_member):
    client.force_login(admin_user)
    row = _by_first(_sheet(client.get(reverse("membership:worker_export"),
                                      {"occupation_group": "security"})))["王建国"]
    assert (row[1], row[2], row[14]) == (REGISTRY["id_a"], REGISTRY["phone_a"], CARD)
    entry = AccessLog.objects.get(user=admin_user)
    assert entry.action == AccessLog.Action.EXPORT
    assert entry.target_type == "membership.worker"
    assert entry.description == "workers export, 1 rows (filters: occupation_group)"
    assert entry.ip_address == "127.0.0.1"


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["unit_export", "worker_export", "member_export"])
def test_every_export_is_access_logged(client, street_staff_dawangzhuang, carded_member,
                                       url_name):
    client.force_login(street_staff_dawangzhuang)
    client.get(reverse(f"membership:{url_name}"))
    assert AccessLog.objects.filter(user=street_staff_dawangzhuang,
                                    action=AccessLog.Action.EXPORT).count() == 1


@pytest.mark.django_db
def test_a_searched_id_number_never_reaches_the_access_log(client, admin_user,
                                                           worker_dawangzhuang):
    client.force_login(admin_user)
    sheet = _sheet(client.get(reverse("membership:worker_export"), {"q": REGISTRY["id_a"]}))
    assert [r[0] for r in _rows(sheet)] == ["王建国"]
    assert REGISTRY["id_a"] not in AccessLog.objects.get().description


# ---------------------------------------------------------------------------
# Filters and scope (SPEC §1)
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_exports_take_the_list_filters(client, admin_user, founded_unit,
                                       unit_dazhigu_education, worker_dawangzhuang,
                                       worker_dazhigu, dazhigu):
    client.force_login(admin_user)
    units = _sheet(client.get(reverse("membership:unit_export"), {"sector": "education"}))
    assert [r[0] for r in _rows(units)] == ["大直沽启明培训学校"]
    units = _sheet(client.get(reverse("membership:unit_export"), {"hundred_plus": "on"}))
    assert [r[0] for r in _rows(units)] == [founded_unit.name]
    units = _sheet(client.get(reverse("membership:unit_export"), {"founding_status": "founded"}))
    assert [r[0] for r in _rows(units)] == [founded_unit.name]
    workers = _sheet(client.get(reverse("membership:worker_export"), {"street": dazhigu.pk}))
    assert [r[0] for r in _rows(workers)] == ["赵秀英"]
    workers = _sheet(client.get(reverse("membership:worker_export"),
                                {"q": REGISTRY["phone_b"]}))
    assert [r[0] for r in _rows(workers)] == ["赵秀英"]
    workers = _sheet(client.get(reverse("membership:worker_export"), {"migrant": "yes"}))
    assert [r[0] for r in _rows(workers)] == ["王建国"]


@pytest.mark.django_db
def test_another_streets_filter_does_not_widen_the_scope(client, street_staff_dawangzhuang,
                                                        worker_dawangzhuang, worker_dazhigu,
                                                        dazhigu):
    client.force_login(street_staff_dawangzhuang)
    sheet = _sheet(client.get(reverse("membership:worker_export"), {"street": dazhigu.pk}))
    assert [r[0] for r in _rows(sheet)] == ["王建国"]


@pytest.mark.django_db
def test_a_liaison_exports_the_units_it_assists_and_no_worker(client, liaison_zhujianwei,
                                                             founded_unit,
                                                             unit_dazhigu_education,
                                                             worker_dawangzhuang):
    client.force_login(liaison_zhujianwei)
    units = _sheet(client.get(reverse("membership:unit_export")))
    assert [r[0] for r in _rows(units)] == [founded_unit.name]
    assert _rows(_sheet(client.get(reverse("membership:worker_export")))) == []


@pytest.mark.django_db
def test_the_leadership_group_gets_everything_masked(client, leader, carded_member):
    client.force_login(leader)
    row = _by_first(_sheet(client.get(reverse("membership:member_export"))))[
        carded_member.member_number]
    assert row[2] == mask_id(REGISTRY["id_a"])


@pytest.mark.django_db
def test_the_export_reads_in_a_fixed_number_of_queries(client, admin_user, registrar,
                                                       unit_dawangzhuang_property,
                                                       dawangzhuang_community):
    """No query per row (STYLE habit 11): 1 worker and 21 workers cost the same."""
    rng = random.Random(11)

    def add_worker():
        worker_create(by=registrar, name="测试", id_number=fakes.resident_id(rng),
                      phone=fakes.phone(rng), hukou_type="rural", employment_form="contract",
                      occupation_group="courier", employer=unit_dawangzhuang_property,
                      community=dawangzhuang_community, identified_on=date(2024, 1, 2))

    client.force_login(admin_user)
    add_worker()
    with CaptureQueriesContext(connection) as one:
        assert len(_rows(_sheet(client.get(reverse("membership:worker_export"))))) == 1
    for _ in range(20):
        add_worker()
    with CaptureQueriesContext(connection) as many:
        assert len(_rows(_sheet(client.get(reverse("membership:worker_export"))))) == 21
    assert len(many) == len(one) <= 12


@pytest.mark.django_db
def test_anonymous_visitors_cannot_export(client, worker_dawangzhuang):
    response = client.get(reverse("membership:worker_export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------------------
# Large exports become background jobs
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_large_export_becomes_a_job_queued_after_commit(client, admin_user, monkeypatch,
                                                          worker_dawangzhuang, worker_dazhigu,
                                                          django_capture_on_commit_callbacks):
    monkeypatch.setattr(reporting_services, "INLINE_MAX_ROWS", 1)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(reverse("membership:worker_export"), {"occupation_group": ""})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:export_job_detail", args=[job.pk])
    assert (job.user, job.kind, job.status, job.rows_total) == (
        admin_user, "workers", ExportJob.Status.QUEUED, 2)
    assert len(callbacks) == 1  # the task goes to the broker only once the job is committed
    entry = AccessLog.objects.get()
    assert (entry.action, entry.target_type, entry.target_id) == (
        AccessLog.Action.EXPORT, "membership.worker", str(job.pk))


@pytest.mark.django_db
def test_a_job_never_stores_a_searched_id_or_phone(admin_user, dawangzhuang):
    parameters = exports.worker_export_parameters({
        "search": f" {REGISTRY['id_a'][:-1]}{REGISTRY['id_a'][-1].lower()} ",
        "street": dawangzhuang, "community": None, "occupation_group": "", "migrant": None,
        "member": True,
    })
    assert parameters == {"id_hmac": pii_hmac("id", REGISTRY["id_a"]),
                          "street": dawangzhuang.pk, "community": None,
                          "occupation_group": "", "migrant": None, "member": True}
    assert exports.worker_export_parameters({"search": "１３８ ０２２１ １２３４"}) == {
        "phone_hmac": pii_hmac("phone", REGISTRY["phone_a"])}
    assert exports.worker_export_parameters({"search": "王建国"}) == {"search": "王建国"}
    json.dumps(parameters)  # storable as the job's JSON


@pytest.mark.django_db
@pytest.mark.parametrize("list_name,export_name", [
    ("membership:unit_list", "membership:unit_export"),
    ("membership:worker_list", "membership:worker_export"),
    ("membership:member_list", "membership:member_export"),
])
def test_each_list_links_its_export_with_the_same_filters(client, street_staff_dawangzhuang,
                                                          list_name, export_name):

    client.force_login(street_staff_dawangzhuang)
    page = client.get(reverse(list_name), {"q": "张"}).content.decode()
    assert f'href="{reverse(export_name)}?q=%E5%BC%A0"' in page
