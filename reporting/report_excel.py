"""The Excel files of the reports (SPEC §7.4): titled sheets, Chinese headers, rates as
numbers formatted 0.00% (an empty scope's rate is a blank cell, never 0%), changes since
last month as numbers of percentage points formatted +0.00."""

from decimal import Decimal

from reporting.xlsx import Column

DISTRICT = "河东区"

TEN_DAY_COLUMNS = [
    Column("范围", 12), Column("名称", 22), Column("本旬新增会员", 12, "int"),
    Column("会员总数", 12, "int"), Column("本旬新建工会", 12, "int"),
    Column("基层工会总数", 12, "int"), Column("已入会农民工", 12, "int"),
    Column("农民工总数", 12, "int"), Column("农民工入会率", 12, "percent"),
    Column("百人以上企业已建会", 14, "int"), Column("百人以上非公企业数", 14, "int"),
    Column("百人以上非公企业建会率", 16, "percent"), Column("本旬收到入会申请", 14, "int"),
    Column("本旬批准入会申请", 14, "int"),
]
BULLETIN_COLUMNS = [
    Column("农民工入会率排名", 10, "int"), Column("街道", 18), Column("农民工入会率", 12, "percent"),
    Column("较上月变化（百分点）", 14, "points"), Column("百人以上非公企业建会率", 16, "percent"),
    Column("建会率排名", 10, "int"), Column("较上月变化（百分点）", 14, "points"),
    Column("旬报告按时", 10, "int"), Column("旬报告迟交", 10, "int"), Column("旬报告未交", 10, "int"),
    Column("进度", 10),
]
MILESTONE_COLUMNS = [
    Column("范围", 12), Column("名称", 22), Column("农民工入会率", 12, "percent"),
    Column("是否达标", 10), Column("还需入会人数", 12, "int"),
    Column("百人以上非公企业建会率", 16, "percent"), Column("是否达标", 10),
    Column("还需建会企业数", 12, "int"),
]

SUMMARY_COLUMNS = [
    Column("范围", 18), Column("农民工入会率", 12, "percent"),
    Column("百人以上非公企业建会率", 16, "percent"), Column("行动期间新增会员", 14, "int"),
    Column("行动期间新建工会", 14, "int"), Column("收到入会申请", 12, "int"),
    Column("批准入会申请", 12, "int"),
]


def ratio(num, den):
    """The rate as a number for a 0.00% cell, or None for an empty denominator."""
    return Decimal(num) / Decimal(den) if den else None


def _rate_cell(rate_json):
    return None if not rate_json else ratio(rate_json["num"], rate_json["den"])


def _points(change):
    """A stored change ("+1.25", percentage points) as a number; blank without a last month."""
    return Decimal(change) if change else None


def _met(value):
    return {True: "达标", False: "未达标", None: "—"}[value]


def ten_day_rows(figures, kind_labels):
    for f in figures:
        yield [str(kind_labels[f.kind]), f.name, f.new_members, f.members_total, f.new_unions,
               f.unions_total, f.migrant_num, f.migrant_den, ratio(f.migrant_num, f.migrant_den),
               None if f.kind == "group" else f.founding_num,
               None if f.kind == "group" else f.founding_den,
               None if f.kind == "group" else ratio(f.founding_num, f.founding_den),
               f.applications_received, f.applications_approved]


def bulletin_rows(content):
    track = {True: "正常", False: "滞后", None: "—"}
    for row in content.get("streets", []):
        punctuality = row.get("punctuality") or {}
        yield [row["migrant_rank"], row["name"], _rate_cell(row["migrant"]),
               _points(row["migrant_change"]), _rate_cell(row["founding"]),
               row["founding_rank"], _points(row["founding_change"]),
               punctuality.get("on_time", 0), punctuality.get("late", 0),
               punctuality.get("missing", 0), track[row["on_track"]]]


def milestone_rows(content, kind_labels):
    for row in content["scopes"]:
        yield [str(kind_labels[row["kind"]]), row["name"], _rate_cell(row["migrant"]),
               _met(row["migrant_met"]), row["members_needed"], _rate_cell(row["founding"]),
               _met(row["founding_met"]) if row["founding"] else "—", row["unions_needed"]]


def summary_rows(content):
    for row in content["scopes"]:
        yield [row["name"], _rate_cell(row["migrant"]), _rate_cell(row["founding"]),
               row["new_members"], row["new_unions"], row["applications_received"],
               row["applications_approved"]]
