"""Who may open the office's subsidy pages: the district office writes, the leadership group
reads (personal data masked), other roles are refused. Pages about one record go through
the scoped managers instead, so a record out of reach is a 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.models import Role


def office_page(*, write=False):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            role = request.user.role
            if role != Role.ADMIN and (write or role != Role.LEADER):
                raise PermissionDenied
            return view(request, *args, **kwargs)
        return login_required(wrapped)
    return decorator
