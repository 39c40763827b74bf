"""URLs of the imports pages."""

from django.urls import path

from membership.views import imports as views

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/status.json", views.import_status, name="import_status"),
    path("imports/<int:pk>/import/", views.import_start, name="import_start"),
    path("imports/<int:pk>/bad-rows.xlsx", views.import_bad_rows, name="import_bad_rows"),
]
