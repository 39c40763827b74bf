"""The membership app's URLs, one module per area (membership/urls_parts/)."""

from membership.urls_parts import (
    dues,
    exports,
    imports,
    members,
    organisations,
    units,
    workers,
)

app_name = "membership"
urlpatterns = (
    organisations.urlpatterns + units.urlpatterns + workers.urlpatterns
    + members.urlpatterns + imports.urlpatterns + exports.urlpatterns
    + dues.urlpatterns
)
