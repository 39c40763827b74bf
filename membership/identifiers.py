"""Checks of the identifiers in SPEC §3, §4 and §9, on python-stdnum's algorithms.

Each `clean_*` takes what a person typed and returns the stored form, or raises a
ValidationError whose message the user reads. Typing noise a careful clerk would fix
(spaces, full-width characters, a lower-case x) is fixed, not refused.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

_USCC_ALPHABET = set("0123456789ABCDEFGHJKLMNPQRTUWXY")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_text(value):
    """Full-width to half-width (NFKC), surrounding and inner spaces removed."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


@dataclass(frozen=True)
class ResidentId:
    number: str  # 18 characters, upper-case X
    birth_date: date
    sex: str  # "M" or "F": odd order code for men (GB 11643-1999)
    province_code: str  # first two digits


def clean_resident_id(value, *, today=None):
    """GB 11643-1999: 17 digits, a real birth date not in the future, ISO 7064 check.

    The region code is not checked against the codes in force (SPEC §9): real numbers
    carry codes created or abolished since, and a union cannot refuse a worker for that.
    """
    number = ric.compact(normalise_text(value))
    if not number:
        raise ValidationError(_("Enter the ID number."), code="required")
    if len(number) != 18:
        raise ValidationError(_("An ID number has 18 characters; this one has %(n)d.")
                              % {"n": len(number)}, code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An ID number is 17 digits and a final digit or X."),
                              code="format")
    try:
        birth_date = ric.get_birth_date(number)
    except StdnumError:
        raise ValidationError(_("The birth date in this ID number is not a real date."),
                              code="birth_date") from None
    if birth_date > (today or timezone.localdate()):
        raise ValidationError(_("The birth date in this ID number is in the future."),
                              code="birth_date")
    if birth_date.year < 1900:
        raise ValidationError(_("The birth date in this ID number is not a real date."),
                              code="birth_date")
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError(_("The check digit of this ID number is wrong; please check "
                                "the number again."), code="checksum")
    return ResidentId(
        number=number, birth_date=birth_date,
        sex="M" if int(number[16]) % 2 else "F", province_code=number[:2],
    )


def clean_credit_code(value):
    """GB 32100-2015: 18 characters of 0-9A-HJ-NP-RTUWXY with a mod-31 check character.

    Positions 3-8 are the region code (digits). The first two may be letters (e.g. Y for
    "other registration authority"), which stdnum's validate would refuse, so only its
    check-character algorithm is used.
    """
    code = uscc.compact(normalise_text(value))
    if not code:
        raise ValidationError(_("Enter the unified social credit code."), code="required")
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters; this one "
                                "has %(n)d.") % {"n": len(code)}, code="length")
    bad = sorted(set(code) - _USCC_ALPHABET)
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain %(chars)s (the letters I, O, S, V "
              "and Z are never used).") % {"chars": "、".join(bad)}, code="alphabet")
    if not code[2:8].isdigit():
        raise ValidationError(_("Characters 3 to 8 of a unified social credit code are the "
                                "region code and must be digits."), code="format")
    if code[-1] != uscc.calc_check_digit(code[:-1]):
        raise ValidationError(_("The check character of this unified social credit code is "
                                "wrong; please check the code again."), code="checksum")
    return code


def clean_phone(value):
    """A mainland mobile number: 1, then 3-9, then 9 more digits."""
    phone = normalise_text(value).removeprefix("+86").replace("-", "")
    if not phone:
        raise ValidationError(_("Enter the mobile phone number."), code="required")
    if not _MOBILE.fullmatch(phone):
        raise ValidationError(_("A mobile phone number has 11 digits and starts with 13 to "
                                "19."), code="format")
    return phone


def clean_card_number(value):
    """A member service card: 16 to 19 digits passing the Luhn check."""
    card = normalise_text(value).replace("-", "")
    if not card:
        raise ValidationError(_("Enter the member service card number."), code="required")
    if not card.isdigit() or not 16 <= len(card) <= 19:
        raise ValidationError(_("A member service card number has 16 to 19 digits."),
                              code="format")
    if not luhn.is_valid(card):
        raise ValidationError(_("This card number fails the card's check digit; please check "
                                "it again."), code="checksum")
    return card


def age_on(birth_date, day):
    """Whole years between `birth_date` and `day` (a birthday on 29 February counts on 1 March
    in common years)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
