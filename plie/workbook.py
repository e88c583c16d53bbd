"""Excel files written row by row, with the formatting people expect and nothing unsafe.

XlsxWriter's constant-memory mode writes each row to a temporary file as soon as the next one
starts, with its strings inline: memory does not grow with the rows. What it cannot do in that
mode (fit the widths) is done here by remembering each column's longest value as rows go by.

Every cell goes through `Sheet.append`:
- numbers are numbers, dates and instants real Excel dates (instants in Paris time);
- text is always text: text beginning with = + - @ (or a tab or carriage return) is written as
  a string with Excel's quote prefix, so that neither opening nor editing the cell turns it
  into a formula (the "CSV injection" of spreadsheets);
- characters that XML 1.0, hence Excel, refuses are removed, and text longer than a cell can
  hold is cut, rather than making the export fail.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

import xlsxwriter

from plie.dates import PARIS

MAX_CELL_TEXT = 32_767
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Control characters other than tab, line feed and carriage return, lone surrogates, and the
# two non-characters U+FFFE and U+FFFF: XML 1.0 forbids them all.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MIN_WIDTH, MAX_WIDTH = 8, 60


def clean_text(value: str) -> str:
    """Text without the characters Excel refuses, no longer than one cell can hold."""
    return ILLEGAL_CHARACTERS.sub("", value)[:MAX_CELL_TEXT]


class _CleanedText(dict):
    """clean_text for the labels that come back on every row, computed once each."""

    def __missing__(self, value: str) -> tuple[str, bool, int]:
        text = clean_text(value)
        width = max(len(part) for part in text.split("\n")) if "\n" in text else len(text)
        entry = (text, is_formula_like(text), width)
        if len(self) < 20_000:
            self[value] = entry
        return entry


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


@dataclass(frozen=True)
class Column:
    title: str
    width: int | None = None  # fixed width; None: fitted to the longest value


class Workbook:
    """One .xlsx file, streamed to `output` (a path or a binary file object)."""

    def __init__(self, output):
        self.book = xlsxwriter.Workbook(
            output,
            {
                "constant_memory": True,
                # Never guess: text stays text, whatever it looks like.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.formats = {
            "header": self.book.add_format(
                {"bold": True, "bg_color": "#DDE4EE", "bottom": 1, "text_wrap": True}
            ),
            "title": self.book.add_format({"bold": True, "font_size": 14}),
            "bold": self.book.add_format({"bold": True}),
            "date": self.book.add_format({"num_format": "dd/mm/yyyy"}),
            "datetime": self.book.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
            "quoted": self.book.add_format({"quote_prefix": True}),
            "wrap": self.book.add_format({"text_wrap": True, "valign": "top"}),
        }

    def sheet(self, name: str) -> "Sheet":
        return Sheet(self, self.book.add_worksheet(name))

    def close(self) -> None:
        self.book.close()


class Sheet:
    """A worksheet filled from top to bottom: optional title lines, a header, then rows."""

    def __init__(self, workbook: Workbook, worksheet):
        self.formats = workbook.formats
        self.worksheet = worksheet
        self.row = 0
        self.widths: dict[int, int] = {}
        self.fixed: dict[int, int] = {}
        self.header_row: int | None = None
        self.texts = _CleanedText()
        self.columns = 0

    def title(self, text: str) -> None:
        self.worksheet.write_string(self.row, 0, clean_text(text), self.formats["title"])
        self.row += 1

    def line(self, *values, bold: bool = False, fit: bool = False) -> None:
        """A line outside the table (notes, labels); its text does not widen the columns."""
        self._write(values, self.formats["bold"] if bold else None, fit=fit)

    def blank(self) -> None:
        self.row += 1

    def header(self, columns: list[Column]) -> None:
        """Bold header, frozen above the rows that follow; the autofilter starts here."""
        self.header_row = self.row
        self.columns = len(columns)
        for index, column in enumerate(columns):
            self.worksheet.write_string(self.row, index, column.title, self.formats["header"])
            if column.width:
                self.fixed[index] = column.width
            self._measure(index, len(column.title) + 2)
        self.worksheet.freeze_panes(self.row + 1, 0)
        self.row += 1

    def append(self, values) -> None:
        self._write(values, None, fit=True)

    def _write(self, values, base_format, *, fit: bool) -> None:
        widths = self.widths
        for index, value in enumerate(values):
            width = self._cell(index, value, base_format)
            if fit and width > widths.get(index, 0):
                widths[index] = width
        self.row += 1

    def _cell(self, column: int, value, base_format) -> int:
        write, row = self.worksheet, self.row
        if type(value) is str:
            text, formula_like, width = self.texts[value]
            if formula_like:
                write.write_string(row, column, text, self.formats["quoted"])
            else:
                write.write_string(row, column, text, base_format)
            return width
        if value is None:
            return 0
        if isinstance(value, bool):
            value = "Oui" if value else "Non"
        if isinstance(value, int | float):
            write.write_number(row, column, value, base_format)
            return len(f"{value}")
        if isinstance(value, datetime):
            naive = value.astimezone(PARIS).replace(tzinfo=None)
            write.write_datetime(row, column, naive, self.formats["datetime"])
            return 16
        if isinstance(value, date):
            write.write_datetime(
                row, column, datetime(value.year, value.month, value.day), self.formats["date"]
            )
            return 10
        return self._cell(column, str(value), base_format)

    def _measure(self, column: int, width: int) -> None:
        if width > self.widths.get(column, 0):
            self.widths[column] = width

    def finish(self) -> None:
        """Fit the widths and put the autofilter on the table, once every row is written."""
        for column, width in self.widths.items():
            fitted = self.fixed.get(column) or min(max(width + 1, MIN_WIDTH), MAX_WIDTH)
            self.worksheet.set_column(column, column, fitted)
        if self.header_row is not None and self.columns:
            last_row = max(self.row - 1, self.header_row)
            self.worksheet.autofilter(self.header_row, 0, last_row, self.columns - 1)
