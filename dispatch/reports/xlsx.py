"""A plain XLSX workbook written row by row: text, numbers, yes/no and times, no formulas, no
styling but a date format.

The report's deliveries sheet has 20 cells a row and 100,000 rows. openpyxl's write-only mode
made a cell object for each (17 s), and xlsxwriter's constant-memory mode still spends some 20
Python calls on each cell (about half that); here a row is one string put together in a few
steps, so the workbook takes little more than reading the rows (docs/performance.md). One sheet
at a time streams into the zip file; the others wait in memory until it is done, so write the
big one first.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

MAX_TEXT = 32_767
"""The most characters a cell holds; longer text is cut."""
EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=UTC)
FLUSH_ROWS = 1000
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry: written as Excel's ``_xHHHH_`` escape."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    value = escape(value)
    if _NOT_XML.search(value):
        value = _NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    if value[0].isspace() or value[-1].isspace():
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


def _cell(ref: str, value: Any) -> str:
    """One cell; an empty one for nothing or empty text (a row keeps its width)."""
    kind = value.__class__
    if kind is str:
        return f'<c r="{ref}" t="inlineStr">{_text(value)}</c>' if value else f'<c r="{ref}"/>'
    if value is None:
        return f'<c r="{ref}"/>'
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float:
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if kind is datetime:
        # A time without a zone is the wall-clock time shown: days since Excel's epoch.
        delta = value.replace(tzinfo=UTC) - EXCEL_EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86_400
        return f'<c r="{ref}" s="1"><v>{serial!r}</v></c>'
    return _cell(ref, str(value))


class Sheet:
    """One worksheet, written row after row."""

    def __init__(self, name: str) -> None:
        self.name = name[:31]
        self.rows = 0
        self._columns: list[str] = []
        self._pending: list[str] = []
        self._out: IO[bytes] | None = None

    def append(self, values: Sequence[Any]) -> None:
        self.rows += 1
        n = str(self.rows)
        columns = self._columns
        while len(columns) < len(values):
            columns.append(column_letters(len(columns)))
        cells = "".join([_cell(c + n, v) for c, v in zip(columns, values, strict=False)])
        self._pending.append(f'<row r="{n}">{cells}</row>')
        if self._out is not None and len(self._pending) >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        assert self._out is not None
        self._out.write("".join(self._pending).encode())
        self._pending.clear()

    def _stream_to(self, out: IO[bytes]) -> None:
        self._out = out
        out.write(_SHEET_START.encode())
        self._flush()

    def _finish(self) -> None:
        self._flush()
        assert self._out is not None
        self._out.write(_SHEET_END.encode())
        self._out.close()
        self._out = None


class Workbook:
    """Sheets in the order made; ``streamed`` is written to the file as its rows come (one at
    a time), the others when the workbook closes."""

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheets: list[Sheet] = []
        self._streaming: Sheet | None = None

    def sheet(self, name: str, *, streamed: bool = False) -> Sheet:
        sheet = Sheet(name)
        self.sheets.append(sheet)
        if streamed:
            assert self._streaming is None, "one sheet streams at a time"
            self._streaming = sheet
            sheet._stream_to(self._zip.open(self._part(sheet), "w"))
        return sheet

    def _part(self, sheet: Sheet) -> str:
        return f"xl/worksheets/sheet{self.sheets.index(sheet) + 1}.xml"

    def close(self) -> None:
        if self._streaming is not None:
            self._streaming._finish()
        for sheet in self.sheets:
            if sheet is not self._streaming:
                sheet._stream_to(self._zip.open(self._part(sheet), "w"))
                sheet._finish()
        for name, content in self._package():
            self._zip.writestr(name, content)
        self._zip.close()

    def _package(self) -> Iterable[tuple[str, str]]:
        numbers = range(1, len(self.sheets) + 1)
        sheets = "".join(
            f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, s in zip(numbers, self.sheets, strict=True)
        )
        yield (
            "xl/workbook.xml",
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f"<sheets>{sheets}</sheets></workbook>",
        )
        links = "".join(
            f'<Relationship Id="rId{i}" Type="{_DOC}worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in numbers
        )
        styles = len(self.sheets) + 1
        yield (
            "xl/_rels/workbook.xml.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{links}'
            f'<Relationship Id="rId{styles}" Type="{_DOC}styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        yield "xl/styles.xml", _STYLES
        yield (
            "_rels/.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_DOC}officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_TYPE}worksheet+xml"/>'
            for i in numbers
        )
        yield (
            "[Content_Types].xml",
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}styles+xml"/>'
            f"{overrides}</Types>",
        )

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
