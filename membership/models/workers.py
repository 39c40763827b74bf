"""Workers (SPEC §4): the people the drive reaches, members or not yet."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Role
from accounts.scoping import ScopedQuerySet
from membership.models.organisations import Community, Street
from membership.models.units import Source, Unit, industry_unit_q
from membership.pii import EncryptedPIIField

TIANJIN_PROVINCE_CODE = "12"


class HukouType(models.TextChoices):
    RURAL = "rural", _("Rural (农业)")
    NON_RURAL = "non_rural", _("Non-rural (非农业)")


class EmploymentForm(models.TextChoices):
    CONTRACT = "contract", _("Labour contract")
    DISPATCH = "dispatch", _("Labour dispatch")
    OUTSOURCE = "outsource", _("Labour outsourcing")
    SCATTERED = "scattered", _("Scattered employment")


class OccupationGroup(models.TextChoices):
    """The eight groups of plan §二.5(2), and everyone else."""

    TRUCK_DRIVER = "truck_driver", _("Truck driver")
    COURIER = "courier", _("Courier")
    CARER = "carer", _("Carer")
    DOMESTIC = "domestic", _("Domestic worker")
    MALL_INFO = "mall_info", _("Shopping-mall information worker")
    FOOD_DELIVERY = "food_delivery", _("Food-delivery rider")
    ESTATE_AGENT = "estate_agent", _("Estate agent")
    SECURITY = "security", _("Security guard")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


def _worker_industry_q(federation_id):
    q = industry_unit_q(federation_id)
    return Q(employer__sector=q.children[0][1]) if q.children else q


class WorkerQuerySet(ScopedQuerySet):
    scope_paths = {
        Role.STREET: "street",
        Role.COMMUNITY: "community",
        Role.INDUSTRY: _worker_industry_q,
    }
    writer_roles = frozenset({Role.ADMIN, Role.STREET, Role.COMMUNITY, Role.INDUSTRY})

    def in_registry_on(self, day):
        """Identified on or before `day` and not left by it (SPEC §7.1)."""
        return self.filter(identified_on__lte=day).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=day))


class Worker(models.Model):
    name = models.CharField(_("name"), max_length=50)
    id_number = EncryptedPIIField(_("ID number"), max_length=18)
    id_hmac = models.CharField(max_length=64, unique=True, editable=False)
    # Derived from the ID and stored apart for reports (SPEC §8).
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    hukou_province = models.CharField(_("hukou province code"), max_length=2)
    phone = EncryptedPIIField(_("mobile phone"), max_length=11, blank=True, null=True)
    phone_hmac = models.CharField(max_length=64, null=True, blank=True, editable=False,
                                  db_index=True)
    hukou_type = models.CharField(_("hukou type"), max_length=16, choices=HukouType.choices)
    employment_form = models.CharField(_("employment form"), max_length=16,
                                       choices=EmploymentForm.choices)
    occupation_group = models.CharField(_("occupation group"), max_length=16,
                                        choices=OccupationGroup.choices,
                                        default=OccupationGroup.OTHER)
    employer = models.ForeignKey(Unit, verbose_name=_("employer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="workers")
    street = models.ForeignKey(Street, verbose_name=_("street"), on_delete=models.PROTECT,
                               related_name="workers")
    community = models.ForeignKey(Community, verbose_name=_("community"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="workers")
    whole_unit_informal = models.BooleanField(_("whole-unit informal employee"), default=False)
    identified_on = models.DateField(_("identified on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices,
                              default=Source.STAFF)
    # 农民工: rural hukou; 外来务工人员: hukou outside Tianjin (SPEC §4). Derived, never typed.
    is_migrant = models.GeneratedField(
        expression=Q(hukou_type=HukouType.RURAL), output_field=models.BooleanField(),
        db_persist=True, verbose_name=_("migrant worker"),
    )
    is_out_of_town = models.GeneratedField(
        expression=~Q(hukou_province=TIANJIN_PROVINCE_CODE), output_field=models.BooleanField(),
        db_persist=True, verbose_name=_("out-of-town worker"),
    )
    history = HistoricalRecords(excluded_fields=["is_migrant", "is_out_of_town"])

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["street", "is_migrant"]),
            models.Index(fields=["community"]),
            models.Index(fields=["name"]),
            models.Index(fields=["occupation_group"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("identified_on")),
                name="worker_leaves_after_identified",
            ),
        ]

    def __str__(self):
        return self.name
