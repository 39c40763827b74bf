"""URLs of the workers pages."""

from django.urls import path

from membership.views import workers as views

urlpatterns = [
    path("workers/", views.worker_list, name="worker_list"),
    path("workers/<int:pk>/", views.worker_detail, name="worker_detail"),
    path("workers/<int:pk>/full/", views.worker_full, name="worker_full"),
    path("workers/<int:pk>/edit/", views.worker_edit, name="worker_edit"),
]
