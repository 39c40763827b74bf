from django.urls import path

from membership.views import exports as export_views
from membership.views import organisations as views

urlpatterns = [
    path("streets/", views.street_list, name="street_list"),
    path("streets/<int:pk>/", views.street_detail, name="street_detail"),
    path("streets/<int:pk>/edit/", views.street_edit, name="street_edit"),
    path("communities/<int:pk>/", views.community_detail, name="community_detail"),
    path("communities/<int:pk>/edit/", views.community_edit, name="community_edit"),
    path("unions/", views.union_list, name="union_list"),
    path("unions/new/", views.union_create, name="union_create"),
    path("unions/export.xlsx", export_views.union_export, name="union_export"),
    path("unions/<int:pk>/", views.union_detail, name="union_detail"),
    path("unions/<int:pk>/edit/", views.union_edit, name="union_edit"),
    path("federations/", views.federation_list, name="federation_list"),
    path("federations/<int:pk>/", views.federation_detail, name="federation_detail"),
]
