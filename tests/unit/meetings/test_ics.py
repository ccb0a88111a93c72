"""The calendar file: valid RFC 5545 as a calendar library reads it, folded and escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from dispatch.meetings import ics, render

START = datetime(2027, 3, 4, 9, 0, tzinfo=UTC)
END = datetime(2027, 3, 4, 10, 30, tzinfo=UTC)
JOIN = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Zm9vYmFy%40thread.v2/0?context=%7b%22Tid%22%3a%22x%22%7d"


def mail(phase: str = render.INVITE, **changes: object) -> render.MeetingMail:
    values: dict[str, object] = {
        "phase": phase,
        "meeting_id": 17,
        "title": "Nettverksmøte, vår; «NIK»",
        "agenda": "1. Velkommen\n2. Erfaringer fra høsten, del 2\\3",
        "starts_at": START,
        "ends_at": END,
        "join_url": JOIN,
        "code": "4821",
        "organisation": "Oslo kommune",
        "network": "NIK – Nettverk for innvandrerhelse",
        "networks": "NIK",
    }
    values.update(changes)
    return render.MeetingMail(**values)  # type: ignore[arg-type]


def event_of(data: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def test_the_invitation_reads_back_with_every_field() -> None:
    file = render.calendar_file(
        mail(),
        base_url="https://varsling.helsedir.example",
        sender="Beredskapsvarsling <varsel@helsedir.example>",
        lang="nb",
    )
    assert (file.filename, file.content_type) == ("invitation.ics", "text/calendar")
    assert file.params == {"method": "PUBLISH", "charset": "utf-8"}
    calendar = icalendar.Calendar.from_ical(file.data)
    assert calendar["METHOD"] == "PUBLISH"
    event = event_of(file.data)
    assert str(event["UID"]) == "meeting-17@varsling.helsedir.example"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == END
    assert str(event["SUMMARY"]) == "Nettverksmøte, vår; «NIK»"
    description = str(event["DESCRIPTION"])
    assert "1. Velkommen\n2. Erfaringer fra høsten, del 2\\3" in description
    assert JOIN in description
    assert str(event["URL"]) == JOIN
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ORGANIZER"]) == "mailto:varsel@helsedir.example"
    assert event["ORGANIZER"].params["CN"] == "Beredskapsvarsling"


def test_the_cancellation_has_the_same_uid_a_higher_sequence_and_cancelled_status() -> None:
    invited = event_of(
        render.calendar_file(mail(), base_url="https://x.example", sender="", lang="en").data
    )
    cancelled = event_of(
        render.calendar_file(
            mail(render.CANCEL), base_url="https://x.example", sender="", lang="en"
        ).data
    )
    assert invited["UID"] == cancelled["UID"]
    assert int(cancelled["SEQUENCE"]) > int(invited["SEQUENCE"])
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "ORGANIZER" not in cancelled  # no sender address, no organizer invented


@pytest.mark.parametrize("lang", ["nb", "ar", "th", "ti"])
def test_lines_are_crlf_and_folded_at_75_octets_without_splitting_a_character(lang: str) -> None:
    long_title = "Møte om tuberkulose og vaksinasjon — " * 4 + "ሰላም العربية ไทย" * 5
    data = render.calendar_file(
        mail(title=long_title), base_url="https://x.example", sender="", lang=lang
    ).data
    text = data.decode()  # would raise if a fold split a UTF-8 sequence
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    assert str(event_of(data)["SUMMARY"]) == long_title


def test_text_values_escape_the_characters_rfc_5545_reserves() -> None:
    assert ics.escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
