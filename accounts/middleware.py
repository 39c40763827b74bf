from django.shortcuts import redirect

# What a user with a temporary password may still open: the change itself, logging out and
# the language switch.
_ALLOWED = {"password_change", "logout", "set_language"}


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
