"""Roster imports (SPEC §7.4): what a careful clerk's file is normalised to, every bad
value of SPEC §3–§4 with the message the clerk reads, upserts that change nothing the
second time, scope, and one transaction per import."""

import io
import random
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts.models import Role
from membership import fakes
from membership.imports import cells, engine
from membership.imports.cells import CellError
from membership.imports.reader import ImportFileError, RosterReader, check_file
from membership.imports.services import district_office, roster_import
from membership.imports.workers import WorkerImporter
from membership.models import (
    FoundingStatus,
    FoundingStep,
    Member,
    MemberNumberCounter,
    MemberStatus,
    Source,
    Union,
    UnionForm,
    UnionSpan,
    Unit,
    Worker,
)
from membership.pii import pii_hmac
from tests.membership.rosters import (
    employer,
    frozen_today,  # noqa: F401 - fixture
    new_card,
    new_code,
    new_id,
    roster_bytes,
    unit_row,
    units_file,
    worker_row,
    workers_file,
)

pytestmark = pytest.mark.usefixtures("frozen_today")


def _import(rows, *, by=None, kind="workers", dry_run=False):
    source = workers_file(rows) if kind == "workers" else units_file(rows)
    return roster_import(kind=kind, source=source, by=by or district_office(), dry_run=dry_run)


def _errors(result):
    return [(e["row"], e["column"], e["message"]) for e in result.errors]


# -- cells: what a careful clerk would normalise ------------------------------------------

@pytest.mark.parametrize("typed", [
    "2026-3-5", "2026-03-05", "2026/3/5", "2026/03/05", "2026.3.5", "2026年3月5日",
    "2026年03月05日", "20260305", " 2026-03-05 ", "２０２６－０３－０５", "2026-03-05 00:00:00",
    datetime(2026, 3, 5, 0, 0), date(2026, 3, 5), 46086, 46086.0, 20260305,
])
def test_dates_typed_as_text_or_stored_by_excel(typed):
    assert cells.parse_date(typed) == date(2026, 3, 5)


@pytest.mark.parametrize("typed,message", [
    ("2026-02-30", "没有这个日期：2026-02-30。"),
    ("2026年13月1日", "没有这个日期：2026年13月1日。"),
    ("明天", "“明天”不是日期，请按 2026-03-05 的格式填写。"),
    ("3/5/2026", "“3/5/2026”不是日期，请按 2026-03-05 的格式填写。"),
])
def test_a_date_that_is_not_a_date_is_refused(typed, message):
    with pytest.raises(CellError) as caught:
        cells.parse_date(typed)
    assert caught.value.message == message


@pytest.mark.parametrize("typed,value", [
    ("是", True), ("否", False), ("Y", True), ("N", False), ("y", True), ("n", False),
    ("1", True), ("0", False), (1, True), (0, False), (True, True), (False, False),
    ("YES", True), ("no", False), (" 是 ", True), ("TRUE", True), (None, None), ("", None),
])
def test_yes_and_no(typed, value):
    assert cells.parse_bool(typed) is value


def test_a_yes_no_cell_with_something_else_is_refused():
    with pytest.raises(CellError) as caught:
        cells.parse_bool("可能")
    assert caught.value.message == "“可能”不是“是”或“否”。"


@pytest.mark.parametrize("typed,clean", [
    ("张　三", "张三"), (" 张三 ", "张三"), ("张 三", "张三"), ("ＡＢＣ　Trading  Co", "ABC Trading Co"),
    ("买买提·艾力", "买买提·艾力"), ("", None), (None, None),
])
def test_text_loses_stray_spaces_and_full_width_forms(typed, clean):
    assert cells.clean_text(typed) == clean


def test_a_long_number_excel_stored_as_a_float_is_refused_not_rounded():
    with pytest.raises(CellError) as caught:
        cells.code_text(1.20102199003070e17, what="身份证号")
    assert caught.value.message == ("Excel把身份证号存成了数字，末几位已丢失；请把这一列设为"
                                    "“文本”格式后重新输入。")
    assert cells.code_text(13802211234, what="手机号") == "13802211234"
    assert cells.code_text(13802211234.0, what="手机号") == "13802211234"
    assert cells.code_text("１３８ 0221 1234", what="手机号") == "13802211234"


@pytest.mark.parametrize("typed,code", [
    ("河北", "13"), ("河北省", "13"), ("13", "13"), (13, "13"), ("天津市", "12"),
    ("内蒙古", "15"), ("新疆", "65"), ("广西壮族自治区", "45"), ("130102", "13"), ("１３", "13"),
])
def test_provinces_by_name_or_code(typed, code):
    assert cells.parse_province(typed) == code


def test_an_unknown_province_is_refused():
    with pytest.raises(CellError) as caught:
        cells.parse_province("火星")
    assert caught.value.message == ("无法识别的省份“火星”，请填写省份名称（如 河北）或两位代码"
                                    "（如 13）。")


def test_a_choice_outside_the_list_names_the_list():
    from membership.imports.columns import EMPLOYMENT_LABELS, LISTED_VALUES

    with pytest.raises(CellError) as caught:
        cells.parse_choice("临时工", EMPLOYMENT_LABELS, listed=LISTED_VALUES["employment_form"])
    assert caught.value.message == ("“临时工”不是可填写的值，请填写以下之一：劳动合同、劳务派遣、"
                                    "劳务外包、零散就业。")


