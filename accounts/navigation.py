"""Per-role navigation. Items for features not built yet point at the "not open yet" page."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

ALL_ROLES = frozenset(Role)
STAFF_ROLES = frozenset({Role.STREET, Role.COMMUNITY, Role.INDUSTRY})


@dataclass(frozen=True)
class Feature:
    slug: str
    label: str
    roles: frozenset
    url_name: str | None = None  # None: not built yet

    @property
    def is_open(self):
        return self.url_name is not None

    def url(self):
        if self.url_name:
            return reverse(self.url_name)
        return reverse("feature_unavailable", args=[self.slug])


FEATURES = (
    Feature("home", _("Home"), ALL_ROLES, "home"),
    Feature("dashboard", _("Dashboard"), frozenset({Role.ADMIN, Role.LEADER, Role.STREET}),
            "dashboard:index"),
    Feature(
        "organisations", _("Organisations"), ALL_ROLES, "membership:union_list"
    ),
    Feature("units", _("Units"), ALL_ROLES, "membership:unit_list"),
    Feature("workers", _("Workers and members"), STAFF_ROLES | {Role.ADMIN, Role.LEADER},
            "membership:worker_list"),
    Feature("imports", _("Excel import"), STAFF_ROLES | {Role.ADMIN}, "membership:import_list"),
    # Street staff review; the office too; the leadership group reads.
    Feature("applications", _("Online applications"),
            frozenset({Role.ADMIN, Role.LEADER, Role.STREET}), "applications:list"),
    # Staff enter skill-reward claims for their members; the office runs the rest.
    Feature("subsidies", _("Subsidies and payments"),
            frozenset({Role.ADMIN, Role.LEADER}) | STAFF_ROLES, "subsidies:index"),
    Feature("reports", _("Ten-day reports and bulletins"), frozenset(
        {Role.ADMIN, Role.LEADER, Role.STREET, Role.INDUSTRY}
    ), "reporting:index"),
    # The office's own pages: users, API keys, the access log (the Django admin is for
    # developers and is not in the menu).
    Feature("office", _("Users and settings"), frozenset({Role.ADMIN}), "office:user_list"),
)
FEATURES_BY_SLUG = {f.slug: f for f in FEATURES}


def navigation_for(user):
    if not (user and user.is_authenticated):
        return []
    return [f for f in FEATURES if user.role in f.roles]
