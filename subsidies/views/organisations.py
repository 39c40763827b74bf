"""The organisation programmes page (SPEC §6.2): development subsidy, industry grants,
founding rebates, model-home awards and the social-worker check, one year at a time."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from hedong_union.forms import apply_errors
from subsidies import organisations, selectors
from subsidies.forms import (
    FoundingRebateForm,
    IndustryGrantForm,
    ModelHomeSelectionForm,
    SocialWorkerForm,
    YearForm,
)
from subsidies.views.access import office_page


def _year(request):
    years = selectors.entitlement_years()
    form = YearForm(request.POST if request.method == "POST" else request.GET, years=years)
    if form.is_valid():
        return form.cleaned_data["year"]
    today = timezone.localdate().year
    return today if today in years else (years[0] if years else today)


def _page(request, year, *, status=200, **forms):
    context = {
        "page": selectors.organisation_page(year=year),
        "year": year,
        "years": selectors.entitlement_years(),
        "can_act": request.user.role == Role.ADMIN,
        "grant_form": forms.get("grant_form") or IndustryGrantForm(),
        "rebate_error": forms.get("rebate_error"),
        "selection_form": forms.get("selection_form") or ModelHomeSelectionForm(),
        "social_worker_form": forms.get("social_worker_form") or SocialWorkerForm(
            initial={"since": timezone.localdate()}),
    }
    return render(request, "subsidies/organisations.html", context, status=status)


def _back(year, anchor=""):
    return redirect(f"{reverse('subsidies:organisation_programmes')}?year={year}{anchor}")


@office_page()
@require_GET
def organisation_programmes(request):
    return _page(request, _year(request))


@office_page(write=True)
@require_POST
def development_create(request):
    year = _year(request)
    try:
        created = organisations.development_entitlements_create(year=year, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(n)d development-subsidy entitlements created.")
                         % {"n": created})
    return _back(year, "#development")


@office_page(write=True)
@require_POST
def industry_grant_create(request):
    year = _year(request)
    form = IndustryGrantForm(request.POST)
    if form.is_valid():
        try:
            organisations.industry_grant_create(year=year, by=request.user,
                                                **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Grant entered; it waits for approval."))
            return _back(year, "#grants")
    return _page(request, year, grant_form=form)


@office_page(write=True)
@require_POST
def founding_rebate_record(request):
    year = _year(request)
    form = FoundingRebateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            organisations.founding_rebate_record(union=data["union"], year=data["rebate_year"],
                                                 amount=data["amount"], by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Rebate recorded; it waits for approval."))
            return _back(year, "#rebates")
    errors = [str(e) for field in form.errors.values() for e in field]
    return _page(request, year, rebate_error={
        "union": request.POST.get("union"), "year": request.POST.get("rebate_year"),
        "amount": request.POST.get("amount", ""), "message": " ".join(errors)})


@office_page(write=True)
@require_POST
def model_home_selection_add(request):
    year = _year(request)
    form = ModelHomeSelectionForm(request.POST)
    if form.is_valid():
        try:
            organisations.model_home_selection_add(year=year, by=request.user,
                                                   **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Selection recorded."))
            return _back(year, "#model-homes")
    return _page(request, year, selection_form=form)


@office_page(write=True)
@require_POST
def model_home_awards_create(request):
    year = _year(request)
    try:
        created = organisations.model_home_awards_create(year=year, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(n)d model-home awards created.") % {"n": created})
    return _back(year, "#model-homes")


@office_page(write=True)
@require_POST
def social_worker_add(request):
    """A social union worker placed with a street or an industry federation."""
    year = _year(request)
    form = SocialWorkerForm(request.POST)
    if form.is_valid():
        try:
            organisations.social_worker_add(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Social union worker recorded."))
            return _back(year, "#social-workers")
    return _page(request, year, status=400, social_worker_form=form)
