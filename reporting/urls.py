from datetime import date

from django.urls import path, register_converter

from reporting import report_pages, views


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        return date.fromisoformat(value)  # ValueError: no match, a 404

    def to_url(self, value):
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "reporting"
urlpatterns = [
    path("", report_pages.index, name="index"),
    path("ten-day/<isodate:end>/", report_pages.ten_day_detail, name="ten_day_detail"),
    path("ten-day/<isodate:end>/excel/", report_pages.ten_day_excel, name="ten_day_excel"),
    path("narratives/<isodate:end>/write/", report_pages.narrative_edit,
         name="narrative_edit"),
    path("narratives/<int:pk>/", report_pages.narrative_detail, name="narrative_detail"),
    path("bulletins/<int:pk>/", report_pages.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/excel/", report_pages.bulletin_excel, name="bulletin_excel"),
    path("bulletins/<int:pk>/status/", report_pages.bulletin_status, name="bulletin_status"),
    path("bulletins/<int:pk>/publish/", report_pages.bulletin_publish,
         name="bulletin_publish"),
    path("bulletins/<int:pk>/refresh/", report_pages.bulletin_refresh,
         name="bulletin_refresh"),
    path("bulletins/<int:pk>/correct/", report_pages.bulletin_correct,
         name="bulletin_correct"),
    path("milestones/<int:pk>/", report_pages.milestone_detail, name="milestone_detail"),
    path("milestones/<int:pk>/excel/", report_pages.milestone_excel, name="milestone_excel"),
    path("exports/", views.export_job_list, name="export_job_list"),
    path("exports/<int:pk>/", views.export_job_detail, name="export_job_detail"),
    path("exports/<int:pk>/status/", views.export_job_status, name="export_job_status"),
    path("exports/<int:pk>/download/", views.export_job_download,
         name="export_job_download"),
]
