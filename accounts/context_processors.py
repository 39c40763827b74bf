from django.utils.functional import SimpleLazyObject

from accounts.models import Role
from accounts.navigation import navigation_for


def navigation(request):
    user = request.user
    context = {"nav_items": navigation_for(user)}
    if user.is_authenticated and user.role == Role.STREET:
        from applications.selectors import pending_count

        # Street staff see how many applications wait for them; counted only when shown.
        context["nav_badges"] = SimpleLazyObject(
            lambda: {"applications": pending_count(user=user)})
    return context
