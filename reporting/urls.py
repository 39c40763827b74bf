from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("exports/", views.export_job_list, name="export_job_list"),
    path("exports/<int:pk>/", views.export_job_detail, name="export_job_detail"),
    path("exports/<int:pk>/status/", views.export_job_status, name="export_job_status"),
    path("exports/<int:pk>/download/", views.export_job_download,
         name="export_job_download"),
]
