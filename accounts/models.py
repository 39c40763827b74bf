from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """The roles of SPEC §1; each is tied to one kind of organisation."""

    ADMIN = "admin", _("District federation office")
    LEADER = "leader", _("Leadership group")
    STREET = "street", _("Street federation staff")
    COMMUNITY = "community", _("Community union staff")
    INDUSTRY = "industry", _("Industry federation staff")
    LIAISON = "liaison", _("Department liaison")


# The organisation each role is tied to: the one field that must be set, the others empty.
ROLE_ORGANISATION_FIELD = {
    Role.ADMIN: None,
    Role.LEADER: None,
    Role.STREET: "street",
    Role.COMMUNITY: "community",
    Role.INDUSTRY: "industry_federation",
    Role.LIAISON: "department",
}
ORGANISATION_FIELDS = ("street", "community", "industry_federation", "department")
# The change reason of a history row recording a row's state before its first recorded change
# (accounts.services.history_baseline_ensure).
HISTORY_BASELINE = "baseline"


def _role_constraint_q():
    """Exactly the organisation field of the user's role is set."""
    q = Q()
    for role, field in ROLE_ORGANISATION_FIELD.items():
        clause = Q(role=role)
        for name in ORGANISATION_FIELDS:
            clause &= Q(**{f"{name}__isnull": name != field})
        q |= clause
    return q


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes the first district office user.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    street = models.ForeignKey(
        "membership.Street", verbose_name=_("street"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="staff",
    )
    community = models.ForeignKey(
        "membership.Community", verbose_name=_("community"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="staff",
    )
    industry_federation = models.ForeignKey(
        "membership.IndustryFederation", verbose_name=_("industry federation"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="staff",
    )
    department = models.ForeignKey(
        "membership.Department", verbose_name=_("department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="liaisons",
    )
    # Set when the office gives a temporary password; the user changes it at the next
    # login (accounts.middleware, docs/decisions.md).
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # Who changed what (SPEC §8); the password hash and the login time are no history.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_full_pii", _("Can see full ID numbers, phones and card numbers")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_role_constraint_q(), name="user_role_matches_organisation"
            ),
        ]

    def get_full_name(self):
        # Chinese order: family name first, no space.
        return f"{self.last_name}{self.first_name}".strip()

    @property
    def organisation(self):
        """The organisation the user works for, or None for district-wide roles."""
        field = ROLE_ORGANISATION_FIELD.get(self.role)
        return getattr(self, field) if field else None

    @property
    def sees_everything(self):
        return self.role in (Role.ADMIN, Role.LEADER)

    @property
    def can_see_full_pii(self):
        """Full-PII is a permission; the leadership group never gets it (SPEC §1)."""
        return self.role != Role.LEADER and self.has_perm("accounts.view_full_pii")


class AccessLog(models.Model):
    """Who saw a full record or exported data, and when; never the data itself (SPEC §8)."""

    class Action(models.TextChoices):
        VIEW_FULL = "view_full", _("Viewed a full record")
        EXPORT = "export", _("Exported data")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="access_logs"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    target_type = models.CharField(_("record type"), max_length=64)
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} {self.action} {self.target_type} {self.target_id}"


class AuditTrailRewrite(models.Model):
    """Each use of the one privileged path that may change the append-only audit trail
    (accounts.audit): the retention job's move to the archive, and the erasure of a
    person's data (PIPL Art. 47). Append-only itself."""

    class Kind(models.TextChoices):
        ARCHIVE = "archive", _("Moved to the archive")
        ERASE = "erase", _("Personal data erased")
        ROTATE = "rotate", _("Re-encrypted with a new key")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    by = models.ForeignKey(User, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField(_("rows"), default=0)
    description = models.CharField(_("description"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit trail rewrite")
        verbose_name_plural = _("audit trail rewrites")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.rows} {self.created_at:%Y-%m-%d}"


class ApiKey(AbstractAPIKey):
    """A key of an outside system calling the API (the city federation's platform).

    djangorestframework-api-key makes and checks the key `<prefix>.<secret>`: only a
    SHA-512 of the whole key is stored (the key is random, so a fast hash is enough and a
    leaked table gives no usable key), the prefix finds the row, and the key is shown once,
    when it is made. A revoked key stays revoked. The fields below are the package's,
    redefined for the office's labels (and a client name that is unique), plus when the
    key was last used.
    """

    name = models.CharField(_("client"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    created = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    revoked = models.BooleanField(
        _("revoked"), blank=True, default=False,
        help_text=_("A revoked key is refused at once. Revoking cannot be undone: make a "
                    "new key instead."))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(User, verbose_name=_("revoked by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", editable=False)
    # Who made and who revoked each key; the hash is no history (the key is shown once).
    history = HistoricalRecords(excluded_fields=["hashed_key", "last_used_at"])

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
