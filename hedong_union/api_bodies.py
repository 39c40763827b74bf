"""The request bodies of the API: DRF serializers check the JSON types, the services and
forms keep the rules, so the API and the pages refuse the same values with the same
messages.

- The body is a JSON object, or HTTP 400 `parse_error` as for JSON that does not parse.
- `Text` is a JSON string PostgreSQL can hold (no NUL, no lone surrogate); `Flag` is a
  JSON true or false; `TextOrNumber` also takes a JSON number (as text). Anything else is
  `invalid`, field by field.
- A missing value is blank (`""`, or false for a flag; a null text too), never DRF's
  "required": which fields are required is the service's or form's rule, with its own
  message. `required=True` on a field says so in the OpenAPI document.
- `documented_as` is the DRF field that describes the value in the OpenAPI document (a
  date, a decimal, a choice, a length) when the rules that check it are the service's.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator


class RequestBody(serializers.Serializer):
    def run_validation(self, data=empty):
        if not isinstance(data, Mapping):
            raise ParseError(_("The body must be a JSON object."))
        return super().run_validation(data)


class BodyField(serializers.Field):
    blank = None
    documented_by_default = None  # the DRF field class describing a plain value

    def __init__(self, *, documented_as=None, **kwargs):
        self.documented_as = documented_as or self.documented_by_default()
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is empty:
            return True, self.blank
        return False, data

    def to_representation(self, value):
        return value


# Django's and DRF's own checks of text PostgreSQL cannot hold (a NUL, a lone surrogate);
# their refusal becomes the field's "invalid".
_STORABLE = (ProhibitNullCharactersValidator(), ProhibitSurrogateCharactersValidator())


def _storable(text):
    try:
        for check in _STORABLE:
            check(text)
    except (DjangoValidationError, serializers.ValidationError):
        return False
    return True


class Text(BodyField):
    blank = ""
    documented_by_default = serializers.CharField
    default_error_messages = {"invalid": _("This field must be text.")}

    def validate_empty_values(self, data):
        return (True, self.blank) if data is None else super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _storable(data):
            self.fail("invalid")
        return data


class TextOrNumber(Text):
    default_error_messages = {"invalid": _("This field must be text or a number.")}

    def to_internal_value(self, data):
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return str(data)
        return super().to_internal_value(data)


class Flag(BodyField):
    blank = False
    documented_by_default = serializers.BooleanField
    default_error_messages = {"invalid": _("This field must be true or false.")}

    def to_internal_value(self, data):
        if data is True or data is False:  # not "yes", 1 or null, which BooleanField takes
            return data
        self.fail("invalid")


class BodyFieldScheme(OpenApiSerializerFieldExtension):
    """A body field in the OpenAPI document: as its `documented_as` field."""

    target_class = BodyField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        documented_as = self.target.documented_as
        schema = auto_schema._map_serializer_field(documented_as, direction)
        auto_schema._insert_field_validators(documented_as, schema)
        return schema
