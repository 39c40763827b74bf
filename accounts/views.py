from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import second_factor, selectors, services
from accounts.forms import SecondFactorCodeForm
from accounts.navigation import FEATURES, FEATURES_BY_SLUG
from hedong_union.forms import apply_errors
from hedong_union.public import use_chinese_unless_chosen


@login_required
def home(request):
    user = request.user
    context = selectors.home_context(user=user)
    return render(request, f"accounts/home_{user.role}.html", context)


@login_required
def feature_unavailable(request, slug):
    feature = FEATURES_BY_SLUG.get(slug)
    if feature is None or feature.is_open or request.user.role not in feature.roles:
        raise Http404
    return render(request, "feature_unavailable.html", {"feature": feature})


def help_page(request):
    """使用说明: the help of the signed-in user's role; the workers' help (how to apply,
    check an application, claim) without an account, or with ?for=workers. The text lives
    in templates/help/ (docs/decisions.md); menu items are named by their labels here."""
    user = request.user
    if user.is_authenticated and request.GET.get("for") != "workers":
        template = f"help/{user.role}.html"
    else:
        use_chinese_unless_chosen(request)  # a public page (hedong_union/public.py)
        template = "help/workers.html"
    return render(request, template, {
        "menu": {feature.slug: feature.label for feature in FEATURES},
        "contact_phone": settings.HELP_CONTACT_PHONE})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; it also ends the temporary password the office gave."""

    success_url = reverse_lazy("home")

    def form_valid(self, form):
        # The form checked the old password and the new one; the service saves it.
        services.user_password_change(user=form.user,
                                      password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password is changed."))
        return HttpResponseRedirect(self.get_success_url())


# --- The second factor (accounts/second_factor.py) -----------------------------------------

def _next(request):
    """Where to go once verified: the page first asked for, if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("home")


def _no_store(response):
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


@sensitive_post_parameters("code")
@login_required
def second_factor_setup(request):
    """Set up the authenticator app: the QR code and the secret, confirmed with a code; then
    the recovery codes, shown once."""
    user = request.user
    if not second_factor.second_factor_required(user) or second_factor.has_second_factor(user):
        return redirect(_next(request))
    device = services.second_factor_start(user=user)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.second_factor_confirm(user=user, device=device,
                                                   code=form.cleaned_data["code"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            device.refresh_from_db()
            otp_login(request, device)
            return _no_store(render(request, "registration/second_factor_codes.html", {
                "codes": codes, "next": _next(request)}))
    return _no_store(render(request, "registration/second_factor_setup.html", {
        "form": form, "qr": second_factor.qr_data_uri(device),
        "secret": second_factor.secret_of(device), "next": _next(request),
    }, status=400 if form.is_bound else 200))


@sensitive_post_parameters("code")
@login_required
def second_factor_verify(request):
    """The second step of the login: a code of the app, or a recovery code."""
    user = request.user
    if not second_factor.second_factor_required(user) or user.is_verified():
        return redirect(_next(request))
    if not second_factor.has_second_factor(user):
        return redirect(f"{reverse('second_factor_setup')}?{urlencode({'next': _next(request)})}")
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.code_check(user, form.cleaned_data["code"])
        if device is None:
            form.add_error("code", _("This code is not right, or was used before. Wait a "
                                     "few seconds and enter the code the app shows now, or "
                                     "one of your recovery codes."))
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                services.recovery_code_used(user=user)
                left = second_factor.recovery_codes_left(user)
                messages.warning(request, ngettext(
                    "You logged in with a recovery code; %(count)s is left. If the phone "
                    "with the app is lost, ask the district federation office to reset "
                    "your second factor.",
                    "You logged in with a recovery code; %(count)s are left. If the phone "
                    "with the app is lost, ask the district federation office to reset "
                    "your second factor.", left) % {"count": left})
            return redirect(_next(request))
    return render(request, "registration/second_factor_verify.html", {
        "form": form, "next": _next(request)}, status=400 if form.is_bound else 200)
