"""Directory tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.db.base import Base, BigIntId, IdMixin, TimestampMixin, UTCDateTime


class OrganisationKind(StrEnum):
    """What kind of body an organisation is."""

    MUNICIPALITY = "municipality"
    COUNTY_MUNICIPALITY = "county_municipality"
    HOSPITAL = "hospital"
    HEALTH_TRUST = "health_trust"
    REGIONAL_HEALTH_AUTHORITY = "regional_health_authority"
    NGO = "ngo"
    FOUNDATION = "foundation"
    AGENCY = "agency"


class MembershipRole(StrEnum):
    """How an organisation sits in a network."""

    MEMBER = "member"
    OBSERVER = "observer"


class Channel(StrEnum):
    """A contact's personal delivery channels (Teams goes to a network's channel, not a person)."""

    EMAIL = "email"
    SMS = "sms"


class Network(IdMixin, TimestampMixin, Base):
    """NIK, NONEMI or NIFS; seeded by the first migration."""

    __tablename__ = "networks"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    teams_webhook_url: Mapped[str | None] = mapped_column(String(2000), default=None)


class Organisation(IdMixin, TimestampMixin, Base):
    """A municipality, hospital, NGO, agency … that takes part in one or more networks."""

    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    organisation_number: Mapped[str | None] = mapped_column(String(9), unique=True, default=None)
    municipality_number: Mapped[str | None] = mapped_column(String(4), default=None)
    teams_webhook_url: Mapped[str | None] = mapped_column(String(2000), default=None)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Membership.network_id",
    )


class Membership(Base):
    """An organisation's seat in a network, as member or observer."""

    __tablename__ = "memberships"

    organisation_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    network_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16), default=MembershipRole.MEMBER)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    network: Mapped[Network] = relationship(lazy="joined")


class Contact(IdMixin, TimestampMixin, Base):
    """A person at one organisation. The same person at two organisations is two contacts."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("organisation_id", "email"),
        UniqueConstraint("organisation_id", "phone"),
    )

    organisation_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True, default=None)
    phone: Mapped[str | None] = mapped_column(String(20), index=True, default=None)
    language: Mapped[str] = mapped_column(String(35), default="nb")
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    main_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    last_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    newsletter_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    """Stopped newsletters; emergency alerts do not look at this."""