# -- a good worker, normalised ---------------------------------------------------------------

@pytest.mark.django_db
def test_a_scattered_worker_is_stored_with_derived_and_encrypted_fields(dawangzhuang):
    number = new_id(birth_date=date(1990, 3, 7), region="130102")
    result = _import([worker_row(身份证号=number)])
    assert result.as_json() == {"accepted": 1, "rejected": 0, "errors": []}
    worker = Worker.objects.get()
    assert worker.name == "王建国"
    assert worker.id_number == number and worker.id_hmac == pii_hmac("id", number)
    assert (worker.birth_date, worker.hukou_province) == (date(1990, 3, 7), "13")
    assert worker.phone == "13802211234"
    assert (worker.hukou_type, worker.employment_form, worker.occupation_group) == (
        "rural", "scattered", "courier")
    assert worker.street == dawangzhuang and worker.community.name == "大王庄第01社区"
    assert worker.identified_on == date(2026, 3, 5) and worker.source == Source.IMPORT
    assert worker.is_migrant and worker.is_out_of_town
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM membership_worker")
        stored = " ".join(cursor.fetchone())
    assert number not in stored and "13802211234" not in stored


def _id_ending_in_x():
    while True:
        number = new_id(birth_date=date(1988, 8, 8))
        if number.endswith("X"):
            return number


@pytest.mark.django_db
def test_what_a_careful_clerk_would_fix_is_fixed(dawangzhuang, dawangzhuang_community):
    number = _id_ending_in_x()
    typed = " " + number[:6] + " " + number[6:17] + "x"  # spaces and a lower-case x
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number[:17]) + "ｘ"
    rows = [
        worker_row(姓名="李　四", 身份证号=typed, 手机号="138 0221 1234", 所属街道="大王庄街",
                   所属社区="第01社区", 户籍类型="非农业", 户籍所在省份="河北省",
                   整建制非正式员工="Y", 摸底日期=datetime(2026, 3, 5, 0, 0)),
        worker_row(姓名="赵六", 身份证号=new_id(), 手机号="１３９１２３４５６７８", 所属街道="大王庄街道",
                   所属社区="大王庄第02社区", 整建制非正式员工="1", 摸底日期="2026年3月5日",
                   职业群体=" 保安员 "),
    ]
    result = _import(rows)
    assert result.errors == []
    li = Worker.objects.get(id_hmac=pii_hmac("id", number))
    assert li.name == "李四" and li.id_number == number and li.phone == "13802211234"
    assert li.hukou_type == "non_rural" and li.hukou_province == "13"
    assert li.community == dawangzhuang_community and li.whole_unit_informal
    assert li.identified_on == date(2026, 3, 5)
    zhao = Worker.objects.get(name="赵六")
    assert zhao.phone == "13912345678" and zhao.occupation_group == "security"
    assert zhao.whole_unit_informal and zhao.street == dawangzhuang
    # The same number typed in full-width with a full-width x is the same person.
    again = _import([worker_row(姓名="李四", 身份证号=full_width, 户籍类型="非农业",
                                户籍所在省份="13", 所属社区="大王庄第01社区",
                                整建制非正式员工="是")])
    assert again.errors == [] and again.created == 0 and Worker.objects.count() == 2


@pytest.mark.django_db
def test_street_names_with_or_without_the_suffix_are_one_street(dawangzhuang):
    rows = [worker_row(身份证号=new_id(), 所属街道=name, 所属社区="大王庄第03社区")
            for name in ("大王庄", "大王庄街", "大王庄街道")]
    assert _import(rows).errors == []
    assert set(Worker.objects.values_list("street", flat=True)) == {dawangzhuang.pk}


@pytest.mark.django_db
def test_a_worker_with_an_employer_takes_the_employers_street(dawangzhuang, dazhigu):
    unit = employer(street=dazhigu, name="大直沽华润商贸有限公司")
    result = _import([worker_row(就业形式="劳动合同", 工作单位统一社会信用代码=unit.credit_code,
                                 所属街道="大王庄", 所属社区=None)])
    assert result.errors == []
    worker = Worker.objects.get()
    assert worker.employer == unit and worker.street == dazhigu and worker.community is None


@pytest.mark.django_db
def test_header_under_a_title_row_reordered_and_extra_columns_are_read(dawangzhuang):
    from membership.imports.columns import WORKER_COLUMNS

    headers = ["序号"] + [c.header for c in reversed(WORKER_COLUMNS)]
    row = worker_row()
    row["序号"] = 1
    source = io.BytesIO(roster_bytes([row], headers=headers, title="大王庄街道职工花名册"))
    result = roster_import(kind="workers", source=source, by=district_office())
    assert result.errors == [] and Worker.objects.count() == 1


# -- every bad value of SPEC §3–§4, with its message -----------------------------------------

def _wrong_check_digit():
    number = new_id()
    return number[:17] + ("0" if number[17] != "0" else "1")


