"""Reading and writing LINK Mobility's messages: sender TONs, its errors, delivery reports and
inbound messages (the codes are in ``codes``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from channels._redact import redact
from channels._retry_after import parse_retry_after
from channels.base import (
    ChannelError,
    DeliveryReport,
    InboundSms,
    PermanentChannelError,
    Receipt,
    TransientChannelError,
)
from channels.linkmobility.codes import (
    COUNTRY_PREFIX,
    DELIVERY_ERRORS,
    DELIVERY_STATES,
    E164,
    HTTP_REFUSALS,
    PART,
    SEND_ERRORS,
    SHORT_NUMBER,
)
from channels.providers import ProviderConfigError
from channels.sms_encoding import is_gsm7_char

TON_MSISDN = "MSISDN"
TON_SHORTNUMBER = "SHORTNUMBER"
TON_ALPHANUMERIC = "ALPHANUMERIC"


def source_ton(sender: str) -> str:
    """LINK's type of number for our ``from``: ``MSISDN`` for ``+4759440000``, ``SHORTNUMBER``
    for ``2230`` (1-14 digits), ``ALPHANUMERIC`` for ``Helsedir`` (up to 11 GSM characters);
    ``ProviderConfigError`` for anything else."""
    if sender.startswith("+"):
        if not E164.match(sender):
            raise ProviderConfigError(
                f"the LINK sender {sender!r} is not a number in international format"
            )
        return TON_MSISDN
    if sender.isdigit():
        if not SHORT_NUMBER.match(sender):
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
    part = PART.match(message_id)
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
        recipient=COUNTRY_PREFIX.sub("", str(message.get("destination") or "")),
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


def receipt_of(response: httpx.Response) -> Receipt:
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


def same_secret(given: bytes, expected: bytes) -> bool:
    # Digests first, so that the comparison takes as long whatever the lengths.
    return hmac.compare_digest(hashlib.sha256(given).digest(), hashlib.sha256(expected).digest())


def bmp_only(text: str) -> str:
    """LINK takes the BMP only ("4-byte characters are not supported"); others become U+FFFD."""
    return "".join(c if ord(c) <= 0xFFFF else "\ufffd" for c in text)
