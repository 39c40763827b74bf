"""What each role's home page shows: its own organisation, counted from the database."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import HISTORY_BASELINE, ApiKey, Role, User
from hedong_union.history import history_of
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
        from membership.selectors import members_without_card

        context["without_card"] = members_without_card(user=user)

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


# ---------------------------------------------------------------------------
# The office's pages: user accounts and API keys
# ---------------------------------------------------------------------------
# What an office action recorded in the history (accounts.services._save's `reason`).
CHANGE_REASONS = {
    "created": _("account created"),
    "changed": _("account changed"),
    "deactivated": _("account deactivated"),
    "reactivated": _("account reactivated"),
    "password_reset": _("temporary password given"),
    "unlocked": _("login lockout lifted"),
    "password_changed": _("password changed by the user"),
    "second_factor_set_up": _("authenticator app set up by the user"),
    "recovery_code_used": _("logged in with a recovery code"),
    "second_factor_reset": _("second factor reset"),
}


def user_list(*, role="", q="", active=None):
    """The portal's users for the office, with the organisation of each; `q` looks in the
    login name, the name and the organisation's name."""
    users = User.objects.select_related("street", "community", "industry_federation",
                                        "department").order_by("role", "username")
    if role:
        users = users.filter(role=role)
    if active is not None:
        users = users.filter(is_active=active)
    if q:
        users = users.annotate(full_name=Concat("last_name", "first_name")).filter(
            Q(username__icontains=q) | Q(full_name__icontains=q) | Q(street__name__icontains=q)
            | Q(community__name__icontains=q) | Q(industry_federation__name__icontains=q)
            | Q(department__name__icontains=q))
    return users


def _current_attempts():
    """django-axes' failure counts still inside the cool-off time."""
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - get_cool_off())


def username_failures(username):
    """Failed logins of `username` from every address together, inside the cool-off time
    (the username-wide lockout of accounts/lockout.py)."""
    return _current_attempts().filter(username=username).aggregate(
        total=Sum("failures_since_start"))["total"] or 0


def _locked_pairs(attempts):
    return (attempts.values("username", "ip_address")
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT))


def _locked_everywhere(attempts):
    return (attempts.values("username")
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"),
                      addresses=Count("ip_address", distinct=True))
            .filter(failures__gte=settings.AXES_USERNAME_FAILURE_LIMIT))


def locked_usernames(usernames):
    """Which of `usernames` are locked out of the login now: from one address (as many
    failures from it as AXES_FAILURE_LIMIT) or from all of them (AXES_USERNAME_FAILURE_LIMIT
    failures in all), inside the cool-off time."""
    attempts = _current_attempts().filter(username__in=list(usernames))
    return ({row["username"] for row in _locked_pairs(attempts)}
            | {row["username"] for row in _locked_everywhere(attempts)})


def user_is_locked(user):
    return user.username in locked_usernames([user.username])


def readable_history(obj, *, limit=50, reasons=None):
    """`hedong_union.history.history_of` in the office's words: the baseline row (the state
    before a first change) is no change, each entry names its kind of change (`reasons`,
    by the record's change reason), and a save that changed nothing shown (only the
    password hash) is left out."""
    entries = []
    for entry in history_of(obj, limit=limit + 1):
        record = entry["record"]
        if record.history_change_reason == HISTORY_BASELINE:
            continue
        entry["reason"] = (reasons or {}).get(record.history_change_reason or "", "")
        if record.history_type == "~" and not entry["changes"] and not entry["reason"]:
            continue
        entries.append(entry)
    return entries[:limit]


def api_key_list():
    return ApiKey.objects.select_related("created_by", "revoked_by").order_by("revoked",
                                                                              "name")


def lockouts():
    """The office's security page: every username locked out of the login now, newest
    first. `everywhere` is the username-wide lock; otherwise `addresses` lists the
    addresses it is locked out of. `user` is the account of that name, if there is one
    (guessed names have none)."""
    attempts = _current_attempts()
    cool_off = get_cool_off()
    rows = {}
    for row in _locked_everywhere(attempts):
        rows[row["username"]] = {**row, "everywhere": True, "address_count": row["addresses"],
                                 "addresses": []}
    for row in _locked_pairs(attempts).order_by("ip_address"):
        entry = rows.setdefault(row["username"], {
            "username": row["username"], "everywhere": False, "addresses": [],
            "failures": 0, "last": row["last"], "address_count": 0})
        if not entry["everywhere"]:
            entry["addresses"].append(row["ip_address"] or "?")
            entry["address_count"] += 1
            entry["failures"] += row["failures"]
            entry["last"] = max(entry["last"], row["last"])
    users = User.objects.in_bulk(list(rows), field_name="username")
    entries = sorted(rows.values(), key=lambda entry: entry["last"], reverse=True)
    for entry in entries:
        entry["user"] = users.get(entry["username"])
        entry["until"] = entry["last"] + cool_off
    return entries


# Failed logins shown on the office's security page: the last week's, per username.
RECENT_FAILURE_DAYS = 7
RECENT_FAILURE_NAMES = 100


def recent_failed_logins():
    """Failed logins of the last RECENT_FAILURE_DAYS days per username (django-axes'
    failure log): how many, from how many addresses, the last one, and whether any of
    them met a lockout; the names with the latest failure first."""
    since = timezone.now() - timezone.timedelta(days=RECENT_FAILURE_DAYS)
    rows = list(AccessFailureLog.objects.filter(attempt_time__gte=since)
                .values("username")
                .annotate(failures=Count("pk"), addresses=Count("ip_address", distinct=True),
                          last=Max("attempt_time"),
                          locked_out=Count("pk", filter=Q(locked_out=True)))
                .order_by("-last")[:RECENT_FAILURE_NAMES])
    users = User.objects.in_bulk([row["username"] for row in rows], field_name="username")
    for row in rows:
        row["user"] = users.get(row["username"])
    return rows

