"""Which adapter carries each channel: the real one when its settings are given, else the sandbox.

A new provider (say a Norwegian SMS gateway) is one new module with a settings dataclass (with
a ``kind`` class attribute) and an adapter, plus one line in ``ADAPTERS``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Protocol

from channels.base import Channel, ChannelKind
from channels.email import SmtpChannel, SmtpSettings
from channels.sandbox import SandboxChannel, Sink
from channels.sms import TwilioSettings, TwilioSmsChannel
from channels.teams import TeamsChannel

__all__ = [
    "ADAPTERS",
    "ChannelRegistry",
    "ProviderSettings",
    "SmtpSettings",
    "TwilioSettings",
    "build_channels",
]


class ProviderSettings(Protocol):
    """Settings of one provider's adapter; ``kind`` says which channel it carries."""

    kind: ClassVar[ChannelKind]


ADAPTERS: dict[type[Any], Callable[[Any], Channel]] = {
    SmtpSettings: SmtpChannel.from_settings,
    TwilioSettings: TwilioSmsChannel.from_settings,
}
"""Settings type → how to build its adapter; the settings' ``kind`` says which channel it is."""


class ChannelRegistry:
    """The adapter for each channel kind."""

    def __init__(self, channels: Mapping[ChannelKind, Channel]) -> None:
        self._channels = dict(channels)

    def get(self, kind: ChannelKind) -> Channel:
        """The adapter for ``kind``; ``KeyError`` when none is registered."""
        try:
            return self._channels[kind]
        except KeyError:
            raise KeyError(f"no channel adapter is registered for {kind.value}") from None

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._channels.values())

    async def close(self) -> None:
        """Close every adapter, even when one of them fails to close."""
        results = await asyncio.gather(
            *(channel.close() for channel in self._channels.values()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result


def build_channels(
    *,
    smtp: SmtpSettings | None,
    twilio: TwilioSettings | None,
    sink: Sink,
    teams_sandbox: bool = False,
    providers: Iterable[ProviderSettings] = (),
) -> ChannelRegistry:
    """Real adapters for the channels with settings, the sandbox (writing to ``sink``) for the rest.

    ``providers`` takes settings of further providers registered in ``ADAPTERS``; a later one
    replaces an earlier one of the same kind.
    """
    channels: dict[ChannelKind, Channel] = {
        kind: SandboxChannel(kind, sink) for kind in ChannelKind
    }
    if not teams_sandbox:
        channels[ChannelKind.TEAMS] = TeamsChannel()
    given: list[ProviderSettings | None] = [smtp, twilio, *providers]
    for settings in given:
        if settings is not None:
            channels[settings.kind] = ADAPTERS[type(settings)](settings)
    return ChannelRegistry(channels)
