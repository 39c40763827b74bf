from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from accounts import selectors
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
