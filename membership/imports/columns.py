"""The two import templates of SPEC §7.4: their columns, in order, and the words a
clerk may write in each (Chinese labels, as the templates list them)."""

from dataclasses import dataclass

from membership.models import (
    EmploymentForm,
    FoundingStatus,
    HukouType,
    ImportKind,
    OccupationGroup,
    Sector,
    UnitKind,
)

# The one extra column of the bad-rows workbook; ignored when a fixed file comes back.
ERROR_HEADER = "错误原因"

YES, NO = "是", "否"

HUKOU_LABELS = {"农业": HukouType.RURAL, "非农业": HukouType.NON_RURAL}
EMPLOYMENT_LABELS = {
    "劳动合同": EmploymentForm.CONTRACT,
    "劳务派遣": EmploymentForm.DISPATCH,
    "劳务外包": EmploymentForm.OUTSOURCE,
    "零散就业": EmploymentForm.SCATTERED,
}
GROUP_LABELS = {
    "货车司机": OccupationGroup.TRUCK_DRIVER,
    "快递员": OccupationGroup.COURIER,
    "护工护理员": OccupationGroup.CARER,
    "家政服务员": OccupationGroup.DOMESTIC,
    "商场信息员": OccupationGroup.MALL_INFO,
    "网约送餐员": OccupationGroup.FOOD_DELIVERY,
    "房产中介员": OccupationGroup.ESTATE_AGENT,
    "保安员": OccupationGroup.SECURITY,
    "其他": OccupationGroup.OTHER,
}
UNIT_KIND_LABELS = {
    "非公企业": UnitKind.NON_PUBLIC_ENTERPRISE,
    "社会组织": UnitKind.SOCIAL_ORGANISATION,
    "其他": UnitKind.OTHER,
}
SECTOR_LABELS = {
    "民办教育": Sector.EDUCATION,
    "民营医疗": Sector.MEDICAL,
    "物业": Sector.PROPERTY,
    "建筑": Sector.CONSTRUCTION,
    "市场商业": Sector.MARKET,
    "律师事务所": Sector.LAW,
    "科技": Sector.TECHNOLOGY,
    "快递物流": Sector.LOGISTICS,
    "家政": Sector.HOUSEKEEPING,
    "其他": Sector.OTHER,
}
FOUNDING_LABELS = {
    "未建会": FoundingStatus.NONE,
    "筹建中": FoundingStatus.PREPARING,
    "已建会": FoundingStatus.FOUNDED,
    "覆盖": FoundingStatus.COVERED,
}
# Other spellings a clerk commonly writes; accepted, never shown in the templates.
ALIASES = {
    "hukou": {"农业户口": HukouType.RURAL, "非农业户口": HukouType.NON_RURAL},
    "founding": {"已覆盖": FoundingStatus.COVERED, "覆盖建会": FoundingStatus.COVERED,
                 "建会中": FoundingStatus.PREPARING},
    "sector": {"民营教育": Sector.EDUCATION, "民办医疗": Sector.MEDICAL,
               "物业管理": Sector.PROPERTY, "建筑业": Sector.CONSTRUCTION,
               "家政服务": Sector.HOUSEKEEPING},
    "kind": {"非公有制企业": UnitKind.NON_PUBLIC_ENTERPRISE},
}


@dataclass(frozen=True)
class ImportColumn:
    header: str  # exactly as SPEC §7.4 lists it
    key: str
    required: bool = False  # for a new record; a blank cell keeps what an existing one has
    kind: str = "text"  # text | code | choice | bool | date | count | province
    choices: dict | None = None
    width: float = 14


WORKER_COLUMNS = (
    ImportColumn("姓名", "name", required=True, width=10),
    ImportColumn("身份证号", "id_number", required=True, kind="code", width=22),
    ImportColumn("手机号", "phone", kind="code", width=14),
    ImportColumn("户籍类型", "hukou_type", required=True, kind="choice",
                 choices={**HUKOU_LABELS, **ALIASES["hukou"]}, width=10),
    ImportColumn("户籍所在省份", "hukou_province", kind="province", width=12),
    ImportColumn("就业形式", "employment_form", required=True, kind="choice",
                 choices=EMPLOYMENT_LABELS, width=12),
    ImportColumn("职业群体", "occupation_group", kind="choice", choices=GROUP_LABELS, width=12),
    ImportColumn("工作单位统一社会信用代码", "employer", kind="code", width=24),
    ImportColumn("所属街道", "street", width=12),
    ImportColumn("所属社区", "community", width=16),
    ImportColumn("整建制非正式员工", "whole_unit_informal", kind="bool", width=10),
    ImportColumn("摸底日期", "identified_on", kind="date", width=12),
    ImportColumn("是否会员", "is_member", kind="bool", width=10),
    ImportColumn("入会日期", "joined_on", kind="date", width=12),
    ImportColumn("会员服务卡号", "card_number", kind="code", width=22),
)

UNIT_COLUMNS = (
    ImportColumn("单位名称", "name", required=True, width=30),
    ImportColumn("统一社会信用代码", "credit_code", required=True, kind="code", width=22),
    ImportColumn("单位类型", "kind", required=True, kind="choice",
                 choices={**UNIT_KIND_LABELS, **ALIASES["kind"]}, width=10),
    ImportColumn("行业", "sector", required=True, kind="choice",
                 choices={**SECTOR_LABELS, **ALIASES["sector"]}, width=12),
    ImportColumn("所属街道", "street", width=12),
    ImportColumn("所属社区", "community", width=16),
    ImportColumn("职工人数", "employee_count", kind="count", width=10),
    ImportColumn("农民工人数", "migrant_count", kind="count", width=10),
    ImportColumn("重点企业", "is_key_enterprise", kind="bool", width=10),
    ImportColumn("双万双服", "is_shuangwan", kind="bool", width=10),
    ImportColumn("工商联会员", "is_chamber_member", kind="bool", width=10),
    ImportColumn("缴纳建会筹备金", "paid_preparation_fund", kind="bool", width=14),
    ImportColumn("建会状态", "founding_status", kind="choice",
                 choices={**FOUNDING_LABELS, **ALIASES["founding"]}, width=10),
    ImportColumn("建会日期", "founded_on", kind="date", width=12),
    ImportColumn("登记日期", "registered_on", kind="date", width=12),
)

COLUMNS = {ImportKind.WORKERS: WORKER_COLUMNS, ImportKind.UNITS: UNIT_COLUMNS}
SHEET_TITLES = {ImportKind.WORKERS: "职工花名册", ImportKind.UNITS: "单位名录"}
# The values shown in the instructions sheet and offered as a drop-down in the template.
LISTED_VALUES = {
    "hukou_type": list(HUKOU_LABELS),
    "employment_form": list(EMPLOYMENT_LABELS),
    "occupation_group": list(GROUP_LABELS),
    "kind": list(UNIT_KIND_LABELS),
    "sector": list(SECTOR_LABELS),
    "founding_status": list(FOUNDING_LABELS),
}


def column_by_key(kind, key):
    return next(c for c in COLUMNS[kind] if c.key == key)


def header_of(kind, key):
    return column_by_key(kind, key).header
