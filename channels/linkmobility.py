"""SMS through LINK Mobility's "Common" platform (its SMS REST API), over httpx.

Sources: LINK Mobility, *SMS REST API - MT and Delivery Reports* v1.18 (2021-04-29), *SMS REST
API - MO messages* v1.7 and *Common Platform API - Gate API* v1.2, the official PDFs as kept in
the public repository ``deveel/deveel.lm.client`` (``docs/SMS_REST_API_MT_DLR-1.18.pdf``,
``docs/SMS_REST_API_MO-1.7.pdf``, ``docs/COMMON-GATE-API-1.2.pdf``). LINK keeps the newest at
https://www.linkmobility.com/developer/; v2.4 (June 2025, https://manuals.plus/m/
769649310d4a2a1af86594f10d89e8c92cd8625d15dde90f37dd5a9c425a4d61) opens the same way, and
Sergel's copy of the delivery-report chapter (same platform) agrees on its fields:
https://sergel.se/foretagstjanster/sergel-connect/sergel-connect-support/smsapi/sms-delivery-reports.
Where third-party code disagrees with LINK's document, the document wins: the deveel OpenAPI
file (``docs/openapi/link-api-v1.json``) spells the TON ``SHORTCODE`` and the DCS ``UC2``, the
document ``SHORTNUMBER`` and ``UCS2``.

Sending (MT, "Sending MT messages"): ``POST {base}/sms/send`` with HTTP Basic auth (the
username and password Support gives), ``Content-Type: application/json``, UTF-8:

    field                 we send
    source, sourceTON     ``from``: ``+4759440000`` MSISDN, ``2230`` SHORTNUMBER (1-14 digits),
                          ``Helsedir`` ALPHANUMERIC (up to 11 GSM characters) (``source_ton``)
    destination,          the member's number, E.164 with its leading ``+``; MSISDN
    destinationTON
    userData, dcs         the text; ``TEXT``: "server-side handling of encoding and segmenting.
                          Recommended." LINK picks GSM-7 or UCS-2 and concatenates up to 254
                          segments itself (no ``userDataHeader``). It takes "any character in
                          the UTF-8 2-byte character set (Unicode 4-byte characters are not
                          supported)", i.e. the BMP: a character outside it (an emoji) goes
                          as U+FFFD.
    platformId,           from the configuration (``platform_id``, ``platform_partner_id``)
    platformPartnerId
    refId                 our ``message.reference``; mirrored in the delivery report
    useDeliveryReport,    true and ``[gate_id]``: the gate Support registered for our
    deliveryReportGates   ``/webhooks/{name}/status``
    ignoreResponse        false: the documented default is true, which answers 204 without
                          the ``messageId`` (the Rust crate third-act/linkmobility,
                          ``src/rest_api.rs``, says the default is false; we follow LINK's
                          document and send false either way)

    The base URL is one LINK assigns (https://wsx.sp247.net/sms, https://n-eu.linkmobility.io/sms,
    c-eu, s-eu, no, deb); ``api_base`` names its host, default ``https://wsx.sp247.net``.

The answer ("HTTP Methods, statuses, and actions"; "Error Result Codes"; ``SEND_ERRORS``):

    200 {"messageId": "Dcshuhod0PMAAAFQ+/PbnR3x", "resultCode": 1005, "description": "Queued"}
        → Receipt(messageId); a failure resultCode in a 200 (``DELIVERY_ERRORS``) is refused
    204 (no body), or a 200 without a messageId      transient, uncertain: LINK took it, unnamed
    400 / 401 / 403 with an ErrorResponse            see below; otherwise permanent
    429                                              transient, throttled, retry_after
    5xx, 408, a refused or failed connection         transient
    a timeout, or a connection lost after the request went out
                                                     transient, uncertain: LINK may have it and
                                                     has no API to ask (no ``find_sent``)

    ErrorResponse code   meaning                                          outcome
    106000               unknown error                                    by HTTP status
    106100               invalid authentication (username/password)      permanent
    106101               access denied                                    permanent
    106200               invalid or missing platformId                    permanent
    106201               invalid or missing platformPartnerId             permanent
    106202               invalid or missing currency for premium message  permanent
    106300               no gates available                               permanent
    106301               specified gate unavailable (gate_id)             permanent

    The ErrorResponse is "a json object that contains an error code, a description and its
    translation" (Gate API); the documents show no example. Its field names here are those of
    ``docs/openapi/link-api-v1.json`` in deveel/deveel.lm.client (``status``, ``description``,
    ``transaltedDescription`` [sic]); the code is read from ``status`` (when it is not an HTTP
    status), ``resultCode`` or ``code``, and ``description`` is passed on, without numbers.

Delivery reports ("Delivery Reports"; ``parse_status``; ``DELIVERY_STATES``, ``DELIVERY_ERRORS``):
LINK POSTs one JSON object per message (per part of a concatenated one) to the gate when the
message reaches a final state, with the Basic credentials registered on the gate's destination
(Gate API, "Destination": username/password, "Only basic authentication is supported"); any 2xx
acknowledges it (``acknowledge`` false), so the answer is an empty 200. Fields: ``refId``,
``id`` (the ``messageId``; ``{id}${n}`` for part n of a concatenated message), ``operator``,
``sentTimestamp``, ``timestamp``, ``resultCode``, ``operatorResultCode``, ``segments``,
``gateCustomParameters``, ``customParameters``. (The deveel client reads ``sendTimestamp``;
LINK's document and Sergel's copy say ``sentTimestamp``, which we follow; we read neither.)

    resultCode                                               state
    1005 queued, 1008 billed before sending, 1012 delayed    None (not final)
    1000 sent to operator, 1011 billed and sent, 1013 sent   "sent"
    1001 delivered, 1007 delivered (billing delayed)         "delivered"
    the operator or the handset did not take it: 1002, 1004, 1006, 1009, 1010, 2, 4, 5, 6,
        2103-2107                                            "undeliverable"
    LINK did not hand it over: 0, 1, 3, 104, 105, 1003, 2000-2003, 2100-2102, 2200-2207,
        3000-3002, 4000-4007                                 "failed"
    a code not in the table                                  "undeliverable" (handed over; a
                                                             report comes only when final)

Inbound SMS (MO document; ``parse_inbound``): JSON with ``messageId``, ``source`` (the sender,
"in MSISDN format (international format)"), ``destination`` (our short number "prefixed by a
two-letter country code", ``NO-2333``), ``content`` {``type`` "SMS", ``userData``,
``encoding`` "TEXT"}, ``operator``, ``timestamp``, ``route``, …; authenticated like reports.
LINK cannot carry a reply in the answer: a reply is a new SMS through ``send``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from base64 import b64decode
from collections.abc import Mapping
from typing import Any, NamedTuple

import httpx

from channels._redact import redact
from channels._retry_after import parse_retry_after
from channels.base import (
    ChannelError,
    ChannelKind,
    DeliveryReport,
    InboundSms,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
    ReportedState,
    TransientChannelError,
    WebhookAnswer,
    WebhookRequest,
)
from channels.providers import ProviderConfig, ProviderConfigError
from channels.sms_encoding import analyse, is_gsm7_char

DEFAULT_API_BASE = "https://wsx.sp247.net"
"""The first of the base URLs LINK assigns; ``api_base`` names another (or the fake's)."""

MAX_SEGMENTS = 254
""""A message can be of any length up to the maximum defined by the GSM standard (254
segments)"."""

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SHORT_NUMBER = re.compile(r"^\d{1,14}$")
_PART = re.compile(r"^(?P<id>.+)\$\d+$")
_COUNTRY_PREFIX = re.compile(r"^[A-Z]{2}-")


class _Meaning(NamedTuple):
    permanent: bool | None
    """``None``: the HTTP status decides (5xx and 429 transient, 4xx permanent)."""
    reason: str


SEND_ERRORS: dict[int, _Meaning] = {
    106000: _Meaning(None, "LINK had an unknown error"),
    106100: _Meaning(True, "LINK refused our credentials; check the username and password"),
    106101: _Meaning(True, "LINK denied access; check the username and password"),
    106200: _Meaning(True, "LINK does not know our platform id; check platform_id"),
    106201: _Meaning(True, "LINK does not know our platform partner id; check platform_partner_id"),
    106202: _Meaning(True, "LINK wants a price and currency, as for a premium message"),
    106300: _Meaning(True, "LINK has no delivery report gate for our account"),
    106301: _Meaning(True, "LINK does not know our delivery report gate; check gate_id"),
}
"""The documented codes of an ErrorResponse (LINK's "Error Result Codes")."""

HTTP_REFUSALS: dict[int, str] = {
    400: "LINK refused the request as invalid",
    401: "LINK refused our credentials; check the username and password",
    403: "LINK denied access; check the username, password and platform ids",
    404: "LINK's send address was not found; check api_base",
}
"""What a 4xx means when its body names no documented code."""

DELIVERY_STATES: dict[int, ReportedState | None] = {
    0: "failed",
    1: "failed",
    2: "undeliverable",
    3: "failed",
    4: "undeliverable",
    5: "undeliverable",
    6: "undeliverable",
    104: "failed",
    105: "failed",
    1000: "sent",
    1001: "delivered",
    1002: "undeliverable",
    1003: "failed",
    1004: "undeliverable",
    1005: None,
    1006: "undeliverable",
    1007: "delivered",
    1008: None,
    1009: "undeliverable",
    1010: "undeliverable",
    1011: "sent",
    1012: None,
    1013: "sent",
    2000: "failed",
    2001: "failed",
    2002: "failed",
    2003: "failed",
    2100: "failed",
    2101: "failed",
    2102: "failed",
    2103: "undeliverable",
    2104: "undeliverable",
    2105: "undeliverable",
    2106: "undeliverable",
    2107: "undeliverable",
    2200: "failed",
    2201: "failed",
    2202: "failed",
    2203: "failed",
    2204: "failed",
    2205: "failed",
    2206: "failed",
    2207: "failed",
    3000: "failed",
    3001: "failed",
    3002: "failed",
    4000: "failed",
    4001: "failed",
    4002: "failed",
    4003: "failed",
    4004: "failed",
    4005: "failed",
    4006: "failed",
    4007: "failed",
}
"""A delivery report's ``resultCode`` → the delivery's state; "undeliverable" where the message
was handed to the operator (or LINK looked the number up) and did not arrive, "failed" where
LINK never handed it over. 4, 5 and 1010 are LINK's "UNKNOWN DELIVERY": recorded as not
delivered, since nothing confirms it and another channel should be tried."""

DELIVERY_ERRORS: dict[int, str] = {
    0: "LINK reported an unknown error",
    1: "LINK could not route the message for now, and gave up",
    2: "LINK has no route to the number's operator",
    3: "LINK's sending limit for our account was exceeded",
    4: "the operator did not answer in time; it is unknown whether the message arrived",
    5: "the operator reported an unknown error; it is unknown whether the message arrived",
    6: "the operator reported an error",
    104: "LINK reported a configuration error on our account",
    105: "LINK had an internal error",
    1002: "the phone was unreachable until the message expired (switched off or out of coverage)",
    1003: "LINK deleted the message before it was sent",
    1004: "the phone's message memory is full",
    1006: "the operator did not deliver the message",
    1009: "the message was billed but not delivered",
    1010: "the message expired without a report from the operator; it may not have arrived",
    2000: "LINK refused our sender name or number",
    2001: "a short number may not be the sender here",
    2002: "an alphanumeric sender name may not be used here",
    2003: "a phone number may not be the sender here",
    2100: "LINK cannot send to a short number",
    2101: "LINK cannot send to an alphanumeric address",
    2102: "LINK cannot send to this phone number",
    2103: "the operator does not allow this message to the number",
    2104: "the number is unknown or no longer in use",
    2105: "the number is permanently barred from receiving this message",
    2106: "the number is not a valid phone number",
    2107: "the number is temporarily barred from receiving messages",
    2200: "LINK could not charge for the message",
    2201: "the recipient's balance is too low",
    2202: "the recipient is barred from premium messages",
    2203: "the recipient is too young for this content",
    2204: "prepaid subscribers may not receive this message",
    2205: "the recipient has refused this service",
    2206: "the recipient is not registered in the payment system",
    2207: "the recipient has reached their maximum balance",
    3000: "the operator does not support GSM-encoded messages",
    3001: "the operator does not support UCS-2 messages (non-Latin text)",
    3002: "the operator does not support binary messages",
    4000: "the operator does not support delivery reports",
    4001: "LINK found the message content invalid",
    4002: "LINK found the tariff invalid",
    4003: "LINK found the message text invalid",
    4004: "LINK found the message header invalid",
    4005: "LINK found the data coding invalid",
    4006: "LINK found the VAT invalid",
    4007: "the recipient's phone or operator does not support this content",
}
"""Why a message was not delivered, for each failure ``resultCode`` in ``DELIVERY_STATES``."""

TON_MSISDN = "MSISDN"
TON_SHORTNUMBER = "SHORTNUMBER"
TON_ALPHANUMERIC = "ALPHANUMERIC"


def source_ton(sender: str) -> str:
    """LINK's type of number for our ``from``: ``MSISDN`` for ``+4759440000``, ``SHORTNUMBER``
    for ``2230`` (1-14 digits), ``ALPHANUMERIC`` for ``Helsedir`` (up to 11 GSM characters);
    ``ProviderConfigError`` for anything else."""
    if sender.startswith("+"):
        if not _E164.match(sender):
            raise ProviderConfigError(
                f"the LINK sender {sender!r} is not a number in international format"
            )
        return TON_MSISDN
    if sender.isdigit():
        if not _SHORT_NUMBER.match(sender):
            raise ProviderConfigError(
                f"the LINK sender {sender!r} is too long for a short number; "
                "write a phone number with + and its country code"
            )
        return TON_SHORTNUMBER
    if not 1 <= len(sender) <= 11 or not all(is_gsm7_char(c) for c in sender):
        raise ProviderConfigError(
            f"the LINK sender name {sender!r} must be 1-11 letters or digits (GSM characters)"
        )
    return TON_ALPHANUMERIC


def send_error(status: int, body: Any, retry_after: float | None = None) -> ChannelError:
    """The error for a refused send: LINK's HTTP ``status`` and its (parsed JSON) ``body``."""
    code = _error_code(body)
    known = SEND_ERRORS.get(code) if code is not None else None
    detail = _error_detail(body)
    transient_status = status == 429 or status == 408 or status >= 500
    if known is not None:
        permanent = not transient_status if known.permanent is None else known.permanent
        reason = known.reason
        if known.permanent is None and detail:
            # A code that says little: LINK's own words say more.
            reason = f"{reason}: {detail}"
    elif transient_status:
        permanent = False
        reason = f"LINK could not take the message now ({status})"
        if detail:
            reason = f"{reason}: {detail}"
    else:
        permanent = True
        reason = HTTP_REFUSALS.get(status, f"LINK refused the message ({status})")
        if detail:
            reason = f"{reason}: {detail}"
    if code is not None:
        reason = f"{reason} (LINK {code})"
    code_text = str(code) if code is not None else str(status)
    if permanent:
        return PermanentChannelError(reason, code=code_text)
    return TransientChannelError(
        reason, code=code_text, retry_after=retry_after, throttled=status == 429
    )


def parse_report(report: Mapping[str, Any]) -> DeliveryReport | None:
    """One delivery report object; ``None`` when it names no message."""
    message_id = str(report.get("id") or "")
    if not message_id:
        return None
    part = _PART.match(message_id)
    if part is not None:
        message_id = part["id"]
    code = _as_int(report.get("resultCode"))
    if code is None:
        return DeliveryReport(provider_id=message_id, state=None)
    state = DELIVERY_STATES.get(code, "undeliverable")
    reason = None
    if state in ("undeliverable", "failed"):
        reason = DELIVERY_ERRORS.get(code, "LINK reported the message as not delivered")
        reason = f"{reason} (LINK {code})"
    return DeliveryReport(provider_id=message_id, state=state, error_code=str(code), reason=reason)


def parse_mo(message: Mapping[str, Any]) -> InboundSms | None:
    """An MO message object; ``None`` when it has no sender."""
    sender = normalise_msisdn(str(message.get("source") or ""))
    if not sender:
        return None
    content = message.get("content")
    text = ""
    if isinstance(content, Mapping):
        text = str(content.get("userData") or "")
    return InboundSms(
        message_id=str(message.get("messageId") or ""),
        sender=sender,
        text=text,
        recipient=_COUNTRY_PREFIX.sub("", str(message.get("destination") or "")),
    )


def normalise_msisdn(number: str) -> str:
    """A number in E.164 with its leading ``+`` (``4741560067`` and ``004741560067`` too);
    anything that is not digits is returned as it came, trimmed."""
    compact = re.sub(r"[\s\-()]", "", number)
    if compact.startswith("00") and compact[2:].isdigit():
        return "+" + compact[2:]
    if compact.isdigit():
        return "+" + compact
    if compact.startswith("+") and compact[1:].isdigit():
        return compact
    return number.strip()


class LinkMobilitySmsChannel:
    """Sends SMS with LINK Mobility; delivery is confirmed later by delivery reports to our gate,
    and members' replies arrive at our inbound webhook. Both come with HTTP Basic auth of the
    provider's own username and password (how its gates are registered)."""

    kind: ChannelKind = ChannelKind.SMS
    answers_inline = False

    def __init__(
        self,
        username: str,
        password: str,
        platform_id: str,
        platform_partner_id: str,
        sender: str,
        gate_id: str = "",
        api_base: str = "",
        *,
        name: str = "linkmobility",
        timeout: float = 10,
    ) -> None:
        self.name = name
        self._username = username
        self._password = password
        self._platform_id = platform_id
        self._platform_partner_id = platform_partner_id
        self._sender = sender
        self._source_ton = source_ton(sender)
        self._gate_id = gate_id
        base = (api_base or DEFAULT_API_BASE).rstrip("/").removesuffix("/sms")
        self._send_url = f"{base}/sms/send"
        self._client = httpx.AsyncClient(
            auth=httpx.BasicAuth(username, password),
            timeout=timeout,
            follow_redirects=False,
            headers={"Accept": "application/json"},
        )

    @classmethod
    def from_config(cls, config: ProviderConfig, webhook_base: str) -> LinkMobilitySmsChannel:
        """An adapter for the account a provider's configuration names (``username``,
        ``password``, ``platform_id``, ``platform_partner_id``, ``gate_id``, ``from`` and
        ``api_base``). LINK's gates are registered by Support with their URLs, so
        ``webhook_base`` (``…/webhooks/{name}``) is what to give Support, not what we send."""
        del webhook_base
        return cls(
            config.require("username"),
            config.require("password"),
            config.require("platform_id"),
            config.require("platform_partner_id"),
            config.require("from"),
            config.require("gate_id"),
            config.options.get("api_base", ""),
            name=config.name,
        )

    def payload(self, message: OutgoingMessage) -> dict[str, Any]:
        """The JSON object for ``POST /sms/send``."""
        payload: dict[str, Any] = {
            "source": self._sender,
            "sourceTON": self._source_ton,
            "destination": message.to,
            "destinationTON": TON_MSISDN,
            "userData": _bmp_only(message.text),
            "dcs": "TEXT",
            "platformId": self._platform_id,
            "platformPartnerId": self._platform_partner_id,
            "refId": message.reference,
            "useDeliveryReport": bool(self._gate_id),
            "ignoreResponse": False,
        }
        if self._gate_id:
            payload["deliveryReportGates"] = [self._gate_id]
        return payload

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Hand the SMS to LINK; the receipt's ``provider_id`` is LINK's ``messageId``."""
        if not _E164.match(message.to):
            raise PermanentChannelError(
                "the number is not a valid mobile number in international format"
            )
        if analyse(message.text).segments > MAX_SEGMENTS:
            raise PermanentChannelError(
                f"the text is longer than LINK can send ({MAX_SEGMENTS} SMS segments)"
            )
        body = json.dumps(self.payload(message), ensure_ascii=False).encode()
        try:
            response = await self._client.post(
                self._send_url, content=body, headers={"Content-Type": "application/json"}
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise PermanentChannelError("LINK's address (api_base) is not a valid URL") from exc
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing was sent: the connection was never made.
            raise TransientChannelError(
                f"LINK could not be reached ({type(exc).__name__})"
            ) from exc
        except httpx.TimeoutException as exc:
            raise TransientChannelError("LINK did not answer in time", uncertain=True) from exc
        except httpx.TransportError as exc:
            # The request may have gone out before the connection broke.
            raise TransientChannelError(
                f"LINK's answer was lost ({type(exc).__name__})", uncertain=True
            ) from exc
        return _receipt(response)

    def verify(self, request: WebhookRequest) -> bool:
        """Whether a gate's call carries our username and password (HTTP Basic), compared in
        constant time."""
        if not (self._username and self._password):
            return False
        scheme, _, encoded = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = b64decode(encoded.strip(), validate=True)
        except ValueError:
            return False
        user, separator, password = decoded.partition(b":")
        if not separator:
            return False
        same_user = _same(user, self._username.encode())
        same_password = _same(password, self._password.encode())
        return same_user & same_password

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """The delivery report(s) in a gate's call: one JSON object (a list is read too).
        ``ValueError`` when the body is not JSON (the gate must send ``application/json``)."""
        body = request.json()
        items = body if isinstance(body, list) else [body]
        reports = []
        for item in items:
            if isinstance(item, Mapping):
                report = parse_report(item)
                if report is not None:
                    reports.append(report)
        return reports

    def parse_inbound(self, request: WebhookRequest) -> InboundSms | None:
        """The SMS in an MO call; ``ValueError`` when the body is not JSON."""
        body = request.json()
        return parse_mo(body) if isinstance(body, Mapping) else None

    def answer_inbound(self, reply: str | None) -> WebhookAnswer:
        """An empty 200: LINK takes any 2xx as received and cannot carry a reply in it."""
        return WebhookAnswer()

    def answer_status(self) -> WebhookAnswer:
        """An empty 200, which acknowledges the report."""
        return WebhookAnswer()

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()


def _receipt(response: httpx.Response) -> Receipt:
    status = response.status_code
    body = _json_or_none(response.content)
    if 200 <= status < 300:
        message_id = body.get("messageId") if isinstance(body, Mapping) else None
        code = _as_int(body.get("resultCode")) if isinstance(body, Mapping) else None
        # A failure code in a 200 (LINK's own clients check for 1005 Queued); a code we do not
        # know, with a messageId, is taken as accepted rather than risk a second copy.
        if code is not None and DELIVERY_STATES.get(code) in ("undeliverable", "failed"):
            reason = DELIVERY_ERRORS.get(code, "LINK did not take the message")
            raise PermanentChannelError(f"{reason} (LINK {code})", code=str(code))
        if not message_id:
            raise TransientChannelError(
                f"LINK took the request but named no message ({status})",
                code=str(status),
                uncertain=True,
            )
        return Receipt(provider_id=str(message_id), delivered=False)
    raise send_error(status, body, parse_retry_after(response.headers.get("Retry-After")))


def _error_code(body: Any) -> int | None:
    if not isinstance(body, Mapping):
        return None
    for key in ("resultCode", "code", "status"):
        code = _as_int(body.get(key))
        # ``status`` may be the HTTP status; LINK's own codes are six digits (106xxx).
        if code is not None and (key != "status" or code >= 1000):
            return code
    return None


def _error_detail(body: Any) -> str:
    if not isinstance(body, Mapping):
        return ""
    detail = body.get("description") or body.get("message") or ""
    text = redact(" ".join(str(detail).split()))
    return text[:200]


def _json_or_none(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _same(given: bytes, expected: bytes) -> bool:
    # Digests first, so that the comparison takes as long whatever the lengths.
    return hmac.compare_digest(hashlib.sha256(given).digest(), hashlib.sha256(expected).digest())


def _bmp_only(text: str) -> str:
    """LINK takes the BMP only ("4-byte characters are not supported"); others become U+FFFD."""
    return "".join(c if ord(c) <= 0xFFFF else "\ufffd" for c in text)
