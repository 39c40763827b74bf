from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("", include("accounts.urls")),
    path("orgs/", include("membership.urls")),
    path("reports/", include("reporting.urls")),
    path("dashboard/", include("reporting.dashboard_urls")),
    path("subsidies/", include("subsidies.urls")),
    path("office/", include("accounts.office_urls")),
    path("office/", include("privacy.urls")),
    path("join/", include("applications.urls")),
    path("api/v1/", include("hedong_union.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# The portal's own error pages, in its look and in Chinese (hedong_union/errors.py).
handler400 = "hedong_union.errors.bad_request"
handler403 = "hedong_union.errors.permission_denied"
handler404 = "hedong_union.errors.page_not_found"
handler500 = "hedong_union.errors.server_error"
