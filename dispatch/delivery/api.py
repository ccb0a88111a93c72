"""The sandbox outbox: what channels in sandbox mode would have sent."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromQuery

from dispatch.db.session import DbSession
from dispatch.delivery.sandbox import SandboxMessageOut, list_messages
from dispatch.security.guards import READ_PERSONAL


class SandboxController(Controller):
    path = "/sandbox"
    tags = ("sandbox",)

    @get("/messages", guards=[READ_PERSONAL], summary="What sandbox channels would have sent")
    async def messages(
        self,
        db_session: DbSession,
        channel: FromQuery[str | None] = None,
        to: FromQuery[str | None] = None,
    ) -> list[SandboxMessageOut]:
        rows = await list_messages(db_session, channel=channel, to=to)
        return [
            SandboxMessageOut(
                channel=m.channel,
                to=m.to,
                subject=m.subject,
                body=m.body,
                language=m.language,
                sent_at=m.sent_at,
                direction=m.direction,
                link=m.link,
                reference=m.reference,
            )
            for m in rows
        ]
