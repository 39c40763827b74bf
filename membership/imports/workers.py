"""The worker roster 职工花名册 (SPEC §4, §7.4): workers upserted by the keyed hash of
their ID number, and members enrolled when 是否会员 is 是.

Rules come from the services, not from here: `prepare_worker` (ID, phone, province,
employer or scattered, community), `place_worker` (the employer's street wins),
`check_worker_scope`, `eligibility_errors` (age 16 on the join date, employer kind,
join date, not before the union's founding), `route_union` (where a new member goes: the
employer's union, else the community union, plan §二.5(2)) and `clean_card_number` (Luhn).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Role
from membership.identifiers import clean_card_number, clean_credit_code
from membership.imports.columns import WORKER_COLUMNS
from membership.imports.engine import RosterImporter
from membership.models import (
    ImportKind,
    Member,
    MemberStatus,
    OccupationGroup,
    Source,
    Union,
    UnionSpan,
    Unit,
    Worker,
)
from membership.pii import pii_hmac
from membership.services.members import (
    community_unions_of,
    eligibility_errors,
    member_numbers_reserve,
    route_union,
)
from membership.services.workers import check_worker_scope, place_worker, prepare_worker

# Fields compared with the registry; a row that changes none of them writes nothing.
COMPARED = ("name", "phone_hmac", "hukou_type", "hukou_province", "employment_form",
            "occupation_group", "employer_id", "street_id", "community_id",
            "whole_unit_informal", "identified_on")


class WorkerImporter(RosterImporter):
    kind = ImportKind.WORKERS
    columns = WORKER_COLUMNS
    model = Worker
    key_column = "id_number"
    field_columns = {
        "name": "姓名", "id_number": "身份证号", "phone": "手机号",
        "hukou_type": "户籍类型", "hukou_province": "户籍所在省份",
        "employment_form": "就业形式", "occupation_group": "职业群体",
        "employer": "工作单位统一社会信用代码", "street": "所属街道", "community": "所属社区",
        "whole_unit_informal": "整建制非正式员工", "identified_on": "摸底日期",
        "left_on": "摸底日期", "joined_on": "入会日期", "worker": "是否会员",
        "union": "是否会员", "card_number": "会员服务卡号",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.units = {}  # credit code → Unit (with its unions), loaded as chunks need them
        self._codes = {}  # employer codes as typed → the clean code
        self._community_unions = {}  # community id → its community union, or None
        self._union_in_scope = {}
        self._name_field = Worker._meta.get_field("name")

    def _start_pass(self):
        super()._start_pass()
        self._seen_cards = {}

    # -- checks ------------------------------------------------------------------------

    def check_chunk(self, rows):
        for row in rows:
            self._keys(row)
        self._load_units({row.extra["employer_code"] for row in rows
                          if row.extra.get("employer_code")})
        existing = {w.id_hmac: w for w in Worker.objects.filter(
            id_hmac__in=[row.key for row in rows if row.key]).select_related("employer")}
        active = set(Member.objects.filter(
            worker__in=[w.pk for w in existing.values()], status=MemberStatus.ACTIVE,
        ).values_list("worker_id", flat=True)) if existing else set()
        cards = [row.extra["card_hmac"] for row in rows if row.extra.get("card_hmac")]
        bound = set(Member.objects.filter(card_hmac__in=cards).values_list(
            "card_hmac", flat=True)) if cards else set()
        for row in rows:
            row.existing = existing.get(row.key)
            self._check(row)
        self._load_community_unions([row.record for row in rows if row.record is not None])
        for row in rows:
            if not row.bad and not self._errors.get(row.number):
                self._check_member(row, active=active, bound=bound)

    def _keys(self, row):
        """The keys a chunk looks up at once: ID hash, employer's code, card hash."""
        data = row.data
        if data["id_number"]:
            # The stored form of a valid number (what clean_resident_id returns); an
            # invalid one is reported by prepare_worker.
            number = data["id_number"].upper()
            if len(number) == 18 and number[:17].isdigit():
                row.key = pii_hmac("id", number)
        if data["employer"]:
            code = self._codes.get(data["employer"])
            if code is None:
                try:
                    code = self._codes[data["employer"]] = clean_credit_code(data["employer"])
                except ValidationError as error:
                    self.error(row, "employer", error.messages[0])
            if code:
                row.extra["employer_code"] = code
        if data["card_number"]:
            try:
                card = clean_card_number(data["card_number"])
            except ValidationError as error:
                self.error(row, "card_number", error.messages[0])
            else:
                row.extra["card"], row.extra["card_hmac"] = card, pii_hmac("card", card)

    def _load_units(self, codes):
        missing = [code for code in codes if code not in self.units]
        if missing:
            self.units.update(dict.fromkeys(missing))  # None: not in the registry
            for unit in Unit.objects.filter(credit_code__in=missing).select_related(
                    "union", "covering_union"):
                # place_worker reads the unit's street and community: from the caches.
                unit.street = self.streets_by_id[unit.street_id]
                unit.community = self.communities_by_id.get(unit.community_id)
                self.units[unit.credit_code] = unit

    def _load_community_unions(self, workers):
        """The community unions a chunk's new members may be routed to, in one query."""
        wanted = {pk for w in workers for pk in (
            w.community_id, w.employer.community_id if w.employer is not None else None)}
        missing = [pk for pk in wanted if pk and pk not in self._community_unions]
        if missing:
            self._community_unions.update(dict.fromkeys(missing))
            loaded = community_unions_of(missing)
            self._community_unions.update(loaded)
            pks = [union.pk for union in loaded.values()]
            in_scope = set(Union.objects.for_user(self.by).filter(pk__in=pks).values_list(
                "pk", flat=True)) if pks else set()
            self._union_in_scope.update({pk: pk in in_scope for pk in pks})

    def _check(self, row):
        data, old = row.data, row.existing
        if old is None:
            self.required(row, ("hukou_type", "employment_form"))
        employer = None
        code = row.extra.get("employer_code")
        if code:
            employer = self.units.get(code)
            if employer is None:
                self.error(row, "employer", _("No unit with this credit code is in the "
                                              "registry; import the unit list first."))
        street = self.street_named(row)
        if street is None and data["street"] is None:
            street = (self.streets_by_id[old.street_id] if old else self.own_street())
        target = self.streets_by_id[employer.street_id] if employer else street
        community = self.community_named(row, target)
        if data["community"] is None and target is not None:
            community = self._default_community(old, target, employer)
        placement = place_worker(employer=employer, street=street, community=community)
        if placement.street is None:
            if not code:
                self.error(row, "street", _("Enter the street."))
            return

        def keep(key, default=None):
            value = data[key]
            if value is not None:
                return value
            return getattr(old, key) if old is not None else default

        worker = Worker(
            name=data["name"] or (old.name if old else ""),
            id_number=data["id_number"], phone=keep("phone"),
            hukou_type=keep("hukou_type", ""), hukou_province=keep("hukou_province", ""),
            employment_form=keep("employment_form", ""),
            occupation_group=keep("occupation_group", OccupationGroup.OTHER),
            employer=employer, street=placement.street, community=placement.community,
            whole_unit_informal=keep("whole_unit_informal", False),
            identified_on=keep("identified_on", self.today),
            left_on=old.left_on if old else None,
            source=old.source if old else Source.IMPORT,
        )
        self.text_length(row, "name", self._name_field)
        self.not_in_future(row, "identified_on")
        try:
            prepare_worker(worker, today=self.today)
        except ValidationError as error:
            self.service_errors(row, error, columns=self._place_columns(employer))
            return
        columns = self._place_columns(employer)
        try:
            if old is not None:
                check_worker_scope(by=self.by, worker=old)
            check_worker_scope(by=self.by, worker=worker)
        except ValidationError as error:
            self.service_errors(row, error, columns=columns)
            return
        if worker.id_hmac != row.key:  # never for a valid number; look it up alone then
            row.key = worker.id_hmac
            old = row.existing = Worker.objects.filter(id_hmac=row.key).first()
            if old is not None:
                self.error(row, "id_number", _("This worker is already registered; check the "
                                               "ID number and import the row again."))
                return
        if self.duplicate(row, row.key, _("The same ID number is also in row %(row)d; keep "
                                          "one row per person.")):
            return
        row.record = worker
        if old is not None:
            row.changed = tuple(f for f in COMPARED if getattr(worker, f) != getattr(old, f))

    def _place_columns(self, employer):
        # With an employer the street is the employer's: a street error is about the unit.
        return {"street": "工作单位统一社会信用代码"} if employer is not None else {}

    def _default_community(self, old, street, employer):
        """A blank 所属社区: the community on record if it lies in the street, else the
        community user's own, else the employer's (place_worker)."""
        if old is not None and old.community_id:
            community = self.communities_by_id.get(old.community_id)
            if community is not None and community.street_id == street.pk:
                return community
        if self.by.role == Role.COMMUNITY and employer is None:
            community = self.communities_by_id.get(self.by.community_id)
            if community is not None and community.street_id == street.pk:
                return community
        return None

    def _check_member(self, row, *, active, bound):
        data, worker = row.data, row.record
        wants = data["is_member"]
        if wants is None and (data["joined_on"] or data["card_number"]):
            wants = True  # a join date or a card says so
        if not wants:
            if wants is False and data["joined_on"]:
                self.error(row, "is_member", _("是否会员 is 否 but a join date is given."))
            return
        if row.existing is not None and row.existing.pk in active:
            return  # an active member already: left as they are
        joined_on = data["joined_on"]
        if joined_on is None:
            self.error(row, "joined_on", _("Enter the join date of a member."))
            return
        union = route_union(worker, community_unions=self._community_unions)
        problems = eligibility_errors(worker=worker, union=union, joined_on=joined_on)
        if problems:
            self.service_errors(row, ValidationError(problems))
            return
        if union is None:
            self._no_route(row, worker)
            return
        if not self._union_may_enroll(union):
            self.error(row, "is_member", _("This union is not in your scope."))
            return
        card_hmac = row.extra.get("card_hmac")
        if card_hmac:
            if card_hmac in bound:
                self.error(row, "card_number", _("This card is already bound to another "
                                                 "member."))
                return
            first = self._seen_cards.setdefault(card_hmac, row.number)
            if first != row.number:
                message = _("The same card number is also in row %(row)d.")
                self.error(first, "card_number", message % {"row": row.number})
                self.error(row, "card_number", message % {"row": first})
                return
        row.extra["member"] = (joined_on, union)

    def _no_route(self, row, worker):
        """No union to route to (SPEC §4): say which column to fill."""
        community_id = worker.community_id or (worker.employer.community_id
                                               if worker.employer is not None else None)
        if community_id is None:
            self.error(row, "community", _(
                "Fill in 所属社区: the employer has no union of its own or covering it, and "
                "without a community there is no community union to take the member.")
                if worker.employer is not None else _(
                "Fill in 所属社区: a scattered worker joins the community union of the "
                "community."))
        else:
            self.error(row, "community", _(
                "%(community)s has no community union yet: create it first, or enroll the "
                "worker on the worker's page.") % {
                "community": self.communities_by_id[community_id].name})

    def _union_may_enroll(self, union):
        if union.pk not in self._union_in_scope:
            self._union_in_scope[union.pk] = Union.objects.for_user(self.by).filter(
                pk=union.pk).exists()
        return self._union_in_scope[union.pk]

    def makes_member(self, row):
        return "member" in row.extra

    # -- writes ------------------------------------------------------------------------

    def write_chunk(self, rows):
        new = [row.record for row in rows if row.existing is None]
        if new:
            bulk_create_with_history(new, Worker, batch_size=self.chunk_size,
                                     default_user=self.history_user)
        changed = [row for row in rows if row.existing is not None and row.changed]
        if changed:
            fields = set()
            for row in changed:
                for attname in row.changed:
                    setattr(row.existing, attname, getattr(row.record, attname))
                    fields.add(attname.removesuffix("_id"))
                if "phone_hmac" in row.changed:
                    row.existing.phone = row.record.phone
                    fields.add("phone")
            bulk_update_with_history([row.existing for row in changed], Worker,
                                     sorted(fields), batch_size=self.chunk_size,
                                     default_user=self.history_user)
        self._write_members([row for row in rows if "member" in row.extra])

    def _write_members(self, rows):
        if not rows:
            return
        by_year = {}
        for row in rows:
            by_year.setdefault(row.extra["member"][0].year, []).append(row)
        members = []
        for year, year_rows in sorted(by_year.items()):
            numbers = member_numbers_reserve(year=year, count=len(year_rows))
            for row, number in zip(year_rows, numbers):
                joined_on, union = row.extra["member"]
                members.append(Member(
                    worker=row.existing or row.record, member_number=number, union=union,
                    joined_on=joined_on, card_number=row.extra.get("card"),
                    card_hmac=row.extra.get("card_hmac"), source=Source.IMPORT,
                ))
        bulk_create_with_history(members, Member, batch_size=self.chunk_size,
                                 default_user=self.history_user)
        UnionSpan.objects.bulk_create(
            [UnionSpan(member=m, union=m.union, started_on=m.joined_on) for m in members],
            batch_size=self.chunk_size,
        )