BAD_WORKER_CELLS = [
    ("wrong ID check digit", {"身份证号": _wrong_check_digit()}, "身份证号",
     "身份证号的校验码不对，请再核对一遍号码。"),
    ("impossible birth date", {"身份证号": "13010219900230" + "1234"}, "身份证号",
     "身份证号中的出生日期不是真实的日期。"),
    ("ID of 17 characters", {"身份证号": new_id()[:17]}, "身份证号",
     "身份证号应为18位，这里是17位。"),
    ("phone of 10 digits", {"手机号": "1380221123"}, "手机号",
     "手机号应为11位数字，以13至19开头。"),
    ("card failing Luhn", {"是否会员": "是", "入会日期": "2026-04-01",
                           "会员服务卡号": new_card()[:-1] + "0"}, "会员服务卡号",
     "会员服务卡号校验不通过，请再核对一遍。"),
    ("employer code with a letter outside the set",
     {"就业形式": "劳动合同", "工作单位统一社会信用代码": "91120102MA05XXXXXI"},
     "工作单位统一社会信用代码",
     "统一社会信用代码中不能有I（不使用字母I、O、S、V、Z）。"),
    ("employer not in the registry",
     {"就业形式": "劳动合同", "工作单位统一社会信用代码": new_code()}, "工作单位统一社会信用代码",
     "单位名录中没有这个统一社会信用代码的单位，请先导入单位名录。"),
    ("scattered worker without a community", {"所属社区": None}, "所属社区",
     "没有工作单位的职工须填写所属社区。"),
    ("community of another street", {"所属社区": "大直沽第01社区"}, "所属社区",
     "大王庄街道没有“大直沽第01社区”社区。"),
    ("unknown street", {"所属街道": "小王庄"}, "所属街道", "本区没有“小王庄”街道。"),
    ("no employer, not scattered", {"就业形式": "劳动合同"}, "工作单位统一社会信用代码",
     "请选择工作单位，或将就业形式设为零散就业。"),
    ("hukou type outside the list", {"户籍类型": "城镇"}, "户籍类型",
     "“城镇”不是可填写的值，请填写以下之一：农业、非农业。"),
    ("missing hukou type", {"户籍类型": None}, "户籍类型", "此项必须填写。"),
    ("missing name", {"姓名": None}, "姓名", "请填写姓名。"),
    ("survey date in the future", {"摸底日期": "2026-07-01"}, "摸底日期", "日期不能晚于今天。"),
    ("under 16 on the join date",
     {"身份证号": new_id(birth_date=date(2010, 5, 1)), "是否会员": "是", "入会日期": "2026-04-30"},
     "入会日期", "入会日期时该职工未满16周岁（出生于2010-05-01）。"),
    ("join date in the future", {"是否会员": "是", "入会日期": "2026-07-01"}, "入会日期",
     "入会日期不能晚于今天。"),
    ("member without a join date", {"是否会员": "是"}, "入会日期", "会员请填写入会日期。"),
    ("not a member but a join date", {"是否会员": "否", "入会日期": "2026-04-01"}, "是否会员",
     "“是否会员”为“否”，却填写了入会日期。"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,cells_,column,message", BAD_WORKER_CELLS,
                         ids=[c[0] for c in BAD_WORKER_CELLS])
def test_a_bad_worker_cell_is_reported_with_row_column_and_reason(
        case, cells_, column, message, dawangzhuang_community):
    good = worker_row(身份证号=new_id())
    result = _import([good, worker_row(**{"身份证号": new_id(), **cells_})])
    assert (3, column, message) in _errors(result)
    assert result.as_json()["accepted"] == 1 and result.as_json()["rejected"] == 1
    assert Worker.objects.count() == 1  # the good row is imported, the bad one is not


@pytest.mark.django_db
def test_a_duplicate_id_inside_the_file_makes_both_rows_bad(dawangzhuang):
    number = new_id()
    result = _import([worker_row(身份证号=number), worker_row(身份证号=new_id()),
                      worker_row(身份证号=number.lower(), 姓名="王建国")])
    assert _errors(result) == [
        (2, "身份证号", "第4行也是这个身份证号；每人只保留一行。"),
        (4, "身份证号", "第2行也是这个身份证号；每人只保留一行。"),
    ]
    assert (result.good_rows, result.created) == (1, 1)
    assert Worker.objects.count() == 1


@pytest.mark.django_db
def test_a_card_already_bound_or_twice_in_the_file_is_refused(dawangzhuang_community):
    bound = new_card()
    _import([worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026-04-01",
                        会员服务卡号=bound)])
    twice = new_card()
    result = _import([
        worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026-04-01", 会员服务卡号=bound),
        worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026-04-01", 会员服务卡号=twice),
        worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026-04-01", 会员服务卡号=twice),
    ])
    assert _errors(result) == [
        (2, "会员服务卡号", "这张会员服务卡已绑定其他会员。"),
        (3, "会员服务卡号", "第4行也是这个会员服务卡号。"),
        (4, "会员服务卡号", "第3行也是这个会员服务卡号。"),
    ]
    assert Member.objects.count() == 1


@pytest.mark.django_db
def test_a_street_user_importing_another_streets_worker_gets_a_row_error(
        street_staff_dawangzhuang, dazhigu):
    other = employer(street=dazhigu, name="大直沽华润商贸有限公司")
    result = _import([
        worker_row(身份证号=new_id()),
        worker_row(身份证号=new_id(), 所属街道="大直沽", 所属社区="大直沽第01社区"),
        worker_row(身份证号=new_id(), 就业形式="劳动合同",
                   工作单位统一社会信用代码=other.credit_code, 所属社区=None),
    ], by=street_staff_dawangzhuang)
    assert _errors(result) == [(3, "所属街道", "该职工不在您的街道。"),
                               (4, "工作单位统一社会信用代码", "该职工不在您的街道。")]
    assert list(Worker.objects.values_list("street__short_name", flat=True)) == ["大王庄"]


