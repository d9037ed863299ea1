"""ID numbers: validation, derivation of birth date and sex, normalization and masking."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from jingzhun.registry import idnumber

VALID = "11010519491231002X"


def test_a_valid_number_yields_birth_date_and_sex():
    info = idnumber.parse(VALID)
    assert info.valid and info.error is None
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "女"


def test_full_width_digits_spaces_and_lowercase_x_are_normalized():
    info = idnumber.parse(" １１０１０５１９４９１２３１００２x ")
    assert info.number == VALID and info.valid


def test_a_wrong_check_digit_is_invalid_but_still_says_birth_date_and_sex():
    info = idnumber.parse(VALID[:-1] + "1")
    assert not info.valid and info.error == "checksum"
    assert info.birth_date == dt.date(1949, 12, 31) and info.sex == "女"


def test_an_impossible_birth_date_is_invalid():
    body = "11010519490231003"  # 31 February
    number = body + idnumber.ric.calc_check_digit(body + "0")
    info = idnumber.parse(number)
    assert not info.valid and info.error == "date" and info.birth_date is None


def test_a_birth_date_in_the_future_is_invalid():
    number = idnumber.make("110105", dt.date.today() + dt.timedelta(days=400), 11)
    assert idnumber.parse(number).error == "date"


def test_wrong_length_and_letters_are_invalid():
    assert idnumber.parse("1101051949123100").error == "length"
    assert idnumber.parse("11010519491231A02X").error == "format"
    assert idnumber.parse("").error == "length"


def test_an_id_stored_as_a_number_by_excel_is_invalid():
    # Excel keeps 15 significant digits: 110105194912310000 → 1.10105194912310E+17
    assert not idnumber.parse("1.1010519491231E+17").valid


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_every_made_number_parses_back_to_its_parts(born, sequence):
    number = idnumber.make("110105", born, sequence)
    info = idnumber.parse(number)
    assert info.valid, number
    assert info.birth_date == born
    assert info.sex == ("男" if sequence % 2 else "女")


@given(st.text(max_size=30))
def test_parse_never_raises(text):
    info = idnumber.parse(text)
    assert info.valid in (True, False)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 1, 1)), st.integers(0, 120))
def test_age_on_counts_whole_years(born, years):
    try:
        birthday = born.replace(year=born.year + years)
    except ValueError:  # 29 February in a non-leap year
        return
    assert idnumber.age_on(born, birthday) == years
    assert idnumber.age_on(born, birthday - dt.timedelta(days=1)) == years - 1


def test_mask_keeps_only_the_ends():
    assert idnumber.mask(VALID) == "1101**********002X"
    assert idnumber.mask("13812345678", keep_start=3, keep_end=4) == "138****5678"
    assert idnumber.mask("") == ""
    assert idnumber.mask("1234") == "****"
