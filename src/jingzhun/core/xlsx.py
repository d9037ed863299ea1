"""Writing .xlsx within Excel's limits, so that no row is lost without a word.

A sheet holds 1,048,576 rows, and xlsxwriter *ignores* a cell written below the last one (its ``write_*`` methods
return -1 instead of raising): an export of 1.2 million findings into one sheet would end with the first 1,048,575
and no error. And a sheet of a million persons is over 4 GB of XML, which a zip archive holds only with its ZIP64
extensions: without them xlsxwriter raises ``FileSizeError`` when the workbook is closed, after every row was
written.

So every workbook jingzhun writes comes from ``workbook()`` (ZIP64 allowed: Python's zipfile writes the ZIP64
records only for a member that needs them, so a small workbook is byte for byte what it was), and a table that may
be long is written through ``Sheets``, which goes on in a sheet "name (2)", "name (3)" … with the header again
when one is full. A file meant to be imported again (the registry export, the generator's files) must be one
sheet, since the importer reads the first: it calls ``Sheets(…, spill=False)`` and gets ``TooManyRows`` instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

#: Rows of one sheet, the header included (Excel's limit, and xlsxwriter's ``xls_rowmax``).
MAX_ROWS = 1_048_576


class TooManyRows(ValueError):
    """A table that must be one sheet has more rows than a sheet holds."""

    def __init__(self, limit: int | None = None):
        limit = limit or MAX_ROWS
        super().__init__(
            _(
                "An .xlsx sheet holds at most %(rows)s rows below its header, and this table has more. "
                "Export it as .csv or .parquet instead."
            )
            % {"rows": f"{limit - 1:,}"}
        )


def workbook(target, options: dict | None = None):
    """An ``xlsxwriter.Workbook`` writing to ``target`` (a path or a binary file), numbers kept as text where they
    are text, ZIP64 allowed; ``options`` go to xlsxwriter as they are."""
    import xlsxwriter

    return xlsxwriter.Workbook(target, {"strings_to_numbers": False, "use_zip64": True, **(options or {})})


class Sheets:
    """The rows of one table, over as many sheets as Excel's row limit needs.

    ``start(sheet)`` writes a new sheet's header (and sets its widths, frozen panes …); the first sheet is made at
    once, so an empty table still has its header. ``next()`` returns the sheet and row index for the next row. The
    first sheet is called ``name``, the next ones ``name (2)``, ``name (3)`` … (Excel allows 31 characters).
    With ``spill=False`` a row beyond the first sheet raises ``TooManyRows``. The limit is ``MAX_ROWS`` as it is
    when the table begins (tests lower it).
    """

    def __init__(self, book, name: str, start: Callable, *, spill: bool = True):
        self.book, self.name, self.start, self.spill, self.limit = book, name, start, spill, MAX_ROWS
        self.sheets: list = []
        self._new_sheet()

    def _new_sheet(self) -> None:
        number = len(self.sheets) + 1
        suffix = f" ({number})" if number > 1 else ""
        sheet = self.book.add_worksheet(self.name[: 31 - len(suffix)].rstrip() + suffix)
        self.start(sheet)
        self.sheets.append(sheet)
        self.row = 0

    def next(self):
        """(sheet, row index) for the next row of the table."""
        if self.row + 1 >= self.limit:
            if not self.spill:
                raise TooManyRows(self.limit)
            self._new_sheet()
        self.row += 1
        return self.sheets[-1], self.row

    @property
    def rows(self) -> int:
        """Rows written so far (headers not counted)."""
        return (len(self.sheets) - 1) * (self.limit - 1) + self.row
