"""The dues entry of a community's scattered members for one month, in one form (SPEC §4,
plan §三.(一)1). Community staff enter their own community's, a street its communities'."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hedong_union.forms import apply_errors
from membership import selectors, services
from membership.form_parts.dues import DuesMonthForm, DuesMonthPickForm


@login_required
@require_GET
def dues_entry(request):
    """Where the links lead: a community's staff go to their community's page; a street
    or the office choose the community first."""
    selectors.require_dues_entry(request.user)
    communities = selectors.dues_communities(user=request.user)
    form = DuesMonthPickForm(request.GET or None, communities=communities)
    community = form.cleaned_data.get("community") if form.is_valid() else None
    if community is None and request.user.community_id:
        community = selectors.dues_community_get(user=request.user,
                                                 pk=request.user.community_id)
    if community is not None:
        url = reverse("membership:community_dues", args=[community.pk])
        return redirect(f"{url}?month={form.chosen_month():%Y-%m}")
    return render(request, "membership/dues_pick.html", {"form": form})


@login_required
def community_dues(request, pk):
    community = selectors.dues_community_get(user=request.user, pk=pk)
    today = timezone.localdate()
    pick = DuesMonthPickForm(request.GET or None, communities=selectors.dues_communities(
        user=request.user).filter(pk=community.pk), initial={"month": today})
    month = pick.chosen_month()
    form = DuesMonthForm(request.POST or None, members=services.dues_month_payers(
        user=request.user, community=community, month=today))
    if request.method == "POST":
        if form.is_valid():
            month = form.cleaned_data["month"]  # the month the ticks were made for
            try:
                recorded, already = services.dues_record_month(
                    by=request.user, community=community, month=month,
                    members=form.cleaned_data["members"], paid_on=form.cleaned_data["paid_on"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                values = {"month": f"{month:%Y-%m}", "recorded": recorded, "already": already}
                messages.success(request, _(
                    "Dues of %(month)s recorded for %(recorded)d members; %(already)d had "
                    "paid already and were left as recorded.") % values if already else _(
                    "Dues of %(month)s recorded for %(recorded)d members.") % values)
                url = reverse("membership:community_dues", args=[community.pk])
                return redirect(f"{url}?month={month:%Y-%m}")
        elif form.cleaned_data.get("month"):
            month = form.cleaned_data["month"]
    rows = selectors.dues_month_rows(user=request.user, community=community, month=month)
    ticked = {str(pk) for pk in form.data.getlist("members")} if form.is_bound else set()
    for row in rows:
        row.ticked = str(row.pk) in ticked
    return render(request, "membership/community_dues.html", {
        "community": community, "month": month, "pick": pick, "form": form, "rows": rows,
        "unpaid": sum(1 for row in rows if not row.paid_on),
    })
