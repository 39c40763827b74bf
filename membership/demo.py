"""Synthetic demo data: users of every role, base unions of every form, and the registry
(units, workers, members) at any scale (SPEC §10, §11).

Deterministic for a given seed; running it again changes nothing it made before. Every
identifier is synthetic with real check digits (membership.fakes). The registry is
written through bulk paths only: bulk_create in chunks, and history rows copied in SQL
from the rows just inserted (one INSERT … SELECT a chunk), so a million workers take
minutes, not hours (docs/benchmarks.md).
"""

import random
import time
from bisect import bisect
from collections import Counter, defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Role, User
from accounts.services import demo_second_factor_give, user_upsert
from hedong_union.demo_guard import demo_data_allowed_ensure
from membership import fakes
from membership.models import (
    COVERING_FORMS,
    Community,
    Department,
    EmploymentForm,
    EndReason,
    FoundingStatus,
    FoundingStep,
    HukouType,
    IndustryFederation,
    Member,
    MemberStatus,
    OccupationGroup,
    Sector,
    Source,
    Street,
    Union,
    UnionForm,
    UnionSpan,
    Unit,
    UnitKind,
    Worker,
)
from membership.pii import pii_hmac
from membership.selectors.units import units_with_members_to_transfer
from membership.services.members import community_unions_of, member_numbers_reserve, route_union
from membership.services.units import founding_step_add

# `make run` starts in seconds with these; benchmarks ask for a million workers.
DEFAULT_WORKERS = 2000
DEFAULT_UNITS = 300


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


@dataclass
class DemoResult:
    users: list
    union_count: int  # demo base unions of every form added
    registry: "RegistryCounts"


def seed_demo(*, seed, password, workers=DEFAULT_WORKERS, units=DEFAULT_UNITS, log=None):
    """Demo users and unions, then `units` units and `workers` workers with their members."""
    demo_data_allowed_ensure("seed_demo")
    with transaction.atomic():
        rng = random.Random(seed)
        users = demo_users_spec()
        for spec in users:
            user = user_upsert(username=spec.username, role=spec.role, password=password,
                               full_name=spec.full_name, organisation=spec.organisation)
            # The demo office logs in with the published demo TOTP secret (docs/decisions.md).
            demo_second_factor_give(user=user)
        existing = set(Union.objects.values_list("street_id", "name"))
        new_unions = [u for u in _demo_unions(rng) if (u.street_id, u.name) not in existing]
        # Names may repeat inside one street by chance; keep the first.
        seen, unique = set(), []
        for union in new_unions:
            if (union.street_id, union.name) not in seen:
                seen.add((union.street_id, union.name))
                unique.append(union)
        bulk_create_with_history(unique, Union, batch_size=1000)
    registry = seed_registry(seed=seed, workers=workers, units=units, log=log)
    if workers:
        seed_founded_after_joining()
    return DemoResult(users, len(unique), registry)


# The street whose demo staff find a unit with members to transfer on their home page.
TRANSFER_EXAMPLE_STREET = "大王庄"


def seed_founded_after_joining():
    """Found the union of one unit of 大王庄 whose workers the community union took in
    (plan §二.5(2)), through the founding service as the street would: its members are then
    "to transfer" (SPEC §4), and the street's home and the unit page show them. Nothing is
    done when the street already has such a unit (a rerun) or no unit qualifies."""
    by = User.objects.filter(username="street_dawangzhuang").first()
    if by is None or units_with_members_to_transfer(user=by).exists():
        return None
    absorbed = Count("workers__memberships", filter=Q(
        workers__memberships__status=MemberStatus.ACTIVE,
        workers__memberships__union__form=UnionForm.COMMUNITY))
    unit = (Unit.objects.filter(street=Street.objects.by_name(TRANSFER_EXAMPLE_STREET),
                                founding_status__in=[FoundingStatus.NONE,
                                                     FoundingStatus.PREPARING])
            .annotate(absorbed=absorbed).filter(absorbed__gt=0)
            .order_by("-absorbed", "pk").first())
    if unit is None:
        return None
    on = max([min(DEMO_AS_OF, timezone.localdate())]
             + list(unit.founding_steps.values_list("on", flat=True)))
    return founding_step_add(unit=unit, by=by, status=FoundingStatus.FOUNDED, on=on,
                             new_union_name=f"{unit.name}工会", chair="王建国",
                             note="示例：职工已先加入社区工会，建会后待转会。")


