"""URLs of the workers pages."""

urlpatterns = []
