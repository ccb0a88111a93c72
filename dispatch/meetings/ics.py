"""The calendar file (RFC 5545) attached to a meeting's invitation and cancellation.

``METHOD:PUBLISH`` rather than ``REQUEST``: answers come by our link or SMS, so a mail program
should add the event to the calendar, not send an iTIP reply to an address nobody reads. A
cancellation publishes the same ``UID`` with ``STATUS:CANCELLED`` and a higher ``SEQUENCE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

CRLF = "\r\n"
PRODID = "-//Helsedirektoratet//Beredskapsvarsling//NO"


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    join_url: str
    organizer: str
    """The sender's e-mail address; may be empty."""
    organizer_name: str
    cancelled: bool
    stamp: datetime


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(raw, escaped)
    return value


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (§3.1), never in
    the middle of a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    for ch in line:
        width = len(ch.encode())
        limit = 75 if not out else 74  # a continuation line starts with one space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return (CRLF + " ").join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _param(value: str) -> str:
    """A parameter value, quoted, with the characters a quoted value cannot hold removed."""
    return '"' + "".join(ch for ch in value if ch not in '"\r\n') + '"'


def calendar(event: CalendarEvent) -> str:
    """The whole ``.ics`` file, CRLF line ends, folded."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(event.stamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"LOCATION:{escape_text(event.join_url)}",
        f"URL:{event.join_url}",
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
    ]
    if event.organizer:
        name = f";CN={_param(event.organizer_name)}" if event.organizer_name else ""
        lines.append(f"ORGANIZER{name}:mailto:{event.organizer}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return CRLF.join(fold(line) for line in lines) + CRLF
