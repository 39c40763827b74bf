from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from accounts import selectors
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
