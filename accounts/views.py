from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from accounts import selectors, services
from accounts.navigation import FEATURES, FEATURES_BY_SLUG
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