# ---------------------------------------------------------------------------
# The registry: units, workers, members
# ---------------------------------------------------------------------------
# Dates are drawn up to this day (or today, if earlier), so a seed gives the same data
# whatever day it runs.
DEMO_AS_OF = date(2026, 9, 30)
DRIVE_START = date(2019, 3, 6)  # the plan's date (津东总工发[2019]22号)
WORKER_CHUNK = 10_000
DB_BATCH = 2000
# From this many workers on, chunks are written by threads, each on its own connection.
PARALLEL_FROM = 50_000
WRITERS = 2

# Likelihoods of the spreads; each one a rough picture of a Tianjin district's drive.
SCATTERED_SHARE = 0.15  # workers without an employer
OUT_OF_TOWN_SHARE = 0.60  # hukou outside Tianjin
RURAL_SHARE_OUT_OF_TOWN = 0.90
RURAL_SHARE_LOCAL = 0.40  # together about 70% rural (农民工)
MEMBER_SHARE_OF_ROUTABLE = 0.85  # about 60% of all workers end up members
# Workers of units without a union whom the community union took in (plan §二.5(2)).
ABSORBED_MEMBER_SHARE = 0.10
CARD_SHARE = 0.85
ENDED_SHARE = 0.02
LEFT_SHARE = 0.04
INFORMAL_UNIT_SHARE = 0.05  # units whose whole staff are informal employees

_SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
             "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯"
             "邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
_GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂建华文志红玉梅海燕飞鹏辉俊峰晨宇浩然"
          "欣怡子涵雪晶春雷凤玲颖琳德福庆永亮宏成新利国庆东林彬婷慧斌颖波宁凯")
_TRADE_CHARS = ("华润津港海河东方恒信金桥福泰鑫源宏达安居瑞丰新程永盛嘉禾宇通顺德兴隆佳和正元百川"
                "天成明远中庆博雅诚锦绣万家鼎昌汇宝富康益民联创启航星辰")
_UNIT_WORDS = {
    Sector.PROPERTY: ["物业服务有限公司", "物业管理有限公司"],
    Sector.CONSTRUCTION: ["建筑工程有限公司", "建设集团有限公司", "装饰工程有限公司"],
    Sector.MARKET: ["商贸有限公司", "购物中心有限公司", "农贸市场管理有限公司"],
    Sector.LOGISTICS: ["快递服务有限公司", "物流有限公司", "供应链管理有限公司"],
    Sector.HOUSEKEEPING: ["家政服务有限公司", "保洁服务有限公司"],
    Sector.EDUCATION: ["教育科技有限公司", "培训学校", "幼儿园"],
    Sector.MEDICAL: ["医院有限公司", "门诊部", "护理院"],
    Sector.LAW: ["律师事务所"],
    Sector.TECHNOLOGY: ["科技有限公司", "信息技术有限公司", "网络科技有限公司"],
    Sector.OTHER: ["餐饮管理有限公司", "酒店管理有限公司", "房地产经纪有限公司",
                   "文化传媒有限公司", "汽车服务有限公司", "促进会"],
}
_SECTOR_WEIGHTS = {
    Sector.PROPERTY: 12, Sector.CONSTRUCTION: 10, Sector.MARKET: 16, Sector.LOGISTICS: 11,
    Sector.HOUSEKEEPING: 6, Sector.EDUCATION: 8, Sector.MEDICAL: 6, Sector.LAW: 4,
    Sector.TECHNOLOGY: 12, Sector.OTHER: 15,
}
G = OccupationGroup
# The eight groups of plan §二.5(2) gather where their trades are.
_GROUPS_BY_SECTOR = {
    Sector.LOGISTICS: {G.COURIER: 45, G.TRUCK_DRIVER: 30, G.FOOD_DELIVERY: 10, G.OTHER: 15},
    Sector.PROPERTY: {G.SECURITY: 50, G.OTHER: 50},
    Sector.HOUSEKEEPING: {G.DOMESTIC: 80, G.CARER: 10, G.OTHER: 10},
    Sector.MEDICAL: {G.CARER: 50, G.OTHER: 50},
    Sector.MARKET: {G.MALL_INFO: 40, G.SECURITY: 15, G.OTHER: 45},
    Sector.CONSTRUCTION: {G.TRUCK_DRIVER: 10, G.SECURITY: 5, G.OTHER: 85},
    Sector.OTHER: {G.FOOD_DELIVERY: 15, G.ESTATE_AGENT: 20, G.OTHER: 65},
}
_GROUPS_DEFAULT = {G.SECURITY: 5, G.OTHER: 95}
_GROUPS_SCATTERED = {G.FOOD_DELIVERY: 30, G.COURIER: 15, G.DOMESTIC: 15, G.TRUCK_DRIVER: 10,
                     G.ESTATE_AGENT: 10, G.CARER: 10, G.OTHER: 10}
