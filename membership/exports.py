"""The registry's Excel exports (SPEC §7.4): 单位名录, 职工花名册, the member list and the
base unions.

Rows apart from format (STYLE habit 7): each export names its columns and yields plain
rows; reporting.xlsx renders them and reporting.services decides whether the request or a
background job writes them. Rows stream from PostgreSQL in chunks of flat tuples (one
query, the joins in it; no per-row query), and personal data is masked unless the user
holds the full-PII permission (SPEC §8).
"""

import functools

from django.core.exceptions import ValidationError
from django.db import models
from stdnum import numdb

from membership.identifiers import clean_phone, clean_resident_id, normalise_text
from membership.models import (
    EmploymentForm,
    FoundingStatus,
    HukouType,
    MemberStatus,
    OccupationGroup,
    Sector,
    UnionForm,
    UnitKind,
)
from membership.pii import mask_card, mask_id, mask_phone, pii_hmac
from membership.selectors import exports as selectors
from reporting.exports import Export
from reporting.xlsx import Column

CHUNK_SIZE = 2000
YES, NO = "是", "否"


def _labels(choices):
    """Value → label in the active language (the export runs in Chinese)."""
    return {value: str(label) for value, label in choices.choices}


def _yes_no(value):
    return YES if value else NO


@functools.cache
def _province(code):
    """户籍所在省份 by name (天津市), from python-stdnum's GB/T 2260 data; an unknown code
    as it is. The roster import takes either."""
    info = numdb.get("cn/loc").info(code or "")[0][1] if code else {}
    return info.get("province", code or "")


def _masks(full_pii):
    if full_pii:
        def same(value):
            return value or ""
        return same, same, same
    return mask_id, mask_phone, mask_card


# ---------------------------------------------------------------------------
# Units: the columns of the unit template 单位名录 (SPEC §7.4)
# ---------------------------------------------------------------------------
UNIT_COLUMNS = [
    Column("单位名称", 36),
    Column("统一社会信用代码", 22, "code"),
    Column("单位类型", 12),
    Column("行业", 14),
    Column("所属街道", 14),
    Column("所属社区", 18),
    Column("职工人数", 10, "int"),
    Column("农民工人数", 11, "int"),
    Column("重点企业", 9),
    Column("双万双服", 9),
    Column("工商联会员", 11),
    Column("缴纳建会筹备金", 15),
    Column("建会状态", 10),
    Column("建会日期", 12, "date"),
    Column("登记日期", 12, "date"),
]
_UNIT_FIELDS = (
    "name", "credit_code", "kind", "sector", "street__name", "community__name",
    "employee_count", "migrant_count", "is_key_enterprise", "is_shuangwan",
    "is_chamber_member", "paid_preparation_fund", "founding_status", "founding_date",
    "registered_on",
)


