"""The report as CSV (streamed, one row per delivery) and printable HTML with inline SVG charts
(XLSX: ``workbook.py``)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.reports import charts
from dispatch.reports.labels import DECISION_NAMES, labels_for
from dispatch.reports.rows import columns, row_values
from dispatch.reports.rows import stream_deliveries as _stream
from dispatch.reports.schemas import Report
from translations import strings
from translations.catalog import translator
from translations.locales import format_datetime_local, text_direction

CSV_FLUSH_BYTES = 64 * 1024
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


# A cell that begins with one of these is a formula to a spreadsheet: a name written as
# =HYPERLINK("https://evil.example", "Click") would run when a coordinator opens the file.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # OWASP: the apostrophe makes a spreadsheet read it as text
    return value


async def csv_chunks(
    sessionmaker: async_sessionmaker[AsyncSession], incident_id: int, *, personal: bool
) -> AsyncIterator[bytes]:
    """The CSV in pieces of about 64 KB, with a BOM so that Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(columns(personal))
    async with sessionmaker() as session:
        async for row in _stream(session, incident_id, personal=personal):
            writer.writerow([_csv_value(v) for v in row_values(row, personal)])
            if buffer.tell() >= CSV_FLUSH_BYTES:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()


def _direction(tag: str) -> str:
    try:
        return text_direction(tag)
    except ValueError:
        return "auto"


def html(report: Report, *, lang: str) -> str:
    """The printable report: A4 print CSS, inline SVG, no JavaScript."""
    t = translator(lang)

    def when(moment: datetime | None) -> str:
        return format_datetime_local(moment, lang, format="short") if moment else ""

    events = {
        "declared": strings.REPORT_EVENT_DECLARED,
        "first_handover": strings.REPORT_EVENT_FIRST_HANDOVER,
        "last_handover": strings.REPORT_EVENT_LAST_HANDOVER,
        "update": strings.REPORT_EVENT_UPDATE,
        "cancel": strings.REPORT_EVENT_CANCEL,
        "reminder": strings.REPORT_EVENT_REMINDER,
        "escalation": strings.REPORT_EVENT_ESCALATION,
        "closed": strings.REPORT_EVENT_CLOSED,
    }
    legend = {
        "delivered": t.gettext(strings.REPORT_DELIVERED),
        "handed_over": t.gettext(strings.REPORT_HANDED_OVER),
        "failed": t.gettext(strings.REPORT_FAILED),
    }

    def series(b: Any) -> dict[str, int]:
        return {
            "delivered": b.delivered,
            "handed_over": b.sent + b.undeliverable,
            "failed": b.failed,
        }

    banner = ""
    if report.incident.exercise:
        banner = t.gettext(strings.REPORT_EXERCISE_BANNER)
    elif report.incident.status == "test":
        banner = t.gettext(strings.REPORT_TEST_BANNER)
    labels = labels_for(lang, report.authors)
    return _env.get_template("report.html").render(
        lang=lang,
        L=labels,
        same=lambda key: key,
        direction=_direction,
        t=t.gettext,
        s=strings,
        r=report,
        banner=banner,
        when=when,
        event_name=lambda e: t.gettext(events[e]) if e in events else e,
        percent=labels.percent,
        minutes=labels.minutes,
        network_chart=charts.bars(
            t.gettext(strings.REPORT_BY_NETWORK),
            [(k, series(b)) for k, b in report.by_network.items()],
            legend,
        ),
        channel_chart=charts.bars(
            t.gettext(strings.REPORT_BY_CHANNEL),
            [(labels.channel(k), series(b)) for k, b in report.by_channel.items()],
            legend,
        ),
        ack_chart=charts.cumulative(
            t.gettext(strings.REPORT_ACKS_OVER_TIME),
            [(p.minute, p.acknowledged) for p in report.acks_over_time],
            report.totals.recipients,
            t.gettext(strings.REPORT_MINUTES),
        ),
        generated=t.gettext(strings.REPORT_GENERATED, time=when(report.generated_at)),
        decision_names=DECISION_NAMES,
    )
