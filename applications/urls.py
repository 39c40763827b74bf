"""URLs of online applications: the public form, its outcome and the status lookup (no
account), the posters, and the street's review. The API is in hedong_union/api_urls.py."""

from django.urls import path, re_path

from applications.views import posters, public, review

app_name = "applications"
urlpatterns = [
    # Workers, without an account
    path("", public.apply, name="apply"),
    path("done/", public.submitted, name="submitted"),
    path("status/", public.status, name="status"),
    path("employers.json", public.employers, name="employers"),
    # Posters: the list for staff; the posters themselves are public
    path("posters/", posters.poster_list, name="poster_list"),
    re_path(r"^posters/(?P<kind>community|street)/(?P<pk>[0-9]{1,9})/$", posters.poster,
            name="poster"),
    re_path(r"^posters/(?P<kind>community|street)/(?P<pk>[0-9]{1,9})/qr\.(?P<fmt>png|svg)$",
            posters.poster_qr, name="poster_qr"),
    # Street staff review; the office too; the leadership group reads
    path("review/", review.application_list, name="list"),
    path("review/bulk/", review.application_bulk_review, name="bulk_review"),
    path("review/<int:pk>/", review.application_detail, name="detail"),
    path("review/<int:pk>/full/", review.application_full, name="full"),
    path("review/<int:pk>/correct/", review.application_correct, name="correct"),
    path("review/<int:pk>/approve/", review.application_approve, name="approve"),
    path("review/<int:pk>/reject/", review.application_reject, name="reject"),
]
