from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from membership.models import (
    Community,
    Department,
    DepartmentCoverage,
    District,
    IndustryFederation,
    Street,
    Union,
)


@admin.register(District)
class DistrictAdmin(SimpleHistoryAdmin):
    list_display = ("name",)


@admin.register(Street)
class StreetAdmin(SimpleHistoryAdmin):
    list_display = ("name", "short_name", "position")
    search_fields = ("name", "short_name")


@admin.register(Community)
class CommunityAdmin(SimpleHistoryAdmin):
    list_display = ("name", "street")
    list_filter = ("street",)
    list_select_related = ("street",)
    search_fields = ("name",)


class DepartmentCoverageInline(admin.TabularInline):
    model = DepartmentCoverage
    extra = 0


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ("name", "duty")
    inlines = [DepartmentCoverageInline]


@admin.register(IndustryFederation)
class IndustryFederationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "sector", "leading_department")
    list_select_related = ("leading_department",)


@admin.register(Union)
class UnionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "form", "street", "community", "industry_federation", "founded_on")
    list_filter = ("form", "street", "industry_federation")
    list_select_related = ("street", "community", "industry_federation")
    search_fields = ("name",)
    autocomplete_fields = ("community",)
