from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from accounts.second_factor import has_second_factor, second_factor_required


class StepRequiredMiddleware:
    """A step a logged-in user must take before anything else: while `pending(user)`, every
    page but the `allowed` ones (of the root URLconf, no namespace) sends the user to
    `target(request, user)`."""

    allowed = frozenset()

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not self.pending(user):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in self.allowed and not match.namespace:
            return None
        return redirect(self.target(request, user))

    def pending(self, user):
        raise NotImplementedError

    def target(self, request, user):
        raise NotImplementedError


class SecondFactorRequiredMiddleware(StepRequiredMiddleware):
    """The office and every user who can see full personal data give a second factor after
    the password (SPEC §8, accounts/second_factor.py): until then only the set-up (first
    login), the code's page and logging out open. Comes after django-otp's OTPMiddleware,
    which tells whether the session is verified; the API's keys are no session and pass."""

    allowed = frozenset({"second_factor_verify", "second_factor_setup", "logout",
                         "set_language"})

    def pending(self, user):
        return second_factor_required(user) and not user.is_verified()

    def target(self, request, user):
        target = reverse("second_factor_verify" if has_second_factor(user)
                         else "second_factor_setup")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return target


class PasswordChangeRequiredMiddleware(StepRequiredMiddleware):
    """A user given a temporary password by the office changes it before anything else
    (docs/decisions.md); the second factor, if required, comes first."""

    allowed = frozenset({"password_change", "logout", "set_language",
                         "second_factor_verify", "second_factor_setup"})

    def pending(self, user):
        return user.must_change_password

    def target(self, request, user):
        return reverse("password_change")
