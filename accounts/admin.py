from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessLog, ApiKey, User
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


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys of outside systems: made here, shown once; revoked by unticking "active"."""

    list_display = ("name", "prefix", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    readonly_fields = ("prefix", "created_at", "last_used_at")

    def get_fields(self, request, obj=None):
        return ("name",) if obj is None else ("name", "prefix", "is_active", "created_at",
                                              "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        from django.contrib import messages

        from accounts.api_keys import api_key_fill

        key = api_key_fill(obj)
        super().save_model(request, obj, form, change)
        messages.warning(request, _("The key of %(name)s, shown only now: %(key)s") % {
            "name": obj.name, "key": key})
