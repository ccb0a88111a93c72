"""The report as XLSX: a summary sheet, the messages as sent, and one row per delivery, every
heading and word in the report's language, the deliveries streamed to a temporary file as they
are read (``xlsx.py``). Every text is a text cell, shown exactly as typed: never a formula (a
name written as =HYPERLINK("https://evil.example", "Click") would run when a coordinator opens
the file), a link or a number."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.reports.labels import DECISION_NAMES, Labels, labels_for
from dispatch.reports.rows import DeliveryRow, columns, row_values
from dispatch.reports.schemas import Report
from dispatch.reports.service import build
from dispatch.reports.xlsx import Sheet, Workbook
from translations import strings
from translations.catalog import translator

OSLO = ZoneInfo("Europe/Oslo")
PARTS = ("subject", "sms", "body", "instruction")
DATE_COLUMNS = frozenset({"created_at", "sent_at", "delivered_at", "failed_at", "acknowledged_at"})


def _delivery_writer(sheet: Sheet, words: Labels, personal: bool) -> Callable[[DeliveryRow], None]:
    """What writes each delivery row: code words in the report's language (each looked up once),
    times in Oslo's (a spreadsheet has no time zones)."""
    place = {c: i for i, c in enumerate(columns(personal))}
    kind, channel, state = place["kind"], place["channel"], place["state"]
    fallback, via = place["fallback"], place["acknowledged_via"]
    say_kind, say_channel, say_state, say_yes_no, say_via = (
        functools.cache(say)
        for say in (words.kind, words.channel, words.state, words.yes_no, words.ack_via)
    )
    dates = [i for c, i in place.items() if c in DATE_COLUMNS]

    def add(row: DeliveryRow) -> None:
        values = row_values(row, personal)
        values[kind] = say_kind(row.kind)
        values[channel] = say_channel(row.channel)
        values[state] = say_state(row.state)
        values[fallback] = say_yes_no(row.fallback)
        values[via] = say_via(row.acknowledged_via)
        for i in dates:
            moment = values[i]
            if moment is not None:
                values[i] = moment.astimezone(OSLO)
        sheet.append(values)

    return add


async def xlsx_file(session: AsyncSession, incident_id: int, *, personal: bool, lang: str) -> Path:
    """Write the workbook to a temporary file (deleted by the caller after sending): a summary,
    the messages as sent, and one row per delivery, every heading and word in ``lang``."""
    t = translator(lang)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    path = Path(handle.name)
    try:
        with Workbook(path) as workbook:
            summary = workbook.sheet(t.gettext(strings.REPORT_SHEET_SUMMARY))
            messages = workbook.sheet(t.gettext(strings.REPORT_SHEET_MESSAGES))
            deliveries = workbook.sheet(t.gettext(strings.REPORT_SHEET_DELIVERIES), streamed=True)
            deliveries.append([t.gettext(strings.REPORT_COLUMNS[c]) for c in columns(personal)])
            add = _delivery_writer(deliveries, labels_for(lang, {}), personal)
            report = await build(session, incident_id, personal=personal, on_row=add)
            words = labels_for(lang, report.authors)
            _summary_sheet(summary, report, words)
            _messages_sheet(messages, report, words)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return path


def _messages_sheet(messages: Sheet, report: Report, words: Labels) -> None:
    t = words.t
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
                    words.who(v.created_by),
                    words.language(tag),
                    *(c.get(part, "") for part in PARTS),
                ]
            )


def _summary_sheet(summary: Sheet, report: Report, words: Labels) -> None:
    t = words.t
    head = report.incident
    summary.append([t.gettext(strings.REPORT_TITLE), f"{head.code} – {head.title}"])
    if head.exercise:
        summary.append([t.gettext(strings.REPORT_EXERCISE_BANNER)])
    summary.append(
        [words.status(head.status), words.severity(head.severity), words.channels(head.channels)]
    )
    summary.append([t.gettext(strings.REPORT_TIMES_IN), "Europe/Oslo"])
    summary.append([t.gettext(strings.REPORT_EVENT_DECLARED), head.declared_at.astimezone(OSLO)])
    summary.append([t.gettext(strings.REPORT_SENT_BY), words.who(head.declared_by)])
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
        summary.append([org.name, org.recipients])
    summary.append([])
    summary.append([t.gettext(strings.REPORT_FAILURES)])
    for failure in report.failure_reasons:
        summary.append([words.channel(failure.channel), failure.reason, failure.deliveries])
    summary.append([])
    summary.append([t.gettext(strings.REPORT_DECISIONS)])
    summary.append([t.gettext(strings.REPORT_POSSIBLE_DUPLICATES), report.possible_duplicates])
    for kind, n in report.send_decisions.items():
        summary.append([t.gettext(DECISION_NAMES.get(kind, kind)), n])
