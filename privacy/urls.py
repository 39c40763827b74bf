"""The office's pages of the access log and of the person's rights, under /office/."""

from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export/", views.access_log_export, name="access_log_export"),
    path("people/", views.people, name="people"),
    path("people/requests/new/", views.data_request_create, name="data_request_create"),
    path("people/requests/<int:pk>/", views.data_request_detail, name="data_request_detail"),
    path("people/requests/<int:pk>/done/", views.data_request_done, name="data_request_done"),
    path("people/requests/<int:pk>/export/", views.data_request_export,
         name="data_request_export"),
    path("people/requests/<int:pk>/erase/", views.data_request_erase,
         name="data_request_erase"),
]
