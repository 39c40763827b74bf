from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from accounts import selectors, services
from accounts.navigation import FEATURES_BY_SLUG


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
