"""Unit pages (SPEC §3): list, page with its founding timeline and progress notes, create
and edit, founding steps. Every record is read through the selectors, scoped by user; a
record outside the user's scope is a 404 (SPEC §1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from accounts.navigation import FEATURES_BY_SLUG
from accounts.scoping import user_can_write
from hedong_union.forms import apply_errors
from membership import selectors, services
from membership.form_parts.units import (
    FoundingStepForm,
    ProgressNoteForm,
    UnitFilterForm,
    UnitForm,
)
from membership.models import Member, ProgressNote, Unit

PAGE_SIZE = 50


def _may_add_notes(user):
    return ProgressNote.objects.role_may_write(user)


@login_required
@require_GET
def unit_list(request):
    form = UnitFilterForm(request.GET or None, user=request.user)
    units = selectors.unit_list(user=request.user, **form.filters())
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "membership/unit_list.html", {
        "filter_form": form,
        "page": page,
        "query": query.urlencode(),
        "can_create": Unit.objects.role_may_write(request.user),
        "can_enroll": Member.objects.role_may_write(request.user),
    })


@login_required
@require_GET
def unit_detail(request, pk):
    unit = selectors.unit_get(user=request.user, pk=pk)
    user = request.user
    return render(request, "membership/unit_detail.html", {
        "unit": unit,
        "departments": unit.assisting_departments(),
        "steps": selectors.unit_founding_steps(unit),
        "notes": selectors.unit_progress_notes(user=user, unit=unit),
        "counts": selectors.unit_worker_counts(unit),
        "founding_rate": selectors.founding_rate_standing(unit, timezone.localdate()),
        "can_edit": user_can_write(user, unit),
        "can_add_note": _may_add_notes(user),
        "can_see_workers": user.role in FEATURES_BY_SLUG["workers"].roles,
        "note_form": ProgressNoteForm(),
        "history": selectors.history_of(unit),
        **(_to_transfer(unit) if user_can_write(user, unit) else {}),
    })


# The members listed by name on the unit's page; the count covers them all.
TO_TRANSFER_SHOWN = 20


def _to_transfer(unit):
    """The unit's members waiting in a community union, for the users who may move them
    (SPEC §4)."""
    members = selectors.unit_members_to_transfer(unit)
    count = members.count()
    return {"to_transfer": {
        "count": count, "union": services.employer_union(unit),
        "members": list(members.select_related("worker", "union").order_by(
            "joined_on", "pk")[:TO_TRANSFER_SHOWN]) if count else [],
    }}


@login_required
def unit_members_transfer(request, pk):
    """Move every member of the unit out of the community union into the unit's union, in
    one confirmed action (转会, SPEC §4)."""
    unit = selectors.unit_get(user=request.user, pk=pk, write=True)
    if request.method == "POST":
        try:
            count = services.unit_members_transfer(unit=unit, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if count:
                messages.success(request, ngettext(
                    "%(count)d member transferred to %(union)s.",
                    "%(count)d members transferred to %(union)s.", count) % {
                    "count": count, "union": services.employer_union(unit).name})
            else:
                messages.info(request, _("Nobody is left to transfer."))
        return redirect("membership:unit_detail", pk=unit.pk)
    return render(request, "membership/unit_members_transfer.html", {
        "unit": unit, **_to_transfer(unit)})


@login_required
def unit_create(request):
    if not Unit.objects.role_may_write(request.user):
        raise PermissionDenied
    form = UnitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Unit registered."))
            return redirect("membership:unit_detail", pk=unit.pk)
    return render(request, "membership/edit.html", {"form": form, "object": None,
                                                    "title": _("New unit")})


@login_required
def unit_edit(request, pk):
    unit = selectors.unit_get(user=request.user, pk=pk, write=True)
    form = UnitForm(request.POST or None, user=request.user, initial=UnitForm.initial_from(unit))
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(unit=unit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("membership:unit_detail", pk=unit.pk)
    return render(request, "membership/edit.html", {"form": form, "object": unit})


@login_required
def unit_founding_step_add(request, pk):
    unit = selectors.unit_get(user=request.user, pk=pk, write=True)
    form = FoundingStepForm(request.POST or None, user=request.user, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.founding_step_add(unit=unit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Founding step recorded."))
            return redirect("membership:unit_detail", pk=unit.pk)
    return render(request, "membership/unit_founding_step.html", {
        "form": form, "unit": unit, "steps": selectors.unit_founding_steps(unit),
    })


@login_required
def unit_note_add(request, pk):
    """Department liaisons and staff in scope add progress notes (SPEC §1)."""
    if not _may_add_notes(request.user):
        raise Http404
    unit = selectors.unit_get(user=request.user, pk=pk)
    form = ProgressNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.progress_note_add(unit=unit, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Note added."))
            return redirect("membership:unit_detail", pk=unit.pk)
    return render(request, "membership/unit_note.html", {"form": form, "unit": unit})


@login_required
@require_GET
def unit_search(request):
    """Units in scope by name or credit code, as JSON for the employer search box."""
    results = selectors.unit_search(user=request.user, q=request.GET.get("q", ""))
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})
