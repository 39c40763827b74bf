"""The organisation structure of SPEC §2: district, streets, communities, industry
federations, assisting departments and base unions. The district's real structure is
data (membership/data/organisations.json), loaded by a data migration."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Role
from accounts.scoping import ScopedQuerySet

STREET_SUFFIXES = ("街道", "街")


def street_short_name(name):
    """'大王庄街道', '大王庄街' and '大王庄' name one street (SPEC §11)."""
    name = (name or "").strip()
    for suffix in STREET_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class Sector(models.TextChoices):
    """Unit sectors of SPEC §3."""

    EDUCATION = "education", _("Private education")
    MEDICAL = "medical", _("Private medical care")
    PROPERTY = "property", _("Property management")
    CONSTRUCTION = "construction", _("Construction")
    MARKET = "market", _("Markets and commerce")
    LAW = "law", _("Law firms")
    TECHNOLOGY = "technology", _("Technology")
    LOGISTICS = "logistics", _("Express delivery and logistics")
    HOUSEKEEPING = "housekeeping", _("Domestic services")
    OTHER = "other", _("Other")


class District(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("district federation")
        verbose_name_plural = _("district federations")

    def __str__(self):
        return self.name


class StreetQuerySet(ScopedQuerySet):
    scope_paths = {Role.STREET: "pk"}

    def by_name(self, name):
        """Find a street by its name with or without the suffix 街道 / 街."""
        return self.get(short_name=street_short_name(name))


class Street(models.Model):
    """A street federation 街道总工会 and the street it covers."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="streets"
    )
    short_name = models.CharField(_("short name"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64, unique=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = StreetQuerySet.as_manager()

    class Meta:
        verbose_name = _("street federation")
        verbose_name_plural = _("street federations")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name

    @property
    def federation_name(self):
        return f"{self.name}总工会"


class CommunityQuerySet(ScopedQuerySet):
    scope_paths = {Role.STREET: "street", Role.COMMUNITY: "pk"}
    writer_roles = frozenset({Role.ADMIN, Role.STREET})


class Community(models.Model):
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="communities"
    )
    name = models.CharField(_("name"), max_length=64)
    history = HistoricalRecords()

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["street__position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="community_unique_per_street"),
        ]

    def __str__(self):
        return self.name


class DepartmentQuerySet(ScopedQuerySet):
    scope_paths = {Role.LIAISON: "pk"}


class Department(models.Model):
    """A district department that leads an industry or assists the streets (plan §二.2–3)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    duty = models.CharField(_("what it assists"), max_length=255, blank=True)
    history = HistoricalRecords()

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class DepartmentCoverage(models.Model):
    """One criterion that puts a unit under a department's assistance (plan §二.3).

    The unit's assisting department is derived from these rows, never typed in (SPEC §3).
    """

    class Criterion(models.TextChoices):
        SECTOR = "sector", _("sector")
        FLAG = "flag", _("flag")
        UNIT_KIND = "unit_kind", _("unit kind")

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE,
        related_name="coverages",
    )
    criterion = models.CharField(_("criterion"), max_length=16, choices=Criterion.choices)
    value = models.CharField(_("value"), max_length=32)

    class Meta:
        verbose_name = _("department coverage")
        verbose_name_plural = _("department coverages")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "criterion", "value"], name="coverage_unique"
            ),
        ]

    def __str__(self):
        return f"{self.department}: {self.criterion}={self.value}"


class IndustryFederationQuerySet(ScopedQuerySet):
    scope_paths = {Role.INDUSTRY: "pk", Role.LIAISON: "leading_department"}


class IndustryFederation(models.Model):
    """A district industry federation 行业工会联合会 with its leading department (plan §二.2)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices, unique=True)
    leading_department = models.ForeignKey(
        Department, verbose_name=_("leading department"), on_delete=models.PROTECT,
        related_name="led_federations",
    )
    history = HistoricalRecords()

    objects = IndustryFederationQuerySet.as_manager()

    class Meta:
        verbose_name = _("industry federation")
        verbose_name_plural = _("industry federations")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class UnionForm(models.TextChoices):
    """Forms of base union (plan §一.(一)4, §二.1, §二.5(3))."""

    ENTERPRISE = "enterprise", _("Enterprise union")
    JOINT = "joint", _("Joint union")
    BUILDING = "building", _("Building union")
    PARK = "park", _("Park union")
    COMMUNITY = "community", _("Community union")
    SCATTERED = "scattered", _("Scattered-worker union")
    PROJECT = "project", _("Project union")
    SUBCONTRACT = "subcontract", _("Subcontract-team union")
    BRANCH = "branch", _("Branch group")


# Forms whose founding covers the units under them (SPEC §3 覆盖).
COVERING_FORMS = (UnionForm.JOINT, UnionForm.BUILDING, UnionForm.PARK, UnionForm.PROJECT)


class UnionQuerySet(ScopedQuerySet):
    scope_paths = {
        Role.STREET: "street",
        Role.COMMUNITY: "community",
        Role.INDUSTRY: "industry_federation",
        Role.LIAISON: "industry_federation__leading_department",
    }
    writer_roles = frozenset({Role.ADMIN, Role.STREET, Role.INDUSTRY})


class Union(models.Model):
    """A base union 基层工会; members belong to one of these."""

    name = models.CharField(_("name"), max_length=128)
    form = models.CharField(_("form"), max_length=16, choices=UnionForm.choices)
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="unions"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("community"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="unions",
    )
    industry_federation = models.ForeignKey(
        IndustryFederation, verbose_name=_("industry federation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="unions",
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    chair = models.CharField(_("chair"), max_length=64, blank=True)
    history = HistoricalRecords()

    objects = UnionQuerySet.as_manager()

    class Meta:
        verbose_name = _("base union")
        verbose_name_plural = _("base unions")
        ordering = ["street__position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="union_unique_per_street"),
            # A community union belongs to exactly one community.
            models.CheckConstraint(
                condition=~models.Q(form="community") | models.Q(community__isnull=False),
                name="community_union_has_community",
            ),
        ]

    def __str__(self):
        return self.name

    def first_member_before(self, day):
        """The first day a member was in this union, when it is before `day`, else None
        (a union cannot be founded after its members joined it: the join-side rule is
        membership.services.members.founded_after)."""
        if self.pk is None or day is None:
            return None
        return (self.spans.filter(started_on__lt=day).order_by("started_on")
                .values_list("started_on", flat=True).first())

    def founded_after_members(self, first):
        """The refusal of a founding date after `first`, the day a member was first in it."""
        return _("%(union)s has had members since %(date)s: it cannot have been founded "
                 "later.") % {"union": self.name, "date": first.isoformat()}

    def clean(self):
        first = self.first_member_before(self.founded_on)
        if first is not None:
            raise ValidationError({"founded_on": self.founded_after_members(first)})
