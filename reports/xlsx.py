"""A small, fast .xlsx writer: sheets of rows under a bold header row, panes frozen below it, a
filter over the columns, fitted widths, numbers and date-times with their number formats.

It writes the ordinary SpreadsheetML parts (the ones openpyxl's write-only mode writes, text
as inline strings) as text, a cell being one formatted string: openpyxl builds a cell object,
its style and its XML element for each cell, about 25 µs, and a ledger of 20,000 projects has
420,000 cells. Pure: no storage, no Telegram; nothing but the standard library.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any

MAX_WIDTH = 60  # a column is never wider than this many characters
MIN_WIDTH = 8
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # refused by Excel in a cell
DATE_TIME_FORMAT = "yyyy-mm-dd h:mm:ss"  # a date-time in a column without a format of its own
DATE_FORMAT = "yyyy-mm-dd"
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                   "0.00%": 10, "0.00E+00": 11, "@": 49}
ROWS_PER_CHUNK = 2000  # rows joined and compressed at a time: memory stays flat
_WIDE = re.compile("[\u1100-\U0010ffff]")  # counted two columns wide
_EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's (Windows) date serials
_INF = float("inf")
_EDGE_SPACE = re.compile(r"(?:^|\0)\s|\s(?:\0|$)")  # a text starting or ending with a space
_PRESERVE = ' xml:space="preserve"'


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


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;") if "\r" in text else text


def _text_cell(ref: str, text: str, style: str = "") -> str:
    text = ILLEGAL_CHARACTERS.sub("", text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _serial(moment: datetime | date) -> float | int:
    """Excel's date serial of `moment` (naive: a spreadsheet has no time zones)."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    days = (moment.replace(tzinfo=None) - _EPOCH).days
    if 0 < days <= 60:  # Excel counts a 29 February 1900 that never was
        days -= 1
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
    return days + seconds / 86400 if seconds else days


class _Styles:
    """The cell formats the sheets use: 0 plain, 1 the header, then one per number format."""

    def __init__(self) -> None:
        self.formats: dict[str, int] = {}  # number format -> its xf index

    def of(self, number_format: str) -> str:
        """The ` s="N"` attribute of a cell with `number_format`."""
        index = self.formats.setdefault(number_format, len(self.formats) + 2)
        return f' s="{index}"'

    def xml(self) -> str:
        custom = {f: 164 + i for i, f in enumerate(f for f in self.formats
                                                   if f not in BUILTIN_FORMATS)}
        num_fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{_escape(f)}"/>'
                           for f, i in custom.items())
        xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
               '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
               'applyAlignment="1"><alignment vertical="center"/></xf>']
        for f in self.formats:
            xfs.append(f'<xf numFmtId="{BUILTIN_FORMATS.get(f, custom.get(f))}" fontId="0" '
                       'fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>')
        return (
            f'<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(custom)}">{num_fmts}</numFmts>' if custom else "")
            + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>")


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _column_cells(letter: str, values: Sequence[Any], styles: tuple[str, str, str],
                  first: int) -> list[str]:
    """The <c> elements of one column from row `first` on, "" for an empty cell (`styles`: the
    attributes of its numbers, date-times and dates). Texts or numbers alone go in bulk."""
    kinds = set(map(type, values)) - {type(None)}
    number_style, moment_style, date_style = styles
    if kinds == {str}:
        texts = _escaped(values)
        return [f'<c r="{letter}{n}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
                if text is not None else "" for n, (text, space) in enumerate(texts, first)]
    if kinds <= {int, float} and all(v == v and abs(v) != _INF for v in values if v is not None):
        return [f'<c r="{letter}{n}"{number_style} t="n"><v>{v!r}</v></c>'
                if v is not None else "" for n, v in enumerate(values, first)]
    cells = []
    for n, value in enumerate(values, first):
        ref = f"{letter}{n}"
        if value is None:
            cells.append("")
        elif isinstance(value, str):
            cells.append(_text_cell(ref, value))
        elif isinstance(value, bool):
            cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int | float):
            # NaN and infinities are no spreadsheet numbers: left empty
            ok = value == value and abs(value) != _INF
            cells.append(f'<c r="{ref}"{number_style} t="n"><v>{value!r}</v></c>' if ok else "")
        elif isinstance(value, datetime):
            cells.append(f'<c r="{ref}"{moment_style} t="n"><v>{_serial(value)!r}</v></c>')
        elif isinstance(value, date):
            cells.append(f'<c r="{ref}"{date_style} t="n"><v>{_serial(value)!r}</v></c>')
        else:
            cells.append(_text_cell(ref, str(value)))
    return cells