_TIANJIN_REGIONS = ["120101", "120102", "120103", "120104", "120105", "120106", "120221"]
_OUT_OF_TOWN_REGIONS = [r for r in fakes.REGIONS if not r.startswith("12")]


@dataclass
class RegistryCounts:
    units: int = 0
    unions: int = 0
    founding_steps: int = 0
    workers: int = 0
    members: int = 0
    spans: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this Python process (PostgreSQL works beside it)
    by_status: Counter = field(default_factory=Counter)


class _Weighted:
    """Draws from fixed weights with one random number and a binary search."""

    def __init__(self, weights):
        self.items = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def draw(self, rng):
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


def _person_name(rng):
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given


def _day_between(rng, first, last):
    return first + timedelta(days=rng.randrange(0, max(1, (last - first).days + 1)))


def seed_registry(*, seed, workers, units, log=None):
    """Add `units` units (with founding steps and own unions) and `workers` workers (with
    members routed by route_union), deterministic for `seed`; rows already there (same
    credit code or ID number) are left as they are."""
    log = log or (lambda message: None)
    started, cpu_started = time.monotonic(), time.process_time()
    counts = RegistryCounts()
    as_of = min(DEMO_AS_OF, timezone.localdate())
    world = _World.load()
    with transaction.atomic():
        unit_list = _seed_units(random.Random(f"{seed}:units"), units, world, as_of, counts)
    log(f"units: {counts.units} added ({time.monotonic() - started:.1f} s)")
    if workers:
        _seed_workers(random.Random(f"{seed}:workers"), workers, unit_list, world, as_of,
                      counts, log, started)
    counts.seconds = time.monotonic() - started
    counts.cpu_seconds = time.process_time() - cpu_started
    return counts


@dataclass
class _World:
    """The organisation structure the demo data hangs on, loaded once."""

    streets: list
    street_weights: dict
    communities: dict  # street id -> [community]
    federations: dict  # sector -> federation id
    covering: dict  # street id -> [founded covering union]

    @classmethod
    def load(cls):
        streets = list(Street.objects.order_by("position", "pk"))
        communities = defaultdict(list)
        for community in Community.objects.order_by("pk"):
            communities[community.street_id].append(community)
        covering = defaultdict(list)
        for union in Union.objects.filter(form__in=COVERING_FORMS,
                                          founded_on__isnull=False).order_by("pk"):
            covering[union.street_id].append(union)
        # Streets differ in size: the first ones hold more units and workers.
        weights = {street: 24 - index for index, street in enumerate(streets)}
        return cls(streets, weights, communities,
                   dict(IndustryFederation.objects.values_list("sector", "pk")), covering)


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------
@dataclass
class _UnitPlan:
    unit: Unit
    union: Union | None = None
    steps: list = field(default_factory=list)  # FoundingStep without the unit


def _employee_count(rng):
    r = rng.random()
    if r < 0.04:
        return 100  # 百人以上 includes the bound
    if r < 0.08:
        return 99
    if r < 0.58:
        return int(3 * (98 / 3) ** rng.random())
    if r < 0.88:
        return rng.randint(101, 300)
    return min(5000, int(rng.lognormvariate(6.2, 0.6)))


