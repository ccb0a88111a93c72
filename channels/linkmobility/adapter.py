"""The LINK Mobility adapter: sends over its SMS REST API and reads what its gates call us
with (see ``codes`` for the API and its codes)."""

from __future__ import annotations

import json
from base64 import b64decode
from collections.abc import Mapping
from typing import Any

import httpx

from channels.base import (
    ChannelKind,
    DeliveryReport,
    InboundSms,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
    TransientChannelError,
    WebhookAnswer,
    WebhookRequest,
)
from channels.linkmobility.codes import DEFAULT_API_BASE, E164, MAX_SEGMENTS
from channels.linkmobility.wire import (
    TON_MSISDN,
    bmp_only,
    parse_mo,
    parse_report,
    receipt_of,
    same_secret,
    source_ton,
)
from channels.providers import ProviderConfig
from channels.sms_encoding import analyse


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
            "userData": bmp_only(message.text),
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
        if not E164.match(message.to):
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
        return receipt_of(response)

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
        same_user = same_secret(user, self._username.encode())
        same_password = same_secret(password, self._password.encode())
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
