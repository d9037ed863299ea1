"""What each rejection reason says to the office, in English msgids translated by the zh_Hans catalogue."""

from __future__ import annotations

import contextlib

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jingzhun.importer import cleaning
from jingzhun.importer import registry_file as rf

REASON_TEXT = {
    cleaning.UNKNOWN_VALUE: _("Not one of the allowed values of this column."),
    cleaning.BAD_NUMBER: _("Not a number."),
    cleaning.BAD_DATE: _("Not a date (write 2020-01-05, 2020/1/5, 2020年1月5日 or use a date cell)."),
    cleaning.BAD_BOOL: _("Not yes or no (write 是 or 否)."),
    cleaning.ID_AS_NUMBER: _(
        "The ID number was stored as a number by Excel and its last digits are lost; format the column as text "
        "and type the number again."
    ),
    cleaning.TOO_MANY_DECIMALS: _("More decimal places than the field keeps."),
    cleaning.OUT_OF_RANGE: _("The number is outside the range the field holds."),
    cleaning.TOO_LONG: _("The text is longer than the field holds."),
    rf.MISSING_REQUIRED: _("A required field is empty."),
    rf.HOUSEHOLD_CONFLICT: _("This household field differs from the household's first row (row %(detail)s)."),
    rf.DUPLICATE_PERSON: _("The same person appears twice in this household (first at row %(detail)s)."),
    rf.NOT_A_VILLAGE: _("The region code is not a village of the region hierarchy."),
    rf.OUTSIDE_SCOPE: _(
        "The household's village lies outside the region of the person importing the file (%(detail)s); an import "
        "from the web changes only households of the importer's own region."
    ),
    rf.HELD_BACK: _("Held back: another row of this household was rejected (row %(detail)s)."),
}
assert set(REASON_TEXT) == set(rf.REASONS), "every rejection reason needs its text"


def reason_text(reason: str, detail: str = "", language: str | None = None) -> str:
    """Return the reason in ``language`` (the active language when None)."""
    with translation.override(language) if language else contextlib.nullcontext():
        text = str(REASON_TEXT[reason])
    return text % {"detail": detail} if "%(detail)s" in text else text
