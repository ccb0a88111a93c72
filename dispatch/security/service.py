"""Creating and checking API tokens and users. Secrets leave this module only once, on creation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.errors import ConflictError, InvalidInputError
from dispatch.security.models import ApiToken, Role, User, WebSession
from dispatch.security.signin import HASHING
from translations.strings.marking import N_
from translations.text import Text

TOKEN_PREFIX = "bv_"  # noqa: S105 - a marker that makes tokens recognisable, not a secret
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class Principal:
    """Whoever a request acts for: a token or a signed-in user."""

    kind: str
    id: int
    name: str
    role: Role

    @property
    def actor(self) -> Actor:
        if self.kind == "token":
            return Actor.token(self.id, self.name)
        return Actor.user(self.id)


def hash_token(token: str) -> str:
    """SHA-256 of a token: 256 random bits need no slow hash, and lookup stays one index probe."""
    return hashlib.sha256(token.encode()).hexdigest()


def parse_role(raw: str) -> Role:
    """A role by name, with the allowed names in the error."""
    try:
        return Role(raw.strip().lower())
    except ValueError as exc:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInputError(
            Text(
                N_("Role '%(value)s' is not one of: %(allowed)s."),
                field="role",
                value=raw,
                allowed=allowed,
            )
        ) from exc


async def create_token(
    session: AsyncSession,
    *,
    name: str,
    role: Role,
    actor: Actor,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Store a new token's hash and return the row with the token itself, shown this once."""
    name = name.strip()
    if not name:
        raise InvalidInputError(
            Text(N_("A token needs a name that says who or what uses it."), field="name")
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        role=role.value,
        token_hash=hash_token(token),
        prefix=token[:10],
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    record(
        session,
        actor=actor,
        action="token.created",
        entity_type="api_token",
        entity_id=row.id,
        details={"role": role.value},
    )
    return row, token


def token_state(row: ApiToken, now: datetime) -> str:
    """``active``, ``revoked`` or ``expired``: only an active token lets anyone in."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"


async def list_tokens(session: AsyncSession) -> list[ApiToken]:
    """Every API token, oldest first (the rows hold only the tokens' hashes)."""
    return list(await session.scalars(select(ApiToken).order_by(ApiToken.id)))


async def revoke_token(session: AsyncSession, *, token_id: int, actor: Actor) -> ApiToken | None:
    """Mark a token revoked; it stops working at once."""
    row = await session.get(ApiToken, token_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(
            session, actor=actor, action="token.revoked", entity_type="api_token", entity_id=row.id
        )
    return row


async def authenticate_token(session: AsyncSession, token: str) -> Principal | None:
    """The principal for a presented token, or None when it is unknown, revoked or expired."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    digest = hash_token(token)
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    # The index lookup already matched; compare again in constant time as a belt and braces.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if token_state(row, utcnow()) != "active":
        return None
    return Principal(kind="token", id=row.id, name=row.name, role=Role(row.role))


async def create_user(
    session: AsyncSession, *, email: str, role: Role, password: str, actor: Actor
) -> User:
    """A person who signs in to the web pages; the password is stored as an argon2 hash."""
    try:
        address = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInputError(
            Text(
                # TRANSLATORS: %(reason)s says what is wrong with the address, in English.
                N_("E-mail '%(value)s' is not a valid address: %(reason)s."),
                field="email",
                value=email,
                reason=str(exc),
            )
        ) from exc
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            Text(
                N_("The password is too short: use at least %(least)d characters."),
                field="password",
                least=MIN_PASSWORD_LENGTH,
            )
        )
    existing = await session.scalar(select(User).where(User.email == address))
    if existing is not None:
        raise ConflictError(
            Text(
                N_("A user with the e-mail %(address)s already exists."),
                field="email",
                address=address,
            )
        )
    user = User(email=address, role=role.value, password_hash=_hasher.hash(password))
    session.add(user)
    await session.flush()
    record(
        session,
        actor=actor,
        action="user.created",
        entity_type="user",
        entity_id=user.id,
        details={"role": role.value},
    )
    return user


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the stored argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the e-mail is unknown, so that a wrong address costs as long as a wrong
# password and the answer time does not tell which addresses have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


async def authenticate_user(session: AsyncSession, *, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; the same work either way. The
    argon2 check runs in the sign-in hashing pool, off the event loop (``SignInBusy`` when it
    is full)."""
    address = email.strip().lower()
    user = await session.scalar(select(User).where(User.email == address))
    if user is None or not user.active or user.password_hash is None:
        # Unknown, switched off, or signing in only through single sign-on.
        await HASHING.run(lambda: verify_password(_DUMMY_HASH, password))
        return None
    stored = user.password_hash
    return user if await HASHING.run(lambda: verify_password(stored, password)) else None


async def start_web_session(session: AsyncSession, *, user: User, hours: float) -> str:
    """Sign ``user`` in; return the cookie value. Expired sessions are removed on the way."""
    now = utcnow()
    await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user.id, token_hash=hash_token(token), expires_at=now + timedelta(hours=hours)
        )
    )
    record(
        session,
        actor=Actor.user(user.id),
        action="user.signed_in",
        entity_type="user",
        entity_id=user.id,
        details={},
    )
    return token


async def web_session_principal(session: AsyncSession, token: str) -> Principal | None:
    """Who the session cookie belongs to, if it is current and the user still active."""
    row = (
        await session.execute(
            select(User.id, User.email, User.role, User.active, WebSession.expires_at)
            .join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.token_hash == hash_token(token))
        )
    ).first()
    if row is None or not row.active or row.expires_at <= utcnow():
        return None
    return Principal(kind="user", id=row.id, name=row.email, role=Role(row.role))


async def end_web_session(session: AsyncSession, token: str) -> None:
    """Sign out: the cookie's session stops working at once, wherever the cookie is."""
    await session.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))


async def set_password(session: AsyncSession, *, user: User, password: str) -> None:
    """Replace a user's password and sign them out everywhere."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            Text(
                N_("The password is too short: use at least %(least)d characters."),
                field="password",
                least=MIN_PASSWORD_LENGTH,
            )
        )
    user.password_hash = _hasher.hash(password)
    await session.execute(delete(WebSession).where(WebSession.user_id == user.id))
