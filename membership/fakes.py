"""Synthetic but valid identifiers for demo data, tests and benchmarks (real check digits,
made-up people). Never used on real data."""

from datetime import date, timedelta

from stdnum import luhn
from stdnum.cn import ric, uscc

HEDONG_REGION = "120102"
# Region codes of the hukou provinces most migrant workers in Tianjin come from.
REGIONS = ["120102", "120105", "130102", "130602", "370102", "371302", "410102", "411502",
           "340102", "500101", "510104", "230102", "150102", "140105", "220102", "620102"]
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def resident_id(rng, *, region=None, birth_date=None):
    """A valid 18-character resident ID number."""
    region = region or rng.choice(REGIONS)
    birth_date = birth_date or date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
    body = f"{region}{birth_date:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(rng, *, authority="9", kind="1"):
    """A valid unified social credit code of a Hedong unit."""
    body = authority + kind + HEDONG_REGION + "".join(rng.choice(_USCC_CHARS) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def card_number(rng, *, length=19, bin_="621799"):
    """A member service card number passing the Luhn check."""
    body = bin_ + "".join(str(rng.randrange(10)) for _ in range(length - len(bin_) - 1))
    return body + luhn.calc_check_digit(body)


def phone(rng):
    return f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"
