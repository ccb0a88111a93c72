"""Tokens and users. Secrets are stored only as hashes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, IdMixin, TimestampMixin, UTCDateTime


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
