"""The district office's own pages (SPEC §1: users and roles, the API keys of outside
systems). Only the office opens them: any other role gets a 403 on a page without a record
and a 404 on a record's page, as on the office's subsidy pages."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors, services
from accounts.forms import ApiKeyForm, UserFilterForm, UserForm
from accounts.models import ApiKey, Role, User
from accounts.second_factor import (
    has_second_factor,
    recovery_codes_left,
    second_factor_required,
)
from hedong_union.forms import apply_errors

PAGE_SIZE = 50


def office_only(*, record=False):
    """The office alone; others get a 403, or a 404 where the URL names a record."""
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role != Role.ADMIN:
                raise Http404 if record else PermissionDenied
            return view(request, *args, **kwargs)
        return login_required(wrapped)
    return decorator


def _shown_once(response):
    """A page with a password or key on it: no copy is kept by the browser or a proxy."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


def _name(user):
    return user.get_full_name() or user.username


# --- User accounts -------------------------------------------------------------------------

@office_only()
@require_GET
def user_list(request):
    form = UserFilterForm(request.GET or None)
    page = Paginator(selectors.user_list(**form.filters()), PAGE_SIZE).get_page(
        request.GET.get("page"))
    locked = selectors.locked_usernames(u.username for u in page.object_list)
    for user in page.object_list:
        user.is_locked = user.username in locked
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/office/user_list.html", {
        "filter_form": form, "page": page, "query": query.urlencode()})


@office_only()
def user_create(request):
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.office_user_create(by=request.user,
                                                         **form.service_arguments())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            # Shown in this answer only, never stored: a reload does not show it again.
            return _shown_once(render(request, "accounts/office/password_shown.html", {
                "account": user, "password": password, "created": True}))
    return render(request, "accounts/office/user_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


def _user(pk):
    return get_object_or_404(User.objects.select_related(
        "street", "community", "industry_federation", "department"), pk=pk)


@office_only(record=True)
def user_detail(request, pk):
    """The account, its edit form, its actions and its history."""
    account = _user(pk)
    initial = {"full_name": account.get_full_name(), "role": account.role,
               "street": account.street_id, "community": account.community_id,
               "industry_federation": account.industry_federation_id,
               "department": account.department_id}
    form = UserForm(request.POST or None, initial=initial, with_username=False)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.office_user_update(by=request.user, user=account,
                                                **form.service_arguments())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The account of %(name)s is saved.")
                             % {"name": _name(saved)})
            return redirect("office:user_detail", pk=account.pk)
    return render(request, "accounts/office/user_detail.html", {
        "account": account, "form": form, "is_locked": selectors.user_is_locked(account),
        "second_factor": {"required": second_factor_required(account),
                          "set_up": has_second_factor(account),
                          "codes_left": recovery_codes_left(account)},
        "history": selectors.readable_history(account, reasons=selectors.CHANGE_REASONS),
    }, status=400 if form.is_bound else 200)


def _user_action(request, pk, action, done):
    account = _user(pk)
    try:
        action(by=request.user, user=account)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"name": _name(account)})
    return redirect("office:user_detail", pk=account.pk)


@office_only(record=True)
@require_POST
def user_deactivate(request, pk):
    return _user_action(request, pk, services.office_user_deactivate,
                        _("The account of %(name)s is deactivated: it can no longer log in."))


@office_only(record=True)
@require_POST
def user_reactivate(request, pk):
    return _user_action(request, pk, services.office_user_reactivate,
                        _("The account of %(name)s is active again."))


@office_only(record=True)
@require_POST
def user_unlock(request, pk):
    account = _user(pk)
    removed = services.office_user_unlock(by=request.user, user=account)
    if removed:
        messages.success(request, _("%(name)s can log in again.") % {"name": _name(account)})
    else:
        messages.info(request, _("%(name)s was not locked out.") % {"name": _name(account)})
    return redirect("office:user_detail", pk=account.pk)


@office_only(record=True)
@require_POST
def user_second_factor_reset(request, pk):
    return _user_action(request, pk, services.office_user_second_factor_reset,
                        _("The second factor of %(name)s is reset: the user sets up the app "
                          "again at the next login."))


@office_only(record=True)
@require_POST
def user_password_reset(request, pk):
    account = _user(pk)
    try:
        password = services.office_user_password_reset(by=request.user, user=account)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("office:user_detail", pk=account.pk)
    return _shown_once(render(request, "accounts/office/password_shown.html", {
        "account": account, "password": password, "created": False}))


# --- API keys ------------------------------------------------------------------------------

def _api_key_page(request, form=None):
    keys = list(selectors.api_key_list())
    return render(request, "accounts/office/api_key_list.html", {
        "keys": keys, "form": form or ApiKeyForm(),
    }, status=400 if form is not None else 200)


@office_only()
@require_GET
def api_key_list(request):
    return _api_key_page(request)


@office_only()
@require_POST
def api_key_create(request):
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            api_key, key = services.api_key_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            # The key exists only in this answer: only its hash is stored.
            return _shown_once(render(request, "accounts/office/api_key_shown.html",
                                      {"api_key": api_key, "key": key}))
    return _api_key_page(request, form)


# A key is found by its prefix: its primary key holds the hash, which stays out of URLs.
@office_only(record=True)
def api_key_detail(request, prefix):
    api_key = get_object_or_404(ApiKey.objects.select_related("created_by", "revoked_by"),
                                prefix=prefix)
    return render(request, "accounts/office/api_key_detail.html", {
        "api_key": api_key, "history": selectors.readable_history(api_key)})


@office_only(record=True)
@require_POST
def api_key_revoke(request, prefix):
    api_key = get_object_or_404(ApiKey, prefix=prefix)
    try:
        services.api_key_revoke(by=request.user, api_key=api_key)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The key of %(name)s is revoked; calls with it are refused "
                                    "from now on.") % {"name": api_key.name})
    return redirect("office:api_key_detail", prefix=api_key.prefix)


# --- Security events -----------------------------------------------------------------------

@office_only()
@require_GET
def security(request):
    """Logins locked out now and the last week's failed logins per username (SPEC §8:
    login attempts are limited); each lockout is lifted on the user's page."""
    return render(request, "accounts/office/security.html", {
        "lockouts": selectors.lockouts(), "failures": selectors.recent_failed_logins(),
        "days": selectors.RECENT_FAILURE_DAYS, "limit": settings.AXES_FAILURE_LIMIT,
        "username_limit": settings.AXES_USERNAME_FAILURE_LIMIT})
