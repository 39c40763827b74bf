"""URLs of the members pages."""

urlpatterns = []
