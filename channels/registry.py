"""Which adapter carries each channel: the real one when its settings are given, else the sandbox.

SMS providers are configuration (``channels.providers``): each entry names a ``kind``, and
``SMS_PROVIDER_KINDS`` says which adapter builds it. A new SMS gateway is one module in
``channels/`` with an adapter that implements ``channels.base.SmsProvider`` and a
``from_config``, plus one line in ``SMS_PROVIDER_KINDS``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence

from channels.base import Channel, ChannelKind, SmsProvider
from channels.email import SmtpChannel, SmtpSettings
from channels.linkmobility import LinkMobilitySmsChannel
from channels.providers import ProviderConfig, webhook_base
from channels.sandbox import SandboxChannel, Sink
from channels.teams import TeamsChannel
from channels.twilio import TwilioSmsChannel

__all__ = [
    "SMS_PROVIDER_KINDS",
    "ChannelRegistry",
    "ProviderConfig",
    "SmtpSettings",
    "build_channels",
    "build_sms_providers",
]

ProviderFactory = Callable[[ProviderConfig, str], SmsProvider]
"""Builds an adapter from its configuration and the base address of its webhooks."""

SMS_PROVIDER_KINDS: dict[str, ProviderFactory] = {
    "twilio": TwilioSmsChannel.from_config,
    "linkmobility": LinkMobilitySmsChannel.from_config,
}
"""Provider kind (``"kind"`` in ``DISPATCH_SMS_PROVIDERS``) → how to build its adapter."""


class ChannelRegistry:
    """The adapter for each channel kind, and the SMS providers by name."""

    def __init__(
        self,
        channels: Mapping[ChannelKind, Channel],
        sms_providers: Mapping[str, SmsProvider] | None = None,
    ) -> None:
        self._channels = dict(channels)
        self._providers = dict(sms_providers or {})

    def get(self, kind: ChannelKind) -> Channel:
        """The adapter for ``kind``; ``KeyError`` when none is registered."""
        try:
            return self._channels[kind]
        except KeyError:
            raise KeyError(f"no channel adapter is registered for {kind.value}") from None

    def provider(self, name: str) -> SmsProvider | None:
        """The SMS provider configured under ``name``, or ``None``."""
        return self._providers.get(name)

    @property
    def sms_providers(self) -> Mapping[str, SmsProvider]:
        """Every configured SMS provider by name (none in sandbox mode)."""
        return self._providers

    def __iter__(self) -> Iterator[Channel]:
        seen: dict[int, Channel] = {}
        for channel in [*self._channels.values(), *self._providers.values()]:
            seen.setdefault(id(channel), channel)
        return iter(seen.values())

    async def close(self) -> None:
        """Close every adapter, even when one of them fails to close."""
        results = await asyncio.gather(
            *(channel.close() for channel in self), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result


def build_sms_providers(
    configs: Sequence[ProviderConfig], *, base_url: str
) -> dict[str, SmsProvider]:
    """An adapter for each configured provider, by name, in the order configured."""
    providers: dict[str, SmsProvider] = {}
    for config in configs:
        factory = SMS_PROVIDER_KINDS.get(config.kind)
        if factory is None:
            known = ", ".join(SMS_PROVIDER_KINDS)
            raise ValueError(
                f"SMS provider {config.name!r} has the unknown kind {config.kind!r}; known: {known}"
            )
        providers[config.name] = factory(config, webhook_base(base_url, config.name))
    return providers


def build_channels(
    *,
    smtp: SmtpSettings | None,
    sink: Sink,
    sms: Sequence[ProviderConfig] = (),
    base_url: str = "",
    teams_sandbox: bool = False,
    allow_loopback_webhooks: bool = False,
) -> ChannelRegistry:
    """Real adapters for the channels with settings, the sandbox (writing to ``sink``) for the
    rest. SMS goes through the first configured provider; without one, to the sandbox."""
    channels: dict[ChannelKind, Channel] = {
        kind: SandboxChannel(kind, sink) for kind in ChannelKind
    }
    if not teams_sandbox:
        channels[ChannelKind.TEAMS] = TeamsChannel(allow_loopback=allow_loopback_webhooks)
    if smtp is not None:
        channels[ChannelKind.EMAIL] = SmtpChannel.from_settings(smtp)
    providers = build_sms_providers(sms, base_url=base_url)
    if providers:
        channels[ChannelKind.SMS] = next(iter(providers.values()))
    return ChannelRegistry(channels, providers)
