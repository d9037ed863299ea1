"""Each cleaning rule of the registry importer, and properties of the cleaning functions (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jingzhun.importer import cleaning
from jingzhun.importer.cleaning import CleanError
from jingzhun.importer.reading import GB18030, UTF8, UTF8_BOM, decode
from jingzhun.registry import idnumber

VALID_ID = idnumber.make("511823", dt.date(1990, 1, 1), 123)


def reason(function, *args) -> str:
    with pytest.raises(CleanError) as caught:
        function(*args)
    return caught.value.code


def test_full_width_digits_and_letters_become_half_width():
    assert cleaning.clean_text("ＡＢＣ１２３") == "ABC123"


def test_text_is_trimmed_of_spaces_including_ideographic_ones():
    assert cleaning.clean_text("\u3000 王建国 \t") == "王建国"


def test_an_integral_number_cell_reads_as_text_without_a_decimal_point():
    assert cleaning.clean_text(511823100201.0) == "511823100201"


def test_a_lowercase_x_in_an_id_number_is_upper_cased():
    assert cleaning.clean_id(VALID_ID[:17].lower() + "x") == VALID_ID[:17] + "X"


def test_an_id_number_with_full_width_digits_and_spaces_is_folded():
    wide = "".join(chr(ord(char) + 0xFEE0) for char in VALID_ID)
    assert cleaning.clean_id(f" {wide[:6]} {wide[6:]} ") == VALID_ID


def test_an_id_number_in_scientific_notation_is_rejected():
    assert reason(cleaning.clean_id, "5.11823E+17") == cleaning.ID_AS_NUMBER


def test_an_id_number_stored_as_a_number_by_excel_is_rejected():
    assert reason(cleaning.clean_id, 5.11823199001011e17) == cleaning.ID_AS_NUMBER


def test_an_id_number_with_its_last_digits_zeroed_by_excel_is_rejected():
    assert reason(cleaning.clean_id, VALID_ID[:15] + "000") == cleaning.ID_AS_NUMBER


def test_a_well_formed_id_number_with_a_bad_check_digit_is_kept_for_the_checks():
    wrong = VALID_ID[:17] + ("1" if VALID_ID[17] != "1" else "2")
    assert cleaning.clean_id(wrong) == wrong


def test_an_id_number_of_the_wrong_length_is_kept_for_the_checks():
    assert cleaning.clean_id(VALID_ID[:17]) == VALID_ID[:17]


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), (" １２ ", 12), ("12.0", 12), (12.0, 12), (7, 7)],
)
def test_whole_numbers_stored_as_text_or_numbers_are_read(text, value):
    assert cleaning.clean_int(text) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [("12.5", cleaning.BAD_NUMBER), ("abc", cleaning.BAD_NUMBER), ("-1", cleaning.OUT_OF_RANGE)],
)
def test_a_whole_number_field_rejects_what_is_not_one(text, code):
    assert reason(cleaning.clean_int, text) == code


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234.5", Decimal("1234.50")),
        ("1,234.50", Decimal("1234.50")),
        ("１２３", Decimal("123.00")),
        ("-300", Decimal("-300.00")),
        (0.30000000000000004, Decimal("0.30")),  # a formula's cached value, as Excel shows it
    ],
)
def test_amounts_stored_as_text_or_numbers_are_read(text, value):
    assert cleaning.clean_decimal(text) == value


def test_an_amount_with_more_decimals_than_the_field_keeps_is_rejected():
    assert reason(cleaning.clean_decimal, "12.345") == cleaning.TOO_MANY_DECIMALS


def test_an_amount_that_is_not_a_number_is_rejected():
    assert reason(cleaning.clean_decimal, "三千") == cleaning.BAD_NUMBER


def test_an_amount_too_large_for_the_field_is_rejected():
    assert reason(cleaning.clean_decimal, "1" * 15) == cleaning.OUT_OF_RANGE


@pytest.mark.parametrize(
    "cell",
    ["2020-01-05", "2020/1/5", "2020.1.5", "2020年1月5日", "20200105", "2020-01-05 00:00:00", 43835, "43835",
     dt.date(2020, 1, 5), dt.datetime(2020, 1, 5)],
)  # fmt: skip
def test_dates_in_the_common_spellings_and_excel_serials_are_read(cell):
    assert cleaning.clean_date(cell) == dt.date(2020, 1, 5)


@pytest.mark.parametrize("cell", ["2020-02-30", "yesterday", "2020/13/01", 0, "12.5"])
def test_what_is_not_a_date_is_rejected(cell):
    assert reason(cleaning.clean_date, cell) == cleaning.BAD_DATE


@pytest.mark.parametrize(("cell", "value"), [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True),
                                             ("0", False), ("√", True), ("×", False), (True, True), (1.0, True),
                                             ("", None)])  # fmt: skip
def test_yes_and_no_are_read_in_every_usual_spelling(cell, value):
    assert cleaning.clean_bool(cell) is value


def test_a_yes_no_field_rejects_other_words():
    assert reason(cleaning.clean_bool, "也许") == cleaning.BAD_BOOL


@pytest.mark.parametrize("cell", ["因病、因残", "因病，因残", "因病,因残", "因病;因残", "因病 因残", "因残；因病"])
def test_multi_valued_cells_are_split_on_every_usual_separator(cell):
    assert cleaning.clean_multi(cell, ("因病", "因残", "因学")) == "因病,因残"


def test_a_multi_valued_cell_with_an_unknown_value_is_rejected():
    assert reason(cleaning.clean_multi, "因病、因穷", ("因病", "因残")) == cleaning.UNKNOWN_VALUE


def test_an_enumeration_value_is_matched_after_folding_and_trimming():
    assert cleaning.clean_choice(" 脱贫户 ", ("脱贫户", "一般农户")) == "脱贫户"


def test_an_unknown_enumeration_value_is_rejected():
    assert reason(cleaning.clean_choice, "贫困户", ("脱贫户", "一般农户")) == cleaning.UNKNOWN_VALUE


def test_text_longer_than_its_field_is_rejected_rather_than_cut():
    assert reason(cleaning.clean_limited_text, "x" * 51, 50) == cleaning.TOO_LONG


def test_header_cells_lose_line_breaks_and_full_width_parentheses():
    assert cleaning.clean_header("取水往返时间\n（分钟）") == "取水往返时间(分钟)"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [("户编号".encode("utf-8-sig"), UTF8_BOM), ("户编号".encode(), UTF8), ("户编号".encode("gb18030"), GB18030)],
)
def test_csv_text_is_decoded_and_the_encoding_is_named(data, encoding):
    assert decode(data) == ("户编号", encoding)


# Properties: the functions never raise anything but CleanError, and cleaning a clean value changes nothing.
cells = st.one_of(
    st.text(),
    st.text(alphabet="0123456789０１２３.,-+eE年月日/ 、，xX是否√×"),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.booleans(),
    st.none(),
    st.dates(),
)


FUNCTIONS = (cleaning.clean_text, cleaning.clean_id, cleaning.clean_bool, cleaning.clean_int, cleaning.clean_decimal,
             cleaning.clean_date, cleaning.clean_header)  # fmt: skip


def _result(function, cell):
    try:
        return function(cell)
    except CleanError as exc:
        return exc


@given(cells)
def test_cleaning_never_raises_anything_but_a_clean_error(cell):
    for function in (*FUNCTIONS, cleaning.split_multi):
        _result(function, cell)
    _result(lambda value: cleaning.clean_choice(value, ("是", "否")), cell)
    _result(lambda value: cleaning.clean_multi(value, ("因病", "因残")), cell)


@settings(max_examples=500)
@given(cells)
@example("U¯")  # NFKC turns the macron into a space and a combining mark: removing the space composes Ū
def test_cleaning_is_idempotent(cell):
    for function in FUNCTIONS:
        once = _result(function, cell)
        if not isinstance(once, CleanError):
            assert function(once) == once, function.__name__


@given(st.text(alphabet="因病残学、，,; "))
def test_multi_valued_cleaning_is_idempotent(cell):
    once = _result(lambda value: cleaning.clean_multi(value, ("因病", "因残", "因学")), cell)
    if not isinstance(once, CleanError):
        assert cleaning.clean_multi(once, ("因病", "因残", "因学")) == once


# The importer's column cleaners take a fast path for the plain ASCII spellings of the cells unique to a row (ID
# number, name, birth date, amounts); they must return exactly what the reference functions return, errors included.
def _outcome(function, cell):
    result = _result(function, cell)
    return ("error", result.code) if isinstance(result, CleanError) else ("value", type(result), result)


SPELLINGS = [VALID_ID, VALID_ID[:17].lower() + "x", VALID_ID[:15] + "000", "5.11823E+17", "5E17", "１２.５", "1,234.50",
             "1.", ".5", "0.0", "00012.30", "45292", "2020年1月5日", "王建国", "Ａ王", "a" * 60, "2020-02-30",
             "２０２０-01-05", "2020-1-5"]  # fmt: skip
_digits = st.text(alphabet="0123456789", min_size=1, max_size=20)
fast_path_cells = st.one_of(
    cells,
    _digits,
    st.builds(lambda a, b: f"{a}.{b}", _digits, _digits),  # amounts, with too many decimals or digits too
    st.builds(lambda a, b: f"{a}{b}", st.sampled_from(["", " ", "+", "-", "１", "0"]), _digits),
    st.builds(lambda a, b: f"{a}{b}", _digits, st.sampled_from(["x", "X", "E17", "e5", "000", " ", "Ｘ"])),
    st.builds(lambda d: d.isoformat(), st.dates()),
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)),
    st.builds(lambda d, sep: d.isoformat().replace("-", sep), st.dates(), st.sampled_from(["/", ".", "", "年"])),
    st.sampled_from(SPELLINGS),
)


@settings(max_examples=1000)
@given(fast_path_cells)
def test_the_importers_fast_cleaners_agree_with_the_reference_functions(cell):
    from jingzhun.importer.registry_file import _fast_date, _fast_decimal, _fast_id, _fast_text

    pairs = [
        (_fast_id(18), lambda value: cleaning.clean_limited_text(cleaning.clean_id(value), 18)),
        (_fast_id(32), lambda value: cleaning.clean_limited_text(cleaning.clean_id(value), 32)),
        (_fast_text(50), lambda value: cleaning.clean_limited_text(value, 50)),
        (_fast_decimal(2, 14), lambda value: cleaning.clean_decimal(value, 2, 14)),
        (_fast_decimal(2, 4), lambda value: cleaning.clean_decimal(value, 2, 4)),
        (_fast_decimal(0, 5), lambda value: cleaning.clean_decimal(value, 0, 5)),
        (_fast_date, cleaning.clean_date),
    ]
    for fast, reference in pairs:
        assert _outcome(fast, cell) == _outcome(reference, cell)
