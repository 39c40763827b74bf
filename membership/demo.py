"""Synthetic demo data: users of every role and base unions of every form.

Deterministic for a given seed; running it again changes nothing it made before.
The registry issue adds units, workers and members here.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from accounts.models import Role
from accounts.services import user_upsert
from membership.models import Community, Department, IndustryFederation, Street, Union, UnionForm


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    full_name: str
    organisation: object

    @property
    def organisation_name(self):
        return str(self.organisation) if self.organisation else "—"


def demo_users_spec():
    dawangzhuang = Street.objects.by_name("大王庄")
    dazhigu = Street.objects.by_name("大直沽")
    return [
        DemoUser("admin", Role.ADMIN, "王管理", None),
        DemoUser("leader", Role.LEADER, "李领导", None),
        DemoUser("street_dawangzhuang", Role.STREET, "张街道", dawangzhuang),
        DemoUser("street_dazhigu", Role.STREET, "赵街道", dazhigu),
        DemoUser("community_dawangzhuang01", Role.COMMUNITY, "刘社区",
                 Community.objects.filter(street=dawangzhuang).order_by("pk").first()),
        DemoUser("industry_property", Role.INDUSTRY, "陈物业",
                 IndustryFederation.objects.get(sector="property")),
        DemoUser("liaison_zhujianwei", Role.LIAISON, "孙住建", Department.objects.get(name="区住建委")),
    ]


_DEMO_UNION_FORMS = [
    (UnionForm.ENTERPRISE, "有限公司工会"),
    (UnionForm.JOINT, "联合工会"),
    (UnionForm.BUILDING, "楼宇工会"),
    (UnionForm.PARK, "园区工会"),
    (UnionForm.SCATTERED, "零散就业人员工会"),
    (UnionForm.PROJECT, "工程项目工会"),
    (UnionForm.SUBCONTRACT, "分包队伍工会"),
    (UnionForm.BRANCH, "分会小组"),
]
_NAME_PARTS = "华润 津港 海河 东方 恒信 金桥 福泰 鑫源 宏达 安居 瑞丰 新程".split()


def _demo_unions(rng):
    federations = list(IndustryFederation.objects.order_by("pk"))
    communities_by_street = {}
    for community in Community.objects.order_by("pk"):
        communities_by_street.setdefault(community.street_id, []).append(community)
    unions = []
    for street in Street.objects.order_by("position"):
        for form, suffix in _DEMO_UNION_FORMS:
            community = rng.choice(communities_by_street[street.pk])
            federation = rng.choice(federations) if form in (
                UnionForm.ENTERPRISE, UnionForm.PROJECT, UnionForm.SUBCONTRACT) else None
            unions.append(Union(
                name=f"{street.short_name}{rng.choice(_NAME_PARTS)}{suffix}",
                form=form, street=street,
                community=community if form != UnionForm.ENTERPRISE else None,
                industry_federation=federation,
                founded_on=date(2019, 3, 15) + timedelta(days=rng.randrange(0, 2400)),
            ))
    return unions


@transaction.atomic
def seed_demo(*, seed, password):
    rng = random.Random(seed)
    users = demo_users_spec()
    for spec in users:
        user_upsert(username=spec.username, role=spec.role, password=password,
                    full_name=spec.full_name, organisation=spec.organisation)
    existing = set(Union.objects.values_list("street_id", "name"))
    new_unions = [u for u in _demo_unions(rng) if (u.street_id, u.name) not in existing]
    # Names may repeat inside one street by chance; keep the first.
    seen, unique = set(), []
    for union in new_unions:
        if (union.street_id, union.name) not in seen:
            seen.add((union.street_id, union.name))
            unique.append(union)
    bulk_create_with_history(unique, Union, batch_size=1000)
    return users, len(unique)
