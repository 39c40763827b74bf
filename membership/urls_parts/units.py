"""URLs of the units pages."""

urlpatterns = []
