"""What a report derives from what it gathered: time to acknowledge, timeline, comparison."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime

from dispatch.incidents.models import Incident, MessageVersion
from dispatch.reports.schemas import (
    AckPoint,
    Compared,
    Comparison,
    Report,
    TimelineEvent,
    Timing,
)


def timing(seconds: Sequence[float]) -> Timing:
    if not seconds:
        return Timing()
    ordered = sorted(seconds)
    p90 = (
        ordered[0]
        if len(ordered) == 1
        else statistics.quantiles(ordered, n=10, method="inclusive")[8]
    )
    return Timing(
        acknowledged=len(ordered),
        median_s=round(statistics.median(ordered), 1),
        p90_s=round(p90, 1),
    )


def comparison(previous: Report, current: Report) -> Comparison:
    """The figures that tell whether the networks improve, side by side."""
    before = {o.name for o in previous.silent_organisations}
    now = {o.name for o in current.silent_organisations}
    return Comparison(
        previous_id=previous.incident.id,
        previous_code=previous.incident.code,
        previous_title=previous.incident.title,
        previous_declared_at=previous.incident.declared_at,
        recipients=Compared(previous.totals.recipients, current.totals.recipients),
        ack_rate=Compared(previous.ack_rate, current.ack_rate),
        median_s=Compared(previous.time_to_ack.median_s, current.time_to_ack.median_s),
        p90_s=Compared(previous.time_to_ack.p90_s, current.time_to_ack.p90_s),
        silent_organisations=Compared(len(before), len(now)),
        still_silent=sorted(before & now),
        newly_silent=sorted(now - before),
        no_longer_silent=sorted(before - now),
    )


def cumulative(seconds: list[float]) -> list[AckPoint]:
    """Acknowledgements so far at the end of each minute that had any."""
    points: list[AckPoint] = []
    for index, s in enumerate(seconds, start=1):
        minute = max(0, int(s // 60)) + 1
        if points and points[-1].minute == minute:
            points[-1].acknowledged = index
        else:
            points.append(AckPoint(minute=minute, acknowledged=index))
    return points


def timeline(
    incident: Incident,
    versions: Sequence[MessageVersion],
    *,
    first_sent: datetime | None,
    last_sent: datetime | None,
) -> list[TimelineEvent]:
    """What happened when: declared, first and last handover, each later message, closed."""
    events = [TimelineEvent(incident.declared_at, "declared", incident.declared_by)]
    if first_sent is not None and last_sent is not None:
        events.append(TimelineEvent(first_sent, "first_handover"))
        events.append(TimelineEvent(last_sent, "last_handover"))
    events += [
        TimelineEvent(v.created_at, v.kind, v.created_by) for v in versions if v.sequence > 1
    ]
    if incident.closed_at is not None:
        events.append(TimelineEvent(incident.closed_at, "closed"))
    events.sort(key=lambda e: e.at)
    return events
