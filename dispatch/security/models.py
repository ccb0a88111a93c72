"""Tokens and users. Secrets are stored only as hashes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, TimestampMixin, UTCDateTime


class Role(StrEnum):
    """A role grants a fixed set of rights; see ``dispatch.security.guards``."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TRANSLATOR = "translator"
    VIEWER = "viewer"


class ApiToken(IdMixin, TimestampMixin, Base):
    """A bearer token for ``/api/v1``; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class User(IdMixin, TimestampMixin, Base):
    """A person who signs in to the web pages: with a password (kept as an argon2 hash) and,
    for admins and coordinators, an authenticator app; or through the organisation's identity
    provider (``oidc_subject``, no password here)."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(200), default=None)
    """The authenticator's secret, sealed with a key derived from ``DISPATCH_SECRET_KEY``."""
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """The 30-second step of the last code accepted: a code is good once."""
    oidc_subject: Mapped[str | None] = mapped_column(String(600), unique=True, default=None)
    """``issuer + " " + sub`` of a person who signs in through single sign-on."""


class RecoveryCode(IdMixin, TimestampMixin, Base):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class WebSession(IdMixin, TimestampMixin, Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here, so
    a copy of the database signs no one in. Signing out deletes the row."""

    __tablename__ = "web_sessions"

    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
