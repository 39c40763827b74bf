"""Role scoping in one place (SPEC §1, STYLE habit 8).

Every list, detail, edit, export and API view reads its records through
`Model.objects.for_user(user)`; a record outside the user's scope is then a 404.
A queryset class declares, per role, the lookup from its model to the user's
organisation; roles it does not name see nothing of it.
"""

from django.db import models
from django.db.models import Q

from accounts.models import Role

NOTHING = Q(pk__in=[])

# The user attribute holding the organisation each scoped role is tied to.
_USER_ORGANISATION_ID = {
    Role.STREET: "street_id",
    Role.COMMUNITY: "community_id",
    Role.INDUSTRY: "industry_federation_id",
    Role.LIAISON: "department_id",
}


class ScopedQuerySet(models.QuerySet):
    # Lookup paths from the model to the organisation of each scoped role, e.g.
    # {Role.STREET: "street", Role.COMMUNITY: "community"}, or a function of the
    # organisation's id returning a Q (for scopes by sector or coverage). Missing role:
    # sees nothing.
    scope_paths: dict = {}
    # Roles that may change records of this model inside their scope.
    writer_roles: frozenset = frozenset({Role.ADMIN})

    def scope_q(self, user, *, write=False):
        if not (user and user.is_authenticated and user.is_active):
            return NOTHING
        role = user.role
        if write and role not in self.writer_roles:
            return NOTHING
        if role in (Role.ADMIN, Role.LEADER):
            return Q()
        path = self.scope_paths.get(role)
        org_id = getattr(user, _USER_ORGANISATION_ID.get(role, ""), None)
        if path is None or org_id is None:
            return NOTHING
        if callable(path):
            return path(org_id)
        return Q(**{path: org_id})

    def role_may_write(self, user):
        """Whether the user's role may change records of this model at all."""
        return bool(user and user.is_authenticated and user.role in self.writer_roles)

    def for_user(self, user, *, write=False):
        """The records `user` may see, or with write=True may change.

        Paths follow foreign keys forwards only, so no row can repeat.
        Note: `write=True` narrows by role; the path is the same as for reading.
        """
        return self.filter(self.scope_q(user, write=write))


def user_can_write(user, obj):
    """Whether `user` may change `obj`, by the same scope rules as every view."""
    return type(obj).objects.for_user(user, write=True).filter(pk=obj.pk).exists()
