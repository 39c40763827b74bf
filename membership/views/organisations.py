"""Organisation pages. Every record is read through the selectors, scoped by user; a
record outside the user's scope is a 404 (SPEC §1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.scoping import user_can_write
from hedong_union.forms import apply_errors
from membership import selectors, services
from membership.forms import CommunityEditForm, StreetEditForm, UnionEditForm, UnionFilterForm
from membership.models import Union


@login_required
@require_GET
def street_list(request):
    return render(request, "membership/street_list.html", {
        "streets": selectors.street_list(user=request.user),
    })


@login_required
@require_GET
def street_detail(request, pk):
    street = selectors.street_get(user=request.user, pk=pk)
    return render(request, "membership/street_detail.html", {
        "street": street,
        "communities": selectors.community_list(user=request.user, street=street),
        "unions": selectors.union_list(user=request.user, street=street)[:200],
        "history": selectors.history_of(street),
        "can_edit": user_can_write(request.user, street),
    })


@login_required
def street_edit(request, pk):
    street = selectors.street_get(user=request.user, pk=pk, write=True)
    form = StreetEditForm(request.POST or None, initial={
        "name": street.name, "short_name": street.short_name, "position": street.position,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.street_update(street=street, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("membership:street_detail", pk=street.pk)
    return render(request, "membership/edit.html", {"form": form, "object": street})


@login_required
@require_GET
def community_detail(request, pk):
    community = selectors.community_get(user=request.user, pk=pk)
    return render(request, "membership/community_detail.html", {
        "community": community,
        "unions": selectors.union_list(user=request.user).filter(community=community),
        "history": selectors.history_of(community),
        "can_edit": user_can_write(request.user, community),
        "can_enter_dues": selectors.dues_entry_allowed(request.user),
    })


@login_required
def community_edit(request, pk):
    community = selectors.community_get(user=request.user, pk=pk, write=True)
    form = CommunityEditForm(request.POST or None, initial={"name": community.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.community_update(community=community, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("membership:community_detail", pk=community.pk)
    return render(request, "membership/edit.html", {"form": form, "object": community})


def union_filters(request):
    form = UnionFilterForm(request.GET or None, user=request.user)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "search": data["q"], "street": data["street"], "form": data["form"],
            "industry_federation": data["industry_federation"],
        }
    return form, filters


@login_required
@require_GET
def union_list(request):
    form, filters = union_filters(request)
    unions = selectors.union_list(user=request.user, **filters)
    page = Paginator(unions, 50).get_page(request.GET.get("page"))
    return render(request, "membership/union_list.html", {
        "filter_form": form,
        "page": page,
        "can_create": Union.objects.role_may_write(request.user),
        "query": request.GET.urlencode(),
    })


@login_required
@require_GET
def union_detail(request, pk):
    union = selectors.union_get(user=request.user, pk=pk)
    return render(request, "membership/union_detail.html", {
        "union": union,
        "history": selectors.history_of(union),
        "can_edit": user_can_write(request.user, union),
    })


@login_required
def union_create(request):
    if not Union.objects.role_may_write(request.user):
        raise PermissionDenied
    initial = {}
    if request.user.street_id:
        initial["street"] = request.user.street_id
    if request.user.industry_federation_id:
        initial["industry_federation"] = request.user.industry_federation_id
    form = UnionEditForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            union = services.union_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Union created."))
            return redirect("membership:union_detail", pk=union.pk)
    return render(request, "membership/edit.html", {"form": form, "object": None,
                                                    "title": _("New base union")})


@login_required
def union_edit(request, pk):
    union = selectors.union_get(user=request.user, pk=pk, write=True)
    form = UnionEditForm(request.POST or None, user=request.user,
                         initial=UnionEditForm.initial_from(union))
    if request.method == "POST" and form.is_valid():
        try:
            services.union_update(union=union, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("membership:union_detail", pk=union.pk)
    return render(request, "membership/edit.html", {"form": form, "object": union})


@login_required
@require_GET
def federation_list(request):
    return render(request, "membership/federation_list.html", {
        "federations": selectors.federation_list(user=request.user),
        "departments": selectors.department_list(user=request.user),
    })


@login_required
@require_GET
def federation_detail(request, pk):
    federation = selectors.federation_get(user=request.user, pk=pk)
    return render(request, "membership/federation_detail.html", {
        "federation": federation,
        "unions": selectors.union_list(user=request.user, industry_federation=federation),
        "history": selectors.history_of(federation),
    })
