"""The API's JSON parser (settings.REST_FRAMEWORK): DRF's, with two limits checked before
the body is decoded, each answered with HTTP 400 in the API's error shape
(hedong_union/api_errors.py):

- a body longer than API_MAX_BODY_BYTES (code `too_large`); no more than that is read;
- arrays and objects nested deeper than API_MAX_JSON_DEPTH (code `too_deep`), counted on
  the raw bytes, so Python's recursive decoder never meets a body that would exhaust its
  stack.
"""

import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

# A JSON string, or an unterminated one to the end of the body (so that no quote is ever
# scanned twice: the scan stays linear whatever the body).
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.S)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(raw):
    """How deep arrays and objects nest in the JSON text `raw` (bytes)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    return max(accumulate(_STEP[b] for b in brackets), default=0)


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise ParseError(_("The request body is larger than %(max)s bytes.")
                             % {"max": f"{limit:,}"}, code="too_large")
        depth = settings.API_MAX_JSON_DEPTH
        if json_depth(raw) > depth:
            raise ParseError(_("The JSON body nests more than %(max)s levels deep.")
                             % {"max": depth}, code="too_deep")
        try:
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(raw.decode(encoding), parse_constant=parse_constant)
        except ValueError as error:  # DRF's own answer to JSON that does not parse
            raise ParseError(f"JSON parse error - {error}") from None
