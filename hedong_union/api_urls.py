"""Version 1 of the portal's JSON API (mounted at /api/v1/; schema at /api/schema/).

One list of routes for every app's endpoints: add an endpoint here, next to the others.
"""

from django.urls import path

from subsidies import api as subsidies_api

app_name = "api"
urlpatterns = [
    path("spring-return-claims/", subsidies_api.SpringReturnClaimCreate.as_view(),
         name="spring_return_claims"),
]
