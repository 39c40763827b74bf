"""The dashboards (issue 6 item 6): the leadership's, each street's, and the drill-down to a
community's units. Figures come from stored snapshots (reporting.dashboard); streets and
communities are found through accounts.scoping, so another street's page is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.navigation import FEATURES_BY_SLUG
from membership import selectors as membership_selectors
from reporting import charts, dashboard, live
from reporting.bulletins import PUBLISHERS

LEADERSHIP_ROLES = PUBLISHERS  # the office and the leadership group
REFRESH_ROLES = FEATURES_BY_SLUG["dashboard"].roles  # everyone with a dashboard


def _no_figures(request, template_context):
    """No current figures yet: say so plainly, queue them, show no number."""
    live.live_figures_refresh_queue()
    return render(request, "reporting/dashboard/no_figures.html", template_context)


@login_required
@require_GET
def index(request):
    """The leadership dashboard; street staff are taken to their own street's."""
    user = request.user
    if user.role == Role.STREET:
        return redirect("dashboard:street", pk=user.street_id)
    if user.role not in LEADERSHIP_ROLES:
        raise PermissionDenied
    street_id = request.GET.get("street")
    data = dashboard.district_dashboard(
        street_id=int(street_id) if street_id and street_id.isdigit() else None)
    if data is None:
        return _no_figures(request, {})
    milestones = data.context.plan.milestones
    trends = [data.trend] + ([data.street_trend] if data.street_trend else [])
    return render(request, "reporting/dashboard/district.html", {
        "data": data,
        "trends": trends,
        "charts": {
            "streets": charts.rates_by_scope(data.streets, milestones),
            "trend": charts.trend(trends, milestones),
            "groups": charts.groups(data.groups),
            "sectors": charts.rates_by_scope(data.sectors, milestones),
            "backlog": charts.backlog(data.backlog),
            "subsidies": charts.subsidies(data.subsidy_total),
        },
    })


@login_required
@require_GET
def street(request, pk):
    street = membership_selectors.street_get(user=request.user, pk=pk)
    data = dashboard.street_dashboard(street=street)
    if data is None:
        return _no_figures(request, {"street": street})
    milestones = data.context.plan.milestones
    return render(request, "reporting/dashboard/street.html", {
        "street": street,
        "data": data,
        "is_leadership": request.user.role in LEADERSHIP_ROLES,
        "trends": [data.trend],
        "charts": {
            "communities": charts.rates_by_scope(data.communities, milestones),
            "trend": charts.trend([data.trend], milestones),
            "groups": charts.groups(data.groups, with_rate=False),
        },
    })


@login_required
@require_GET
def community(request, pk):
    """A community's figures from the snapshot, and its units, live, a page at a time."""
    community = membership_selectors.community_get(user=request.user, pk=pk)
    data = dashboard.community_dashboard(community=community)
    if data is None:
        return _no_figures(request, {"street": community.street, "community": community})
    units = dashboard.community_units(user=request.user, community=community,
                                      day=data.context.day)
    page = Paginator(units, dashboard.UNITS_PER_PAGE).get_page(request.GET.get("page"))
    dashboard.with_founding_rate_standing(page.object_list, data.context.day)
    return render(request, "reporting/dashboard/community.html", {
        "community": community,
        "data": data,
        "page": page,
        "can_see_street": request.user.role in REFRESH_ROLES,
    })


@login_required
@require_POST
def refresh(request):
    """Queue the current figures to be taken again (once, however often it is pressed)."""
    if request.user.role not in REFRESH_ROLES:
        raise PermissionDenied
    if live.live_figures_refresh_queue():
        messages.info(request, pgettext(
            "dashboard", "The figures are being taken again; reload this page in a few "
            "minutes."))
    else:
        messages.info(request, pgettext(
            "dashboard", "The figures are already being taken again; reload this page in a "
            "few minutes."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("dashboard:index")
    return redirect(target)
