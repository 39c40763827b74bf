"""Reads of the dues entry of a community for one month (SPEC §4, plan §三.(一)1)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404

from accounts.models import Role
from membership.models import Community, DuesPayment, Member
from membership.services.dues import dues_month_payers, month_start
from membership.services.members import months_between

# Who enters dues for a community: its own staff, its street's, and the office (SPEC §1).
DUES_ROLES = frozenset({Role.ADMIN, Role.STREET, Role.COMMUNITY})


def dues_entry_allowed(user):
    return (user.is_authenticated and user.role in DUES_ROLES
            and Member.objects.role_may_write(user))


def dues_communities(*, user):
    """The communities whose dues `user` may enter."""
    if not dues_entry_allowed(user):
        return Community.objects.none()
    return Community.objects.for_user(user).select_related("street")


def dues_community_get(*, user, pk):
    """A community of the user's scope, or a 404 (another scope's id, SPEC §1)."""
    return get_object_or_404(dues_communities(user=user), pk=pk)


def dues_month_rows(*, user, community, month):
    """Each member owing `month`'s dues, with that month's payment (if any) and the
    months owed from the join month up to `month`, oldest member number first."""
    month = month_start(month)
    paid = DuesPayment.objects.filter(member=OuterRef("pk"), month=month)
    members = list(
        dues_month_payers(user=user, community=community, month=month)
        .select_related("worker", "union")
        .annotate(paid_on=Subquery(paid.values("paid_on")[:1]),
                  paid_up_to=Count("dues", filter=Q(dues__month__lte=month)))
        .order_by("member_number"))
    for member in members:
        member.owed = len(months_between(member.joined_on, month)) - member.paid_up_to
    return members


def require_dues_entry(user):
    if not dues_entry_allowed(user):
        raise PermissionDenied
