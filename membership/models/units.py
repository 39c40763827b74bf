"""Units 两新组织 (SPEC §3): enterprises and social organisations, and their founding."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Role
from accounts.scoping import NOTHING, ScopedQuerySet
from membership.models.organisations import Community, Department, Sector, Street, Union


class UnitKind(models.TextChoices):
    NON_PUBLIC_ENTERPRISE = "non_public_enterprise", _("Non-public enterprise")
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")
    OTHER = "other", _("Other")


class FoundingStatus(models.TextChoices):
    NONE = "none", _("No union yet")
    PREPARING = "preparing", _("Preparing")
    FOUNDED = "founded", _("Founded")
    COVERED = "covered", _("Covered by a joint union")


class Source(models.TextChoices):
    SURVEY = "survey", _("Survey")
    DEPARTMENT = "department", _("Department data")
    IMPORT = "import", _("Excel import")
    STAFF = "staff", _("Entered by staff")
    APPLICATION = "application", _("Online application")


# Unit flags a department's coverage may name (plan §二.3); field name per flag value.
UNIT_FLAG_FIELDS = {
    "key_enterprise": "is_key_enterprise",
    "shuangwan": "is_shuangwan",
    "chamber_member": "is_chamber_member",
}


def department_unit_q(department_id):
    """The units a department assists, from its coverage rows (never typed per unit)."""
    from membership.models.organisations import DepartmentCoverage

    q = NOTHING
    for criterion, value in DepartmentCoverage.objects.filter(
        department_id=department_id
    ).values_list("criterion", "value"):
        if criterion == DepartmentCoverage.Criterion.SECTOR:
            q |= Q(sector=value)
        elif criterion == DepartmentCoverage.Criterion.FLAG:
            q |= Q(**{UNIT_FLAG_FIELDS[value]: True})
        elif criterion == DepartmentCoverage.Criterion.UNIT_KIND:
            q |= Q(kind=value)
    return q


def industry_unit_q(federation_id):
    """Units of an industry federation's own sector (SPEC §1)."""
    from membership.models.organisations import IndustryFederation

    sector = IndustryFederation.objects.filter(pk=federation_id).values_list(
        "sector", flat=True).first()
    return Q(sector=sector) if sector else NOTHING


class UnitQuerySet(ScopedQuerySet):
    scope_paths = {
        Role.STREET: "street",
        Role.COMMUNITY: "community",
        Role.INDUSTRY: industry_unit_q,
        Role.LIAISON: department_unit_q,
    }
    writer_roles = frozenset({Role.ADMIN, Role.STREET, Role.INDUSTRY})

    def hundred_plus(self):
        """百人以上: 100 or more employees; 以上 includes the bound (SPEC §3)."""
        return self.filter(employee_count__gte=100)

    def in_founding_rate(self, day):
        """The units the 100+ founding rate counts on `day` (SPEC §7.1): non-public
        enterprises with 100 or more employees registered by then (an unknown registration
        date counts); membership.selectors.founding_rate_standing says why a unit is not."""
        return self.hundred_plus().filter(kind=UnitKind.NON_PUBLIC_ENTERPRISE).filter(
            Q(registered_on__isnull=True) | Q(registered_on__lte=day))


class Unit(models.Model):
    name = models.CharField(_("unit name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    kind = models.CharField(_("unit kind"), max_length=24, choices=UnitKind.choices)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    street = models.ForeignKey(Street, verbose_name=_("street"), on_delete=models.PROTECT,
                               related_name="units")
    community = models.ForeignKey(Community, verbose_name=_("community"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="units")
    employee_count = models.PositiveIntegerField(_("employees"), default=0)
    migrant_count = models.PositiveIntegerField(_("migrant workers"), default=0)
    is_key_enterprise = models.BooleanField(_("key enterprise"), default=False)
    is_shuangwan = models.BooleanField(_("双万双服 enterprise"), default=False)
    is_chamber_member = models.BooleanField(_("chamber of commerce member"), default=False)
    paid_preparation_fund = models.BooleanField(_("paid the union preparation fund"),
                                                default=False)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices,
                              default=Source.STAFF)
    # The founding state as of today, kept in step with the latest FoundingStep by the
    # services; reports as of a past date read the steps themselves.
    founding_status = models.CharField(_("founding status"), max_length=16,
                                       choices=FoundingStatus.choices,
                                       default=FoundingStatus.NONE)
    union = models.ForeignKey(Union, verbose_name=_("own union"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="own_units")
    covering_union = models.ForeignKey(Union, verbose_name=_("covering union"), null=True,
                                       blank=True, on_delete=models.PROTECT,
                                       related_name="covered_units")
    history = HistoricalRecords()

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["street__position", "name"]
        indexes = [
            models.Index(fields=["street", "founding_status"]),
            models.Index(fields=["sector"]),
            models.Index(fields=["employee_count"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(migrant_count__lte=models.F("employee_count")),
                name="unit_migrants_within_employees",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_hundred_plus(self):
        return self.employee_count >= 100

    def assisting_departments(self):
        """Derived from the departments' coverage (plan §二.3), never typed in."""
        return [d for d in Department.objects.prefetch_related("coverages")
                if any(self._matches(c) for c in d.coverages.all())]

    def _matches(self, coverage):
        if coverage.criterion == "sector":
            return self.sector == coverage.value
        if coverage.criterion == "flag":
            return getattr(self, UNIT_FLAG_FIELDS[coverage.value])
        return self.kind == coverage.value


class FoundingStep(models.Model):
    """One dated step of a unit's founding: 未建会 → 筹建中 → 已建会, or 覆盖 (SPEC §3)."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE,
                             related_name="founding_steps")
    status = models.CharField(_("founding status"), max_length=16,
                              choices=FoundingStatus.choices)
    on = models.DateField(_("date"))
    union = models.ForeignKey(Union, verbose_name=_("union"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="founding_steps")
    chair = models.CharField(_("chair"), max_length=64, blank=True)
    members_at_founding = models.PositiveIntegerField(_("members at founding"), null=True,
                                                      blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey("accounts.User", verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("founding step")
        verbose_name_plural = _("founding steps")
        ordering = ["unit", "on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["founded", "covered"], union__isnull=False)
                | Q(status__in=["none", "preparing"]),
                name="founding_step_names_its_union",
            ),
        ]


class ProgressNoteQuerySet(ScopedQuerySet):
    scope_paths = {
        Role.STREET: "unit__street",
        Role.COMMUNITY: "unit__community",
        Role.INDUSTRY: lambda federation_id: _prefixed(industry_unit_q(federation_id)),
        Role.LIAISON: lambda department_id: _prefixed(department_unit_q(department_id)),
    }
    writer_roles = frozenset({Role.ADMIN, Role.STREET, Role.INDUSTRY, Role.LIAISON})


def _prefixed(q, prefix="unit"):
    """The same condition seen from a model one foreign key away."""
    children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (f"{prefix}__{child[0]}", child[1])
        for child in q.children
    ]
    clone = Q()
    clone.children, clone.connector, clone.negated = children, q.connector, q.negated
    return clone


class ProgressNote(models.Model):
    """A note on a unit's founding progress; department liaisons may add them (SPEC §1)."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE,
                             related_name="progress_notes")
    text = models.TextField(_("note"), max_length=2000)
    author = models.ForeignKey("accounts.User", verbose_name=_("author"),
                               on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = ProgressNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["-created_at"]
