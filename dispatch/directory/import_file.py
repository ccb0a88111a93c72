"""Reading an uploaded directory file: UTF-8 text, a comma or semicolon, the header, the records."""

from __future__ import annotations

import csv
import io

from dispatch.errors import InvalidInputError
from translations.strings.marking import N_
from translations.text import Text

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
            Text(
                N_(
                    "The file is UTF-16, not UTF-8. In Excel choose 'Save as' → 'CSV UTF-8 "
                    "(comma delimited)'; nothing was imported."
                )
            )
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InvalidInputError(
            Text(
                N_(
                    "The file contains a NUL character on line %(line)d, which no text here "
                    "can hold; nothing was imported."
                ),
                line=line,
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInputError(
            Text(
                N_(
                    "The file is not UTF-8: byte 0x%(byte)s on line %(line)d is not valid "
                    "UTF-8 (the file is probably Windows-1252 or Latin-1). In Excel choose "
                    "'Save as' → 'CSV UTF-8 (comma delimited)'; nothing was imported."
                ),
                byte=f"{data[exc.start]:02X}",
                line=line,
            )
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
        raise InvalidInputError(
            Text(N_("The file is empty; it needs a header row and data rows."))
        ) from exc
    except csv.Error as exc:
        raise InvalidInputError(
            Text(N_("The header row could not be read as CSV: %(reason)s."), reason=str(exc))
        ) from exc
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInputError(
            Text(
                N_(
                    "The header lacks the column(s) %(missing)s; the columns are %(columns)s. "
                    "Nothing was imported."
                ),
                missing=", ".join(missing),
                columns=", ".join(COLUMNS),
            )
        )
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InvalidInputError(
            Text(
                N_(
                    "The file is not valid CSV near line %(line)d: %(reason)s. Nothing was imported."  # noqa: E501
                ),
                line=reader.line_num,
                reason=str(exc),
            )
        ) from exc
    return header, records
