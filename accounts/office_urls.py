"""The district office's own pages: user accounts and API keys (accounts/office_views.py).
The programme settings are under subsidies/; the access log and the person's rights
under privacy/."""

from django.urls import path

from accounts import office_views as views

app_name = "office"
urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/second-factor/reset/", views.user_second_factor_reset,
         name="user_second_factor_reset"),
    path("api-keys/", views.api_key_list, name="api_key_list"),
    path("api-keys/new/", views.api_key_create, name="api_key_create"),
    path("api-keys/<str:prefix>/", views.api_key_detail, name="api_key_detail"),
    path("api-keys/<str:prefix>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("security/", views.security, name="security"),
]
