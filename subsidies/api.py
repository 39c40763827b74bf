"""`POST /api/v1/spring-return-claims/` for the city's platform (issue 5 §4).

The member identifies as on the public page (ID number and the card's last 6 digits) and
the claim is checked by the same forms and the same service, so the page and the API can
never disagree. Answers: 201 with the claim's number and state; 400 for a request that is
malformed or has bad fields; 401 without a valid API key of the calling system
(`Authorization: Api-Key <key>`, accounts/api_keys.py); 422 when identification fails or the rules refuse the claim;
409 for 名额已满 (the quota is a state of the server, not a fault of the request:
docs/decisions.md); 429 when rate-limited. Errors: hedong_union/api_errors.py.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_keys import ApiKeyAuthentication, HasApiKey
from hedong_union.api_bodies import RequestBody, Text, TextOrNumber
from hedong_union.api_errors import (
    error,
    error_response,
    errors_from_form,
    errors_from_validation,
    errors_schema,
    too_many_requests,
)
from subsidies import selectors, services
from subsidies.forms import SpringReturnApiForm
from hedong_union.public import over_limits
from subsidies.views.public import identification_failed_message, identify_limited


class SpringReturnClaimRequest(RequestBody):
    """The request body: its JSON types are checked here, its rules by SpringReturnApiForm
    (the page's checks)."""

    id_number = Text(help_text="The member's 18-character resident ID number.")
    card_last6 = Text(documented_as=serializers.CharField(min_length=6, max_length=6),
                      help_text="The last 6 digits of the member service card.")
    fare = TextOrNumber(
        documented_as=serializers.DecimalField(max_digits=8, decimal_places=2),
        help_text="The fare on the ticket, in yuan; 300 at most is paid.")
    ticket_number = Text(documented_as=serializers.CharField(max_length=40))
    trip_date = Text(documented_as=serializers.DateField(),
                     help_text="The date of the return trip (YYYY-MM-DD).")


class SpringReturnClaimCreated(serializers.Serializer):
    number = serializers.CharField(help_text="The claim number given to the member.")
    state = serializers.CharField(help_text="pending: waits for the district office's review.")
    state_label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=8, decimal_places=2,
                                      help_text="The amount due: the fare, capped.")


class SpringReturnClaimCreate(APIView):
    # The calling system shows its key (accounts/api_keys.py); the member identifies in the
    # body. No session, so no CSRF.
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]

    @extend_schema(
        operation_id="spring_return_claim_create",
        summary="Claim the spring-return subsidy (春节平安返津) for a member",
        request=SpringReturnClaimRequest,
        responses={
            201: SpringReturnClaimCreated,
            400: errors_schema("Malformed JSON, a missing field or a badly formed value."),
            401: errors_schema("No API key, or an unknown or revoked one."),
            409: errors_schema("名额已满: the year's quota is full (code quota_full)."),
            422: errors_schema("Identification failed, or the rules refuse the claim."),
            429: errors_schema("Too many requests from this API key, or too many identifications "
                                "of this ID number (code rate_limited)."),
        },
        examples=[OpenApiExample("A claim", request_only=True, value={
            "id_number": "41010219700101001X", "card_last6": "123456", "fare": "235.50",
            "ticket_number": "G1234-0567", "trip_date": "2026-02-25"})],
    )
    def post(self, request):
        # The calling system's own limit, per key: the city's platform posts for many
        # members from one address.
        if over_limits(request._request, [(
                "subsidies-api", lambda group, _request: f"key:{request.auth.pk}",
                "SUBSIDIES_API_RATE")], method="POST"):
            return too_many_requests(request._request)
        body = SpringReturnClaimRequest(data=request.data)
        body.is_valid(raise_exception=True)
        form = SpringReturnApiForm(body.validated_data)
        if not form.is_valid():
            return error_response(errors_from_form(form), status=status.HTTP_400_BAD_REQUEST)
        fields = form.cleaned_data
        if identify_limited(request._request, fields["id_number"]):  # with the page's
            return too_many_requests(request._request)
        member = selectors.member_identify(id_number=fields["id_number"],
                                           card_last6=fields["card_last6"])
        if member is None:
            return error_response(
                [error(None, "identification_failed", identification_failed_message())],
                status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        try:
            claim = services.spring_return_claim(
                member=member, fare=fields["fare"], ticket_number=fields["ticket_number"],
                trip_date=fields["trip_date"])
        except services.QuotaFull as full:
            return error_response([error(None, "quota_full", full)],
                                  status=status.HTTP_409_CONFLICT)
        except ValidationError as refused:
            return error_response(errors_from_validation(refused, default_code="refused"),
                                  status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(SpringReturnClaimCreated({
            "number": claim.number, "state": claim.state,
            "state_label": claim.get_state_display(), "amount": claim.amount}).data,
            status=status.HTTP_201_CREATED)
