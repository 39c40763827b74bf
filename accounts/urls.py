from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("login/second-factor/", views.second_factor_verify, name="second_factor_verify"),
    path("login/second-factor/setup/", views.second_factor_setup, name="second_factor_setup"),
    path("soon/<slug:slug>/", views.feature_unavailable, name="feature_unavailable"),
    path("help/", views.help_page, name="help"),
]
