"""The office edits campaigns here (dates and targets of a year's drive). Snapshots and
published reports are stored facts: the admin lists them read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hedong_union.admin import ReadOnlyAdmin
from reporting.models import Bulletin, Campaign, MilestoneReport, Narrative, Snapshot


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "push_start", "first_milestone_on", "first_target",
                    "second_milestone_on", "second_target")
    fieldsets = (
        (None, {"fields": ("year", "title")}),
        (_("Phases"), {"fields": (("mobilisation_start", "mobilisation_end"),
                               ("survey_start", "survey_end"), ("push_start", "push_end"),
                               "summary_end")}),
        (_("Milestones"), {"fields": (("first_milestone_on", "first_target"),
                                   ("second_milestone_on", "second_target"))}),
    )


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("kind", "period_start", "as_of", "taken_at", "took_ms")
    list_filter = ("kind",)


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ("year", "month", "version", "status", "published_at")
    exclude = ("content",)


@admin.register(MilestoneReport)
class MilestoneReportAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "kind", "as_of", "created_at")
    exclude = ("content",)


@admin.register(Narrative)
class NarrativeAdmin(ReadOnlyAdmin):
    list_display = ("period_end", "street", "industry_federation", "submitted_at")
    list_filter = ("period_end",)
    list_select_related = ("street", "industry_federation")
