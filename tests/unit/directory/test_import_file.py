"""Unit tests for reading the directory CSV: the encoding check and the header and records."""

from __future__ import annotations

import pytest

from dispatch.directory.import_file import COLUMNS, decode, parse
from dispatch.errors import InvalidInputError

HEADER = ",".join(COLUMNS)
ROW = ["Oslo kommune", "974760673", "municipality", "0301", "NIK;NONEMI:observer"]
ROW += ["Kari Nordmann", "kari@x.example", "912 34 567", "nb", "email;sms", "yes"]


def csv_line(cells: list[str], delimiter: str = ",") -> str:
    return delimiter.join(cells)


# --- decode -------------------------------------------------------------------------------


def test_decode_utf8_without_bom() -> None:
    assert decode("Bærum;Tromsø\n".encode()) == "Bærum;Tromsø\n"


def test_decode_strips_utf8_bom() -> None:
    assert decode(b"\xef\xbb\xbf" + "Åsnes,Ørland\n".encode()) == "Åsnes,Ørland\n"


def test_decode_empty_and_bom_only() -> None:
    assert decode(b"") == ""
    assert decode(b"\xef\xbb\xbf") == ""


@pytest.mark.parametrize(
    "data",
    [
        "a,b\n".encode("utf-16"),
        "\ufeffa,b\n".encode("utf-16-le"),
        "\ufeffa,b\n".encode("utf-16-be"),
    ],
    ids=["utf-16", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_decode_rejects_utf16_with_bom(data: bytes) -> None:
    with pytest.raises(InvalidInputError) as info:
        decode(data)
    assert info.value.detail.startswith("The file is UTF-16, not UTF-8.")
    assert "CSV UTF-8" in info.value.detail
    assert "nothing was imported" in info.value.detail
    assert info.value.status_code == 422


def test_decode_rejects_latin1_naming_byte_and_line() -> None:
    data = f"{HEADER}\nOslo,1\nBl\xe5b\xe6r,2\n".encode("latin-1")
    with pytest.raises(InvalidInputError) as info:
        decode(data)
    detail = info.value.detail
    assert detail.startswith("The file is not UTF-8: byte 0xE5 on line 3 is not valid UTF-8")
    assert "Windows-1252 or Latin-1" in detail
    assert "nothing was imported" in detail


def test_decode_rejects_windows1252_on_first_line() -> None:
    with pytest.raises(InvalidInputError, match=r"not UTF-8: byte 0xD8 on line 1 "):
        decode("Ørland".encode("cp1252"))


# --- parse --------------------------------------------------------------------------------


def test_parse_comma_separated() -> None:
    header, records = parse(f"{HEADER}\n{csv_line(ROW)}\n")
    assert header == list(COLUMNS)
    assert records == [ROW]


def test_parse_semicolon_separated_keeps_commas_in_fields() -> None:
    row = [*ROW[:4], "NIK, NONEMI", *ROW[5:9], "email, sms", "ja"]
    text = ";".join(COLUMNS) + "\r\n" + csv_line(row, ";") + "\r\n"
    header, records = parse(text)
    assert header == list(COLUMNS)
    assert records == [row]


def test_parse_comma_file_keeps_semicolons_inside_fields() -> None:
    _, records = parse(f"{HEADER}\n{csv_line(ROW)}\n")
    assert records[0][4] == "NIK;NONEMI:observer"
    assert records[0][9] == "email;sms"


def test_parse_quoted_fields() -> None:
    row = ['"Helse Bergen, HF"', *ROW[1:]]
    _, records = parse(f"{HEADER}\n{csv_line(row)}\n")
    assert records[0][0] == "Helse Bergen, HF"
    assert len(records[0]) == len(COLUMNS)


def test_parse_lowercases_and_strips_header() -> None:
    text = ";".join(f" {c.upper()} " for c in COLUMNS) + "\n"
    header, records = parse(text)
    assert header == list(COLUMNS)
    assert records == []


def test_parse_keeps_header_order_and_extra_columns() -> None:
    columns = ["note", *reversed(COLUMNS)]
    header, _ = parse(",".join(columns) + "\n")
    assert header == columns


def test_parse_after_decoding_excel_utf8_with_bom() -> None:
    data = b"\xef\xbb\xbf" + (";".join(COLUMNS) + "\r\n" + csv_line(ROW, ";") + "\r\n").encode()
    header, records = parse(decode(data))
    assert header[0] == "organisation_name"
    assert records[0][0] == "Oslo kommune"


def test_parse_empty_file() -> None:
    with pytest.raises(InvalidInputError) as info:
        parse("")
    assert info.value.detail == "The file is empty; it needs a header row and data rows."


def test_parse_names_every_missing_column() -> None:
    present = [c for c in COLUMNS if c not in {"email", "main_contact"}]
    with pytest.raises(InvalidInputError) as info:
        parse(",".join(present) + "\n")
    detail = info.value.detail
    assert detail.startswith("The header lacks the column(s) email, main_contact; the columns are ")
    assert detail.endswith("Nothing was imported.")
    assert ", ".join(COLUMNS) in detail


def test_parse_misspelt_column_is_missing() -> None:
    header = HEADER.replace("municipality_number", "kommunenummer")
    with pytest.raises(InvalidInputError, match=r"lacks the column\(s\) municipality_number;"):
        parse(header + "\n")


def test_parse_without_header_row_reports_missing_columns() -> None:
    with pytest.raises(InvalidInputError, match=r"^The header lacks the column\(s\) organisation_"):
        parse(csv_line(ROW) + "\n")


def test_parse_oversized_field_in_records_names_the_line() -> None:
    text = f'{HEADER}\n{csv_line(ROW)}\n"{"x" * 200_000}"\n'
    with pytest.raises(InvalidInputError) as info:
        parse(text)
    assert info.value.detail.startswith("The file is not valid CSV near line 3: ")
    assert info.value.detail.endswith("Nothing was imported.")


def test_parse_oversized_field_in_header() -> None:
    with pytest.raises(InvalidInputError, match=r"^The header row could not be read as CSV: "):
        parse(f'"{"x" * 200_000}"\n')


def test_utf16_without_bom_is_recognised() -> None:
    data = "organisation_name,email\nOslo,a@b.example\n".encode("utf-16-le")
    with pytest.raises(InvalidInputError, match="UTF-16"):
        decode(data)


def test_leading_blank_lines_before_the_header_are_ignored() -> None:
    header = ",".join(COLUMNS)
    parsed_header, records = parse("\n\r\n" + header + "\n" + ",".join(["x"] * 11) + "\n")
    assert parsed_header == list(COLUMNS)
    assert len(records) == 1
