"""URLs of the exports pages."""

from django.urls import path

from membership.views import exports as views

urlpatterns = [
    path("units/export.xlsx", views.unit_export, name="unit_export"),
    path("workers/export.xlsx", views.worker_export, name="worker_export"),
    path("members/export.xlsx", views.member_export, name="member_export"),
]
