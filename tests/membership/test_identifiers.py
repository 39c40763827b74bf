"""Check digits and formats of SPEC §3, §4 and §9, each with a bad value and its message."""

import random
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from membership import fakes
from membership.identifiers import (
    age_on,
    clean_card_number,
    clean_credit_code,
    clean_phone,
    clean_resident_id,
)
from membership.pii import mask_card, mask_id, mask_phone

RNG = random.Random(11643)
GOOD_ID = fakes.resident_id(RNG, region="500101", birth_date=date(1988, 2, 29))
GOOD_CODE = fakes.credit_code(RNG)
GOOD_CARD = fakes.card_number(RNG)


def _wrong_check(value, alphabet):
    return value[:-1] + next(c for c in alphabet if c != value[-1])


class TestResidentId:
    def test_a_good_number_gives_birth_date_sex_and_province(self):
        rid = clean_resident_id(GOOD_ID)
        assert rid.birth_date == date(1988, 2, 29)
        assert rid.province_code == "50"
        assert rid.sex == ("M" if int(GOOD_ID[16]) % 2 else "F")

    def test_chongqing_numbers_are_not_refused_for_their_region(self):
        """SPEC §9: code 50 exists since 1997; people born before carry it all the same."""
        number = fakes.resident_id(RNG, region="500101", birth_date=date(1975, 6, 1))
        assert clean_resident_id(number).number == number

    def test_lower_case_x_full_width_digits_and_spaces_are_fixed(self):
        number = next(n for n in (fakes.resident_id(RNG) for _ in range(500)) if n[-1] == "X")
        typed = " ".join(number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９"))) + " x"
        assert clean_resident_id(typed).number == number

    @pytest.mark.parametrize("bad,message", [
        (_wrong_check(GOOD_ID, "0123456789X"), "校验码"),
        (GOOD_ID[:17], "18"),
        ("11010119900230123X", "不是真实的日期"),
        ("1101011990A3074578", "17位数字"),
    ])
    def test_bad_numbers_are_refused_with_a_clear_message(self, bad, message):
        with pytest.raises(ValidationError) as error:
            clean_resident_id(bad)
        assert message in error.value.messages[0]

    def test_a_birth_date_in_the_future_is_refused(self):
        number = fakes.resident_id(RNG, birth_date=date(2030, 1, 1))
        with pytest.raises(ValidationError) as error:
            clean_resident_id(number, today=date(2026, 11, 28))
        assert "未来" in error.value.messages[0]


class TestCreditCode:
    def test_a_good_code(self):
        assert clean_credit_code(GOOD_CODE.lower()) == GOOD_CODE

    def test_a_code_of_another_registration_authority_starting_with_a_letter(self):
        code = fakes.credit_code(RNG, authority="Y", kind="1")
        assert clean_credit_code(code) == code

    @pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
    def test_a_letter_outside_the_set_is_named(self, letter):
        bad = GOOD_CODE[:10] + letter + GOOD_CODE[11:]
        with pytest.raises(ValidationError) as error:
            clean_credit_code(bad)
        assert letter in error.value.messages[0]

    def test_a_wrong_check_character(self):
        with pytest.raises(ValidationError) as error:
            clean_credit_code(_wrong_check(GOOD_CODE, "0123456789ABCDEFGHJKLMNPQRTUWXY"))
        assert "校验" in error.value.messages[0]

    def test_a_short_code(self):
        with pytest.raises(ValidationError) as error:
            clean_credit_code(GOOD_CODE[:17])
        assert "18" in error.value.messages[0]


class TestPhoneAndCard:
    def test_a_good_phone(self):
        assert clean_phone("138 0022 1234") == "13800221234"

    @pytest.mark.parametrize("bad", ["1380022123", "12800221234", "138002212345", "电话"])
    def test_bad_phones(self, bad):
        with pytest.raises(ValidationError) as error:
            clean_phone(bad)
        assert "11位" in error.value.messages[0]

    def test_a_good_card(self):
        assert clean_card_number(GOOD_CARD) == GOOD_CARD

    def test_a_card_failing_luhn(self):
        with pytest.raises(ValidationError) as error:
            clean_card_number(_wrong_check(GOOD_CARD, "0123456789"))
        assert "校验" in error.value.messages[0]

    @pytest.mark.parametrize("bad", ["123456789012345", "12345678901234567890", "6217abcd"])
    def test_a_card_of_the_wrong_length(self, bad):
        with pytest.raises(ValidationError):
            clean_card_number(bad)


def test_masks_show_only_what_the_spec_allows():
    """SPEC §8: ID first 2 and last 4, phone 138****1234, card last 4."""
    assert mask_id("12010219900307123X") == "12************123X"
    assert mask_phone("13800221234") == "138****1234"
    assert mask_card("6217991706690743916") == "****3916"


@pytest.mark.parametrize("birth,day,age", [
    (date(2010, 5, 20), date(2026, 5, 19), 15),
    (date(2010, 5, 20), date(2026, 5, 20), 16),
    (date(2008, 2, 29), date(2024, 2, 28), 15),
    (date(2008, 2, 29), date(2024, 2, 29), 16),
    (date(2008, 2, 29), date(2025, 3, 1), 17),
])
def test_age_on_a_date(birth, day, age):
    assert age_on(birth, day) == age