def unit_rows(queryset, *, full_pii):
    """One row a unit; a unit holds no personal data, so `full_pii` changes nothing."""
    kinds, sectors, statuses = _labels(UnitKind), _labels(Sector), _labels(FoundingStatus)
    for (name, code, kind, sector, street, community, employees, migrants, key, shuangwan,
         chamber, fund, status, founded, registered) in queryset.values_list(
            *_UNIT_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        yield [name, code, kinds.get(kind, kind), sectors.get(sector, sector), street,
               community or "", employees, migrants, _yes_no(key), _yes_no(shuangwan),
               _yes_no(chamber), _yes_no(fund), statuses.get(status, status), founded,
               registered]


# ---------------------------------------------------------------------------
# Workers: the columns of the roster template 职工花名册 (SPEC §7.4)
# ---------------------------------------------------------------------------
WORKER_COLUMNS = [
    Column("姓名", 10),
    Column("身份证号", 21, "code"),
    Column("手机号", 14, "code"),
    Column("户籍类型", 10),
    Column("户籍所在省份", 13),
    Column("就业形式", 12),
    Column("职业群体", 14),
    Column("工作单位统一社会信用代码", 26, "code"),
    Column("所属街道", 14),
    Column("所属社区", 18),
    Column("整建制非正式员工", 17),
    Column("摸底日期", 12, "date"),
    Column("是否会员", 9),
    Column("入会日期", 12, "date"),
    Column("会员服务卡号", 22, "code"),
]
_WORKER_FIELDS = (
    "name", "id_number", "phone", "hukou_type", "hukou_province", "employment_form",
    "occupation_group", "employer__credit_code", "street__name", "community__name",
    "whole_unit_informal", "identified_on", "active_membership__pk",
    "active_membership__joined_on", "active_membership__card_number",
)


def worker_rows(queryset, *, full_pii):
    hukou, forms, groups = _labels(HukouType), _labels(EmploymentForm), _labels(OccupationGroup)
    show_id, show_phone, show_card = _masks(full_pii)
    for (name, id_number, phone, hukou_type, province, form, group, employer, street,
         community, informal, identified, member_pk, joined, card) in queryset.values_list(
            *_WORKER_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        yield [name, show_id(id_number), show_phone(phone), hukou.get(hukou_type, hukou_type),
               _province(province), forms.get(form, form), groups.get(group, group), employer or "",
               street, community or "", _yes_no(informal), identified,
               _yes_no(member_pk is not None), joined, show_card(card)]


# ---------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------
MEMBER_COLUMNS = [
    Column("会员编号", 15),
    Column("姓名", 10),
    Column("身份证号", 21, "code"),
    Column("手机号", 14, "code"),
    Column("所属街道", 14),
    Column("基层工会", 34),
    Column("入会日期", 12, "date"),
    Column("会员服务卡号", 22, "code"),
    Column("是否绑定会员服务卡", 10),
    Column("状态", 8),
    Column("职业群体", 14),
]
_MEMBER_FIELDS = (
    "member_number", "worker__name", "worker__id_number", "worker__phone",
    "worker__street__name", "union__name", "joined_on", "card_number", "status",
    "worker__occupation_group",
)


def member_rows(queryset, *, full_pii):
    statuses, groups = _labels(MemberStatus), _labels(OccupationGroup)
    show_id, show_phone, show_card = _masks(full_pii)
    for (number, name, id_number, phone, street, union, joined, card, status,
         group) in queryset.values_list(*_MEMBER_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        yield [number, name, show_id(id_number), show_phone(phone), street, union or "",
               joined, show_card(card), _yes_no(bool(card)), statuses.get(status, status),
               groups.get(group, group)]


UNION_COLUMNS = [
    Column("工会名称", 36),
    Column("组织形式", 16),
    Column("所属街道", 14),
    Column("所属社区", 18),
    Column("行业工会联合会", 30),
    Column("成立日期", 12, "date"),
    Column("工会主席", 12),
]
_UNION_FIELDS = ("name", "form", "street__name", "community__name",
                 "industry_federation__name", "founded_on", "chair")


def union_rows(queryset, *, full_pii):
    forms = _labels(UnionForm)
    for name, form, street, community, federation, founded, chair in queryset.values_list(
            *_UNION_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        yield [name, forms.get(form, form), street, community or "", federation or "",
               founded, chair]


# ---------------------------------------------------------------------------
# From the list pages' filters to the parameters an export job stores
# ---------------------------------------------------------------------------
def export_parameters(filters):
    """The list form's filters as JSON-ready values: records become their ids."""
    return {key: value.pk if isinstance(value, models.Model) else value
            for key, value in filters.items()}


def worker_export_parameters(filters):
    """As export_parameters, but a search for an exact phone or ID number is kept as its
    keyed hash, so no job row ever holds the number itself (SPEC §8)."""
    parameters = export_parameters(filters)
    text = normalise_text(parameters.pop("search", "") or "")
    if text:
        for kind, clean in (("phone", clean_phone),
                            ("id", lambda value: clean_resident_id(value).number)):
            try:
                parameters[f"{kind}_hmac"] = pii_hmac(kind, clean(text))
                break
            except ValidationError:
                continue
        else:
            parameters["search"] = text
    return parameters


UNITS = Export(
    kind="units", title="单位名录", filename="units", target_type="membership.unit",
    columns=UNIT_COLUMNS, queryset=selectors.unit_export_queryset, rows=unit_rows,
)
WORKERS = Export(
    kind="workers", title="职工花名册", filename="workers", target_type="membership.worker",
    columns=WORKER_COLUMNS, queryset=selectors.worker_export_queryset, rows=worker_rows,
)
MEMBERS = Export(
    kind="members", title="会员名册", filename="members", target_type="membership.member",
    columns=MEMBER_COLUMNS, queryset=selectors.member_export_queryset, rows=member_rows,
)
UNIONS = Export(
    kind="unions", title="基层工会", filename="unions", target_type="membership.union",
    columns=UNION_COLUMNS, queryset=selectors.union_export_queryset, rows=union_rows,
)
