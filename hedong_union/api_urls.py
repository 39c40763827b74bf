"""Version 1 of the portal's JSON API (mounted at /api/v1/; schema at /api/schema/).

One list of routes for every app's endpoints: add an endpoint here, next to the others.
"""

from django.urls import path

from applications import api as applications_api
from subsidies import api as subsidies_api

app_name = "api"
urlpatterns = [
    path("spring-return-claims/", subsidies_api.SpringReturnClaimCreate.as_view(),
         name="spring_return_claims"),
    path("applications/", applications_api.ApplicationCreate.as_view(), name="applications"),
    path("applications/<str:number>/status", applications_api.ApplicationStatus.as_view(),
         name="application_status"),
]
