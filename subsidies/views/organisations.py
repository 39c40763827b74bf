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
    """The years with programme settings, read once a request, and the year asked for (a
    missing or unknown one: this year if it has settings, else the latest)."""
    year, years = _asked_year(request)
    return (_default_year(years) if year is None else year), years


def _default_year(years):
    today = timezone.localdate().year
    return today if today in years else (years[0] if years else today)


def _asked_year(request):
    """The year the request names, if it is one with settings (else None), and the years."""
    years = selectors.entitlement_years()
    form = YearForm(request.POST if request.method == "POST" else request.GET, years=years)
    return (form.cleaned_data["year"] if form.is_valid() else None), years


def _without_year(request, years):
    """A post that makes entitlements for a year and names none the portal has: nothing is
    made for a year the office did not choose; the page again (400) says so."""
    messages.error(request, _("Choose the year."))
    return _page(request, _default_year(years), years, status=400)


def _page(request, year, years, *, status=200, **forms):
    page = selectors.organisation_page(year=year)
    rebate_error = forms.get("rebate_error")
    if rebate_error:
        # Shown in its cell if the table still offers that cell a form, else above it.
        rebate_error["in_table"] = any(
            str(union.pk) == rebate_error["union"] and str(y) == rebate_error["year"]
            and amount is None for union, years_due in page.rebates for y, amount in years_due)
    context = {
        "page": page,
        "year": year,
        "years": years,
        "can_act": request.user.role == Role.ADMIN,
        "development_open": year is not None and organisations.development_open(year),
        "grant_form": forms.get("grant_form") or IndustryGrantForm(),
        "rebate_error": rebate_error,
        "selection_form": forms.get("selection_form") or ModelHomeSelectionForm(),
        "social_worker_form": forms.get("social_worker_form") or SocialWorkerForm(
            initial={"since": timezone.localdate()}),
    }
    return render(request, "subsidies/organisations.html", context, status=status)


def _back(year, anchor=""):
    return redirect(f"{reverse('subsidies:organisation_programmes')}?year={year}{anchor}")


def _form_post(request, form_class, form_name, action, success, anchor, *, for_year=True):
    """A form of the page posted: `action(year, cleaned_data)`, then back to the page's
    section, or the page again (400) with the form's errors next to its fields. A form
    `for_year` must name a year with settings."""
    year, years = _asked_year(request) if for_year else _year(request)
    if year is None:
        return _without_year(request, years)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(year, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return _back(year, anchor)
    return _page(request, year, years, status=400, **{form_name: form})


def _run(request, action, success, anchor):
    """A button of the page: `action(year)` makes entitlements; how many is told."""
    year, years = _asked_year(request)
    if year is None:
        return _without_year(request, years)
    try:
        created = action(year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success % {"n": created})
    return _back(year, anchor)


@office_page()
@require_GET
def organisation_programmes(request):
    return _page(request, *_year(request))


@office_page(write=True)
@require_POST
def development_create(request):
    return _run(request, lambda year: organisations.development_entitlements_create(
        year=year, by=request.user), _("%(n)d development-subsidy entitlements created."),
        "#development")


@office_page(write=True)
@require_POST
def industry_grant_create(request):
    return _form_post(
        request, IndustryGrantForm, "grant_form",
        lambda year, data: organisations.industry_grant_create(year=year, by=request.user,
                                                               **data),
        _("Grant entered; it waits for approval."), "#grants")


@office_page(write=True)
@require_POST
def founding_rebate_record(request):
    year, years = _year(request)
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
    return _page(request, year, years, status=400, rebate_error={
        "union": request.POST.get("union"), "year": request.POST.get("rebate_year"),
        "amount": request.POST.get("amount", ""), "message": " ".join(errors)})


@office_page(write=True)
@require_POST
def model_home_selection_add(request):
    return _form_post(
        request, ModelHomeSelectionForm, "selection_form",
        lambda year, data: organisations.model_home_selection_add(year=year, by=request.user,
                                                                  **data),
        _("Selection recorded."), "#model-homes")


@office_page(write=True)
@require_POST
def model_home_awards_create(request):
    return _run(request, lambda year: organisations.model_home_awards_create(
        year=year, by=request.user), _("%(n)d model-home awards created."), "#model-homes")


@office_page(write=True)
@require_POST
def social_worker_add(request):
    """A social union worker placed with a street or an industry federation."""
    return _form_post(
        request, SocialWorkerForm, "social_worker_form",
        lambda year, data: organisations.social_worker_add(by=request.user, **data),
        _("Social union worker recorded."), "#social-workers", for_year=False)
