"""Reading an uploaded directory file: UTF-8 text, a comma or semicolon, the header, the records."""

from __future__ import annotations

import csv
import io

from dispatch.errors import InvalidInputError

COLUMNS = (
    "organisation_name",
    "organisation_number",
    "organisation_kind",
    "municipality_number",
    "networks",
    "contact_name",
    "email",
    "phone",
    "language",
    "channels",
    "main_contact",
)


def decode(data: bytes) -> str:
    """The file as text; only UTF-8 (with or without BOM) is accepted."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        raise InvalidInputError(
            "The file is UTF-16, not UTF-8. In Excel choose 'Save as' → 'CSV UTF-8 (comma "
            "delimited)'; nothing was imported."
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InvalidInputError(
            f"The file contains a NUL character on line {line}, which no text here can hold; "
            "nothing was imported."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInputError(
            f"The file is not UTF-8: byte 0x{data[exc.start]:02X} on line {line} is not valid "
            "UTF-8 (the file is probably Windows-1252 or Latin-1). In Excel choose 'Save as' → "
            "'CSV UTF-8 (comma delimited)'; nothing was imported."
        ) from exc


def parse(text: str) -> tuple[list[str], list[list[str]]]:
    """The header (lower-cased) and the records; a comma or semicolon as delimiter."""
    text = text.lstrip("\r\n")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as exc:
        raise InvalidInputError("The file is empty; it needs a header row and data rows.") from exc
    except csv.Error as exc:
        raise InvalidInputError(f"The header row could not be read as CSV: {exc}.") from exc
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInputError(
            f"The header lacks the column(s) {', '.join(missing)}; the columns are "
            f"{', '.join(COLUMNS)}. Nothing was imported."
        )
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InvalidInputError(
            f"The file is not valid CSV near line {reader.line_num}: {exc}. Nothing was imported."
        ) from exc
    return header, records
