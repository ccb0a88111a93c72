"""SMS under the providers' capacity, counted in segments, through real processes.

- ``failover_handover_s`` beside ``failover_floor_s``: 2,000 people by SMS through two providers
  of 10 segments a second each (the fake Twilio and the fake LINK Mobility, each refusing past
  its rate); once 30 % are handed over, LINK answers 500 to every send. The time from the
  declaration to the last SMS handed over; the floor is what the capacity left allows: 30 % at
  20 segments a second, the rest at 10.
- ``main_contacts_2seg_s`` beside ``main_contacts_2seg_floor_s``: 450 organisations' main
  contacts and their members, 2-segment messages, one provider of 10 segments a second: the
  time until the last main contact's SMS; the floor is 450 × 2 / 10 s.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from channels.sms_encoding import analyse
from tests.bench.bench_fanout import MAIN_CONTACT_MEMBERS, MAIN_CONTACT_ORGANISATIONS, stack
from tests.bench.common import scratch_database
from tests.factories import many_rows
from tests.fakes.linkmobility import FakeLink
from tests.fakes.smtp import SmtpSink
from tests.fakes.twilio import FakeTwilio
from tests.processes import wait_until

FAILOVER_PEOPLE = 2000
SEGMENTS_PER_SECOND = 10
FAIL_AT = 0.3
TWO_SEGMENTS = "Flom i Voss: " + "Hold dere unna elva og folg rad fra kommunen. " * 4


def _providers(twilio: FakeTwilio, link: FakeLink | None, base: str) -> list[dict[str, Any]]:
    providers = [twilio.provider(weight=50, segments_per_second=SEGMENTS_PER_SECOND)]
    if link is not None:
        providers.append(link.provider(base, weight=50, segments_per_second=SEGMENTS_PER_SECOND))
    return providers


def _failover(pg_url: str, sink: SmtpSink, logs: Path) -> dict[str, Any]:
    twilio = FakeTwilio(send_callbacks=False).start()
    link = FakeLink().start()
    link.send_reports = False
    twilio.rate_limit_per_second = SEGMENTS_PER_SECOND
    link.rate_limit_per_second = SEGMENTS_PER_SECOND
    try:
        # No delivery reports here (as in the fan-out part): the gate only has to exist.
        providers = _providers(twilio, link, "http://127.0.0.1:9")
        with stack(pg_url, twilio, sink, logs, sms_providers=json.dumps(providers)) as s:
            s.import_rows(many_rows(FAILOVER_PEOPLE))
            s.start_worker()

            def handed() -> int:
                return len(twilio.messages) + len(link.messages)

            broke: dict[str, float] = {}

            def watch() -> None:
                while handed() < FAIL_AT * FAILOVER_PEOPLE:
                    time.sleep(0.01)
                link.fail_next(10**6, status=500)
                broke["at"] = time.time()

            threading.Thread(target=watch, daemon=True).start()
            _, sent = s.declare("Failover", ["sms"])
            wait_until(lambda: handed() >= FAILOVER_PEOPLE, timeout=900, what="every SMS")
            last = max(m.received_at.timestamp() for m in [*twilio.messages, *link.messages])
            per_number: dict[str, int] = {}
            for to in [m.to for m in twilio.messages] + [m.destination for m in link.messages]:
                per_number[to] = per_number.get(to, 0) + 1
    finally:
        twilio.stop()
        link.stop()
    before = FAIL_AT * FAILOVER_PEOPLE / (2 * SEGMENTS_PER_SECOND)
    after = (1 - FAIL_AT) * FAILOVER_PEOPLE / SEGMENTS_PER_SECOND
    return {
        "failover_handover_s": round(last - sent, 1),
        "failover_floor_s": round(before + after, 1),
        "failover_people": FAILOVER_PEOPLE,
        "failover_broke_after_s": round(broke.get("at", last) - sent, 1),
        "failover_sms_twice": sum(1 for n in per_number.values() if n > 1),
        "failover_sms_missing": FAILOVER_PEOPLE - len(per_number),
    }


def _main_contacts_two_segments(pg_url: str, sink: SmtpSink, logs: Path) -> dict[str, Any]:
    rows = many_rows(
        MAIN_CONTACT_ORGANISATIONS * MAIN_CONTACT_MEMBERS, per_organisation=MAIN_CONTACT_MEMBERS
    )
    main_phones = {r["phone"] for r in rows if r["main_contact"] == "yes"}
    twilio = FakeTwilio(send_callbacks=False).start()
    twilio.rate_limit_per_second = SEGMENTS_PER_SECOND
    try:
        with stack(
            pg_url,
            twilio,
            sink,
            logs,
            sms_providers=json.dumps(_providers(twilio, None, "")),
        ) as s:
            s.import_rows(rows)
            s.start_worker()
            _, sent = s.declare("Main contacts, 2 segments", ["sms"], sms=TWO_SEGMENTS)
            wait_until(
                lambda: main_phones <= {m.to for m in twilio.messages},
                timeout=600,
                what="every main contact's SMS",
            )
            last = max(m.received_at.timestamp() for m in twilio.messages if m.to in main_phones)
            segments = analyse(next(m.body for m in twilio.messages)).segments
            refused = len(twilio.rejections)
    finally:
        twilio.stop()
    return {
        "main_contacts_2seg_s": round(last - sent, 1),
        "main_contacts_2seg_floor_s": MAIN_CONTACT_ORGANISATIONS * 2 / SEGMENTS_PER_SECOND,
        "main_contacts_2seg_segments": segments,
        "main_contacts_2seg_refused_by_provider": refused,
    }


def run_sms(logs: Path) -> dict[str, Any]:
    """Both parts, each on its own scratch database."""
    results: dict[str, Any] = {}
    sink = SmtpSink().start()
    try:
        print(
            f"failover: {FAILOVER_PEOPLE:,} people, two providers of {SEGMENTS_PER_SECOND} "
            "segments/s, one failing at 30 % …",
            file=sys.stderr,
        )
        with scratch_database() as pg_url:
            results.update(_failover(pg_url, sink, logs / "failover"))
        print("main contacts: 2-segment messages at 10 segments/s …", file=sys.stderr)
        with scratch_database() as pg_url:
            results.update(_main_contacts_two_segments(pg_url, sink, logs / "main-2seg"))
    finally:
        sink.stop()
    return results
