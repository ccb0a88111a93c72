"""Settings read from ``DISPATCH_*`` environment variables.

Every field has a default that makes the embedded mode work on a fresh machine: SQLite in
``var/``, the in-process broker and sandbox channels. Production sets the variables.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from channels.providers import ProviderConfig, ProviderConfigError, parse_providers

PREFIX = "DISPATCH_"
MIN_SECRET_KEY_BYTES = 32
"""A production secret key shorter than this is refused at start: it signs every link."""
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _default_secret() -> str:
    # The embedded default keeps one random key in var/ so links stay valid across restarts.
    path = Path("var/secret_key")
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True, slots=True)
class Settings:
    """The service's configuration; see the README's Settings table."""

    database_url: str = "sqlite+aiosqlite:///var/dispatch.sqlite3"
    """SQLAlchemy URL: ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://…``."""

    broker_url: str = "embedded"
    """``embedded`` (in-memory broker, workers inside ``dispatch serve``) or ``redis://…``."""

    base_url: str = "http://127.0.0.1:8000"
    """Public address of the service; links in messages and webhook signatures are built on it."""

    secret_key: str = field(default="", repr=False)
    """Key for session cookies and HMAC-derived tokens; generated into ``var/`` when unset."""

    smtp_host: str = ""
    """SMTP server; empty means e-mail goes to the sandbox."""

    smtp_port: int = 587
    """SMTP port."""

    smtp_username: str = ""
    """SMTP user name, if the server wants one."""

    smtp_password: str = field(default="", repr=False)
    """SMTP password."""

    smtp_starttls: bool = True
    """Upgrade the SMTP connection with STARTTLS."""

    email_from: str = "beredskap@helsedir.example"
    """Sender address of outgoing e-mail."""

    inbound_mail_domain: str = ""
    """The domain whose MX points at ``dispatch mail-in`` (``svar.varsling.example``): every
    e-mail then carries a Return-Path ``b-<token>@`` and a Reply-To ``r-<token>@`` it; empty: no
    bounces or replies are read, and e-mail goes out as before."""

    mail_in_host: str = "127.0.0.1"
    """Address ``dispatch mail-in`` listens on (``0.0.0.0`` in a container the MX reaches)."""

    mail_in_port: int = 2525
    """Port of ``dispatch mail-in`` (the MX's port 25 is forwarded to it)."""

    mail_in_tls_cert: str = ""
    """PEM file with the certificate chain ``dispatch mail-in`` offers with STARTTLS (for the
    MX's name); empty: no STARTTLS."""

    mail_in_tls_key: str = ""
    """PEM file with that certificate's private key (the path; the file stays a secret)."""

    mail_in_max_bytes: int = 1_048_576
    """Largest message ``dispatch mail-in`` takes (bigger: 552 before the data is read)."""

    mail_in_messages_per_minute: int = 120
    """Messages one client address may hand ``dispatch mail-in`` per minute (then 421)."""

    twilio_account_sid: str = ""
    """Twilio account SID; empty means SMS goes to the sandbox."""

    twilio_auth_token: str = field(default="", repr=False)
    """Twilio auth token; also checks the signature of Twilio's webhooks."""

    twilio_from: str = ""
    """Sender: an E.164 number or a messaging service SID (``MG…``)."""

    twilio_api_base: str = ""
    """Only for tests: points the Twilio SDK at a fake API (``http://127.0.0.1:PORT``)."""

    sms_providers: str = field(default="", repr=False)
    """SMS providers as a JSON list (see the README); when empty, the ``TWILIO_*`` settings make
    one provider called ``twilio``, and without those SMS goes to the sandbox."""

    worker_threads: int = 8
    """Worker threads per ``dispatch worker`` process (and in the embedded mode)."""

    worker_pool_size: int = 10
    """Database connections per worker process."""

    worker_metrics_port: int = 9191
    """Port of each worker host's Prometheus metrics (Dramatiq's and send times); 0 for none."""

    worker_metrics_host: str = "127.0.0.1"
    """Address those metrics listen on; ``0.0.0.0`` in a container that Prometheus scrapes."""

    sms_rate_per_second: int = 10
    """The ``twilio`` provider's capacity in segments a second when it comes from the ``TWILIO_*``
    settings (Twilio's default per sender), and the estimate's in sandbox mode."""

    sweep_interval_seconds: float = 10.0
    """How often each worker looks for deliveries the broker lost."""

    requeue_after_seconds: float = 60.0
    """A queued delivery not taken this long after it was enqueued is enqueued again."""

    sending_timeout_seconds: float = 120.0
    """A delivery ``sending`` whose lease is this old belonged to a worker that died; it is
    retried (a live worker renews its rows' leases every quarter of this)."""

    api_processes: int = 1
    """Processes ``dispatch serve`` runs to answer requests (each its own event loop and
    database pool); more than 1 needs a Redis broker, as the embedded one lives in one process."""

    api_pool_size: int = 20
    """Database connections each API process keeps (as many again may open for a burst, and
    close after it). Below the requests in flight, connections were opened and closed per
    request: 359 acknowledgements a second with 10, 495 with 20 (docs/performance.md)."""

    public_requests_per_minute: int = 60_000
    """Requests per minute one client address may make to ``/ack/*`` and ``/webhooks/*``."""

    ack_link_days: int = 30
    """Days after an incident closes that its acknowledgement links keep working."""

    retention_days: int = 0
    """Days after an incident closes that its recipients' addresses and numbers are kept; then
    they are anonymised (reports keep their counts). 0 keeps them."""

    trusted_proxies: str = ""
    """Comma-separated addresses or CIDRs of the proxies (the Ingress) whose ``X-Forwarded-For``
    is believed; empty believes no one, and every request is from the address that connected."""

    allow_loopback_webhooks: bool = False
    """Whether a Teams webhook may point at this machine (tests and the demo only); otherwise
    only https addresses on Microsoft Workflows hosts are taken."""

    session_hours: float = 12.0
    """Hours a dashboard sign-in lasts; signing out ends it at once."""

    oidc_issuer: str = ""
    """OpenID Connect issuer for single sign-on (Entra ID:
    ``https://login.microsoftonline.com/<tenant>/v2.0``); empty: passwords only."""

    oidc_client_id: str = ""
    """The service's client (application) id at the identity provider."""

    oidc_client_secret: str = field(default="", repr=False)
    """The client secret; empty for a public client (PKCE alone)."""

    oidc_roles_claim: str = "roles"
    """The ID token's claim holding the person's roles (Entra ID's app roles: ``roles``)."""

    oidc_role_map: str = ""
    """A JSON object mapping the identity provider's role names to this service's roles, for
    names other than ``admin``, ``coordinator``, ``translator`` and ``viewer``."""

    local_login: bool = True
    """Whether e-mail and password sign-in is offered; ``false`` (with an OIDC issuer) leaves
    single sign-on as the only way into the dashboard."""

    log_level: str = "INFO"
    """Log level of the JSON logs on stderr."""

    log_json: bool = True
    """JSON log lines (``true``) or readable console lines (``false``)."""

    def __post_init__(self) -> None:
        if not 0 < self.smtp_port < 65536:
            raise SettingsError(
                f"{PREFIX}SMTP_PORT must be between 1 and 65535, not {self.smtp_port}"
            )
        if not 0 < self.mail_in_port < 65536:
            raise SettingsError(
                f"{PREFIX}MAIL_IN_PORT must be between 1 and 65535, not {self.mail_in_port}"
            )
        if bool(self.mail_in_tls_cert) != bool(self.mail_in_tls_key):
            raise SettingsError(
                f"{PREFIX}MAIL_IN_TLS_CERT and {PREFIX}MAIL_IN_TLS_KEY go together: set both"
            )
        domain = self.inbound_mail_domain.strip().lower().rstrip(".")
        object.__setattr__(self, "inbound_mail_domain", domain)
        if domain and not re.fullmatch(r"(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z0-9-]{2,63}", domain):
            raise SettingsError(
                f"{PREFIX}INBOUND_MAIL_DOMAIN must be a domain name, such as "
                f"svar.varsling.example, not {domain!r}"
            )
        if self.api_processes < 1:
            raise SettingsError(
                f"{PREFIX}API_PROCESSES must be at least 1, not {self.api_processes}"
            )
        if self.api_pool_size < 1:
            raise SettingsError(
                f"{PREFIX}API_POOL_SIZE must be at least 1, not {self.api_pool_size}"
            )
        if self.api_processes > 1 and self.embedded_broker:
            raise SettingsError(
                f"{PREFIX}API_PROCESSES={self.api_processes} needs {PREFIX}BROKER_URL=redis://…: "
                "the embedded broker and its workers live inside one process"
            )
        if not self.secret_key:
            object.__setattr__(self, "secret_key", _default_secret())
        try:
            self.sms_provider_configs()
        except ProviderConfigError as exc:
            raise SettingsError(f"{PREFIX}SMS_PROVIDERS: {exc}") from exc
        self.trusted_proxy_list()
        self._check_sign_in()

    def trusted_proxy_list(self) -> list[str]:
        """``DISPATCH_TRUSTED_PROXIES`` as a list of addresses and networks, each checked."""
        items = [item.strip() for item in self.trusted_proxies.split(",") if item.strip()]
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise SettingsError(
                    f"{PREFIX}TRUSTED_PROXIES: {item!r} is not an address or a network "
                    "(such as 10.0.0.0/8)"
                ) from exc
        return items

    @property
    def production(self) -> bool:
        """Whether this is the production shape (PostgreSQL, Redis or a public https address)."""
        return (
            not self.is_sqlite or not self.embedded_broker or self.base_url.startswith("https://")
        )

    def check_secret_key(self) -> None:
        """Refuse a short secret key in production: links signed with it could be forged."""
        if self.production and len(self.secret_key.encode()) < MIN_SECRET_KEY_BYTES:
            raise SettingsError(
                f"{PREFIX}SECRET_KEY is {len(self.secret_key.encode())} bytes; production needs "
                f"at least {MIN_SECRET_KEY_BYTES} random bytes. Make one with: python3 -c "
                '"import secrets; print(secrets.token_urlsafe(48))"'
            )

    def _check_sign_in(self) -> None:
        if self.oidc_issuer and not self.oidc_client_id:
            raise SettingsError(f"{PREFIX}OIDC_ISSUER is set: {PREFIX}OIDC_CLIENT_ID is needed too")
        issuer = urlsplit(self.oidc_issuer)
        loopback = issuer.hostname in {"localhost", "::1"} or str(issuer.hostname).startswith(
            "127."
        )
        if self.oidc_issuer and not (
            issuer.scheme == "https" or (issuer.scheme == "http" and loopback)
        ):
            raise SettingsError(
                f"{PREFIX}OIDC_ISSUER must be an https:// address (http only on loopback, for "
                f"tests), not {self.oidc_issuer!r}"
            )
        if not self.local_login and not self.oidc_issuer:
            raise SettingsError(
                f"{PREFIX}LOCAL_LOGIN=false turns passwords off, which leaves no way to sign in "
                f"without single sign-on: set {PREFIX}OIDC_ISSUER as well"
            )
        self.oidc_roles()

    def oidc_roles(self) -> dict[str, str]:
        """The identity provider's role names and the roles they give here (``ROLE_MAP``
        added to the four roles' own names)."""
        known = ("admin", "coordinator", "translator", "viewer")
        roles = {name: name for name in known}
        if not self.oidc_role_map.strip():
            return roles
        try:
            mapping = json.loads(self.oidc_role_map)
        except ValueError as exc:
            raise SettingsError(f"{PREFIX}OIDC_ROLE_MAP is not JSON: {exc}") from exc
        if not isinstance(mapping, dict):
            raise SettingsError(f"{PREFIX}OIDC_ROLE_MAP must be a JSON object of role names")
        for outside, inside in mapping.items():
            if inside not in known:
                raise SettingsError(
                    f"{PREFIX}OIDC_ROLE_MAP maps {outside!r} to {inside!r}, which is not one of "
                    + ", ".join(known)
                )
            roles[str(outside)] = str(inside)
        return roles

    def sms_provider_configs(self) -> list[ProviderConfig]:
        """The configured SMS providers, in order; none means SMS goes to the sandbox."""
        if self.sms_providers.strip():
            return parse_providers(self.sms_providers)
        if not self.twilio_account_sid:
            return []
        options = {
            "account_sid": self.twilio_account_sid,
            "auth_token": self.twilio_auth_token,
            "from": self.twilio_from,
        }
        if self.twilio_api_base:
            options["api_base"] = self.twilio_api_base
        return [
            ProviderConfig(
                name="twilio",
                kind="twilio",
                segments_per_second=self.sms_rate_per_second,
                options=options,
            )
        ]

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (the embedded default)."""
        return self.database_url.startswith("sqlite")

    @property
    def embedded_broker(self) -> bool:
        """Whether workers run inside the server process on the in-memory broker."""
        return self.broker_url == "embedded"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``DISPATCH_*`` variables, with a clear error for a bad value."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            if f.type == "bool":
                lowered = raw.strip().lower()
                if lowered not in _TRUE | _FALSE:
                    raise SettingsError(
                        f"{PREFIX}{f.name.upper()} must be true, false, 1 or 0, not {raw!r}"
                    )
                values[f.name] = lowered in _TRUE
            elif f.type == "float":
                try:
                    values[f.name] = float(raw)
                except ValueError as exc:
                    raise SettingsError(
                        f"{PREFIX}{f.name.upper()} must be a number, not {raw!r}"
                    ) from exc
            elif f.type == "int":
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise SettingsError(
                        f"{PREFIX}{f.name.upper()} must be a whole number, not {raw!r}"
                    ) from exc
            else:
                values[f.name] = raw.strip()
        settings = cls(**values)
        settings.check_secret_key()
        return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings.from_env()
