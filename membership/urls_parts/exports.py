"""URLs of the exports pages."""

urlpatterns = []
