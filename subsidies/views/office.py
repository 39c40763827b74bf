"""The office's subsidy pages: totals, programme years, the yearly rule run, entitlements."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import AccessLog, Role
from accounts.selectors import readable_history
from accounts.services import access_log_record
from reporting.xlsx import Column, write_xlsx, xlsx_response
from hedong_union.forms import apply_errors
from subsidies import selectors, services
from subsidies.forms import (
    EntitlementFilterForm,
    ProgrammeForm,
    ProgrammeYearAddForm,
    ProgrammeYearForm,
    RejectForm,
    YearForm,
)
from subsidies.models import REJECTABLE_STATES, EntitlementState, ProgrammeCode
from subsidies.views.access import office_page

PAGE_SIZE = 50
TOTALS_COLUMNS = [
    Column("项目", 24), Column("年度", 8, "int"),
    Column("应发合计", 16, "money"), Column("应发·市总工会", 16, "money"),
    Column("应发·区总工会", 16, "money"), Column("实发合计", 16, "money"),
    Column("实发·市总工会", 16, "money"), Column("实发·区总工会", 16, "money"),
]


@login_required
def index(request):
    """The navigation's entry: the office and leadership see the totals; staff their
    skill-reward claims."""
    role = request.user.role
    if role in (Role.ADMIN, Role.LEADER):
        return redirect("subsidies:overview")
    if role in (Role.STREET, Role.COMMUNITY, Role.INDUSTRY):
        return redirect("subsidies:skill_claim_list")
    raise PermissionDenied


def _year_param(request):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return None
    return year if year in selectors.entitlement_years() else None


@office_page()
@require_GET
def overview(request):
    year = _year_param(request)
    return render(request, "subsidies/overview.html", {
        "table": selectors.totals_table(year=year),
        "year": year,
        "years": selectors.entitlement_years(),
    })


@office_page()
@require_GET
def totals_export(request):
    """The totals as Excel (SPEC §7.4): money as numbers, the export access-logged."""
    year = _year_param(request)
    table = selectors.totals_table(year=year)
    stream = io.BytesIO()
    scope = str(year) if year else _("All years")
    write_xlsx(stream, title="补贴发放汇总", scope=scope, as_of=timezone.localdate(),
               columns=TOTALS_COLUMNS, rows=selectors.totals_export_rows(table),
               sheet_name="补贴发放汇总")
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT,
                      target_type="subsidies.totals", target_id=year or "",
                      description="totals by programme, year and funding source",
                      request=request)
    return xlsx_response(f"补贴发放汇总-{year or '全部年度'}.xlsx", stream.getvalue(),
                         fallback=f"subsidy-totals-{year or 'all'}.xlsx")


@office_page()
@require_GET
def year_list(request):
    return _year_list_page(request)


def _year_list_page(request, add_form=None):
    can_edit = request.user.role == Role.ADMIN
    return render(request, "subsidies/year_list.html", {
        "years": selectors.programme_year_list(user=request.user),
        "programmes": selectors.programme_list(user=request.user),
        "can_edit": can_edit,
        "add_form": (add_form or ProgrammeYearAddForm(
            initial={"year": timezone.localdate().year + 1})) if can_edit else None,
    }, status=400 if add_form is not None else 200)


@office_page(write=True)
@require_POST
def year_add(request):
    """A new year of a programme's settings, copied from its latest year; then its page."""
    form = ProgrammeYearAddForm(request.POST)
    if form.is_valid():
        try:
            settings, source = services.programme_year_add(by=request.user,
                                                           **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Settings for %(year)d made from %(source)d; check "
                                        "them and save.") % {"year": settings.year,
                                                             "source": source.year})
            return redirect("subsidies:year_edit", pk=settings.pk)
    return _year_list_page(request, add_form=form)


