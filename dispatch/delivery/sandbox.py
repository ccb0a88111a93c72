"""Sandbox outbox: what channels without provider settings would have sent, kept for reading."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import msgspec
from sqlalchemy import String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from channels.sandbox import SandboxRecord
from dispatch.db.base import Base, IdMixin, UTCDateTime


class SandboxMessage(IdMixin, Base):
    """One message a sandbox channel recorded instead of sending."""

    __tablename__ = "sandbox_messages"

    channel: Mapped[str] = mapped_column(String(16), index=True)
    to: Mapped[str] = mapped_column(String(2000), index=True)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35))
    direction: Mapped[str] = mapped_column(String(3))
    link: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SandboxMessageOut(msgspec.Struct):
    channel: str
    to: str
    subject: str
    body: str
    language: str
    sent_at: datetime
    direction: str = "ltr"
    link: str = ""
    reference: str = ""


def database_sink(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> Callable[[SandboxRecord], Awaitable[None]]:
    """A sink for ``channels.sandbox`` that stores each record in ``sandbox_messages``."""

    async def sink(record: SandboxRecord) -> None:
        async with sessionmaker() as session, session.begin():
            session.add(
                SandboxMessage(
                    channel=record.channel.value,
                    to=record.to,
                    subject=record.subject,
                    body=record.text,
                    html=record.html,
                    language=record.language,
                    direction=record.direction,
                    link=record.link,
                    reference=record.reference,
                    sent_at=record.sent_at,
                )
            )

    return sink


async def list_messages(
    session: AsyncSession, *, channel: str | None, to: str | None, limit: int = 500
) -> Sequence[SandboxMessage]:
    """The newest sandbox messages first, filtered by channel and recipient."""
    query = select(SandboxMessage)
    if channel:
        query = query.where(SandboxMessage.channel == channel)
    if to:
        query = query.where(SandboxMessage.to == to)
    return (await session.scalars(query.order_by(SandboxMessage.id.desc()).limit(limit))).all()
