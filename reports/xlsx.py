"""The .xlsx files the bot sends, written by XlsxWriter: sheets of rows under a bold header row,
panes frozen below it, a filter over the columns, fitted widths, numbers and date-times with
their number formats.

XlsxWriter runs in its `constant_memory` mode (a row is written out once the next one starts,
texts inline), so a ledger of 20,000 projects and 420,000 cells keeps memory flat. This module
only chooses each column's writer and format once and measures the widths cheaply. Pure: no
storage, no Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

MAX_WIDTH = 60  # a column is never wider than this many characters
MIN_WIDTH = 8
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # refused by Excel in a cell
# A line break in a cell is "\n": XlsxWriter writes a "\r" as "_x000D_", which openpyxl (the
# import) reads back as those letters.
_RETURN = re.compile(r"\r\n?")
DATE_TIME_FORMAT = "yyyy-mm-dd h:mm:ss"  # a date-time in a column without a format of its own
DATE_FORMAT = "yyyy-mm-dd"
DIGIT_PIXELS = 7  # Calibri 11's digit: a width of w characters is 7·w pixels in the file
_WIDE = re.compile("[\u1100-\U0010ffff]")  # counted two columns wide
_INF = float("inf")


@dataclass(frozen=True)
class Sheet:
    """One sheet: `headers` (bold, frozen, filtered), then `rows` of values (str, int, float,
    bool, datetime, date or None for an empty cell); `formats`: a number format by column
    index, for the numbers and date-times in it; `widths` in characters (`fitted_widths`);
    `filtered`: a filter over the columns."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[float]
    formats: Mapping[int, str] = field(default_factory=dict)
    filtered: bool = True


def display_width(value: Any, cap: int = MAX_WIDTH) -> int:
    """How wide `value` shows: its first line, up to `cap` characters, a character from
    U+1100 on (CJK, full-width forms) counting two; a number with thousands separators."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else _number_text(value)
    line = text.partition("\n")[0][:cap]
    return len(line) if line.isascii() else 2 * len(line) - len(_WIDE.sub("", line))


def _number_text(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def fitted_widths(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Each column's width (`column_width`) for `rows` under `headers`."""
    columns = zip(*rows, strict=True) if rows else [()] * len(headers)
    return [column_width(h, values) for h, values in zip(headers, columns, strict=True)]


def _width_bound(text: str) -> int:
    """No less than `display_width(text)`: a character from U+1100 on takes at least three
    bytes in UTF-8, two more than it has columns beyond one."""
    size = len(text)
    return min(size + (len(text.encode("utf-8", "surrogatepass")) - size) // 2, 2 * MAX_WIDTH)


def column_width(header: str, values: Iterable[Any]) -> int:
    """A column's width: its widest cell (`display_width`) plus 2, from MIN_WIDTH to
    MAX_WIDTH. Texts are measured widest bound first (`_width_bound`), and only while one
    could still be wider than the widest so far."""
    full = MAX_WIDTH - 2
    widest = display_width(header)
    values = list(values)
    kinds = set(map(type, values)) - {type(None)}
    texts = set(values) - {None} if kinds == {str} else {v for v in values if v.__class__ is str}
    for text in sorted(texts, key=_width_bound, reverse=True):
        if _width_bound(text) <= widest or widest >= full:
            break
        widest = max(widest, display_width(text))
    if kinds - {str} and widest < full:
        numbers = {v for v in values if v.__class__ in (int, float)}
        others = {v for v in values if v is not None and v.__class__ not in (str, int, float)}
        if numbers:
            widest = max(widest, max(map(len, map("{:,}".format, numbers))))
        if others:
            widest = max(widest, max(map(display_width, others)))
    return min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))


def column_letter(index: int) -> str:
    """A, B, … Z, AA, … for the 0-based column `index`."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Cells:
    """How one column's values are written: a bulk writer when the column holds texts alone
    or finite numbers alone, else each value by its kind."""

    def __init__(self, sheet: Any, values: Sequence[Any], formats: tuple[Any, Any, Any]) -> None:
        self.sheet = sheet
        self.number_format, self.moment_format, self.date_format = formats
        kinds = set(map(type, values)) - {type(None)}
        if kinds == {str}:
            self.write = sheet.write_string
        elif kinds <= {int, float} and all(v == v and abs(v) != _INF
                                           for v in values if v is not None):
            self.write = self._number
        else:
            self.write = self._any

    def _number(self, row: int, col: int, value: float) -> None:
        self.sheet.write_number(row, col, value, self.number_format)

    def _any(self, row: int, col: int, value: Any) -> None:
        sheet = self.sheet
        if isinstance(value, str):
            sheet.write_string(row, col, value)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        elif isinstance(value, int | float):
            if value == value and abs(value) != _INF:  # NaN and infinities: left empty
                sheet.write_number(row, col, value, self.number_format)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, value, self.moment_format)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, self.date_format)
        else:
            sheet.write_string(row, col, _clean(str(value)))


def _clean(text: str) -> str:
    return _RETURN.sub("\n", ILLEGAL_CHARACTERS.sub("", text))


def _clean_texts(values: Sequence[Any]) -> Sequence[Any]:
    """A column's texts without characters Excel refuses, line breaks as "\n" (checked for
    the whole column at once: seldom any)."""
    texts = "".join(v for v in values if v.__class__ is str)
    if "\r" in texts or ILLEGAL_CHARACTERS.search(texts):
        return [_clean(v) if v.__class__ is str else v for v in values]
    return values


def _write_sheet(book: Any, sheet: Sheet, formats: dict[str, Any]) -> None:
    """One worksheet, row after row (constant_memory writes each row out once passed)."""
    ws = book.add_worksheet(sheet.title)
    count = len(sheet.headers)

    def fmt(number_format: str | None) -> Any:
        if number_format is None:
            return None
        if number_format not in formats:
            formats[number_format] = book.add_format({"num_format": number_format})
        return formats[number_format]

    # In pixels, so the file stores exactly `width` characters (set_column adds 5 px padding).
    for i, width in enumerate(sheet.widths):
        ws.set_column_pixels(i, i, round(width * DIGIT_PIXELS))
    ws.freeze_panes(1, 0)
    header = formats["header"]
    for i, text in enumerate(sheet.headers):
        ws.write_string(0, i, _clean(str(text)), header)
    columns = [_clean_texts(c) for c in zip(*sheet.rows, strict=True)] if sheet.rows else []
    writers = []
    for i, values in enumerate(columns):
        own = sheet.formats.get(i)
        cells = _Cells(ws, values, (fmt(own), fmt(own or DATE_TIME_FORMAT), fmt(own or DATE_FORMAT)))
        writers.append(cells.write)
    for r, row in enumerate(zip(*columns, strict=True), 1):
        for c, value in enumerate(row):
            if value is not None:
                writers[c](r, c, value)
    if sheet.filtered and count:
        ws.autofilter(0, 0, len(sheet.rows), count - 1)


def write_workbook(sheets: Sequence[Sheet], path_or_buffer: Any | IO[bytes]) -> None:
    """Write `sheets` as one .xlsx file to a path or a binary buffer."""
    import xlsxwriter  # only an export needs it: not held by the bot from its start

    # A date-time is written as its wall-clock time: a spreadsheet has no time zones.
    book = xlsxwriter.Workbook(path_or_buffer, {"constant_memory": True, "remove_timezone": True})
    formats = {"header": book.add_format({"bold": True, "valign": "vcenter"})}
    for sheet in sheets:
        _write_sheet(book, sheet, formats)
    book.close()
