"""A fake of LINK Mobility's SMS REST API ("Common" platform) on loopback.

Built from LINK's documents (*SMS REST API - MT and Delivery Reports* v1.18, *MO messages* v1.7,
*Gate API* v1.2; see ``channels/linkmobility.py``). It implements ``POST /sms/send`` with HTTP
Basic auth, checks the JSON object as the document describes it (a field the document does not
name, a wrong type or TON, a destination without its ``+``, another platform or an unknown
gate is refused with 400 and an ErrorResponse), answers ``{"messageId", "resultCode": 1005,
"description": "Queued"}`` (or 204 when ``ignoreResponse`` is left at its default, true), and
then POSTs one JSON delivery report per SMS segment (``{id}${n}`` for a concatenated message)
to the destination registered for each gate named in ``deliveryReportGates``, with that
destination's Basic credentials, trying again while the receiver does not answer 2xx.

Failure switches: ``refuse`` (a number refused for good, in a 200 with a failure resultCode or
in a 4xx ErrorResponse), ``fail_next`` (500, 503, 429 with ``Retry-After``),
``rate_limit_per_second`` (429), ``delay_seconds`` (hang, for timeouts), ``final_result`` and
``final_result_for`` (the resultCode of the delivery report). ``send_mo`` POSTs an inbound SMS
the way a keyword route's gate does.

The ErrorResponse's shape (``status`` holding LINK's 106xxx code, ``description``,
``translatedDescription``) is not shown in LINK's documents; see the adapter's docstring.

    with FakeLink() as fake:
        fake.gate(receiver.url("/webhooks/link/status"))
        channel = LinkMobilitySmsChannel(fake.username, fake.password, fake.platform_id,
                                         fake.platform_partner_id, "Helsedir", fake.gate_id,
                                         api_base=fake.base_url)
"""

from __future__ import annotations

import os
import queue
import re
import threading
import time
from base64 import b64decode, b64encode
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, Self

import httpx

from channels.sms_encoding import split_segments
from tests.fakes.http import HttpRequest, HttpResponse, LoopbackHttpServer, wait_until

SEND_PATH = "/sms/send"

TONS = frozenset({"SHORTNUMBER", "ALPHANUMERIC", "MSISDN"})
DCS_VALUES = frozenset({"GSM", "BINARY", "UCS2", "TEXT"})
PRIORITIES = frozenset({"HIGH", "NORMAL", "LOW"})

# The sendRequest's fields ("Methods", POST /sms/send) and their JSON types.
_STRING, _INTEGER, _BOOLEAN, _LIST, _OBJECT = str, int, bool, list, dict
FIELDS: dict[str, type] = {
    "source": _STRING,
    "sourceTON": _STRING,
    "destination": _STRING,
    "destinationTON": _STRING,
    "dcs": _STRING,
    "userDataHeader": _STRING,
    "userData": _STRING,
    "useDeliveryReport": _BOOLEAN,
    "deliveryReportGates": _LIST,
    "relativeValidityTime": _INTEGER,
    "absoluteValidityTime": _STRING,
    "tariff": _INTEGER,
    "currency": _STRING,
    "vat": _INTEGER,
    "age": _INTEGER,
    "priority": _STRING,
    "platformId": _STRING,
    "platformPartnerId": _STRING,
    "refId": _STRING,
    "productDescription": _STRING,
    "productCategory": _INTEGER,
    "moReferenceId": _STRING,
    "customParameters": _OBJECT,
    "ignoreResponse": _BOOLEAN,
}

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SHORT_NUMBER = re.compile(r"^\d{1,14}$")

RESULT_DESCRIPTIONS = {
    1000: "Sent",
    1001: "Delivered",
    1002: "Expired",
    1004: "Mobile full",
    1005: "Queued",
    1006: "Not delivered",
    2104: "Unknown subscriber",
    2105: "Destination blocked",
    2106: "Number error",
    2107: "Destination temporarily blocked",
}


