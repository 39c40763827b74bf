"""The unit list 单位名录 (SPEC §3, §7.4): units upserted by credit code, and their
founding state moved by a dated step when 建会状态 changes.

Rules come from the services: `validate_unit_fields` (credit code, community of the
street, migrant count), `check_unit_scope` and the founding steps a state allows
(`ALLOWED_STEPS`). A unit marked 已建会 gets its enterprise union (named after the unit,
as the unit page does for a new union); 覆盖 needs the covering union to be chosen on the
unit's page, so the list only confirms a unit already recorded as covered.
"""

from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from membership.identifiers import clean_credit_code
from membership.imports.columns import UNIT_COLUMNS
from membership.imports.engine import RosterImporter
from membership.models import (
    FoundingStatus,
    FoundingStep,
    ImportKind,
    IndustryFederation,
    Source,
    Union,
    UnionForm,
    Unit,
)
from membership.services.units import ALLOWED_STEPS, check_unit_scope, validate_unit_fields

COMPARED = ("name", "kind", "sector", "street_id", "community_id", "employee_count",
            "migrant_count", "is_key_enterprise", "is_shuangwan", "is_chamber_member",
            "paid_preparation_fund", "registered_on")
KEPT = ("kind", "sector", "employee_count", "migrant_count", "is_key_enterprise",
        "is_shuangwan", "is_chamber_member", "paid_preparation_fund", "registered_on")
DEFAULTS = {"employee_count": 0, "migrant_count": 0, "is_key_enterprise": False,
            "is_shuangwan": False, "is_chamber_member": False, "paid_preparation_fund": False}


