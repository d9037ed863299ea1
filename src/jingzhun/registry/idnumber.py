"""Parse resident ID numbers (GB 11643, 公民身份号码) into the facts the registry stores beside them.

Checksum and date parsing are python-stdnum's (``stdnum.cn.ric``); this module only decides what to
store: the normalized number, whether it is valid, why not, and the birth date and sex it encodes. A number
with a bad check digit still encodes a birth date and sex, which DQ-002 compares with what was recorded.

This module does not import Django, so the importer, the synthetic generator and the engine can use it.

>>> info = parse("11010519491231002X")
>>> info.valid, info.birth_date.isoformat(), info.sex
(True, '1949-12-31', '女')
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric

# Short, stable error codes stored in Person.id_error (and shown, translated, to users).
ERROR_LENGTH = "length"
ERROR_FORMAT = "format"
ERROR_DATE = "date"
ERROR_CHECKSUM = "checksum"
ERROR_CODES = (ERROR_LENGTH, ERROR_FORMAT, ERROR_DATE, ERROR_CHECKSUM)

MALE = "男"
FEMALE = "女"


@dataclass(frozen=True, slots=True)
class IdInfo:
    """What an ID number says about its holder, and whether it is valid."""

    number: str
    valid: bool
    error: str | None
    birth_date: dt.date | None
    sex: str | None


def normalize(raw: object) -> str:
    """Return the ID number with full-width characters folded, spaces removed and a final x upper-cased."""
    if type(raw) is str and raw.isascii():  # its own NFKC form (the common case: an import parses millions)
        return raw.strip().replace(" ", "").upper()
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().replace(" ", "")
    return text.upper()


def _birth_date(number: str) -> dt.date | None:
    """The birth date digits 7–14 of a normalized 18-digit number (what ric.get_birth_date reads, without its
    compact() pass over the whole number again: an import parses a million of them)."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def parse(raw: object) -> IdInfo:
    """Parse an 18-character ID number; never raises for bad input, reports it in ``error`` instead.

    The checks are stdnum's (length, digits, check digit, birth date) without its birth-place lookup: a
    person born before a county was renamed keeps the old code only if the card was first issued before
    the change, so a "place not valid in the birth year" verdict is wrong for many real cards.
    """
    number = normalize(raw)
    if len(number) != 18:
        return IdInfo(number, False, ERROR_LENGTH, None, None)
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdInfo(number, False, ERROR_FORMAT, None, None)
    sex = MALE if int(number[16]) % 2 else FEMALE
    birth_date = _birth_date(number)
    if number[17] != ric.calc_check_digit(number):
        error: str | None = ERROR_CHECKSUM
    elif birth_date is None or birth_date > dt.date.today():
        error = ERROR_DATE
    else:
        error = None
    return IdInfo(number, error is None, error, birth_date, sex)


def make(region6: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid ID number from a 6-digit region code, a birth date and a 3-digit sequence.

    Odd sequences are male, even are female (GB 11643). Used by the synthetic generator and by tests.
    """
    body = f"{region6}{birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Return the age in whole years on ``day`` (the day before a birthday counts as the younger age)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def mask(number: str | None, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """Mask the middle of an ID number or phone number: 5118**********123X."""
    if not number:
        return ""
    if len(number) <= keep_start + keep_end:
        return "*" * len(number)
    return number[:keep_start] + "*" * (len(number) - keep_start - keep_end) + number[-keep_end:]
