"""URLs of the units pages."""

from django.urls import path

from membership.views import units as views

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/search.json", views.unit_search, name="unit_search"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/founding/", views.unit_founding_step_add, name="unit_founding_step"),
    path("units/<int:pk>/notes/", views.unit_note_add, name="unit_note_add"),
    path("units/<int:pk>/transfer-members/", views.unit_members_transfer,
         name="unit_members_transfer"),
]