def _escaped(values: Sequence[str | None]) -> list[tuple[str | None, str]]:
    """Each text (None stays None) cleaned and escaped for XML, with the attribute keeping its
    leading or trailing spaces. In bulk: NUL can be no cell's character, so it joins them."""
    texts = ["" if v is None else v for v in values]
    if ILLEGAL_CHARACTERS.search("".join(texts)):  # seldom: clean each
        texts = [ILLEGAL_CHARACTERS.sub("", text) for text in texts]
    joined = "\0".join(texts)
    parts = _escape(joined).split("\0")
    spaced = _EDGE_SPACE.search(joined) is not None
    out: list[tuple[str | None, str]] = []
    for value, text in zip(values, parts, strict=True):
        if value is None:
            out.append((None, ""))
        else:
            out.append((text, _PRESERVE if spaced and text != text.strip() else ""))
    return out


def _sheet_parts(sheet: Sheet, styles: _Styles) -> Iterable[str]:
    """The worksheet's XML, in pieces of ROWS_PER_CHUNK rows."""
    count = len(sheet.headers)
    letters = [column_letter(i) for i in range(count)]
    last = f"{letters[-1]}{len(sheet.rows) + 1}" if count else "A1"
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(sheet.widths, 1))
    yield (
        f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A1" '
        f'sqref="A1"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
        + '<row r="1">' + "".join(_text_cell(f"{letter}1", str(h), ' s="1"')
                                  for letter, h in zip(letters, sheet.headers, strict=True))
        + "</row>")
    column_styles = []
    for i in range(count):
        own = sheet.formats.get(i)
        column_styles.append((styles.of(own) if own else "",
                              styles.of(own or DATE_TIME_FORMAT), styles.of(own or DATE_FORMAT)))
    for start in range(0, len(sheet.rows), ROWS_PER_CHUNK):
        chunk = sheet.rows[start:start + ROWS_PER_CHUNK]
        columns = [_column_cells(letter, values, style, start + 2) for letter, values, style
                   in zip(letters, zip(*chunk, strict=True), column_styles, strict=True)]
        yield "".join(f'<row r="{n}">{"".join(cells)}</row>'
                      for n, cells in enumerate(zip(*columns, strict=True), start + 2))
    yield ("</sheetData>" + (f'<autoFilter ref="A1:{last}"/>' if sheet.filtered else "")
           + "</worksheet>")


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def write_workbook(sheets: Sequence[Sheet], path_or_buffer: Any | IO[bytes]) -> None:
    """Write `sheets` as one .xlsx file to a path or a binary buffer."""
    styles = _Styles()
    with zipfile.ZipFile(path_or_buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for i, sheet in enumerate(sheets, 1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as part:
                for piece in _sheet_parts(sheet, styles):
                    part.write(piece.encode("utf-8", "replace"))
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="{_CT}.worksheet+xml"/>' for i in range(1, len(sheets) + 1))
        z.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f"{overrides}</Types>"))
        z.writestr("_rels/.rels", (
            f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        sheet_rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
        z.writestr("xl/_rels/workbook.xml.rels", (
            f'<Relationships xmlns="{_PKG_REL}">{sheet_rels}<Relationship '
            f'Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"))
        entries = "".join(f'<sheet name="{_escape(s.title)}" sheetId="{i}" r:id="rId{i}"/>'
                          for i, s in enumerate(sheets, 1))
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_escape(_quoted(s.title))}!$A$1:${column_letter(len(s.headers) - 1)}$"
            f"{len(s.rows) + 1}</definedName>" for i, s in enumerate(sheets) if s.headers and s.filtered)
        z.writestr("xl/workbook.xml", (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/><bookViews>'
            '<workbookView activeTab="0"/></bookViews>'
            f"<sheets>{entries}</sheets>"
            + (f"<definedNames>{filters}</definedNames>" if filters else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'))
        z.writestr("xl/styles.xml", styles.xml())
