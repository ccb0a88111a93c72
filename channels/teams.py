"""Microsoft Teams through a Workflows webhook: one Adaptive Card per message, over httpx.

What an answer means:

    2xx (Workflows answers 202)         delivered; provider_id from ``x-ms-request-id``
    429, 5xx, network errors, timeouts  TransientChannelError (retry_after from Retry-After)
    other 4xx (``WEBHOOK_REFUSALS``)    PermanentChannelError

A webhook address is a place this server will post to, so it is held to what Teams uses: https
on a Microsoft Workflows host (``WORKFLOWS_HOSTS``), checked when it is saved and again when it
is used; and at send time every address the name resolves to must be public (no private,
loopback, link-local or reserved address: no cloud metadata service, no Redis on localhost).
The connection goes to the address that was checked, so a name that resolves differently a
moment later cannot slip through. Loopback is allowed only with ``allow_loopback`` (tests and
the demo). What a refused or unreachable webhook records says no more than that.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
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


WORKFLOWS_HOSTS = ("logic.azure.com", "powerplatform.com", "webhook.office.com")
"""Microsoft's hosts for Teams Workflows webhooks; an address must be on one (or under one)."""


def is_loopback_host(host: str) -> bool:
    """Whether a host name or address is this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_problem(url: str, *, allow_loopback: bool) -> str | None:
    """Why this address cannot be a Teams webhook, or None when it can."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "is not a valid address"
    if parts.scheme not in {"https", "http"} or not host:
        return "must be a full https:// address"
    if parts.username or parts.password:
        return "must not carry a user name or password"
    if is_loopback_host(host):
        return None if allow_loopback else "must not point at this server"
    if parts.scheme != "https":
        return "must use https"
    if not any(host == h or host.endswith("." + h) for h in WORKFLOWS_HOSTS):
        return (
            "must be a Microsoft Teams Workflows address ("
            + ", ".join("*." + h for h in WORKFLOWS_HOSTS)
            + ")"
        )
    return None


class RefusedAddress(Exception):
    """The webhook's host resolves to an address inside a private network."""


def _public(address: str, *, allow_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast


class _PublicOnly(httpcore.AsyncNetworkBackend):
    """Connects only to public addresses: resolves the name itself, checks every address, then
    connects to one it checked (TLS still names the host, so certificates are checked as usual)."""

    def __init__(self, *, allow_loopback: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_loopback = allow_loopback

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses or not all(
            _public(a, allow_loopback=self._allow_loopback) for a in addresses
        ):
            raise RefusedAddress(host)
        return await self._inner.connect_tcp(
            addresses[0],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddress(path)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class TeamsChannel:
    """Posts Adaptive Cards to Teams Workflows webhooks; ``message.to`` is the webhook URL."""

    kind: ChannelKind = ChannelKind.TEAMS
    name = "teams"

    def __init__(self, timeout: float = 10, *, allow_loopback: bool = False) -> None:
        self.allow_loopback = allow_loopback
        transport = httpx.AsyncHTTPTransport()
        # httpx takes no network backend of its own; its pool is httpcore's, which does.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_PublicOnly(allow_loopback=allow_loopback),
        )
        self._client = httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, transport=transport, trust_env=False
        )

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Post the card; a 2xx answer is the last word Teams gives."""
        problem = webhook_problem(message.to, allow_loopback=self.allow_loopback)
        if problem is not None:
            raise PermanentChannelError(f"the Teams webhook address {problem}")
        body = encode_payload(message)
        try:
            response = await self._client.post(
                message.to, content=body, headers={"Content-Type": "application/json"}
            )
        except RefusedAddress as exc:
            raise PermanentChannelError(
                "the Teams webhook address leads inside a private network and is refused"
            ) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise PermanentChannelError("the Teams webhook address is not a valid URL") from exc
        except httpx.TimeoutException as exc:
            raise TransientChannelError("the Teams webhook did not answer in time") from exc
        except (httpx.TransportError, OSError) as exc:
            # No more detail: what a reader sees must not map the network behind the webhook.
            raise TransientChannelError("the Teams webhook could not be reached") from exc
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
