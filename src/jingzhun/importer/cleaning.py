"""Clean one cell of a registry file into the value its field stores, or say why it cannot be stored faithfully.

Free of Django so the rules can be property-tested and fuzzed. A cell arrives as what the reader produced: text
(CSV, or a text cell of a workbook), a number (float or int), a bool, or a date/datetime (calamine reads a
workbook's cached values, so a formula arrives as its result). Each ``clean_*`` function returns the field's value
(None for an empty cell) or raises :class:`CleanError` with a stable reason code; nothing else ever escapes.

>>> clean_int("１２ ")
12
>>> clean_bool("√"), clean_date("2020年1月5日").isoformat()
(True, '2020-01-05')
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from stdnum.cn import ric

# Reason codes (stable: the report, the docs and the tests use them).
UNKNOWN_VALUE = "unknown_value"
BAD_NUMBER = "bad_number"
BAD_DATE = "bad_date"
BAD_BOOL = "bad_bool"
ID_AS_NUMBER = "id_as_number"
TOO_MANY_DECIMALS = "too_many_decimals"
OUT_OF_RANGE = "out_of_range"
TOO_LONG = "too_long"


class CleanError(ValueError):
    """A cell that cannot be stored faithfully; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def clean_text(value: object) -> str:
    """Return the text of a cell: NFKC (full-width digits and letters folded), trimmed; integral numbers without .0.

    >>> clean_text(" ＡＢ１２ "), clean_text(511823100201.0)
    ('AB12', '511823100201')
    """
    if value is None:
        return ""
    if type(value) is str and value.isascii():  # ASCII is its own NFKC form: the common cell skips normalizing
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return format(value, ".15g") if math.isfinite(value) else ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def clean_header(value: object) -> str:
    """Return a header cell as a key: NFKC, with every kind of whitespace (line breaks in wrapped headers) removed."""
    return _squeezed(value)


def _squeezed(value: object, *, upper: bool = False) -> str:
    """Return the cleaned text with all whitespace removed (and upper-cased), normalized again until it is stable.

    Removing a space or changing case can leave a combining mark next to a new base letter, which NFKC then
    composes: one more pass would change the text, so the loop runs until it does not (cleaning is idempotent).
    """
    text = clean_text(value)
    for _ in range(4):
        squeezed = "".join(text.split())
        squeezed = unicodedata.normalize("NFKC", squeezed.upper() if upper else squeezed)
        if squeezed == text:
            break
        text = squeezed
    return text


# Excel keeps 15 significant digits: an 18-digit ID typed as a number comes back as 5.11823E+17 or with its last
# three digits zeroed. Either way the digits are lost, and guessing them would invent a person.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_EXCEL_NUMBER_LIMIT = 10**15


def clean_id(value: object) -> str:
    """Return an ID number as text: folded, spaces removed, a final x upper-cased; reject one Excel made a number.

    A well-formed but wrong number (bad check digit, impossible date, wrong length) is returned as it is: storing it
    lets the DQ checks report it. Rejected: a numeric cell of 16 or more digits, scientific notation, and an
    18-digit number ending in 000 whose check digit fails (the signature of Excel's lost digits).

    >>> clean_id("51182319900101123x")
    '51182319900101123X'
    """
    if isinstance(value, bool):
        raise CleanError(BAD_NUMBER)
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) >= _EXCEL_NUMBER_LIMIT or value != int(value):
            raise CleanError(ID_AS_NUMBER)
        return str(int(value))
    text = _squeezed(value, upper=True)
    if _SCIENTIFIC.match(text):
        raise CleanError(ID_AS_NUMBER)
    if len(text) == 18 and text.isdigit() and text.endswith("000") and ric.calc_check_digit(text) != "0":
        raise CleanError(ID_AS_NUMBER)
    return text


TRUE_WORDS = frozenset({"是", "Y", "YES", "1", "√", "✓", "✔", "TRUE", "对"})
FALSE_WORDS = frozenset({"否", "N", "NO", "0", "×", "✗", "✘", "X", "FALSE", "不是"})


def clean_bool(value: object) -> bool | None:
    """Return True/False for 是/否, Y/N, 1/0, √/×, TRUE/FALSE (and a workbook's boolean or 1/0 cells)."""
    if isinstance(value, bool):
        return value
    text = clean_text(value).upper()
    if not text:
        return None
    if text.endswith(".0") and text[:-2] in ("0", "1"):
        text = text[:-2]
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CleanError(BAD_BOOL)