def _plan_unit(rng, world, as_of, streets, sectors, names, codes):
    street = streets.draw(rng)
    communities = world.communities[street.pk]
    community = rng.choice(communities) if communities and rng.random() < 0.85 else None
    sector = sectors.draw(rng)
    word = rng.choice(_UNIT_WORDS[sector])
    if word in ("培训学校", "幼儿园", "门诊部", "护理院", "促进会") or (
            sector in (Sector.EDUCATION, Sector.MEDICAL) and rng.random() < 0.3):
        kind, code_kind = UnitKind.SOCIAL_ORGANISATION, ("5", "2")
    elif rng.random() < 0.04:
        kind, code_kind = UnitKind.OTHER, ("9", "2")
    else:
        kind, code_kind = UnitKind.NON_PUBLIC_ENTERPRISE, ("9", "1")
    name = f"天津{rng.choice(_TRADE_CHARS)}{rng.choice(_TRADE_CHARS)}{word}"
    if name in names:
        names[name] += 1
        name = f"{name}（{names[name]}）"
    names.setdefault(name, 1)
    code = fakes.credit_code(rng, authority=code_kind[0], kind=code_kind[1])
    while code in codes:
        code = fakes.credit_code(rng, authority=code_kind[0], kind=code_kind[1])
    codes.add(code)
    employees = _employee_count(rng)
    big = employees >= 100
    unit = Unit(
        name=name, credit_code=code, kind=kind, sector=sector, street=street,
        community=community, employee_count=employees,
        migrant_count=int(employees * rng.uniform(0.1, 0.9)),
        is_key_enterprise=rng.random() < (0.25 if employees >= 300 else 0.03),
        is_shuangwan=rng.random() < 0.05,
        is_chamber_member=rng.random() < 0.12,
        paid_preparation_fund=rng.random() < (0.3 if big else 0.1),
        registered_on=_day_between(rng, date(1995, 1, 1), date(2024, 12, 31)),
        source=rng.choice([Source.SURVEY, Source.SURVEY, Source.DEPARTMENT, Source.IMPORT]),
    )
    plan = _UnitPlan(unit)
    r = rng.random()
    covering = world.covering.get(street.pk)
    if kind == UnitKind.OTHER:
        status = FoundingStatus.NONE if r < 0.8 else FoundingStatus.PREPARING
    elif r < (0.60 if big else 0.35):
        status = FoundingStatus.FOUNDED
    elif r < (0.72 if big else 0.65) and covering:
        status = FoundingStatus.COVERED
    elif r < (0.87 if big else 0.75):
        status = FoundingStatus.PREPARING
    else:
        status = FoundingStatus.NONE
    unit.founding_status = status
    chair = _person_name(rng)
    if status == FoundingStatus.FOUNDED:
        if rng.random() < 0.3:  # founded before the drive
            founded_on = _day_between(rng, date(2005, 1, 1), DRIVE_START)
        else:
            prepared_on = _day_between(rng, DRIVE_START, as_of - timedelta(days=60))
            founded_on = _day_between(rng, prepared_on + timedelta(days=14),
                                      min(as_of, prepared_on + timedelta(days=400)))
            plan.steps.append(FoundingStep(status=FoundingStatus.PREPARING, on=prepared_on))
        plan.union = Union(
            name=f"{name}工会", form=UnionForm.ENTERPRISE, street=street, community=community,
            industry_federation_id=world.federations.get(sector), founded_on=founded_on,
            chair=chair)
        plan.steps.append(FoundingStep(
            status=FoundingStatus.FOUNDED, on=founded_on, chair=chair,
            members_at_founding=max(1, int(employees * rng.uniform(0.3, 0.9)))))
    elif status == FoundingStatus.COVERED:
        union = rng.choice(covering)
        on = _day_between(rng, max(union.founded_on, DRIVE_START), as_of)
        unit.covering_union = union
        plan.steps.append(FoundingStep(status=status, on=on, union=union))
    elif status == FoundingStatus.PREPARING:
        plan.steps.append(FoundingStep(status=status,
                                       on=_day_between(rng, DRIVE_START, as_of)))
    return plan


