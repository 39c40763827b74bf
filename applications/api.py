"""The application API for the city's platform (issue 4 §7):

- `POST /api/v1/applications/`: the public form's fields as JSON, checked by the same
  service as the page (applications.services.application_submit), so the two never
  disagree. 201 with the new number; 200 with the pending application of the same ID
  number, or with the union of an active member, only when the phone is the one on record;
  200 with outcome "referred" and a message, the same for a member, a pending applicant or
  a registry worker, when the ID number is known with another phone (docs/decisions.md);
  400 for a body that is not a JSON object
  or a field that is missing, malformed or refused; 413 for a body over
  APPLICATIONS_MAX_BODY_BYTES; 429 when rate-limited.
- `GET /api/v1/applications/{number}/status?id_last6=...`: the status, the reason of a
  rejection, or the member number and union once approved; 404 when number and ID
  characters do not match (the same answer whatever was wrong); 429, with the true wait,
  once the address's look-ups or its failures on this number, or the number's failures,
  are used up (a right answer is never refused by the number's limit).

Errors: hedong_union/api_errors.py.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import selectors, services
from applications.consent import CONSENT_VERSION
from applications.views.public import (
    body_too_large,
    lookup_failed,
    lookup_refused,
    not_found_message,
    rate_limited,
    referred_message,
)
from hedong_union.api_bodies import Flag, RequestBody, Text
from hedong_union.api_errors import (
    error,
    error_response,
    errors_from_validation,
    errors_schema,
    too_many_requests,
)
from membership.identifiers import normalise_text
from membership.models import Community, OccupationGroup, Street, Unit
from membership.pii import mask_card


class ApplicationRequest(RequestBody):
    """The request body: its JSON types are checked here, its rules by the service
    (application_submit), as for the page."""

    name = Text(documented_as=serializers.CharField(max_length=50),
                help_text="As on the ID card.")
    id_number = Text(help_text="The 18-character resident ID number.")
    phone = Text(help_text="Mainland mobile number, 11 digits.")
    card_number = Text(
        required=False, help_text="Optional: the member service card number, 16 to 19 "
                                  "digits (Luhn check); bound to the membership on "
                                  "approval.")
    scattered = Flag(
        help_text="true for scattered employment (no employer); then employer_credit_code "
                  "is left out.")
    employer_credit_code = Text(
        required=False, help_text="The employer's unified social credit code, of a unit "
                                  "known to the portal.")
    occupation_group = Text(documented_as=serializers.ChoiceField(
        choices=OccupationGroup.values))
    street = Text(help_text="Street name, with or without 街道 / 街.")
    community = Text(help_text="Community name, inside that street.")
    declared = Flag(help_text="The eligibility declaration; must be true.")
    consented = Flag(
        help_text="Consent to the processing of personal information; must be true.")
    consent_version = Text(
        help_text=f"The version of the consent text shown to the applicant "
                  f"(current: {CONSENT_VERSION}).")


class ApplicationAnswer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["created", "existing", "member", "referred"],
        help_text="created: a new application; existing: the pending application of this "
                  "ID number and phone; member: already an active member with this phone "
                  "(only the union is told); referred: the ID number cannot apply online "
                  "with this phone, whatever the reason (the message says what to do).")
    number = serializers.CharField(required=False, help_text="The application number.")
    status = serializers.CharField(required=False)
    status_label = serializers.CharField(required=False)
    union = serializers.CharField(required=False, help_text="For outcome member.")
    message = serializers.CharField(required=False, help_text="For outcome referred.")


class ApplicationStatusAnswer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "approved", "rejected"])
    status_label = serializers.CharField()
    reject_reason = serializers.CharField(allow_blank=True)
    member_number = serializers.CharField(allow_blank=True)
    union = serializers.CharField(allow_blank=True)
    card_bound = serializers.BooleanField(
        help_text="Once approved: whether a member service card is bound (no payment "
                  "without one).")
    card = serializers.CharField(allow_blank=True,
                                 help_text="The bound card's last 4 digits, masked.")
    bind_card_at = serializers.CharField(
        allow_blank=True, help_text="Approved without a card: the street federation to "
                                    "take the card to.")


def _resolve_places(values):
    """Street and community by name, employer by credit code (SPEC §11: a street's name
    with or without its suffix); errors for names the portal does not know."""
    errors, resolved = [], {"street": None, "community": None, "employer": None}
    if values["street"].strip():
        try:
            resolved["street"] = Street.objects.by_name(values["street"].strip())
        except Street.DoesNotExist:
            errors.append(error("street", "unknown", _("There is no street of this name in "
                                                       "the district.")))
    name = values["community"].strip()
    if name:
        communities = Community.objects.filter(name=name).select_related("street")
        inside = [c for c in communities if resolved["street"]
                  and c.street_id == resolved["street"].pk]
        # A community of another street is passed on: the service refuses the pair.
        resolved["community"] = (inside or list(communities) or [None])[0]
        if resolved["community"] is None:
            errors.append(error("community", "unknown", _("There is no community of this "
                                                          "name in the district.")))
    if not values["scattered"]:
        code = normalise_text(values["employer_credit_code"]).upper()
        if not code:
            errors.append(error("employer_credit_code", "required", _(
                "Give the employer's credit code, or set scattered to true.")))
        else:
            resolved["employer"] = Unit.objects.filter(credit_code=code).first()
            if resolved["employer"] is None:
                errors.append(error("employer_credit_code", "unknown", _(
                    "No unit with this credit code is known; ask the street federation.")))
    return resolved, errors


class ApplicationCreate(APIView):
    authentication_classes = []  # public, as the page; no session, no CSRF
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="application_create",
        summary="Apply to join a union (网上申请入会) for a worker",
        request=ApplicationRequest,
        responses={
            201: ApplicationAnswer,
            200: OpenApiResponse(ApplicationAnswer, description="The pending application "
                                 "of the same ID number, or the union of an active member, "
                                 "for the phone on record; else outcome referred."),
            400: errors_schema("Not a JSON object, or a field missing, malformed or "
                               "refused (field and code say which)."),
            413: errors_schema("The body is larger than the limit (code too_large)."),
            429: errors_schema("Too many requests from this address (code rate_limited)."),
        },
        examples=[OpenApiExample("A scattered worker", request_only=True, value={
            "name": "李春生", "id_number": "120102199003070012", "phone": "13812345678",
            "scattered": True, "occupation_group": "food_delivery", "street": "大王庄",
            "community": "大王庄社区", "declared": True, "consented": True,
            "consent_version": CONSENT_VERSION})],
    )
    def post(self, request):
        if body_too_large(request._request):
            return error_response(
                [error(None, "too_large", _("The request is too large."))],
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        if rate_limited(request._request, "submit"):
            return too_many_requests(request._request)
        body = ApplicationRequest(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        places, errors = _resolve_places(values)
        if errors:
            return error_response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            outcome = services.application_submit(
                name=values["name"], id_number=values["id_number"], phone=values["phone"],
                card_number=values.get("card_number") or "", employer=places["employer"], street=places["street"],
                community=places["community"], occupation_group=values["occupation_group"],
                declared=values["declared"], consented=values["consented"],
                consent_version=values["consent_version"])
        except ValidationError as refused:
            return error_response(errors_from_validation(refused, default_code="invalid"),
                                  status=status.HTTP_400_BAD_REQUEST)
        if outcome.kind == "referred":
            return Response({"outcome": "referred",
                             "message": referred_message(places["street"])})
        if outcome.kind == "member":
            return Response({"outcome": "member", "union": outcome.union_name})
        application = outcome.application
        return Response({"outcome": outcome.kind, "number": application.number,
                         "status": application.status,
                         "status_label": application.get_status_display()},
                        status=status.HTTP_201_CREATED if outcome.kind == "created"
                        else status.HTTP_200_OK)


class ApplicationStatus(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="application_status",
        summary="The status of an application",
        parameters=[OpenApiParameter("id_last6", str, required=True,
                                     description="The last 6 characters of the applicant's "
                                                 "ID number (x or X).")],
        responses={
            200: ApplicationStatusAnswer,
            400: errors_schema("id_last6 missing."),
            404: errors_schema("No application matches this number and these ID "
                               "characters."),
            429: errors_schema("Too many requests (code rate_limited)."),
        },
    )
    def get(self, request, number):
        if lookup_refused(request._request):
            return too_many_requests(request._request)
        last6 = request.query_params.get("id_last6", "")
        if not last6:
            return error_response([error("id_last6", "required", _(
                "Enter the last 6 characters of your ID number."))],
                status=status.HTTP_400_BAD_REQUEST)
        application = selectors.status_lookup(number=number, id_last6=last6)
        if application is None:
            if lookup_failed(request._request):
                return too_many_requests(request._request)
            return error_response([error(None, "not_found", not_found_message())],
                                  status=status.HTTP_404_NOT_FOUND)
        member = application.member
        card_bound = bool(member and member.card_hmac)
        return Response({
            "number": application.number, "status": application.status,
            "status_label": application.get_status_display(),
            "reject_reason": application.reject_reason,
            "member_number": member.member_number if member else "",
            "union": member.union.name if member and member.union else "",
            "card_bound": card_bound,
            "card": mask_card(member.card_number) if card_bound else "",
            "bind_card_at": (application.street.federation_name
                             if member and not card_bound else ""),
        })
