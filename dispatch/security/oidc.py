"""Single sign-on with the organisation's identity provider (OpenID Connect), through Authlib.

The authorization code flow with PKCE (S256), ``state`` and ``nonce``: ``start`` gives the
address to send the browser to and the three values to keep until it comes back (the web layer
keeps them in a sealed cookie); ``finish`` exchanges the code, with the PKCE verifier, at the
token endpoint and checks the ID token: its signature against the provider's published keys
(JWKS; when a token names a key id not yet seen, the keys are fetched again, so the provider
can rotate them), and its issuer, audience, expiry and nonce. Authlib's own ``parse_id_token``
checks the audience only through ``azp``, so the audience is passed to it explicitly.

Nothing here is specific to Microsoft Entra ID beyond the defaults: the roles claim is called
``roles`` (Entra's app roles) unless ``DISPATCH_OIDC_ROLES_CLAIM`` says otherwise.

``SignInRefused`` is the one exception the web layer sees; its ``reason`` picks the sentence
the person reads. Authlib's, joserfc's and httpx's errors are translated at this boundary.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.base_client import BaseApp, OAuthError
from authlib.integrations.base_client.async_app import AsyncOAuth2Mixin
from authlib.integrations.base_client.async_openid import AsyncOpenIDMixin

with warnings.catch_warnings():
    # Authlib 1.9 would rather use the httpx2 fork; httpx is this service's HTTP client, and
    # Authlib still supports it (it warns at import that the fallback will go in a later major).
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.httpx_client import AsyncOAuth2Client
from email_validator import EmailNotValidError, validate_email
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.security.models import Role, User
from dispatch.settings import Settings

SCOPES = "openid profile email"
STRONGEST_FIRST = (Role.ADMIN, Role.COORDINATOR, Role.TRANSLATOR, Role.VIEWER)


class SignInRefused(Exception):
    """Single sign-on did not end in a session; ``reason`` says why (``state``, ``provider``,
    ``token``, ``unavailable``, ``no_role``, ``email_taken``, ``inactive``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Started:
    """Where to send the browser, and what must come back with it."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class _AuthlibClient(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):  # type: ignore[misc]
    """Authlib's framework-neutral OpenID client (what its Starlette integration is built on),
    over httpx; the state lives with the caller instead of in a framework session."""

    client_cls = AsyncOAuth2Client


class OidcClient:
    """The service as an OpenID Connect client of one issuer; one per process (it caches the
    provider's metadata and keys)."""

    def __init__(self, *, issuer: str, client_id: str, client_secret: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._client = _AuthlibClient(
            framework=None,
            client_id=client_id,
            client_secret=client_secret or None,
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPES,
                "code_challenge_method": "S256",
                "timeout": 15,
                "token_endpoint_auth_method": ("client_secret_basic" if client_secret else "none"),
            },
        )

    async def _metadata(self) -> dict[str, Any]:
        try:
            metadata: dict[str, Any] = await self._client.load_server_metadata()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInRefused("unavailable", f"discovery failed: {exc}") from exc
        # OpenID Connect Discovery 1.0, 4.3: the issuer in the document must be the one asked.
        if str(metadata.get("issuer", "")).rstrip("/") != self.issuer:
            self._client.server_metadata.clear()
            raise SignInRefused("unavailable", "the discovery document names another issuer")
        return metadata

    async def start(self, redirect_uri: str) -> Started:
        """A new authorization request: its address, and its state, nonce and PKCE verifier."""
        await self._metadata()
        made = await self._client.create_authorization_url(redirect_uri)
        return Started(
            url=made["url"],
            state=made["state"],
            nonce=made["nonce"],
            code_verifier=made["code_verifier"],
        )

    async def finish(
        self, *, code: str, code_verifier: str, nonce: str, redirect_uri: str
    ) -> dict[str, Any]:
        """The checked ID token's claims for an authorization code that came back."""
        await self._metadata()
        try:
            token = await self._client.fetch_access_token(
                redirect_uri=redirect_uri, code=code, code_verifier=code_verifier
            )
        except (OAuthError, httpx.HTTPError, ValueError) as exc:
            raise SignInRefused("token", f"the token endpoint refused the code: {exc}") from exc
        if "id_token" not in token:
            raise SignInRefused("token", "the token response has no ID token")
        try:
            claims = await self._client.parse_id_token(
                token,
                nonce=nonce,
                claims_options={
                    "iss": {"essential": True, "value": self.issuer},
                    "aud": {"essential": True, "value": self.client_id},
                    "sub": {"essential": True},
                },
            )
        except (JoseError, ValueError, httpx.HTTPError) as exc:
            raise SignInRefused("token", f"the ID token is not valid: {exc}") from exc
        return dict(claims)


def client_for(settings: Settings) -> OidcClient | None:
    """The process's OpenID client, or None when single sign-on is not configured."""
    if not settings.oidc_issuer:
        return None
    return OidcClient(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
    )


def role_from_claims(claims: dict[str, Any], *, claim: str, roles: dict[str, str]) -> Role | None:
    """The strongest known role among the claim's values (a list or one string), or None."""
    value = claims.get(claim)
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    found = {Role(roles[name]) for name in names if isinstance(name, str) and name in roles}
    return next((role for role in STRONGEST_FIRST if role in found), None)


def _address(claims: dict[str, Any]) -> str:
    """The person's e-mail address from ``email`` or Entra's ``preferred_username``; else an
    address that names the subject and can reach no one."""
    for name in ("email", "preferred_username"):
        value = claims.get(name)
        if isinstance(value, str) and len(value) <= 320:
            try:
                return validate_email(value, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                continue
    digest = hashlib.sha256(str(claims["sub"]).encode()).hexdigest()[:24]
    return f"sso-{digest}@sso.invalid"


async def sign_in_user(
    session: AsyncSession, *, issuer: str, claims: dict[str, Any], role: Role
) -> User:
    """The user for this identity (issuer and ``sub``, never the e-mail address alone), made
    on first sign-in and given the role the provider says now."""
    subject = f"{issuer.rstrip('/')} {claims['sub']}"
    if len(subject) > 600:
        raise SignInRefused("token", "the subject is too long")
    address = _address(claims)
    user = await session.scalar(select(User).where(User.oidc_subject == subject))
    if user is None:
        # An account with this address that signs in another way is not taken over: a provider
        # whose users may set their own e-mail claim must not open someone else's account.
        if await session.scalar(select(User.id).where(User.email == address)) is not None:
            raise SignInRefused("email_taken", address)
        user = User(email=address, role=role.value, oidc_subject=subject, password_hash=None)
        session.add(user)
        await session.flush()
        record(
            session,
            actor=Actor.user(user.id),
            action="user.created",
            entity_type="user",
            entity_id=user.id,
            details={"role": role.value, "via": "oidc"},
        )
        return user
    if not user.active:
        raise SignInRefused("inactive", address)
    if user.role != role.value:
        record(
            session,
            actor=Actor.user(user.id),
            action="user.role_changed",
            entity_type="user",
            entity_id=user.id,
            details={"from": user.role, "to": role.value, "via": "oidc"},
        )
        user.role = role.value
    return user
