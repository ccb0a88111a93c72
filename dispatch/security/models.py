"""Tokens and users. Secrets are stored only as hashes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String
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
    """A person who signs in to the web pages; the password is kept as an argon2 hash."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WebSession(IdMixin, TimestampMixin, Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here, so
    a copy of the database signs no one in. Signing out deletes the row."""

    __tablename__ = "web_sessions"

    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