@pytest.mark.django_db
def test_an_existing_worker_of_another_street_is_not_touched_by_a_street_user(
        street_staff_dawangzhuang, dazhigu):
    number = new_id()
    _import([worker_row(身份证号=number, 所属街道="大直沽", 所属社区="大直沽第01社区")])
    result = _import([worker_row(身份证号=number, 姓名="改名")], by=street_staff_dawangzhuang)
    assert _errors(result) == [(2, "所属街道", "该职工不在您的街道。")]
    assert Worker.objects.get().name == "王建国"


@pytest.mark.django_db
def test_a_community_user_imports_only_workers_of_the_community(community_staff_dawangzhuang):
    result = _import([
        worker_row(身份证号=new_id(), 所属社区=None),  # blank: the user's own community
        worker_row(身份证号=new_id(), 所属社区="大王庄第02社区"),
    ], by=community_staff_dawangzhuang)
    assert _errors(result) == [(3, "所属社区", "该职工不在您的社区。")]
    assert Worker.objects.get().community == community_staff_dawangzhuang.community


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "liaison_zhujianwei"])
def test_roles_that_only_read_cannot_import(request, role):
    with pytest.raises(PermissionDenied):
        _import([worker_row()], by=request.getfixturevalue(role))


# -- members -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_members_are_enrolled_into_the_routed_union_with_numbers_and_cards(
        dawangzhuang, dawangzhuang_community, union_dawangzhuang_property):
    # migrate made one community union per community (docs/decisions.md)
    community_union = Union.objects.get(form=UnionForm.COMMUNITY,
                                        community=dawangzhuang_community)
    unit = employer(street=dawangzhuang, union=union_dawangzhuang_property)
    card = new_card()
    result = _import([
        worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026/4/1", 会员服务卡号=card),
        worker_row(身份证号=new_id(), 就业形式="劳动合同", 工作单位统一社会信用代码=unit.credit_code,
                   所属社区=None, 是否会员="Y", 入会日期=datetime(2025, 12, 1)),
        worker_row(身份证号=new_id(), 是否会员="否"),
    ])
    assert result.errors == [] and result.members == 2
    scattered, employed = Member.objects.order_by("joined_on").reverse()
    assert scattered.union == community_union and scattered.joined_on == date(2026, 4, 1)
    assert scattered.card_number == card and scattered.card_hmac == pii_hmac("card", card)
    assert scattered.member_number == "HD2026000001" and scattered.source == Source.IMPORT
    assert employed.union == union_dawangzhuang_property
    assert employed.member_number == "HD2025000001"
    assert MemberNumberCounter.objects.get(year=2026).last == 1
    assert UnionSpan.objects.filter(member=scattered, union=community_union,
                                    started_on=date(2026, 4, 1), ended_on=None).exists()
    assert Member.history.filter(history_type="+").count() == 2


def _community_union(community):
    return Union.objects.get(form=UnionForm.COMMUNITY, community=community)


def _communities(street, count):
    from membership.models import Community

    return list(Community.objects.filter(street=street).order_by("pk")[:count])


@pytest.mark.django_db
def test_a_worker_of_a_unit_without_a_union_joins_the_worker_s_community_union(dawangzhuang):
    """Plan §二.5(2): the community union takes in the workers of units without a union in
    its area; the worker's community first, else the employer's (SPEC §4)."""
    first, second = _communities(dawangzhuang, 2)
    unit = employer(street=dawangzhuang, community=first)  # no union yet
    result = _import([
        worker_row(身份证号=new_id(), 就业形式="劳动合同", 工作单位统一社会信用代码=unit.credit_code,
                   所属社区=second.name, 是否会员="是", 入会日期="2026-04-01"),
        worker_row(身份证号=new_id(), 就业形式="劳动合同", 工作单位统一社会信用代码=unit.credit_code,
                   所属社区=None, 是否会员="是", 入会日期="2026-04-02"),
    ])
    assert result.errors == [] and result.members == 2
    by_own, by_employer = Member.objects.order_by("joined_on")
    assert by_own.union == _community_union(second)  # the worker's community wins
    assert by_employer.union == _community_union(first)
    assert by_own.worker.employer == unit and by_own.source == Source.IMPORT
    assert UnionSpan.objects.filter(member=by_own, union=_community_union(second),
                                    ended_on=None).count() == 1


@pytest.mark.django_db
def test_a_member_with_no_community_known_is_a_row_error_naming_the_column(dawangzhuang):
    unit = employer(street=dawangzhuang)  # no union yet, no community
    result = _import([worker_row(身份证号=new_id(), 就业形式="劳动合同",
                                 工作单位统一社会信用代码=unit.credit_code, 所属社区=None,
                                 是否会员="是", 入会日期="2026-04-01")])
    assert _errors(result) == [(2, "所属社区", "请填写所属社区：所在单位既没有自己的工会，也未被"
                                              "其他工会覆盖，没有社区就无法确定接收会员的社区工会。")]
    assert not Worker.objects.exists()
    # The same row without 是否会员 registers the worker: only membership needs a community.
    assert _import([worker_row(身份证号=new_id(), 就业形式="劳动合同",
                               工作单位统一社会信用代码=unit.credit_code,
                               所属社区=None)]).errors == []


