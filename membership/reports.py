"""Rows for membership exports, kept apart from the Excel format (STYLE habit 7)."""

from reporting.xlsx import Column


def union_export_columns():
    return [
        Column("工会名称", 36),
        Column("组织形式", 16),
        Column("所属街道", 14),
        Column("所属社区", 18),
        Column("行业工会联合会", 30),
        Column("成立日期", 12, "date"),
        Column("工会主席", 12),
    ]


def union_export_rows(unions):
    for union in unions:
        yield [
            union.name,
            union.get_form_display(),
            union.street.name,
            union.community.name if union.community else "",
            union.industry_federation.name if union.industry_federation else "",
            union.founded_on,
            union.chair,
        ]
