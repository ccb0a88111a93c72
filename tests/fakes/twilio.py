"""A fake Twilio REST API on loopback that the real SDK talks to over HTTP.

It implements ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with basic auth, answers like
Twilio (201 with the message resource, or Twilio's error JSON), fails on demand, and after
accepting a message with a StatusCallback POSTs signed status callbacks to it. ``GET`` on the
same path lists the messages taken, newest first, filtered by ``To``.

Use as a fixture::

    @pytest.fixture
    def fake_twilio() -> Iterator[FakeTwilio]:
        with FakeTwilio() as fake:
            yield fake

    channel = TwilioSmsChannel(fake.account_sid, fake.auth_token, "+4759440000",
                               api_base=fake.base_url)
"""

from __future__ import annotations

import queue
import re
import threading
import time
import uuid
from base64 import b64decode
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qsl

import httpx
from twilio.request_validator import RequestValidator

from tests.fakes.http import HttpRequest, HttpResponse, LoopbackHttpServer, wait_until

_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

DEFAULT_ERROR_CODES = {"undelivered": "30003", "failed": "30008"}
"""The ErrorCode sent with a final status when ``FinalStatus`` names none."""


class FinalStatus(NamedTuple):
    """How a message ends, as its last status callback says."""

    status: str
    """``delivered``, ``undelivered`` or ``failed``."""
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class FakeMessage:
    """A message the fake accepted."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class SentCallback:
    """A status callback the fake POSTed."""

    url: str
    params: dict[str, str]
    signature: str
    status_code: int | None
    """The receiver's answer; ``None`` when it could not be reached."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A request the fake answered with an error."""

    to: str
    status: int
    code: int