@pytest.mark.django_db
def test_a_community_without_a_community_union_is_a_row_error(dawangzhuang,
                                                              dawangzhuang_community):
    Union.objects.filter(community=dawangzhuang_community).delete()
    result = _import([worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026-04-01")])
    assert _errors(result) == [(2, "所属社区", f"{dawangzhuang_community.name}还没有社区工会："
                                              "请先建立，或在职工页面办理入会。")]


@pytest.mark.django_db
def test_routing_to_community_unions_costs_no_query_per_row(dawangzhuang):
    """The chunk's community unions are loaded at once (SPEC §10)."""
    communities = _communities(dawangzhuang, 12)
    unit = employer(street=dawangzhuang)

    def rows(count):
        return [worker_row(身份证号=new_id(), 就业形式="劳动合同", 工作单位统一社会信用代码=unit.credit_code,
                           所属社区=communities[i % len(communities)].name, 是否会员="是",
                           入会日期="2026-04-01") for i in range(count)]

    def queries(count):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            result = _import(rows(count), dry_run=True)
        assert result.errors == [] and result.members == count
        return len(captured.captured_queries)

    assert queries(36) == queries(3)


@pytest.mark.django_db
def test_an_existing_active_member_is_left_as_it_is(dawangzhuang, dawangzhuang_community):
    number = new_id()
    _import([worker_row(身份证号=number, 是否会员="是", 入会日期="2026-04-01")])
    member = Member.objects.get()
    result = _import([worker_row(身份证号=number, 是否会员="是", 入会日期="2026-05-01",
                                 会员服务卡号=new_card())])
    assert result.errors == [] and result.members == 0
    assert list(Member.objects.all()) == [member]
    member.refresh_from_db()
    assert member.joined_on == date(2026, 4, 1) and member.card_number is None
    assert member.status == MemberStatus.ACTIVE and Member.history.count() == 1


# -- upserts: the same file twice changes nothing ------------------------------------------------

def _counts():
    return {
        "workers": Worker.objects.count(), "worker_history": Worker.history.count(),
        "members": Member.objects.count(), "member_history": Member.history.count(),
        "spans": UnionSpan.objects.count(),
        "numbers": list(MemberNumberCounter.objects.values_list("year", "last")),
        "units": Unit.objects.count(), "unit_history": Unit.history.count(),
        "steps": FoundingStep.objects.count(), "unions": Union.objects.count(),
        "union_history": Union.history.count(),
    }


@pytest.mark.django_db
def test_importing_the_same_worker_file_twice_changes_nothing(
        dawangzhuang, dawangzhuang_community, union_dawangzhuang_property):
    unit = employer(street=dawangzhuang, union=union_dawangzhuang_property)
    content = workers_file([
        worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026-04-01", 会员服务卡号=new_card()),
        worker_row(身份证号=new_id(), 就业形式="劳务派遣", 工作单位统一社会信用代码=unit.credit_code,
                   所属社区=None, 手机号=None, 户籍所在省份=None, 摸底日期=None, 职业群体=None),
        worker_row(身份证号=new_id(), 是否会员="是", 入会日期="2026-04-01"),
        worker_row(身份证号="not an id"),
    ]).getvalue()
    first = roster_import(kind="workers", source=io.BytesIO(content), by=district_office())
    assert (first.created, first.members, first.bad_rows) == (3, 2, 1)
    before = _counts()
    second = roster_import(kind="workers", source=io.BytesIO(content), by=district_office())
    assert (second.created, second.updated, second.unchanged, second.members) == (0, 0, 3, 0)
    assert second.as_json() == first.as_json()
    assert _counts() == before


@pytest.mark.django_db
def test_a_changed_row_is_updated_with_one_history_row_and_blank_cells_keep_values(
        dawangzhuang):
    number, other = new_id(), new_id()
    _import([worker_row(身份证号=number, 手机号="13802211234"),
             worker_row(身份证号=other, 姓名="赵六")])
    result = _import([
        worker_row(身份证号=number, 手机号="13912345678", 职业群体="保安员"),
        worker_row(身份证号=other, 姓名="赵六", 手机号=None, 摸底日期=None, 所属社区=None,
                   户籍类型=None, 就业形式=None),
    ])
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    worker = Worker.objects.get(id_hmac=pii_hmac("id", number))
    assert worker.phone == "13912345678" and worker.occupation_group == "security"
    assert worker.history.count() == 2
    assert worker.history.first().history_type == "~"
    kept = Worker.objects.get(id_hmac=pii_hmac("id", other))
    assert kept.phone == "13802211234" and kept.community.name == "大王庄第01社区"
    assert kept.history.count() == 1


@pytest.mark.django_db
def test_history_rows_name_the_importing_user(street_staff_dawangzhuang):
    _import([worker_row(身份证号=new_id())], by=street_staff_dawangzhuang)
    assert Worker.history.get().history_user == street_staff_dawangzhuang


@pytest.mark.django_db
def test_a_failure_in_the_middle_saves_nothing(dawangzhuang, monkeypatch):
    """One transaction per import: the first chunk is written, the second fails."""
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    calls = []
    original = WorkerImporter.write_chunk

    def failing(self, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        original(self, rows)

    monkeypatch.setattr(WorkerImporter, "write_chunk", failing)
    with pytest.raises(RuntimeError):
        _import([worker_row(身份证号=new_id()) for _ in range(5)])
    assert calls[0] == 2
    assert not Worker.objects.exists() and not Worker.history.exists()


@pytest.mark.django_db
def test_the_dry_run_writes_nothing_but_says_what_it_would_do(dawangzhuang):
    result = _import([worker_row(身份证号=new_id()), worker_row(身份证号="x")], dry_run=True)
    assert (result.created, result.good_rows, result.bad_rows) == (1, 1, 1)
    assert not Worker.objects.exists()


@pytest.mark.django_db
def test_a_bulk_import_of_many_rows_runs_a_fixed_number_of_queries(
        dawangzhuang, django_assert_max_num_queries):
    """No per-row query or save(): the query count does not grow with the rows."""
    units = [employer(street=dawangzhuang, code=new_code(), name=f"单位{i}") for i in range(20)]
    rows = [worker_row(身份证号=new_id()) for _ in range(150)] + [
        worker_row(身份证号=new_id(), 就业形式="劳动合同", 所属社区=None,
                   工作单位统一社会信用代码=units[i % 20].credit_code) for i in range(150)]
    with django_assert_max_num_queries(20):
        result = _import(rows)
    assert result.created == 300


# -- units ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_unit_list_is_imported_with_flags_counts_and_founding(dawangzhuang, property_federation):
    code = new_code()
    result = _import([
        unit_row(统一社会信用代码=f" {code[:8].lower()} {code[8:].lower()}", 所属社区="第02社区",
                 重点企业="是", 双万双服="Y", 职工人数="150人", 农民工人数=60.0,
                 登记日期=datetime(2018, 6, 1)),
        unit_row(单位名称="大王庄启明物业有限公司", 统一社会信用代码=new_code(), 建会状态="已建会",
                 建会日期="2025年5月4日"),
        unit_row(单位名称="大王庄筹建物业有限公司", 统一社会信用代码=new_code(), 建会状态="筹建中",
                 建会日期="2026-02-01"),
    ], kind="units")
    assert result.errors == [] and result.created == 3
    first = Unit.objects.get(name="大王庄安泰物业有限公司")
    assert first.credit_code == code
    assert first.community.name == "大王庄第02社区" and first.is_key_enterprise
    assert first.is_shuangwan and first.is_chamber_member and not first.paid_preparation_fund
    assert (first.employee_count, first.migrant_count) == (150, 60)
    assert first.registered_on == date(2018, 6, 1) and first.source == Source.IMPORT
    founded = Unit.objects.get(name="大王庄启明物业有限公司")
    assert founded.founding_status == FoundingStatus.FOUNDED
    assert founded.union.name == "大王庄启明物业有限公司工会"
    assert founded.union.founded_on == date(2025, 5, 4)
    assert founded.union.industry_federation == property_federation
    assert founded.founding_steps.get().on == date(2025, 5, 4)
    preparing = Unit.objects.get(name="大王庄筹建物业有限公司")
    assert preparing.founding_status == FoundingStatus.PREPARING
    assert preparing.founding_steps.get().status == FoundingStatus.PREPARING


@pytest.mark.django_db
def test_the_same_unit_file_twice_changes_nothing(dawangzhuang):
    content = units_file([
        unit_row(),
        unit_row(单位名称="大王庄启明物业有限公司", 统一社会信用代码=new_code(), 建会状态="已建会",
                 建会日期="2025-05-04"),
        unit_row(单位名称="坏", 统一社会信用代码="123"),
    ]).getvalue()
    first = roster_import(kind="units", source=io.BytesIO(content), by=district_office())
    assert (first.created, first.bad_rows) == (2, 1)
    before = _counts()
    second = roster_import(kind="units", source=io.BytesIO(content), by=district_office())
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert _counts() == before


@pytest.mark.django_db
def test_a_unit_moves_to_preparing_then_founded_with_dated_steps(dawangzhuang):
    code = new_code()
    _import([unit_row(统一社会信用代码=code)], kind="units")
    _import([unit_row(统一社会信用代码=code, 建会状态="筹建中", 建会日期="2026-03-01")], kind="units")
    result = _import([unit_row(统一社会信用代码=code, 建会状态="已建会", 建会日期="2026-05-01",
                               职工人数=130)], kind="units")
    assert result.updated == 1
    unit = Unit.objects.get()
    assert unit.founding_status == FoundingStatus.FOUNDED and unit.employee_count == 130
    assert list(unit.founding_steps.values_list("status", "on")) == [
        ("preparing", date(2026, 3, 1)), ("founded", date(2026, 5, 1))]
    assert unit.history.count() == 3


@pytest.mark.django_db
def test_a_unit_founded_after_its_unions_members_joined_is_reported(dawangzhuang,
                                                                    dawangzhuang_community,
                                                                    registrar):
    """The import gives an existing union without a founding date the step's date, as the
    unit's page does; not a day after the union's first member joined it."""
    from membership.services import member_enroll, worker_create

    union = Union.objects.create(name="大王庄安泰物业有限公司工会", form=UnionForm.ENTERPRISE,
                                 street=dawangzhuang)
    rng = random.Random(7)
    worker = worker_create(
        by=registrar, name="赵六", id_number=fakes.resident_id(rng, birth_date=date(1990, 1, 1)),
        phone=fakes.phone(rng), hukou_type="rural", employment_form="scattered",
        occupation_group="courier", employer=None, street=dawangzhuang,
        community=dawangzhuang_community, identified_on=date(2026, 2, 1))
    member_enroll(by=registrar, worker=worker, union=union, joined_on=date(2026, 3, 1))
    result = _import([
        unit_row(建会状态="已建会", 建会日期="2026-05-01"),
        unit_row(单位名称="大王庄安居物业有限公司", 统一社会信用代码=new_code(),
                 建会状态="已建会", 建会日期="2026-05-01")], kind="units")
    assert _errors(result) == [(2, "建会日期", "大王庄安泰物业有限公司工会自2026-03-01起已有会员，"
                                            "成立日期不能晚于这一天。")]
    assert list(Unit.objects.values_list("name", flat=True)) == ["大王庄安居物业有限公司"]
    assert Union.objects.get(pk=union.pk).founded_on is None
    result = _import([unit_row(建会状态="已建会", 建会日期="2026-03-01")], kind="units")
    assert result.created == 1 and not result.errors  # the day the member joined is fine
    assert Union.objects.get(pk=union.pk).founded_on == date(2026, 3, 1)


BAD_UNIT_CELLS = [
    ("credit code with a letter outside the set", {"统一社会信用代码": "91120102MA05XXXXXI"},
     "统一社会信用代码", "统一社会信用代码中不能有I（不使用字母I、O、S、V、Z）。"),
    ("credit code with a wrong check character",
     {"统一社会信用代码": "911201020000000000"}, "统一社会信用代码",
     "统一社会信用代码的校验码不对，请再核对一遍。"),
    ("more migrants than employees", {"职工人数": 10, "农民工人数": 11}, "农民工人数",
     "农民工人数不能多于职工人数。"),
    ("community of another street", {"所属社区": "大直沽第01社区"}, "所属社区",
     "大王庄街道没有“大直沽第01社区”社区。"),
    ("founded without a date", {"建会状态": "已建会"}, "建会日期", "已建会的单位请填写建会日期。"),
    ("covered chosen in a list", {"建会状态": "覆盖"}, "建会状态",
     "被联合工会、楼宇工会、园区工会或项目工会覆盖的单位，请在单位页面登记，并在那里选择覆盖的工会。"),
    ("unknown sector", {"行业": "餐饮"}, "行业",
     "“餐饮”不是可填写的值，请填写以下之一：民办教育、民营医疗、物业、建筑、市场商业、律师事务所、"
     "科技、快递物流、家政、其他。"),
    ("count that is not a number", {"职工人数": "很多"}, "职工人数", "“很多”不是整数人数。"),
    ("registered in the future", {"登记日期": "2027-01-01"}, "登记日期", "日期不能晚于今天。"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,cells_,column,message", BAD_UNIT_CELLS,
                         ids=[c[0] for c in BAD_UNIT_CELLS])
def test_a_bad_unit_cell_is_reported(case, cells_, column, message, dawangzhuang):
    result = _import([unit_row(), unit_row(**{"统一社会信用代码": new_code(), **cells_})],
                     kind="units")
    assert (3, column, message) in _errors(result)
    assert Unit.objects.count() == 1


@pytest.mark.django_db
def test_a_founded_unit_cannot_go_back_to_no_union(dawangzhuang):
    code = new_code()
    _import([unit_row(统一社会信用代码=code, 建会状态="已建会", 建会日期="2025-05-04")], kind="units")
    result = _import([unit_row(统一社会信用代码=code, 建会状态="未建会")], kind="units")
    assert _errors(result) == [(2, "建会状态", "处于“已建会”状态的单位不能改为“未建会”。")]


@pytest.mark.django_db
def test_a_street_user_importing_a_unit_of_another_street_gets_a_row_error(
        street_staff_dawangzhuang, dazhigu):
    result = _import([unit_row(), unit_row(统一社会信用代码=new_code(), 所属街道="大直沽")],
                     kind="units", by=street_staff_dawangzhuang)
    assert _errors(result) == [(3, "所属街道", "您只能管理本街道的单位。")]
    assert list(Unit.objects.values_list("street__short_name", flat=True)) == ["大王庄"]


@pytest.mark.django_db
def test_an_industry_user_imports_only_units_of_the_industry(industry_staff_property,
                                                              dawangzhuang):
    result = _import([unit_row(), unit_row(统一社会信用代码=new_code(), 行业="民办教育")],
                     kind="units", by=industry_staff_property)
    assert _errors(result) == [(3, "行业", "您只能管理本行业的单位。")]


@pytest.mark.django_db
def test_a_duplicate_credit_code_inside_the_file_makes_both_rows_bad(dawangzhuang):
    code = new_code()
    result = _import([unit_row(统一社会信用代码=code), unit_row(统一社会信用代码=code.lower())],
                     kind="units")
    assert [e[:2] for e in _errors(result)] == [(2, "统一社会信用代码"), (3, "统一社会信用代码")]
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_community_users_cannot_import_units(community_staff_dawangzhuang):
    with pytest.raises(PermissionDenied):
        _import([unit_row()], kind="units", by=community_staff_dawangzhuang)


# -- files that are not rosters ----------------------------------------------------------------

def _read(content):
    with RosterReader(io.BytesIO(content), WorkerImporter.columns) as reader:
        return list(reader.rows())


@pytest.mark.parametrize("content,message", [
    (b"name,id\n", "这不是 Excel .xlsx 文件；请下载模板填写。"),
    (b"", "文件是空的。"),
    (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "这是旧版 Excel 文件（.xls）或设有密码的文件；请用 Excel "
                                        "打开，去掉密码后另存为 .xlsx。"),
    (b"PK\x03\x04" + b"\0" * 100, "文件已损坏或不是 Excel 工作簿；请用 Excel 打开后重新另存为 .xlsx。"),
])
def test_a_file_that_is_not_a_real_xlsx_gets_a_clear_error(content, message):
    with pytest.raises(ImportFileError) as caught:
        _read(content)
    assert caught.value.message == message


def test_a_truncated_workbook_is_damaged():
    content = roster_bytes([worker_row()])
    with pytest.raises(ImportFileError) as caught:
        _read(content[: len(content) // 2])
    assert caught.value.message.startswith("文件已损坏")


def test_a_file_over_20_mb_is_refused_before_reading():
    with pytest.raises(ImportFileError) as caught:
        check_file(io.BytesIO(b"PK\x03\x04"), size=20 * 1024 * 1024 + 1)
    assert caught.value.message == "文件超过 20 MB，请拆分成几个文件。"


def test_a_workbook_without_the_templates_columns_names_what_is_missing():
    with pytest.raises(ImportFileError) as caught:
        _read(roster_bytes([], headers=["姓名", "手机号"]))
    assert caught.value.message == ("第一行必须是模板的列名，缺少：身份证号、户籍类型、就业形式。"
                                    "请下载模板并使用其第一行。")


def test_rows_keep_the_row_numbers_excel_shows_and_skip_blank_rows():
    rows = [worker_row(姓名="甲"), {}, worker_row(姓名="乙")]
    numbers = [(n, values[0]) for n, values in _read(roster_bytes(rows))]
    assert numbers == [(2, "甲"), (4, "乙")]


@pytest.mark.django_db
def test_a_roster_with_too_many_rows_is_refused(settings, dawangzhuang):
    settings.UPLOAD_MAX_ROWS = 2
    with pytest.raises(ImportFileError) as caught:
        _import([worker_row(身份证号=new_id()) for _ in range(3)])
    assert caught.value.message == ("文件超过 2 行（空行也计入行数），请拆分成几个文件，"
                                    "或删除数据下方的空行。")
    assert not Worker.objects.exists()


@pytest.mark.django_db
def test_the_district_office_stand_in_is_not_stored(dawangzhuang):
    office = district_office()
    assert office.pk is None and office.role == Role.ADMIN
    _import([worker_row(身份证号=new_id())], by=office)
    assert Worker.history.get().history_user is None


@pytest.mark.django_db
def test_a_duplicate_across_chunks_is_found_although_the_first_was_written(dawangzhuang,
                                                                           monkeypatch):
    """roster_import writes chunk by chunk in one read; a later duplicate of a written row
    rolls that back and imports as check-then-import would: both rows bad."""
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    number = new_id()
    rows = [worker_row(身份证号=number), worker_row(身份证号=new_id()),
            worker_row(身份证号=new_id()), worker_row(身份证号=number)]
    result = _import(rows)
    assert [e[:2] for e in _errors(result)] == [(2, "身份证号"), (5, "身份证号")]
    assert (result.created, result.good_rows, result.bad_rows) == (2, 2, 2)
    assert Worker.objects.count() == 2 and Worker.history.count() == 2
    assert not Worker.objects.filter(id_hmac=pii_hmac("id", number)).exists()


@pytest.mark.django_db
def test_a_bulk_unit_import_runs_a_fixed_number_of_queries(dawangzhuang,
                                                           django_assert_max_num_queries):
    rows = [unit_row(单位名称=f"单位{i}", 统一社会信用代码=new_code(), 所属社区="大王庄第02社区",
                     建会状态="已建会" if i % 2 else "筹建中", 建会日期="2025-05-04")
            for i in range(200)]
    with django_assert_max_num_queries(25):
        result = _import(rows, kind="units")
    assert result.created == 200 and FoundingStep.objects.count() == 200
    assert Union.objects.filter(name__startswith="单位").count() == 100


@pytest.mark.django_db
def test_a_unit_duplicate_across_chunks_rolls_back_the_unions_made_on_the_way(
        dawangzhuang, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    code = new_code()
    rows = [unit_row(单位名称="甲公司", 建会状态="已建会", 建会日期="2025-05-04",
                     统一社会信用代码=new_code()),
            unit_row(单位名称="乙公司", 统一社会信用代码=code),
            unit_row(单位名称="丙公司", 统一社会信用代码=code)]
    result = _import(rows, kind="units")
    assert [e[:2] for e in _errors(result)] == [(3, "统一社会信用代码"), (4, "统一社会信用代码")]
    unit = Unit.objects.get()
    assert unit.name == "甲公司" and unit.union.name == "甲公司工会"
    assert Union.objects.filter(name="甲公司工会").count() == 1
    assert Union.history.filter(name="甲公司工会").count() == 1
