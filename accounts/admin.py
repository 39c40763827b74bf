from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessLog, User
from hedong_union.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "organisation_name",
                    "is_active")
    list_filter = ("role", "is_active", "street", "industry_federation")
    list_select_related = ("street", "community", "industry_federation", "department")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Role and organisation"), {
            "fields": ("role", "street", "community", "industry_federation", "department"),
        }),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Role and organisation"), {
            "fields": ("role", "street", "community", "industry_federation", "department"),
        }),
    )

    @admin.display(description=_("organisation"))
    def organisation_name(self, obj):
        return obj.organisation or "—"


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """The access log is evidence: nobody edits or deletes it."""

    list_display = ("created_at", "user", "action", "target_type", "target_id", "description")
    list_filter = ("action", "target_type")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
