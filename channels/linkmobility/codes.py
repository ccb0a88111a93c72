"""LINK Mobility's SMS REST API: what we send, what it answers and reports, and what each code
means (the tables below, as data).

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

import re
from typing import NamedTuple

from channels.base import (
    ReportedState,
)

DEFAULT_API_BASE = "https://wsx.sp247.net"
"""The first of the base URLs LINK assigns; ``api_base`` names another (or the fake's)."""

MAX_SEGMENTS = 254
""""A message can be of any length up to the maximum defined by the GSM standard (254
segments)"."""

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SHORT_NUMBER = re.compile(r"^\d{1,14}$")
PART = re.compile(r"^(?P<id>.+)\$\d+$")
COUNTRY_PREFIX = re.compile(r"^[A-Z]{2}-")


class Meaning(NamedTuple):
    permanent: bool | None
    """``None``: the HTTP status decides (5xx and 429 transient, 4xx permanent)."""
    reason: str


SEND_ERRORS: dict[int, Meaning] = {
    106000: Meaning(None, "LINK had an unknown error"),
    106100: Meaning(True, "LINK refused our credentials; check the username and password"),
    106101: Meaning(True, "LINK denied access; check the username and password"),
    106200: Meaning(True, "LINK does not know our platform id; check platform_id"),
    106201: Meaning(True, "LINK does not know our platform partner id; check platform_partner_id"),
    106202: Meaning(True, "LINK wants a price and currency, as for a premium message"),
    106300: Meaning(True, "LINK has no delivery report gate for our account"),
    106301: Meaning(True, "LINK does not know our delivery report gate; check gate_id"),
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
