"""The dashboards' URLs, in their own namespace (the reports' pages are in `reporting`)."""

from django.urls import path

from reporting import dashboard_views as views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("streets/<int:pk>/", views.street, name="street"),
    path("communities/<int:pk>/", views.community, name="community"),
    path("refresh/", views.refresh, name="refresh"),
]