def _seed_units(rng, count, world, as_of, counts):
    streets, sectors = _Weighted(world.street_weights), _Weighted(_SECTOR_WEIGHTS)
    names, codes = {}, set()
    plans = [_plan_unit(rng, world, as_of, streets, sectors, names, codes)
             for _ in range(count)]
    existing = set()
    for batch in _batches([p.unit.credit_code for p in plans], 5000):
        existing.update(Unit.objects.filter(credit_code__in=batch).values_list(
            "credit_code", flat=True))
    new = [p for p in plans if p.unit.credit_code not in existing]

    taken = set(Union.objects.values_list("street_id", "name"))
    unions = []
    for plan in new:
        if plan.union is not None:
            union, n = plan.union, 1
            while (union.street_id, union.name) in taken:
                n += 1
                union.name = f"{plan.unit.name}（{n}）工会"
            taken.add((union.street_id, union.name))
            unions.append(union)
    Union.objects.bulk_create(unions, batch_size=DB_BATCH)
    _copy_history(Union, [u.pk for u in unions])
    for plan in new:
        plan.unit.union = plan.union
    Unit.objects.bulk_create([p.unit for p in new], batch_size=DB_BATCH)
    _copy_history(Unit, [p.unit.pk for p in new])
    steps = []
    for plan in new:
        for step in plan.steps:
            step.unit = plan.unit
            if step.status == FoundingStatus.FOUNDED:
                step.union = plan.union
            steps.append(step)
    FoundingStep.objects.bulk_create(steps, batch_size=DB_BATCH)
    counts.units, counts.unions, counts.founding_steps = len(new), len(unions), len(steps)
    counts.by_status.update(p.unit.founding_status for p in new)
    # Units as stored (those of an earlier run included), for employing the workers.
    by_code = {}
    for batch in _batches([p.unit.credit_code for p in plans], 5000):
        for unit in Unit.objects.filter(credit_code__in=batch).select_related(
                "union", "covering_union", "street", "community"):
            by_code[unit.credit_code] = unit
    return [by_code[p.unit.credit_code] for p in plans if p.unit.credit_code in by_code]


# ---------------------------------------------------------------------------
# Workers and members
# ---------------------------------------------------------------------------
def _seed_workers(rng, count, units, world, as_of, counts, log, started):
    employers = _Weighted({unit: max(1, unit.employee_count) for unit in units}) if units \
        else None
    informal = {unit.pk for unit in units if rng.random() < INFORMAL_UNIT_SHARE}
    streets = _Weighted(world.street_weights)
    groups = {sector: _Weighted(w) for sector, w in _GROUPS_BY_SECTOR.items()}
    groups_default, groups_scattered = _Weighted(_GROUPS_DEFAULT), _Weighted(_GROUPS_SCATTERED)
    ids, cards = set(), set()
    routes = {}
    community_unions = community_unions_of(
        [c.pk for communities in world.communities.values() for c in communities])

    def route(employer, community_id):
        # route_union depends only on the employer and the worker's community.
        key = (employer.pk if employer else None, community_id)
        if key not in routes:
            routes[key] = route_union(Worker(employer=employer, community_id=community_id),
                                      community_unions=community_unions)
        return routes[key]

    def written(added):
        counts.workers += added[0]
        counts.members += added[1]
        counts.spans += added[2]

    # On PostgreSQL, outside a transaction, writer threads insert while the next chunk is
    # drawn: Python plans while PostgreSQL writes (SPEC §10: a million workers in minutes).
    writers = (ThreadPoolExecutor(max_workers=WRITERS)
               if count >= PARALLEL_FROM and connection.vendor == "postgresql"
               and not connection.in_atomic_block else None)
    pending = deque()
    done = 0
    try:
        while done < count:
            size = min(WORKER_CHUNK, count - done)
            plans = [_plan_worker(rng, world, as_of, employers, informal, streets, groups,
                                  groups_default, groups_scattered, ids, cards, route)
                     for _ in range(size)]
            new = _number_new(plans)
            if writers is None:
                written(_write_workers(new))
            else:
                pending.append(writers.submit(_write_workers_in_thread, new))
                while len(pending) > WRITERS:
                    written(pending.popleft().result())
            done += size
            log(f"workers: {done:,} of {count:,} drawn, {counts.workers:,} written, "
                f"{counts.members:,} members ({time.monotonic() - started:.1f} s)")
        while pending:
            written(pending.popleft().result())
    finally:
        if writers is not None:
            writers.shutdown(wait=True, cancel_futures=True)