class UnitImporter(RosterImporter):
    kind = ImportKind.UNITS
    columns = UNIT_COLUMNS
    model = Unit
    key_column = "credit_code"
    field_columns = {
        "name": "单位名称", "credit_code": "统一社会信用代码", "kind": "单位类型",
        "sector": "行业", "street": "所属街道", "community": "所属社区",
        "employee_count": "职工人数", "migrant_count": "农民工人数",
        "is_key_enterprise": "重点企业", "is_shuangwan": "双万双服",
        "is_chamber_member": "工商联会员", "paid_preparation_fund": "缴纳建会筹备金",
        "registered_on": "登记日期", "status": "建会状态", "founding_status": "建会状态",
        "on": "建会日期", "union": "建会状态",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._name_field = Unit._meta.get_field("name")
        self._federations = dict(IndustryFederation.objects.values_list("sector", "pk"))

    def _start_pass(self):
        super()._start_pass()
        # (street id, name) → Union of units founded in this pass; a pass rolled back
        # takes its new unions with it.
        self._unions = {}

    # -- checks ------------------------------------------------------------------------

    def check_chunk(self, rows):
        for row in rows:
            if row.data["credit_code"] is None:
                self.required(row, ("credit_code",))
                continue
            try:
                row.key = clean_credit_code(row.data["credit_code"])
            except ValidationError as error:
                self.error(row, "credit_code", error.messages[0])
        existing = {u.credit_code: u for u in Unit.objects.filter(
            credit_code__in=[row.key for row in rows if row.key])}
        last_steps = dict(FoundingStep.objects.filter(
            unit__in=[u.pk for u in existing.values()]).values("unit").annotate(
            last=Max("on")).values_list("unit", "last")) if existing else {}
        for row in rows:
            row.existing = existing.get(row.key) if row.key else None
            self._check(row, last_steps)
        self._check_union_dates(rows)

    def _check_union_dates(self, rows):
        """A founded unit's existing union without a founding date gets the step's date
        (write_chunk): not a day after the union's first member joined it, as on the unit's
        page (founding_step_add). One query for the chunk."""
        founded = {}
        for row in rows:
            step = row.extra.get("step")
            if row.record is not None and step and step[0] == FoundingStatus.FOUNDED:
                founded[_union_key(row.record)] = row
        if not founded:
            return
        undated = (Union.objects.filter(street_id__in={k[0] for k in founded},
                                        name__in={k[1] for k in founded},
                                        founded_on__isnull=True)
                   .annotate(first=Min("spans__started_on")).filter(first__isnull=False)
                   .only("street_id", "name"))
        for union in undated:
            row = founded.get((union.street_id, union.name))
            if row is not None and union.first < row.extra["step"][1]:
                self.error(row, "founded_on", union.founded_after_members(union.first))

    def _check(self, row, last_steps):
        data, old = row.data, row.existing
        if old is None:
            self.required(row, ("name", "kind", "sector"))
        street = self.street_named(row)
        if street is None and data["street"] is None:
            street = self.streets_by_id[old.street_id] if old else self.own_street()
            if street is None:
                self.error(row, "street", _("Enter the street."))
                return
        if street is None:
            return
        community = self.community_named(row, street)
        if data["community"] is None and old is not None and old.community_id:
            kept = self.communities_by_id.get(old.community_id)
            community = kept if kept and kept.street_id == street.pk else None
        values = {key: data[key] if data[key] is not None
                  else getattr(old, key) if old is not None else DEFAULTS.get(key)
                  for key in KEPT}
        unit = Unit(
            name=data["name"] or (old.name if old else ""),
            credit_code=row.key or data["credit_code"] or "",
            street=street, community=community,
            source=old.source if old else Source.IMPORT,
            founding_status=old.founding_status if old else FoundingStatus.NONE,
            union_id=old.union_id if old else None,
            covering_union_id=old.covering_union_id if old else None,
            **values,
        )
        self.text_length(row, "name", self._name_field)
        self.not_in_future(row, "registered_on")
        try:
            validate_unit_fields(unit)
        except ValidationError as error:
            self.service_errors(row, error)
        if self._errors.get(row.number):
            return
        try:
            if old is not None:
                check_unit_scope(by=self.by, street=self.streets_by_id[old.street_id],
                                 sector=old.sector)
            check_unit_scope(by=self.by, street=street, sector=unit.sector)
        except ValidationError as error:
            self.service_errors(row, error)
            return
        step = self._founding_step(row, unit, last_steps)
        if self._errors.get(row.number):
            return
        if self.duplicate(row, row.key, _("The same unified social credit code is also in "
                                          "row %(row)d; keep one row per unit.")):
            return
        row.record = unit
        row.extra["step"] = step
        changed = tuple(f for f in COMPARED if getattr(unit, f) != getattr(old, f)) \
            if old is not None else ()
        row.changed = changed + (("founding_status",) if step and old is not None else ())

    def _founding_step(self, row, unit, last_steps):
        """The dated step 建会状态 asks for, or None when the state stays as it is."""
        target, on = row.data["founding_status"], row.data["founded_on"]
        current = FoundingStatus(unit.founding_status)
        if target is None or target == current:
            return None
        if target not in ALLOWED_STEPS[current]:
            self.error(row, "founding_status", _("A unit that is “%(current)s” cannot become "
                                                 "“%(new)s”.") % {
                "current": current.label, "new": FoundingStatus(target).label})
            return None
        if target == FoundingStatus.COVERED:
            self.error(row, "founding_status", _("A unit covered by a joint, building, park or "
                                                 "project union is recorded on the unit's "
                                                 "page, where that union is chosen."))
            return None
        if on is None:
            if target == FoundingStatus.FOUNDED:
                self.error(row, "founded_on", _("Enter the founding date of a founded unit."))
                return None
            on = self.today
        self.not_in_future(row, "founded_on")
        last = last_steps.get(row.existing.pk) if row.existing is not None else None
        if last is not None and on < last:
            self.error(row, "founded_on", _("The date cannot be before the previous step "
                                            "(%(date)s).") % {"date": last.isoformat()})
        return (FoundingStatus(target), on)

    # -- writes ------------------------------------------------------------------------

    def write_chunk(self, rows):
        founded = [row for row in rows
                   if row.extra["step"] and row.extra["step"][0] == FoundingStatus.FOUNDED]
        self._unions_for(founded)
        for row in rows:
            step = row.extra["step"]
            if step is None:
                continue
            row.record.founding_status = step[0]
            if step[0] == FoundingStatus.FOUNDED:
                row.record.union = row.extra["union"]
                row.record.covering_union = None
        new = [row.record for row in rows if row.existing is None]
        if new:
            bulk_create_with_history(new, Unit, batch_size=self.chunk_size,
                                     default_user=self.history_user)
        changed = [row for row in rows if row.existing is not None and row.changed]
        if changed:
            fields = set()
            for row in changed:
                names = row.changed
                if "founding_status" in names:
                    names += ("union_id", "covering_union_id")
                for attname in names:
                    setattr(row.existing, attname, getattr(row.record, attname))
                    fields.add(attname.removesuffix("_id"))
            bulk_update_with_history([row.existing for row in changed], Unit, sorted(fields),
                                     batch_size=self.chunk_size,
                                     default_user=self.history_user)
        steps = []
        for row in rows:
            if row.extra["step"]:
                status, on = row.extra["step"]
                steps.append(FoundingStep(
                    unit_id=(row.existing or row.record).pk, status=status, on=on,
                    union=row.extra.get("union"), recorded_by=self.history_user,
                    note=_("Excel import"),
                ))
        FoundingStep.objects.bulk_create(steps, batch_size=self.chunk_size)

    def _unions_for(self, rows):
        """Each founded unit's enterprise union: the one of that name in the street, or a
        new one founded on the step's date (as the unit page makes it)."""
        wanted = {}
        for row in rows:
            wanted[_union_key(row.record)] = row
        missing = [key for key in wanted if key not in self._unions]
        if missing:
            for union in Union.objects.filter(street_id__in={k[0] for k in missing},
                                              name__in={k[1] for k in missing}):
                self._unions.setdefault((union.street_id, union.name), union)
        new, dated = [], []
        for key, row in wanted.items():
            union = self._unions.get(key)
            on = row.extra["step"][1]
            if union is None:
                unit = row.record
                union = Union(name=key[1], form=UnionForm.ENTERPRISE, street_id=unit.street_id,
                              community_id=unit.community_id, founded_on=on,
                              industry_federation_id=self._federations.get(unit.sector))
                self._unions[key] = union
                new.append(union)
            elif union.founded_on is None:
                union.founded_on = on
                dated.append(union)
        if new:
            bulk_create_with_history(new, Union, default_user=self.history_user)
        if dated:
            bulk_update_with_history(dated, Union, ["founded_on"],
                                     default_user=self.history_user)
        for row in rows:
            unit = row.record
            row.extra["union"] = self._unions[_union_key(unit)]


def _union_key(unit):
    """(street id, name) of the enterprise union a founded unit has or gets."""
    return unit.street_id, f"{unit.name}工会"[:128]
