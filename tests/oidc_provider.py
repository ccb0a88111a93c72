"""A real OpenID provider on loopback: panva's certified ``oidc-provider`` (npm), run by Node.

``tests/oidc/`` holds its ``package.json`` and lock; ``make test`` and ``.ci/run`` install it
(``npm ci``) when ``node_modules`` is missing. Without Node or the package the tests that need
it skip on a laptop and fail under ``CI=true``. ``tests/oidc/provider.mjs`` says what the
provider is configured with and how a test makes it hand out a tampered ID token.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.conftest import unavailable
from tests.processes import Process, free_port, wait_until

HERE = Path(__file__).parent / "oidc"
CLIENT_ID = "beredskapsvarsling"
CLIENT_SECRET = "test-client-secret-for-the-loopback-provider"


def signing_key(kid: str) -> dict[str, Any]:
    """A new private RSA signing key as a JWK (what the provider publishes is its public half)."""
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})
    return dict(key.as_dict(private=True))


class OidcProvider:
    """``node tests/oidc/provider.mjs`` on a free loopback port, restartable with other keys."""

    def __init__(self, folder: Path, *, redirect_uri: str, accounts: dict[str, Any]) -> None:
        self.folder = folder
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.redirect_uri = redirect_uri
        self.accounts = accounts
        self.keys = [signing_key("key-1")]
        self.process: Process | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        config = {
            "port": self.port,
            "issuer": self.issuer,
            "client": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": self.redirect_uri,
            },
            "keys": self.keys,
            "accounts": self.accounts,
        }
        path = self.folder / f"oidc-provider-{self.starts}.json"
        path.write_text(json.dumps(config))
        node = shutil.which("node")
        assert node
        process = Process(
            [node, str(HERE / "provider.mjs"), str(path)],
            {"PATH": "/usr/bin:/bin", "NODE_ENV": "test"},
            self.folder / "oidc-provider.log",
        )
        self.process = process

        def ready() -> bool:
            assert process.alive(), (self.folder / "oidc-provider.log").read_text()[-3000:]
            try:
                url = f"{self.issuer}/.well-known/openid-configuration"
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, timeout=30, what="oidc-provider to answer its discovery document")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def rotate_keys(self) -> None:
        """Restart signing with a new key (a new ``kid``); the old one is no longer published."""
        self.stop()
        self.keys = [signing_key(f"key-{len(self.keys) + 1}")]
        self.start()

    def tamper(self, claims: dict[str, Any] | None = None, *, foreign_key: bool = False) -> None:
        """The next ID token gets ``claims`` replaced, or is signed with an unpublished key."""
        change = {"foreign_key": True} if foreign_key else {"claims": claims or {}}
        answer = httpx.post(f"{self.issuer}/__test/tamper", json=change, timeout=5)
        assert answer.status_code == 204

    def settings(self) -> dict[str, str]:
        """The service's ``DISPATCH_OIDC_*`` settings for this provider."""
        return {
            "oidc_issuer": self.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
        }


def require_node_provider() -> None:
    """Skip (fail under ``CI=true``) without Node or the installed ``oidc-provider``."""
    if shutil.which("node") is None:
        unavailable("Node.js (for the OpenID provider oidc-provider)")
    if not (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        unavailable("oidc-provider (make test installs it with npm ci in tests/oidc)")


@pytest.fixture
def oidc_provider_factory(tmp_path: Path) -> Iterator[Any]:
    require_node_provider()
    started: list[OidcProvider] = []

    def factory(*, redirect_uri: str, accounts: dict[str, Any]) -> OidcProvider:
        provider = OidcProvider(tmp_path, redirect_uri=redirect_uri, accounts=accounts)
        provider.start()
        started.append(provider)
        return provider

    yield factory
    for provider in started:
        provider.stop()