@dataclass
class _WorkerPlan:
    worker: Worker
    member: Member | None = None


def _plan_worker(rng, world, as_of, employers, informal, streets, groups, groups_default,
                 groups_scattered, ids, cards, route):
    scattered = employers is None or rng.random() < SCATTERED_SHARE
    out_of_town = rng.random() < OUT_OF_TOWN_SHARE
    region = rng.choice(_OUT_OF_TOWN_REGIONS if out_of_town else _TIANJIN_REGIONS)
    rural = rng.random() < (RURAL_SHARE_OUT_OF_TOWN if out_of_town else RURAL_SHARE_LOCAL)
    birth = _day_between(rng, date(1966, 1, 1), date(2002, 12, 31))
    id_number = fakes.resident_id(rng, region=region, birth_date=birth)
    while id_number in ids:
        id_number = fakes.resident_id(rng, region=region, birth_date=birth)
    ids.add(id_number)
    phone = fakes.phone(rng) if rng.random() < 0.92 else None
    identified_on = _day_between(rng, DRIVE_START, as_of)
    left_on = (_day_between(rng, identified_on, as_of) if rng.random() < LEFT_SHARE
               else None)
    if scattered:
        employer = None
        street = streets.draw(rng)
        community = rng.choice(world.communities[street.pk])
        form = EmploymentForm.SCATTERED
        group = groups_scattered.draw(rng)
        whole_unit_informal = False
    else:
        employer = employers.draw(rng)
        street = employer.street
        communities = world.communities[street.pk]
        community = employer.community or (rng.choice(communities) if rng.random() < 0.6
                                           else None)
        whole_unit_informal = employer.pk in informal
        if whole_unit_informal:
            form = rng.choice([EmploymentForm.DISPATCH, EmploymentForm.OUTSOURCE])
        else:
            r = rng.random()
            form = (EmploymentForm.CONTRACT if r < 0.75 else EmploymentForm.DISPATCH
                    if r < 0.88 else EmploymentForm.OUTSOURCE)
        group = groups.get(employer.sector, groups_default).draw(rng)
    worker = Worker(
        name=_person_name(rng), id_number=id_number, id_hmac=pii_hmac("id", id_number),
        birth_date=birth, sex="M" if int(id_number[16]) % 2 else "F",
        hukou_province=region[:2], phone=phone,
        phone_hmac=pii_hmac("phone", phone) if phone else None,
        hukou_type=HukouType.RURAL if rural else HukouType.NON_RURAL,
        employment_form=form, occupation_group=group,
        employer_id=employer.pk if employer else None, street_id=street.pk,
        community_id=community.pk if community else None,
        whole_unit_informal=whole_unit_informal,
        identified_on=identified_on, left_on=left_on,
        source=rng.choice([Source.SURVEY, Source.SURVEY, Source.IMPORT, Source.STAFF]),
    )
    plan = _WorkerPlan(worker)
    # The membership is drawn from a generator of its own, seeded from the main one by
    # one draw whatever happens below: the main draws (so the next workers) then do not
    # depend on the routing, which changes when a unit founds its union; a rerun draws
    # the same workers and adds nothing.
    rng = random.Random(rng.getrandbits(64))
    draw = rng.random()
    if left_on is not None or (employer and employer.kind == UnitKind.OTHER):
        return plan
    union = route(employer, worker.community_id)
    if union is None:
        return plan
    absorbed = employer is not None and union.form == UnionForm.COMMUNITY
    if draw >= (ABSORBED_MEMBER_SHARE if absorbed else MEMBER_SHARE_OF_ROUTABLE):
        return plan
    sixteen = date(birth.year + 16, birth.month, min(birth.day, 28))
    first = max(identified_on, union.founded_on or identified_on, sixteen)
    if first > as_of:
        return plan
    joined_on = _day_between(rng, first, min(as_of, first + timedelta(days=365)))
    card = None
    if rng.random() < CARD_SHARE:
        card = fakes.card_number(rng)
        while card in cards:
            card = fakes.card_number(rng)
        cards.add(card)
    member = Member(union_id=union.pk, joined_on=joined_on, card_number=card,
                    card_hmac=pii_hmac("card", card) if card else None,
                    source=rng.choice([Source.STAFF, Source.STAFF, Source.IMPORT,
                                       Source.APPLICATION]))
    if rng.random() < ENDED_SHARE:
        member.status, member.union_id = MemberStatus.ENDED, None
        member.ended_on = _day_between(rng, joined_on, as_of)
        member.end_reason = rng.choice([EndReason.LEFT_JOB, EndReason.LEFT_JOB,
                                        EndReason.WITHDREW, EndReason.OTHER])
    member._route = union.pk
    plan.member = member
    return plan


