"""Microsoft Teams through a Workflows webhook: one Adaptive Card per message, over httpx.

What an answer means:

    2xx (Workflows answers 202)         delivered; provider_id from ``x-ms-request-id``
    429, 5xx, network errors, timeouts  TransientChannelError (retry_after from Retry-After)
    other 4xx (``WEBHOOK_REFUSALS``)    PermanentChannelError
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from channels._retry_after import parse_retry_after
from channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
    TransientChannelError,
)

MAX_PAYLOAD_BYTES = 28 * 1024
"""Teams refuses messages larger than 28 KB; the card's text is shortened to fit."""

ELLIPSIS = "…"

WEBHOOK_REFUSALS: dict[int, str] = {
    400: "the Teams webhook answered 400: it did not accept the card",
    401: "the Teams webhook answered 401: the link is no longer authorised",
    403: "the Teams webhook answered 403: the link is no longer authorised",
    404: "the Teams webhook answered 404: it may have been removed",
    410: "the Teams webhook answered 410: it has been removed",
    413: "the Teams webhook answered 413: the message is too large",
}


class TeamsChannel:
    """Posts Adaptive Cards to Teams Workflows webhooks; ``message.to`` is the webhook URL."""

    kind: ChannelKind = ChannelKind.TEAMS
    name = "teams"

    def __init__(self, timeout: float = 10) -> None:
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Post the card; a 2xx answer is the last word Teams gives."""
        body = encode_payload(message)
        try:
            response = await self._client.post(
                message.to, content=body, headers={"Content-Type": "application/json"}
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise PermanentChannelError("the Teams webhook address is not a valid URL") from exc
        except httpx.TimeoutException as exc:
            raise TransientChannelError("the Teams webhook did not answer in time") from exc
        except httpx.TransportError as exc:
            raise TransientChannelError(
                f"the Teams webhook could not be reached ({type(exc).__name__})"
            ) from exc
        status = response.status_code
        if 200 <= status < 300:
            request_id = response.headers.get("x-ms-request-id") or f"teams-{uuid.uuid4()}"
            return Receipt(provider_id=request_id, delivered=True)
        if status == 429 or status >= 500:
            raise TransientChannelError(
                f"the Teams webhook answered {status}; trying again later",
                code=str(status),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                throttled=status == 429,
            )
        reason = WEBHOOK_REFUSALS.get(status, f"the Teams webhook answered {status}")
        raise PermanentChannelError(reason, code=str(status))

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()


def build_card(message: OutgoingMessage, text: str | None = None) -> dict[str, Any]:
    """The Adaptive Card for a message, optionally with a shortened body text."""
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "lang": message.language,
        "rtl": message.direction == "rtl",
        "body": [
            {
                "type": "TextBlock",
                "text": message.subject,
                "weight": "bolder",
                "size": "medium",
                "wrap": True,
            },
            {"type": "TextBlock", "text": message.text if text is None else text, "wrap": True},
        ],
    }
    if message.link:
        card["actions"] = [
            {
                "type": "Action.OpenUrl",
                "title": message.link_label or message.link,
                "url": message.link,
            }
        ]
    return card


def encode_payload(message: OutgoingMessage) -> bytes:
    """The webhook's JSON body, shortening the card's text until it fits in 28 KB."""
    body = _encode(message, None)
    if len(body) <= MAX_PAYLOAD_BYTES:
        return body
    # Binary search for the longest prefix of the text that still fits, with an ellipsis.
    low, high = 0, len(message.text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(_encode(message, message.text[:middle] + ELLIPSIS)) <= MAX_PAYLOAD_BYTES:
            low = middle
        else:
            high = middle - 1
    body = _encode(message, message.text[:low].rstrip() + ELLIPSIS)
    if len(body) > MAX_PAYLOAD_BYTES:
        raise PermanentChannelError("the message is too large for Teams even without its text")
    return body


def _encode(message: OutgoingMessage, text: str | None) -> bytes:
    payload = {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": build_card(message, text),
            }
        ],
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