class FakeTwilio(LoopbackHttpServer):
    """Twilio's Messages API, with failure switches; see the module docstring."""

    def __init__(
        self,
        account_sid: str = "AC" + "f" * 32,
        auth_token: str = "fake-twilio-auth-token",
        *,
        send_callbacks: bool = True,
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.send_callbacks = send_callbacks
        """Whether accepted messages get status callbacks."""
        self.fail_numbers: dict[str, tuple[int, int, str]] = {}
        """``to`` → (HTTP status, Twilio code, message), e.g. ``(400, 21610, "…unsubscribed")``."""
        self.delay_seconds = 0.0
        """How long to wait before answering any request, to make clients time out."""
        self.rate_limit_per_second: int | None = None
        """Beyond this many accepted messages in a second, answer 429 with code 20429."""
        self.list_status: int | None = None
        """Answer every request for the list of messages with this status (its API down)."""
        self.final_status = FinalStatus("delivered")
        self.final_status_for: dict[str, FinalStatus] = {}
        """``to`` → how that number's messages end."""
        self.pool_sender = "+4759440000"
        """The ``From`` Twilio reports for messages sent through a messaging service."""
        self._lock = threading.Lock()
        self._messages: list[FakeMessage] = []
        self._lookups = 0
        self._rejections: list[Rejection] = []
        self._callbacks: list[SentCallback] = []
        self._fail_next: deque[tuple[int, int | None]] = deque()
        self._accepted_at: deque[float] = deque()
        self._outbox: queue.Queue[tuple[str, dict[str, str]] | None] = queue.Queue()
        self._callback_thread: threading.Thread | None = None

    # -- switches --------------------------------------------------------------------------

    def provider(self, **extra: Any) -> dict[str, Any]:
        """This account as one entry of ``DISPATCH_SMS_PROVIDERS`` (named ``twilio``); ``extra``
        adds or overrides fields."""
        return {"name": "twilio", "kind": "twilio", "account_sid": self.account_sid,
                "auth_token": self.auth_token, "from": "+4759440000",
                "api_base": self.base_url, **extra}  # fmt: skip

    def fail_next(self, count: int = 1, *, status: int = 500, code: int | None = None) -> None:
        """Answer the next ``count`` message requests with ``status`` (429 defaults to 20429)."""
        if code is None and status == 429:
            code = 20429
        with self._lock:
            self._fail_next.extend([(status, code)] * count)

    # -- what happened ---------------------------------------------------------------------

    @property
    def messages(self) -> list[FakeMessage]:
        """Accepted messages, oldest first."""
        with self._lock:
            return list(self._messages)

    @property
    def rejections(self) -> list[Rejection]:
        """Requests answered with an error, oldest first."""
        with self._lock:
            return list(self._rejections)

    @property
    def callbacks(self) -> list[SentCallback]:
        """Status callbacks POSTed so far, in the order sent."""
        with self._lock:
            return list(self._callbacks)

    def wait_for_callbacks(self, count: int, *, timeout: float = 5.0) -> list[SentCallback]:
        """Block until ``count`` callbacks were sent (or ``timeout``); return all sent."""
        wait_until(lambda: len(self.callbacks) >= count, timeout=timeout)
        return self.callbacks

    def send_reply(
        self, url: str, *, from_: str, body: str, to: str = "+4759440000"
    ) -> SentCallback:
        """POST an incoming SMS to ``url`` as Twilio's messaging webhook would, signed; waits."""
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": from_,
            "MessageSid": "SM" + uuid.uuid4().hex,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "To": to,
        }
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        try:
            response = httpx.post(
                url, data=params, headers={"X-Twilio-Signature": signature}, timeout=5
            )
            status_code: int | None = response.status_code
        except httpx.HTTPError:
            status_code = None
        return SentCallback(url, params, signature, status_code)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve, and start the thread that sends status callbacks."""
        super().start()
        self._callback_thread = threading.Thread(
            target=self._send_callbacks, name="FakeTwilio callbacks", daemon=True
        )
        self._callback_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; callbacks not yet sent are dropped."""
        super().stop()
        if self._callback_thread is not None:
            self._outbox.put(None)
            self._callback_thread.join(timeout=5)
            self._callback_thread = None

    # -- the API ---------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one Messages API request like Twilio would."""
        match = _MESSAGES_PATH.match(request.path)
        if request.method not in ("POST", "GET") or match is None:
            return _error(404, 20404, "The requested resource was not found")
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if match["sid"] != self.account_sid:
            return _error(403, 20003, "The account in the URL is not the one authenticated")
        if request.method == "GET":
            return self._list(request)
        if self.delay_seconds:
            self.stopping.wait(self.delay_seconds)

        form = request.form()
        to = form.get("To", "")
        failure = self._failure_for(to, form)
        if failure is not None:
            status, code, explanation = failure
            with self._lock:
                self._rejections.append(Rejection(to, status, code))
            headers = {"Retry-After": "1"} if status == 429 else {}
            return _error(status, code, explanation, headers)

        message = FakeMessage(
            sid="SM" + uuid.uuid4().hex,
            account_sid=self.account_sid,
            to=to,
            from_=form.get("From") or None,
            messaging_service_sid=form.get("MessagingServiceSid") or None,
            body=form.get("Body", ""),
            status_callback=form.get("StatusCallback") or None,
            received_at=datetime.now(UTC),
        )
        with self._lock:
            self._messages.append(message)
        if message.status_callback and self.send_callbacks:
            for params in self._callback_params(message):
                self._outbox.put((message.status_callback, params))
        return HttpResponse.json(201, self._resource(message))

    def _list(self, request: HttpRequest) -> HttpResponse:
        """``GET …/Messages.json?To=…&PageSize=…``: the newest first, as Twilio lists them."""
        query = dict(parse_qsl(request.query))
        to = query.get("To")
        size = int(query.get("PageSize", "50"))
        with self._lock:
            self._lookups += 1
        if self.list_status is not None:
            return _error(self.list_status, 20500, "The list of messages cannot be read now")
        with self._lock:
            found = [m for m in reversed(self._messages) if to is None or m.to == to][:size]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return HttpResponse.json(
            200,
            {
                "messages": [self._resource(m) for m in found],
                "end": max(0, len(found) - 1),
                "first_page_uri": f"{uri}?PageSize={size}&Page=0",
                "next_page_uri": None,
                "page": 0,
                "page_size": size,
                "previous_page_uri": None,
                "start": 0,
                "uri": f"{uri}?PageSize={size}&Page=0",
            },
        )

    @property
    def lookups(self) -> int:
        """How many times the list of messages was asked for."""
        with self._lock:
            return self._lookups

    def _authorised(self, request: HttpRequest) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return (user, password) == (self.account_sid, self.auth_token)

    def _failure_for(self, to: str, form: dict[str, str]) -> tuple[int, int, str] | None:
        with self._lock:
            if self._fail_next:
                status, code = self._fail_next.popleft()
                return status, code or status, "Fake failure on demand"
        if not to:
            return 400, 21604, "A 'To' phone number is required."
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return 400, 21603, "A 'From' phone number is required."
        if not form.get("Body"):
            return 400, 21602, "Message body is required."
        if to in self.fail_numbers:
            return self.fail_numbers[to]
        if not _E164.match(to):
            return 400, 21211, f"The 'To' number {to} is not a valid phone number."
        with self._lock:
            if self.rate_limit_per_second is not None:
                now = time.monotonic()
                while self._accepted_at and now - self._accepted_at[0] >= 1.0:
                    self._accepted_at.popleft()
                if len(self._accepted_at) >= self.rate_limit_per_second:
                    return 429, 20429, "Too Many Requests"
                self._accepted_at.append(now)
        return None

    def _resource(self, message: FakeMessage) -> dict[str, object]:
        now = format_datetime(message.received_at, usegmt=True)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": message.body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": message.sid,
            "status": "accepted" if message.messaging_service_sid else "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": message.to,
            "uri": uri,
        }

    # -- status callbacks ------------------------------------------------------------------

    def _callback_params(self, message: FakeMessage) -> list[dict[str, str]]:
        final = self.final_status_for.get(message.to, self.final_status)
        statuses = [final.status] if final.status == "failed" else ["sent", final.status]
        result = []
        for status in statuses:
            params = {
                "AccountSid": self.account_sid,
                "ApiVersion": "2010-04-01",
                "From": message.from_ or self.pool_sender,
                "MessageSid": message.sid,
                "MessageStatus": status,
                "SmsSid": message.sid,
                "SmsStatus": status,
                "To": message.to,
            }
            if message.messaging_service_sid:
                params["MessagingServiceSid"] = message.messaging_service_sid
            if status in DEFAULT_ERROR_CODES:
                params["ErrorCode"] = final.error_code or DEFAULT_ERROR_CODES[status]
            result.append(params)
        return result

    def _send_callbacks(self) -> None:
        validator = RequestValidator(self.auth_token)
        with httpx.Client(timeout=5) as client:
            while (item := self._outbox.get()) is not None:
                url, params = item
                signature = validator.compute_signature(url, params)
                try:
                    response = client.post(
                        url, data=params, headers={"X-Twilio-Signature": signature}
                    )
                    status_code: int | None = response.status_code
                except httpx.HTTPError:
                    status_code = None
                with self._lock:
                    self._callbacks.append(SentCallback(url, params, signature, status_code))


def _error(
    status: int, code: int, message: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    return HttpResponse.json(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        headers,
    )