_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _number_text(value: object, text: str | None = None) -> str:
    """The number a cell holds, as text; ``text`` is the cell's clean_text when the caller has it already."""
    if isinstance(value, bool):
        raise CleanError(BAD_NUMBER)
    if isinstance(value, float) and not math.isfinite(value):
        raise CleanError(BAD_NUMBER)
    if isinstance(value, int | float):
        # A workbook shows 15 significant digits: a formula's 0.30000000000000004 is the 0.3 the office sees.
        return str(value) if isinstance(value, int) else format(value, ".15g")
    text = "".join((clean_text(value) if text is None else text).split())
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        raise CleanError(BAD_NUMBER)
    return text


def clean_decimal(value: object, places: int = 2, digits: int = 14) -> Decimal | None:
    """Return a number (text or numeric cell; 1,234.50 grouping allowed) as a Decimal with at most ``places`` decimals.

    More decimals than the field keeps, or more digits than it holds, cannot be stored faithfully: rejected.
    """
    text = clean_text(value)
    if text == "":
        return None
    text = _number_text(value, text)
    if "e" in text.lower():  # a float too large or too small to be an amount
        raise CleanError(OUT_OF_RANGE)
    step = Decimal(1).scaleb(-places)
    try:
        number = Decimal(text)
        fitted = number.quantize(step)
    except InvalidOperation:
        raise CleanError(OUT_OF_RANGE) from None
    if fitted != number:
        raise CleanError(TOO_MANY_DECIMALS)
    if len(fitted.as_tuple().digits) > digits:
        raise CleanError(OUT_OF_RANGE)
    return fitted


def clean_int(value: object, maximum: int = 32767) -> int | None:
    """Return a whole number from 0 to ``maximum`` (text "12", "12.0", "１２" or a numeric cell)."""
    text = clean_text(value)
    if text == "":
        return None
    text = _number_text(value, text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CleanError(BAD_NUMBER) from None
    if number != number.to_integral_value():
        raise CleanError(BAD_NUMBER)
    if not 0 <= number <= maximum:
        raise CleanError(OUT_OF_RANGE)
    return int(number)


EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's phantom 1900-02-29 is accounted for
_SERIAL_MAX = 2958465  # 9999-12-31
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:0{2}(?::0{2}(?:\.0+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def clean_date(value: object) -> dt.date | None:
    """Return a date: a date cell, an Excel serial, 2020-01-05, 2020/1/5, 2020.1.5, 2020年1月5日 or 20200105.

    A bare number of up to 7 digits is an Excel serial (a CSV saved from a date column formatted as General).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CleanError(BAD_DATE)
    text = " ".join(clean_text(value).split())
    if not text:
        return None
    serial: float | None = None
    if isinstance(value, int | float):
        serial = float(value)
    elif re.fullmatch(r"\d{1,7}(\.0+)?", text) and len(text.split(".")[0]) != 8:
        serial = float(text)
    if serial is not None:
        if serial != int(serial) or not 1 <= serial <= _SERIAL_MAX:
            raise CleanError(BAD_DATE)
        return EXCEL_EPOCH + dt.timedelta(days=int(serial))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                raise CleanError(BAD_DATE) from None
    raise CleanError(BAD_DATE)


def clean_choice(value: object, allowed: frozenset[str] | tuple[str, ...]) -> str:
    """Return the value if it is one of ``allowed`` (after folding and trimming), "" for an empty cell."""
    text = clean_text(value)
    if not text:
        return ""
    if text in allowed:
        return text
    squeezed = "".join(text.split())  # 长期 慢性病 typed with a stray space
    if squeezed in allowed:
        return squeezed
    raise CleanError(UNKNOWN_VALUE)


_MULTI_SPLIT = re.compile(r"[、,;\s]+")  # NFKC has already folded ，and ；


def split_multi(value: object) -> list[str]:
    """Split a multi-valued cell on 、，, ; and spaces; empty parts dropped, order kept, repeats removed."""
    parts = [part for part in _MULTI_SPLIT.split(clean_text(value)) if part]
    return list(dict.fromkeys(parts))


def clean_multi(value: object, allowed: tuple[str, ...], separator: str = ",") -> str:
    """Return the values of a multi-valued cell in the enumeration's order, joined by ``separator``."""
    parts = split_multi(value)
    unknown = [part for part in parts if part not in allowed]
    if unknown:
        raise CleanError(UNKNOWN_VALUE)
    chosen = set(parts)
    return separator.join(option for option in allowed if option in chosen)


def clean_limited_text(value: object, max_length: int) -> str:
    """Return cleaned text, rejecting what the field cannot hold whole (cutting it would lose data)."""
    text = clean_text(value)
    if len(text) > max_length:
        raise CleanError(TOO_LONG)
    return text