class Refusal(NamedTuple):
    """How the fake refuses a number: ``status`` 200 with ``code`` as the SendResponse's
    ``resultCode``, or a 4xx with ``code`` in the ErrorResponse."""

    status: int
    code: int
    description: str


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a gate delivers (Gate API "Destination"), with its Basic credentials."""

    url: str
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class FakeLinkMessage:
    """A message the fake accepted."""

    message_id: str
    source: str
    source_ton: str
    destination: str
    user_data: str
    dcs: str
    ref_id: str | None
    gates: tuple[str, ...]
    segments: int
    payload: dict[str, Any]
    """The JSON object as received."""
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Rejection:
    """A send the fake answered with an error (or a failure resultCode)."""

    destination: str
    status: int
    code: int | None


@dataclass(frozen=True, slots=True)
class SentReport:
    """A delivery report (or MO message) the fake POSTed."""

    url: str
    payload: dict[str, Any]
    username: str
    password: str
    status_code: int | None
    """The receiver's last answer; ``None`` when it could not be reached."""
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class _Outgoing:
    destination: Destination
    payload: dict[str, Any]


class FakeLink(LoopbackHttpServer):
    """LINK's ``/sms/send`` and its gates; see the module docstring."""

    def __init__(
        self,
        username: str = "fake-link-user",
        password: str = "fake-link-password",
        platform_id: str = "COMMON",
        platform_partner_id: str = "4242",
        gate_id: str = "BVldZyQt",
    ) -> None:
        super().__init__()
        self.username = username
        self.password = password
        self.platform_id = platform_id
        self.platform_partner_id = platform_partner_id
        self.gate_id = gate_id
        """The gate ``gate`` registers when given no id."""
        self.gates: dict[str, Destination] = {}
        """Gate id → where its reports go."""
        self.send_reports = True
        """Whether accepted messages with ``useDeliveryReport`` get delivery reports."""
        self.fail_numbers: dict[str, Refusal] = {}
        """``destination`` → how the fake refuses it."""
        self.delay_seconds = 0.0
        """How long to wait before answering a send, to make clients time out."""
        self.rate_limit_per_second: int | None = None
        """Beyond this many accepted messages in a second, answer 429 with ``Retry-After``."""
        self.retry_after = "1"
        """``Retry-After`` of 429 and 503 answers."""
        self.final_result = 1001
        """The resultCode of delivery reports (1001: delivered)."""
        self.final_result_for: dict[str, int] = {}
        """``destination`` → the resultCode of its messages' reports."""
        self.operator = "no.telenor"
        self.report_attempts = 3
        """How many times a report is POSTed while the receiver does not answer 2xx."""
        self.report_retry_delay = 0.05
        self._lock = threading.Lock()
        self._messages: list[FakeLinkMessage] = []
        self._received: list[HttpRequest] = []
        self._rejections: list[Rejection] = []
        self._reports: list[SentReport] = []
        self._fail_next: deque[int] = deque()
        self._accepted_at: deque[float] = deque()
        self._outbox: queue.Queue[_Outgoing | None] = queue.Queue()
        self._report_thread: threading.Thread | None = None

    # -- switches --------------------------------------------------------------------------

    def gate(
        self,
        url: str,
        *,
        gate_id: str | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> str:
        """Register a gate delivering to ``url`` with Basic credentials (by default the
        account's own, as our gates are registered); returns its id."""
        gate_id = gate_id or self.gate_id
        self.gates[gate_id] = Destination(
            url,
            self.username if username is None else username,
            self.password if password is None else password,
        )
        return gate_id

    def provider(self, service_base: str, **extra: Any) -> dict[str, Any]:
        """This account as one entry of ``DISPATCH_SMS_PROVIDERS`` (named ``link``), with a gate
        registered for the service at ``service_base``; ``extra`` adds or overrides fields."""
        gate = self.gate(f"{service_base}/webhooks/{extra.get('name', 'link')}/status")
        return {"name": "link", "kind": "linkmobility", "username": self.username,
                "password": self.password, "platform_id": self.platform_id,
                "platform_partner_id": self.platform_partner_id, "gate_id": gate,
                "from": "2230", "api_base": self.base_url, **extra}  # fmt: skip

    def refuse(
        self,
        number: str,
        code: int = 2105,
        *,
        status: int = 200,
        description: str | None = None,
    ) -> None:
        """Refuse every send to ``number``: by default a 200 whose resultCode is ``code``."""
        text = description or RESULT_DESCRIPTIONS.get(code, "Refused")
        self.fail_numbers[number] = Refusal(status, code, text)

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        """Answer the next ``count`` sends with ``status`` (500, 503, 429, …)."""
        with self._lock:
            self._fail_next.extend([status] * count)

    # -- what happened ---------------------------------------------------------------------

    @property
    def messages(self) -> list[FakeLinkMessage]:
        """Accepted messages, oldest first."""
        with self._lock:
            return list(self._messages)

    @property
    def received(self) -> list[HttpRequest]:
        """Every request to the API as it arrived, oldest first."""
        with self._lock:
            return list(self._received)

    @property
    def rejections(self) -> list[Rejection]:
        """Sends answered with an error, oldest first."""
        with self._lock:
            return list(self._rejections)

    @property
    def reports(self) -> list[SentReport]:
        """Delivery reports POSTed so far (each after its last try), in the order sent."""
        with self._lock:
            return list(self._reports)

    def wait_for_reports(self, count: int, *, timeout: float = 5.0) -> list[SentReport]:
        """Block until ``count`` reports were sent (or ``timeout``); return all sent."""
        wait_until(lambda: len(self.reports) >= count, timeout=timeout)
        return self.reports

    def send_mo(
        self,
        url: str,
        *,
        source: str,
        text: str,
        destination: str = "NO-2230",
        username: str | None = None,
        password: str | None = None,
    ) -> SentReport:
        """POST an inbound SMS to ``url`` as a keyword route's gate does (MO document), with
        Basic auth (by default the account's credentials); waits for the answer."""
        now = _rfc3339(datetime.now(UTC))
        payload: dict[str, Any] = {
            "destination": destination,
            "subNumber": None,
            "source": source,
            "content": {"type": "SMS", "userData": text, "encoding": "TEXT"},
            "operator": self.operator,
            "timestamp": now,
            "messageId": _message_id(),
            "operatorTimestamp": now,
            "operatorMessageId": _message_id(),
            "route": {
                "type": "KEYWORD_ROUTE",
                "id": "0",
                "refId": "Beredskapsvarsling",
                "gateIds": [self.gate_id],
                "platformId": self.platform_id,
                "platformPartnerId": self.platform_partner_id,
                "number": destination,
                "keyword": text.split()[0].upper() if text.split() else "",
                "keywordType": "FIRST_WORD",
                "active": True,
                "shared": False,
            },
            "gateCustomParameters": {},
            "customParameters": {
                "platformPartnerId": self.platform_partner_id,
                "platformId": self.platform_id,
            },
        }
        user = self.username if username is None else username
        secret = self.password if password is None else password
        status_code = _post(url, payload, user, secret)
        return SentReport(url, payload, user, secret, status_code)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve, and start the thread that sends delivery reports."""
        super().start()
        self._report_thread = threading.Thread(
            target=self._send_reports, name="FakeLink reports", daemon=True
        )
        self._report_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; reports not yet sent are dropped."""
        super().stop()
        if self._report_thread is not None:
            self._outbox.put(None)
            self._report_thread.join(timeout=5)
            self._report_thread = None

    # -- the API ---------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request like LINK's Common platform would."""
        with self._lock:
            self._received.append(request)
        if request.path != SEND_PATH:
            return _error(404, 106000, "Not found")
        if request.method != "POST":
            return _error(405, 106000, "Method not allowed")
        if not self._authorised(request):
            return _error(401, 106100, "Invalid authentication")
        if self.delay_seconds:
            self.stopping.wait(self.delay_seconds)
        with self._lock:
            failing = self._fail_next.popleft() if self._fail_next else None
        if failing is not None:
            with self._lock:
                self._rejections.append(Rejection("", failing, None))
            return self._outage(failing)
        if not request.headers.get("content-type", "").startswith("application/json"):
            return _error(400, 106000, "Content-Type must be application/json")
        try:
            payload = request.json()
        except ValueError:
            return _error(400, 106000, "The request body is not JSON")
        if not isinstance(payload, dict):
            return _error(400, 106000, "The request body must be a JSON object")
        destination = payload.get("destination")
        problem = self._invalid(payload)
        if problem is not None:
            status, code, text = problem
            with self._lock:
                self._rejections.append(Rejection(str(destination or ""), status, code))
            return _error(status, code, text)
        refusal = self.fail_numbers.get(payload["destination"])
        if refusal is not None:
            with self._lock:
                self._rejections.append(
                    Rejection(payload["destination"], refusal.status, refusal.code)
                )
            if refusal.status == 200:
                return HttpResponse.json(
                    200, {"resultCode": refusal.code, "description": refusal.description}
                )
            return _error(refusal.status, refusal.code, refusal.description)
        if self._over_rate():
            with self._lock:
                self._rejections.append(Rejection(payload["destination"], 429, None))
            return HttpResponse(429, b"Too Many Requests", {"Retry-After": self.retry_after})
        return self._accept(payload)

    def _authorised(self, request: HttpRequest) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return (user, password) == (self.username, self.password)

    def _invalid(self, payload: dict[str, Any]) -> tuple[int, int, str] | None:
        for key, value in payload.items():
            expected = FIELDS.get(key)
            if expected is None:
                return 400, 106000, f"Unknown field {key}"
            wrong_type = (expected is _INTEGER and isinstance(value, bool)) or not isinstance(
                value, expected
            )
            if wrong_type and value is not None:
                return 400, 106000, f"Field {key} must be a JSON {expected.__name__}"
        if payload.get("platformId") != self.platform_id:
            return 400, 106200, "Invalid or missing platformId"
        if payload.get("platformPartnerId") != self.platform_partner_id:
            return 400, 106201, "Invalid or missing platformPartnerId"
        source = payload.get("source")
        source_ton = payload.get("sourceTON") or "ALPHANUMERIC"
        if not source:
            return 400, 106000, "source is required"
        if source_ton not in TONS or not _valid_address(source, source_ton):
            return 400, 106000, f"Invalid source for sourceTON {source_ton}"
        destination = payload.get("destination")
        destination_ton = payload.get("destinationTON") or "MSISDN"
        if not destination:
            return 400, 106000, "destination is required"
        if destination_ton not in TONS or not _valid_address(destination, destination_ton):
            return 400, 106000, f"Invalid destination for destinationTON {destination_ton}"
        if (payload.get("dcs") or "TEXT") not in DCS_VALUES:
            return 400, 106000, "Invalid dcs"
        if payload.get("priority") not in (None, *PRIORITIES):
            return 400, 106000, "Invalid priority"
        if not payload.get("userData"):
            return 400, 106000, "userData is required"
        gates = payload.get("deliveryReportGates") or []
        if not all(isinstance(g, str) for g in gates):
            return 400, 106000, "deliveryReportGates must be a list of strings"
        if payload.get("useDeliveryReport", True) and not gates:
            return 400, 106300, "No gates available"
        for gate in gates:
            if gate not in self.gates:
                return 400, 106301, "Specified gate unavailable"
        return None

    def _over_rate(self) -> bool:
        with self._lock:
            if self.rate_limit_per_second is None:
                return False
            now = time.monotonic()
            while self._accepted_at and now - self._accepted_at[0] >= 1.0:
                self._accepted_at.popleft()
            if len(self._accepted_at) >= self.rate_limit_per_second:
                return True
            self._accepted_at.append(now)
            return False

    def _outage(self, status: int) -> HttpResponse:
        headers = {"Retry-After": self.retry_after} if status in (429, 503) else {}
        reason = {429: "Too Many Requests", 503: "Service Unavailable"}.get(
            status, "Internal Server Error"
        )
        return HttpResponse(status, reason.encode(), headers)

    def _accept(self, payload: dict[str, Any]) -> HttpResponse:
        dcs = payload.get("dcs") or "TEXT"
        user_data = payload["userData"]
        segments = len(split_segments(user_data)) if dcs == "TEXT" else 1
        message = FakeLinkMessage(
            message_id=_message_id(),
            source=payload["source"],
            source_ton=payload.get("sourceTON") or "ALPHANUMERIC",
            destination=payload["destination"],
            user_data=user_data,
            dcs=dcs,
            ref_id=payload.get("refId"),
            gates=tuple(payload.get("deliveryReportGates") or ()),
            segments=segments,
            payload=payload,
            received_at=datetime.now(UTC),
        )
        with self._lock:
            self._messages.append(message)
        if payload.get("useDeliveryReport", True) and self.send_reports:
            for report in self._reports_for(message):
                for gate in message.gates:
                    self._outbox.put(_Outgoing(self.gates[gate], report))
        if payload.get("ignoreResponse", True):
            return HttpResponse(204)
        return HttpResponse.json(
            200, {"messageId": message.message_id, "resultCode": 1005, "description": "Queued"}
        )

    # -- delivery reports ------------------------------------------------------------------

    def _reports_for(self, message: FakeLinkMessage) -> list[dict[str, Any]]:
        code = self.final_result_for.get(message.destination, self.final_result)
        now = datetime.now(UTC)
        reports = []
        for part in range(message.segments):
            message_id = message.message_id
            if message.segments > 1:
                message_id = f"{message_id}${part}"
            reports.append(
                {
                    "refId": message.ref_id,
                    "id": message_id,
                    "operator": self.operator if code != 2106 else None,
                    "sentTimestamp": _rfc3339(message.received_at),
                    "timestamp": _rfc3339(now),
                    "resultCode": code,
                    "operatorResultCode": "2" if code == 1001 else None,
                    "segments": message.segments,
                    "gateCustomParameters": {},
                    "customParameters": {
                        "received": now.strftime("%Y-%m-%d %H:%M:%S"),
                        "source": message.source,
                        "destination": message.destination,
                    },
                }
            )
        return reports

    def _send_reports(self) -> None:
        while (item := self._outbox.get()) is not None:
            target = item.destination
            status_code: int | None = None
            attempts = 0
            while attempts < self.report_attempts and not self.stopping.is_set():
                attempts += 1
                status_code = _post(target.url, item.payload, target.username, target.password)
                if status_code is not None and 200 <= status_code < 300:
                    break
                self.stopping.wait(self.report_retry_delay)
            with self._lock:
                self._reports.append(
                    SentReport(
                        target.url,
                        item.payload,
                        target.username,
                        target.password,
                        status_code,
                        attempts,
                    )
                )


def _valid_address(address: str, ton: str) -> bool:
    if ton == "MSISDN":
        return bool(E164.match(address))
    if ton == "SHORTNUMBER":
        return bool(SHORT_NUMBER.match(address))
    return 1 <= len(address) <= 11


def _post(url: str, payload: dict[str, Any], username: str, password: str) -> int | None:
    try:
        response = httpx.post(url, json=payload, auth=(username, password), timeout=5)
    except httpx.HTTPError:
        return None
    return response.status_code


def _error(status: int, code: int, description: str) -> HttpResponse:
    return HttpResponse.json(
        status, {"status": code, "description": description, "translatedDescription": description}
    )


def _message_id() -> str:
    # LINK's ids look like base64 of 18 bytes: "Dcshuhod0PMAAAFQ+/PbnR3x".
    return b64encode(os.urandom(18)).decode()


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
