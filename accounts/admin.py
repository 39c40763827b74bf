from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

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


# The package's admin module (imported above) registers its own APIKey model, which the
# portal does not use.
admin.site.unregister(APIKey)


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    """Keys of outside systems: made here, shown once; revoked by ticking "revoked" (which
    cannot be undone: the package's admin then shows the key read-only)."""

    list_display = ("name", "prefix", "revoked", "created", "last_used_at")
    list_filter = ("revoked",)

    def get_fields(self, request, obj=None):
        return ("name",) if obj is None else ("name", "prefix", "revoked", "created",
                                              "last_used_at")

    def get_readonly_fields(self, request, obj=None):
        return super().get_readonly_fields(request, obj) + ("created", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # The package's own message is English only; the key is its last word here.
        key = ApiKey.objects.assign_key(obj)
        obj.save()
        messages.warning(request, _("The key of %(name)s, shown only now: %(key)s") % {
            "name": obj.name, "key": key})
