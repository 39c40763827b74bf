"""What each role's home page shows: its own organisation, counted from the database."""

from accounts.models import Role, User
from membership.models import Community, IndustryFederation, Street, Union
from membership.selectors import (
    community_list,
    department_list,
    federation_list,
    registry_counts,
    street_list,
    union_list,
    units_with_members_to_transfer,
)


def home_context(*, user):
    context = {**_organisation_context(user=user), "registry": registry_counts(user=user)}
    if user.role in (Role.ADMIN, Role.LEADER):
        from subsidies.selectors import home_figures

        context["subsidies"] = home_figures(user=user)
    if user.role in (Role.ADMIN, Role.LEADER, Role.STREET, Role.INDUSTRY):
        from reporting.selectors import dashboard_panel, reports_panel

        context["reports"] = reports_panel(user=user)
        if user.role in (Role.ADMIN, Role.LEADER):
            context["district_figures"] = dashboard_panel()
    if user.role in (Role.ADMIN, Role.LEADER):
        from applications.selectors import overdue_by_street

        context["applications_overdue"] = overdue_by_street(user=user)
    if user.role in (Role.STREET, Role.INDUSTRY):
        context["transfers"] = _transfers_panel(user=user)
    if user.role == Role.STREET:
        from applications.selectors import street_figures

        context["applications"] = figures = street_figures(user=user)
        # The menu's badge from the same count (a view's context wins over the context
        # processor's lazy one, which then never runs).
        context["nav_badges"] = {"applications": figures["pending"]}
    return context


# Units named on the home's "members to transfer" panel; the counts cover them all.
TRANSFER_UNITS_SHOWN = 5


def _transfers_panel(*, user):
    """Units that founded (or got covered) with members still in a community union
    (SPEC §4): how many members, how many units, the first few units."""
    units = list(units_with_members_to_transfer(user=user))
    return {"members": sum(u.to_transfer for u in units), "units": len(units),
            "shown": units[:TRANSFER_UNITS_SHOWN]}


def _organisation_context(*, user):
    role = user.role
    if role == Role.ADMIN:
        return {
            "streets": street_list(user=user),
            "counts": {
                "streets": Street.objects.for_user(user).count(),
                "communities": Community.objects.for_user(user).count(),
                "federations": IndustryFederation.objects.for_user(user).count(),
                "unions": Union.objects.for_user(user).count(),
                "users": User.objects.filter(is_active=True).count(),
            },
        }
    if role == Role.LEADER:
        return {"streets": street_list(user=user)}
    if role == Role.STREET:
        return {
            "street": user.street,
            "communities": community_list(user=user),
            "union_count": union_list(user=user).count(),
        }
    if role == Role.COMMUNITY:
        return {"community": user.community, "unions": union_list(user=user)}
    if role == Role.INDUSTRY:
        return {"federation": user.industry_federation, "unions": union_list(user=user)}
    if role == Role.LIAISON:
        return {
            "department": user.department,
            "departments": department_list(user=user),
            "federations": federation_list(user=user),
        }
    return {}