@login_required
def year_edit(request, pk):
    settings = selectors.programme_year_get(user=request.user, pk=pk, write=True)
    form = ProgrammeYearForm(request.POST or None, programme_year=settings)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_year_update(programme_year=settings, by=request.user,
                                           **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("subsidies:year_list")
    return render(request, "subsidies/year_edit.html", {
        "form": form, "settings": settings, "history": readable_history(settings)})


@login_required
def programme_edit(request, pk):
    """A programme's name and years, with its history (the district office)."""
    programme = selectors.programme_get(user=request.user, pk=pk, write=True)
    form = ProgrammeForm(request.POST or None, initial={
        "name": programme.name, "first_year": programme.first_year,
        "last_year": programme.last_year})
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(programme=programme, by=request.user,
                                      **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Programme saved."))
            return redirect("subsidies:year_list")
    return render(request, "subsidies/programme_edit.html", {
        "form": form, "programme": programme,
        "history": readable_history(programme),
    }, status=400 if form.is_bound else 200)


@office_page(write=True)
def universal_run(request):
    """The yearly UNIVERSAL rule run (SPEC §6.3): drafts for every eligible member; a second
    run creates nothing new."""
    years = selectors.programme_years(ProgrammeCode.UNIVERSAL)
    current = timezone.localdate().year
    year = _year_param(request) or (current if current in years or not years else years[0])
    form = YearForm(request.POST or None, years=years, initial={"year": year})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            created = services.universal_run(year=year, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Rule run for %(year)d: %(n)d new draft entitlements.")
                             % {"year": year, "n": created})
            return redirect(f"{reverse('subsidies:universal_run')}?year={year}")
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
    return render(request, "subsidies/universal_run.html", {
        "form": form, "year": year,
        "counts": selectors.state_counts(programme=ProgrammeCode.UNIVERSAL, year=year),
    })


@office_page()
@require_GET
def entitlement_list(request):
    form = EntitlementFilterForm(request.GET or None, years=selectors.entitlement_years())
    filters = form.filters()
    entitlements = selectors.entitlement_list(user=request.user, **filters)
    page = Paginator(entitlements, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_entitlement_display(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "subsidies/entitlement_list.html", {
        "filter_form": form, "page": page, "query": query.urlencode(), "filters": filters,
        "can_act": request.user.role == Role.ADMIN,
        "bulk_ready": bool(filters["programme"] and filters["year"]),
    })


def _bulk_scope(request):
    """The programme and year a bulk action applies to, from the list's filters."""
    form = EntitlementFilterForm(request.POST, years=selectors.entitlement_years())
    filters = form.filters()
    back = f"{reverse('subsidies:entitlement_list')}?programme={filters['programme']}" \
           f"&year={filters['year'] or ''}"
    if not (filters["programme"] and filters["year"]):
        messages.error(request, _("Choose a programme and a year first."))
        return None, back
    return selectors.entitlement_scope(user=request.user, programme=filters["programme"],
                                       year=filters["year"]), back


@office_page(write=True)
@require_POST
def entitlements_submit(request):
    queryset, back = _bulk_scope(request)
    if queryset is not None:
        n = services.entitlements_submit(queryset=queryset, by=request.user)
        messages.success(request, _("%(n)d drafts submitted for approval.") % {"n": n})
    return redirect(back)


@office_page(write=True)
@require_POST
def entitlements_approve(request):
    """Approve what is pending; the service checks eligibility again (SPEC §6.3)."""
    queryset, back = _bulk_scope(request)
    if queryset is not None:
        approved, rejected = services.entitlements_approve(queryset=queryset, by=request.user)
        messages.success(request, _("%(approved)d approved, %(rejected)d rejected as no longer "
                                    "eligible.") % {"approved": approved, "rejected": rejected})
    return redirect(back)


@login_required
def entitlement_reject(request, pk):
    entitlement = selectors.entitlement_get(user=request.user, pk=pk, write=True)
    if entitlement.shown_state not in REJECTABLE_STATES:
        # Already decided (rejected, in a batch, paid...): say so, offer no form.
        return render(request, "subsidies/entitlement_reject.html", {
            "form": None, "entitlement": entitlement})
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.entitlement_reject(entitlement=entitlement, by=request.user,
                                               reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if done.state == EntitlementState.CANCELLED:
                messages.success(request, _("Draft entitlement %(number)s withdrawn "
                                            "(cancelled): the member never sees it.")
                                 % {"number": entitlement.number})
            else:
                messages.success(request, _("Entitlement %(number)s rejected.")
                                 % {"number": entitlement.number})
            return redirect(f"{reverse('subsidies:entitlement_list')}"
                            f"?programme={entitlement.programme_id}&year={entitlement.year}")
    return render(request, "subsidies/entitlement_reject.html", {
        "form": form, "entitlement": entitlement})
