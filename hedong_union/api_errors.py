"""One error shape for every JSON endpoint of the portal's API:

    {"errors": [{"field": "fare", "code": "invalid", "message": "请填写票价……"}]}

`field` is null for an error about the whole request. DRF's own errors (bad JSON, a wrong
method or media type) take the same shape through `exception_handler`, set in
settings.REST_FRAMEWORK.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hedong_union.errors import rate_limited_message
from hedong_union.public import retry_after

NON_FIELD = "__all__"


class ApiError(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ApiErrors(serializers.Serializer):
    """The error body in the OpenAPI schema, one component shared by every endpoint."""

    errors = ApiError(many=True)


def errors_schema(description):
    return OpenApiResponse(ApiErrors, description=description)


def error(field, code, message):
    return {"field": None if field in (None, NON_FIELD, "non_field_errors") else field,
            "code": code or "invalid", "message": str(message)}


def error_response(errors, *, status, headers=None):
    return Response({"errors": errors}, status=status, headers=headers)


def errors_from_form(form):
    """A Django form's errors, each with its field and code."""
    return [error(field, item.code, message)
            for field, items in form.errors.as_data().items()
            for item in items for message in item.messages]


def errors_from_validation(exc, *, default_code):
    """A service's django ValidationError, field by field where it names fields."""
    if hasattr(exc, "error_dict"):
        return [error(field, item.code or default_code, message)
                for field, items in exc.error_dict.items()
                for item in items for message in item.messages]
    return [error(None, item.code or default_code, message)
            for item in exc.error_list for message in item.messages]


def _from_detail(detail, field=None):
    if isinstance(detail, dict):
        return [e for key, value in detail.items() for e in _from_detail(value, key)]
    if isinstance(detail, list):
        return [e for value in detail for e in _from_detail(value, field)]
    return [error(field, getattr(detail, "code", None), detail)]


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None:
        data = response.data
        if isinstance(data, dict) and set(data) == {"detail"}:
            data = data["detail"]
        response.data = {"errors": _from_detail(data)}
    return response


def too_many_requests(request):
    """HTTP 429 of the API, when a rate limit turned the request away: Retry-After and the
    message give the wait of the limit (hedong_union.public.over_limits)."""
    return error_response(
        [error(None, "rate_limited", rate_limited_message(request))],
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(retry_after(request))})
