from django.utils.functional import SimpleLazyObject

from accounts.models import Role
from accounts.navigation import navigation_for
from accounts.second_factor import second_factor_required


def second_factor_pending(user):
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and second_factor_required(user) and not is_verified())


def navigation(request):
    user = request.user
    if second_factor_pending(user):
        # Nothing but the second factor's pages opens yet (accounts.middleware): no menu.
        return {"nav_items": [], "second_factor_pending": True}
    context = {"nav_items": navigation_for(user)}
    if user.is_authenticated and user.role == Role.STREET:
        from applications.selectors import pending_count

        # Street staff see how many applications wait for them; counted only when shown.
        context["nav_badges"] = SimpleLazyObject(
            lambda: {"applications": pending_count(user=user)})
    return context
