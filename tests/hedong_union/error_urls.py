"""A URLconf for tests of the error pages: the portal's own, plus views that fail."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from hedong_union.urls import (  # noqa: F401 - the error handlers are read from here
    handler400,
    handler403,
    handler404,
    handler500,
    urlpatterns,
)


def boom(request):
    raise RuntimeError("a bug in a view")


def suspicious(request):
    raise SuspiciousOperation("a tampered request")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [*urlpatterns,
               path("test-errors/boom/110101199003070011/", boom),
               path("test-errors/suspicious/", suspicious),
               path("test-errors/forbidden/", forbidden)]
