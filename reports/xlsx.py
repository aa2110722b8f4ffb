"""The .xlsx files the bot sends, written by rustpy-xlsxwriter (rust_xlsxwriter, the Rust
sibling of XlsxWriter, under a Python API): sheets of rows under a bold header row, panes
frozen below it, a filter over the columns, fitted widths, numbers and date-times with their
number formats.

Each sheet goes to the writer in one call and is written in Rust row after row (its
constant-memory mode, texts inline, memory flat): about 1.3 µs of CPU a cell where XlsxWriter's
Python took 10 (bench/export.py). This module only prepares each column once (texts Excel
refuses cleaned, the number format its cells take) and measures the widths cheaply. Pure: no
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
# A line break in a cell is "\n": a "\r" is written as "_x000D_", which openpyxl (the import)
# reads back as those letters.
_RETURN = re.compile(r"\r\n?")
DATE_TIME_FORMAT = "yyyy-mm-dd h:mm:ss"  # a date-time in a column without a format of its own
DATE_FORMAT = "yyyy-mm-dd"
CELL_TEXT_MAX = 32_767  # Excel's limit for one cell
# A width is stored with 5 px of padding on 7 px a digit (Calibri 11): asked this much less,
# the file stores exactly the width measured.
_PADDING = 5 / 7
_WRITTEN_AS_THEY_ARE = frozenset({str, int, float, bool, datetime, date, type(None)})
_WIDE = re.compile("[\u1100-\U0010ffff]")  # counted two columns wide


@dataclass(frozen=True)
class Sheet:
    """One sheet: `headers` (bold, frozen, filtered; no two alike), then `rows` of values
    (str, int, float, bool, datetime, date; None, NaN and infinities are empty cells, other
    kinds their text); `formats`: a number format by column index, for the numbers, date-times
    and dates in it (a column without one: DATE_TIME_FORMAT for date-times, else DATE_FORMAT
    for dates); `widths` in characters (`fitted_widths`); `filtered`: a filter over the
    columns."""

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


def _clean(text: str) -> str:
    return _RETURN.sub("\n", ILLEGAL_CHARACTERS.sub("", text))


def _clean_texts(values: Sequence[Any]) -> Sequence[Any]:
    """A column's texts without characters Excel refuses, line breaks as "\n" (checked for
    the whole column at once: seldom any)."""
    texts = "".join(v for v in values if v.__class__ is str)
    if "\r" in texts or ILLEGAL_CHARACTERS.search(texts):
        return [_clean(v) if v.__class__ is str else v for v in values]
    return values


def _cells(values: Sequence[Any]) -> tuple[Sequence[Any], str | None]:
    """A column's values as the writer takes them (texts without characters Excel refuses,
    line breaks as "\n", no longer than a cell holds; a value of another kind as its text),
    and the number format its date-times or dates take when the column has none of its own."""
    kinds = set(map(type, values))
    if kinds - _WRITTEN_AS_THEY_ARE:
        values = [v if v.__class__ in _WRITTEN_AS_THEY_ARE else str(v) for v in values]
        kinds = set(map(type, values))
    if str in kinds:
        values = _clean_texts(values)
        if max(len(v) for v in values if v.__class__ is str) > CELL_TEXT_MAX:
            values = [v[:CELL_TEXT_MAX] if v.__class__ is str else v for v in values]
    moment = DATE_TIME_FORMAT if datetime in kinds else DATE_FORMAT if date in kinds else None
    return values, moment


def _records(headers: list[str], columns: list[Sequence[Any]]) -> Iterable[dict[str, Any]]:
    """The rows as the writer takes them, by header, made as it writes them (at `save`); no
    rows: one of empty cells, so the header row is written alone."""
    if not columns:
        return [dict.fromkeys(headers)]
    return (dict(zip(headers, row, strict=True)) for row in zip(*columns, strict=True))


def write_workbook(sheets: Sequence[Sheet], path_or_buffer: Any | IO[bytes]) -> None:
    """Write `sheets` as one .xlsx file to a path or a binary buffer."""
    import rustpy_xlsxwriter as xlsx  # only a file needs it: not held by the bot from its start

    book = xlsx.FastExcel(path_or_buffer, output_format="xlsx")
    header = xlsx.Format().set_bold().set_align("vcenter")
    for sheet in sheets:
        headers = [_clean(str(text)) for text in sheet.headers]
        if len(set(headers)) < len(headers):  # a record's keys are the headers
            raise ValueError(f"sheet {sheet.title!r}: two columns under one header")
        columns, formats = [], []
        for i, values in enumerate(zip(*sheet.rows, strict=True) if sheet.rows else ()):
            values, moment = _cells(values)
            columns.append(values)
            own = sheet.formats.get(i) or moment  # one format a column, its cells take it
            formats.append(xlsx.Format().set_num_format(own) if own else xlsx.Format())
        book.sheet(sheet.title, _records(headers, columns), header_format=header, column_formats=formats or None,
                   column_widths=[max(0.0, w - _PADDING) for w in sheet.widths],
                   autofilter=sheet.filtered and bool(headers))
        book.freeze(row=1, sheet=sheet.title)
    # A date-time is written as its wall-clock time (a spreadsheet has no time zones); NaN
    # and infinities are left empty.
    book.save()
