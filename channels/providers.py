"""SMS providers as configuration: ``DISPATCH_SMS_PROVIDERS`` is a JSON list of named providers.

    [{"name": "twilio", "kind": "twilio", "weight": 60, "segments_per_second": 10,
      "account_sid": "AC…", "auth_token": "…", "from": "+4759440000"},
     {"name": "link", "kind": "linkmobility", "weight": 40, "segments_per_second": 20, …}]

``name`` names the provider's webhooks (``/webhooks/{name}/…``) and its row on the dashboard;
``kind`` says which adapter carries it (``channels.registry.SMS_PROVIDER_KINDS``); everything
else is the adapter's own (credentials, sender, ``api_base`` for tests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
"""A provider's name: lower case, digits, ``-`` and ``_``, at most 32 characters (it is a path
segment of its webhooks)."""

COMMON = frozenset({"name", "kind", "weight", "segments_per_second"})


class ProviderConfigError(ValueError):
    """The provider list cannot be used; the message says which entry and why."""


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One configured SMS provider."""

    name: str
    kind: str
    weight: int = 100
    """Its share of the traffic among healthy providers (0 takes none unless all else fails)."""
    segments_per_second: float = 10.0
    """SMS segments the provider accepts per second for us, across all our workers."""
    options: Mapping[str, str] = field(default_factory=dict)
    """The adapter's own settings: credentials, sender, ``api_base``."""

    def require(self, key: str) -> str:
        """An option the adapter cannot do without."""
        value = self.options.get(key, "")
        if not value:
            raise ProviderConfigError(f"SMS provider {self.name!r} needs {key!r}")
        return value


def parse_providers(text: str, *, kinds: Mapping[str, object] | None = None) -> list[ProviderConfig]:
    """Read the JSON list; ``kinds`` (when given) are the adapter kinds that exist."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ProviderConfigError(f"the SMS provider list is not valid JSON ({exc})") from exc
    if not isinstance(raw, list):
        raise ProviderConfigError("the SMS provider list must be a JSON list of objects")
    configs: list[ProviderConfig] = []
    for index, entry in enumerate(raw, start=1):
        configs.append(_one(index, entry, kinds))
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise ProviderConfigError("two SMS providers have the same name")
    return configs


def _one(index: int, entry: Any, kinds: Mapping[str, object] | None) -> ProviderConfig:
    where = f"SMS provider {index}"
    if not isinstance(entry, dict):
        raise ProviderConfigError(f"{where} must be a JSON object")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise ProviderConfigError(
            f"{where} needs a name of lower-case letters, digits, '-' or '_' (at most 32)"
        )
    kind = entry.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ProviderConfigError(f"SMS provider {name!r} needs a kind")
    if kinds is not None and kind not in kinds:
        raise ProviderConfigError(
            f"SMS provider {name!r} has the unknown kind {kind!r}; known: {', '.join(kinds)}"
        )
    weight = entry.get("weight", 100)
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 1000:
        raise ProviderConfigError(f"SMS provider {name!r}: weight must be a whole number 0-1000")
    rate = entry.get("segments_per_second", 10)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 10_000:
        raise ProviderConfigError(
            f"SMS provider {name!r}: segments_per_second must be a number above 0"
        )
    options = {}
    for key, value in entry.items():
        if key in COMMON:
            continue
        if not isinstance(value, str):
            raise ProviderConfigError(f"SMS provider {name!r}: {key} must be a string")
        options[key] = value
    return ProviderConfig(
        name=name, kind=kind, weight=weight, segments_per_second=float(rate), options=options
    )


def webhook_base(base_url: str, name: str) -> str:
    """Where a provider's webhooks live: ``{base_url}/webhooks/{name}``."""
    return f"{base_url.rstrip('/')}/webhooks/{name}"
