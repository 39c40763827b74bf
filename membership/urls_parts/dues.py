"""URLs of the dues entry of a community for one month."""

from django.urls import path

from membership.views import dues as views

urlpatterns = [
    path("dues/", views.dues_entry, name="dues_entry"),
    path("communities/<int:pk>/dues/", views.community_dues, name="community_dues"),
]
