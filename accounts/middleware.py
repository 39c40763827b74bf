from django.shortcuts import redirect

from urllib.parse import urlencode

from django.urls import reverse

from accounts.second_factor import has_second_factor, second_factor_required

# What a user with a temporary password may still open: the change itself, logging out,
# the language switch and the second factor, which comes first (SecondFactorRequired...).
_ALLOWED = {"password_change", "logout", "set_language", "second_factor_verify",
            "second_factor_setup"}
# What a user who has given the password but not yet the second factor may open.
_BEFORE_SECOND_FACTOR = {"second_factor_verify", "second_factor_setup", "logout",
                         "set_language"}


class SecondFactorRequiredMiddleware:
    """The office and every user who can see full personal data give a second factor after
    the password (SPEC §8, accounts/second_factor.py): until then only the set-up (first
    login), the code's page and logging out open. Comes after django-otp's OTPMiddleware,
    which tells whether the session is verified; the API's keys are no session and pass."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if not second_factor_required(user) or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.url_name in _BEFORE_SECOND_FACTOR and not match.namespace:
            return None
        target = reverse("second_factor_verify" if has_second_factor(user)
                         else "second_factor_setup")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


class PasswordChangeRequiredMiddleware:
    """A user given a temporary password by the office changes it before anything else
    (docs/decisions.md)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if not (user is not None and user.is_authenticated and user.must_change_password):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in _ALLOWED and not match.namespace:
            return None
        return redirect("password_change")
