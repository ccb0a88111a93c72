"""The report as CSV (streamed, one row per delivery), XLSX (a summary sheet and a deliveries
sheet, written row by row to a temporary file) and printable HTML with inline SVG charts."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.reports import charts
from dispatch.reports.labels import Labels, labels_for
from dispatch.reports.rows import DeliveryRow, columns, row_values
from dispatch.reports.rows import stream_deliveries as _stream
from dispatch.reports.schemas import Report
from dispatch.reports.service import build
from translations import strings
from translations.catalog import translator
from translations.locales import format_datetime_local, text_direction

OSLO = ZoneInfo("Europe/Oslo")
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


def _excel_value(value: Any, sheet: Any = None) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(OSLO).replace(tzinfo=None)
    if isinstance(value, str) and value.startswith(FORMULA_START) and sheet is not None:
        # Written as a string cell, never a formula, and shown exactly as typed.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


async def xlsx_file(session: AsyncSession, incident_id: int, *, personal: bool, lang: str) -> Path:
    """Write the workbook to a temporary file (deleted by the caller after sending): a summary,
    the messages as sent, and one row per delivery, every heading and word in ``lang``."""
    t = translator(lang)
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(t.gettext(strings.REPORT_SHEET_SUMMARY)[:31])
    messages = workbook.create_sheet(t.gettext(strings.REPORT_SHEET_MESSAGES)[:31])
    deliveries = workbook.create_sheet(t.gettext(strings.REPORT_SHEET_DELIVERIES)[:31])
    names = columns(personal)
    deliveries.append([t.gettext(strings.REPORT_COLUMNS[c]) for c in names])
    words = labels_for(lang, {})

    def add(row: DeliveryRow) -> None:
        values = dict(zip(names, row_values(row, personal), strict=True))
        values["kind"] = words.kind(row.kind)
        values["channel"] = words.channel(row.channel)
        values["state"] = words.state(row.state)
        values["fallback"] = words.yes_no(row.fallback)
        values["acknowledged_via"] = words.ack_via(row.acknowledged_via)
        deliveries.append([_excel_value(values[c], deliveries) for c in names])

    report = await build(session, incident_id, personal=personal, on_row=add)
    words = labels_for(lang, report.authors)
    _summary_sheet(summary, report, words)
    messages.append(
        [
            "#",
            t.gettext(strings.REPORT_MESSAGES),
            t.gettext(strings.REPORT_SENT_BY),
            t.gettext(strings.REPORT_LANGUAGE),
            t.gettext(strings.REPORT_SUBJECT),
            t.gettext(strings.REPORT_SMS),
            t.gettext(strings.REPORT_BODY),
            t.gettext(strings.REPORT_INSTRUCTION),
        ]
    )
    for v in report.versions:
        for tag, c in v.content.items():
            messages.append(
                [
                    v.sequence,
                    words.kind(v.kind),
                    _excel_value(words.who(v.created_by), messages),
                    words.language(tag),
                    *(_excel_value(c.get(part, ""), messages) for part in PARTS),
                ]
            )
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    workbook.save(handle.name)
    return Path(handle.name)


PARTS = ("subject", "sms", "body", "instruction")


def _summary_sheet(summary: Any, report: Report, words: Labels) -> None:
    t = words.t
    head = report.incident
    summary.append([t.gettext(strings.REPORT_TITLE), _excel_value(f"{head.code} – {head.title}")])
    if head.exercise:
        summary.append([t.gettext(strings.REPORT_EXERCISE_BANNER)])
    summary.append(
        [words.status(head.status), words.severity(head.severity), words.channels(head.channels)]
    )
    summary.append([t.gettext(strings.REPORT_TIMES_IN), "Europe/Oslo"])
    summary.append([t.gettext(strings.REPORT_EVENT_DECLARED), _excel_value(head.declared_at)])
    summary.append([t.gettext(strings.REPORT_SENT_BY), _excel_value(words.who(head.declared_by))])
    summary.append([t.gettext(strings.REPORT_RECIPIENTS), report.totals.recipients])
    summary.append([t.gettext(strings.REPORT_ACKNOWLEDGED), report.totals.acknowledged])
    summary.append([t.gettext(strings.REPORT_ACK_RATE), report.ack_rate])
    seconds = t.gettext(strings.REPORT_SECONDS)
    summary.append([f"{t.gettext(strings.REPORT_MEDIAN)} ({seconds})", report.time_to_ack.median_s])
    summary.append([f"{t.gettext(strings.REPORT_P90)} ({seconds})", report.time_to_ack.p90_s])
    summary.append([])
    for title, table, name in (
        (strings.REPORT_BY_NETWORK, report.by_network, str),
        (strings.REPORT_BY_CHANNEL, report.by_channel, words.channel),
        (strings.REPORT_BY_LANGUAGE, report.by_language, words.language),
    ):
        summary.append([t.gettext(title)])
        summary.append(
            [
                "",
                t.gettext(strings.REPORT_RECIPIENTS),
                t.gettext(strings.REPORT_ACKNOWLEDGED),
                t.gettext(strings.REPORT_DELIVERIES),
                t.gettext(strings.REPORT_DELIVERED),
                t.gettext(strings.REPORT_FAILED),
                t.gettext(strings.REPORT_UNDELIVERABLE),
            ]
        )
        for key, b in table.items():
            counts = [b.recipients, b.acknowledged, b.total, b.delivered, b.failed, b.undeliverable]
            summary.append([name(key), *counts])
        summary.append([])
    summary.append([t.gettext(strings.REPORT_SILENT)])
    for org in report.silent_organisations:
        summary.append([_excel_value(org.name, summary), org.recipients])
    summary.append([])
    summary.append([t.gettext(strings.REPORT_FAILURES)])
    for failure in report.failure_reasons:
        reason = _excel_value(failure.reason, summary)
        summary.append([words.channel(failure.channel), reason, failure.deliveries])
    summary.append([])
    summary.append([t.gettext(strings.REPORT_DECISIONS)])
    summary.append([t.gettext(strings.REPORT_POSSIBLE_DUPLICATES), report.possible_duplicates])
    for kind, n in report.send_decisions.items():
        summary.append([t.gettext(DECISION_NAMES.get(kind, kind)), n])


def _direction(tag: str) -> str:
    try:
        return text_direction(tag)
    except ValueError:
        return "auto"


DECISION_NAMES = {
    "failover": strings.REPORT_DECISION_FAILOVER,
    "decided": strings.REPORT_DECISION_DECIDED,
    "reconciled": strings.REPORT_DECISION_RECONCILED,
    "bounced": strings.REPORT_DECISION_BOUNCED,
    "bounced_later": strings.REPORT_DECISION_BOUNCED_LATER,
    "beside_bounced": strings.REPORT_DECISION_BESIDE_BOUNCED,
}
"""The engine's decisions (``delivery_events.kind``) in the report's words."""


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
