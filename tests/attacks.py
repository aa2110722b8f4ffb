"""Hostile inputs shared by the attack tests: a spreadsheet that declares a huge sheet."""

from __future__ import annotations

import io
import zipfile

_NS = "http://schemas.openxmlformats.org"
_PARTS = {
    "[Content_Types].xml":
        f'<Types xmlns="{_NS}/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels":
        f'<Relationships xmlns="{_NS}/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{_NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
    "xl/workbook.xml":
        f'<workbook xmlns="{_NS}/spreadsheetml/2006/main" '
        f'xmlns:r="{_NS}/officeDocument/2006/relationships"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        f'<Relationships xmlns="{_NS}/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{_NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '</Relationships>',
}


def xlsx_bomb(last_cell: str = "XFD25000", dimension: str | None = None) -> bytes:
    """A ~1.6 KB .xlsx: a ledger header and one cell at `last_cell`, the sheet declaring
    A1:`last_cell` (or `dimension`) — 16,384 columns × 25,000 rows by default."""
    row = last_cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    header = "".join(f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
                     for col, name in zip("ABC", ("code", "name", "unit"), strict=True))
    sheet = (f'<worksheet xmlns="{_NS}/spreadsheetml/2006/main">'
             f'<dimension ref="{dimension or "A1:" + last_cell}"/><sheetData>'
             f'<row r="1">{header}</row><row r="{row}"><c r="{last_cell}"><v>1</v></c></row>'
             '</sheetData></worksheet>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def zip_bomb(unpacked: int = 200 * 2**20) -> bytes:
    """An .xlsx-named zip whose one part unpacks to `unpacked` bytes of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * unpacked)
    return buffer.getvalue()
