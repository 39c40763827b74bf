from axes.helpers import get_client_ip_address
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import ORGANISATION_FIELDS, ROLE_ORGANISATION_FIELD, AccessLog, Role, User


def _client_ip(request):
    # The same address the login lockout sees, proxies taken into account.
    return get_client_ip_address(request) if request is not None else None


@transaction.atomic
def access_log_record(*, user, action, target_type, target_id="", description="", request=None):
    """Record that `user` saw a full record or exported data; never the data itself."""
    return AccessLog.objects.create(
        user=user, action=action, target_type=target_type, target_id=str(target_id),
        description=description[:255], ip_address=_client_ip(request),
    )


@transaction.atomic
def user_upsert(*, username, role, password, full_name="", organisation=None):
    """Create or reset a portal user tied to `organisation` as its role requires.

    District office users administer the portal (Django admin) and hold every permission,
    full-PII included; other roles get only what their role gives.
    """
    field = ROLE_ORGANISATION_FIELD[Role(role)]
    if (field is None) != (organisation is None):
        raise ValidationError(_("The role %(role)s needs the matching organisation.")
                              % {"role": Role(role).label})
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role = role
    for name in ORGANISATION_FIELDS:
        setattr(user, name, organisation if name == field else None)
    user.last_name, user.first_name = full_name[:1], full_name[1:]
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    return user