def _number_new(plans):
    """The plans whose worker is not registered yet, their members numbered by year in
    order of joining (HD2026000123). Runs in the main thread, chunk after chunk, so the
    numbers follow the seed whatever the writers do."""
    existing = set()
    for batch in _batches([p.worker.id_hmac for p in plans], 5000):
        existing.update(Worker.objects.filter(id_hmac__in=batch).values_list(
            "id_hmac", flat=True))
    new = [p for p in plans if p.worker.id_hmac not in existing]
    members = sorted((p.member for p in new if p.member is not None),
                     key=lambda m: m.joined_on)
    by_year = defaultdict(list)
    for member in members:
        by_year[member.joined_on.year].append(member)
    with transaction.atomic():
        for year, of_year in sorted(by_year.items()):
            for member, number in zip(of_year, member_numbers_reserve(year=year,
                                                                       count=len(of_year))):
                member.member_number = number
    return new


def _write_workers(new):
    """Insert the workers, their members and union spans, with history; one transaction.
    Returns (workers, members, spans) added."""
    with transaction.atomic():
        Worker.objects.bulk_create([p.worker for p in new], batch_size=DB_BATCH)
        _copy_history(Worker, [p.worker.pk for p in new])
        members = []
        for plan in new:
            if plan.member is not None:
                plan.member.worker_id = plan.worker.pk
                members.append(plan.member)
        Member.objects.bulk_create(members, batch_size=DB_BATCH)
        _copy_history(Member, [m.pk for m in members])
        spans = []
        for member in members:
            if member.status == MemberStatus.ACTIVE:
                spans.append(UnionSpan(member_id=member.pk, union_id=member._route,
                                       started_on=member.joined_on))
            else:
                spans.append(UnionSpan(member_id=member.pk, union_id=member._route,
                                       started_on=member.joined_on, ended_on=member.ended_on,
                                       closed_by=UnionSpan.Closed.ENDED))
        UnionSpan.objects.bulk_create(spans, batch_size=DB_BATCH)
    return len(new), len(members), len(spans)


def _write_workers_in_thread(new):
    try:
        return _write_workers(new)
    finally:
        connection.close()  # the writer thread's own connection


# ---------------------------------------------------------------------------
# History rows in bulk
# ---------------------------------------------------------------------------
def _copy_history(model, pks):
    """Write the "created" history rows of freshly inserted rows in SQL: the same as
    bulk_create_with_history, without building and encrypting every row a second time
    in Python (the ciphertexts are copied as they are)."""
    if not pks:
        return
    history = model.history.model
    own = {"history_id", "history_date", "history_change_reason", "history_type",
           "history_user_id"}
    tracked = [f for f in history._meta.concrete_fields if f.attname not in own]
    target = [f.column for f in tracked]
    source = [model._meta.get_field(f.name).column for f in tracked]
    qn = connection.ops.quote_name
    now = timezone.now()
    for batch in _batches(pks, 5000):
        placeholders = ", ".join(["%s"] * len(batch))
        sql = (
            f"INSERT INTO {qn(history._meta.db_table)} "
            f"({', '.join(qn(c) for c in target)}, {qn('history_date')}, "
            f"{qn('history_change_reason')}, {qn('history_type')}, {qn('history_user_id')}) "
            f"SELECT {', '.join(qn(c) for c in source)}, %s, %s, '+', NULL "
            f"FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} "
            f"IN ({placeholders})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, "seed_demo", *batch])


def _batches(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]
