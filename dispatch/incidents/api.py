"""HTTP controllers for incidents: declare, preview, update, close, and watch."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import func, select

from dispatch.db.session import DbSession, commit_once
from dispatch.delivery import history
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.incidents import preview as incident_preview
from dispatch.incidents import queries as incident_queries
from dispatch.incidents import service
from dispatch.incidents.cap import to_cap
from dispatch.incidents.models import MessageKind, MessageVersion
from dispatch.incidents.schemas import (
    CloseIn,
    DeclaredOut,
    DeliveryEventOut,
    DeliveryOut,
    IncidentIn,
    IncidentOut,
    MessageIn,
    Planned,
    PreviewOut,
    VersionOut,
)
from dispatch.paging import Page, PageNumber, PageSize, paginate
from dispatch.providers import service as providers
from dispatch.reports.stats import incident_out
from dispatch.requests import AuthedRequest, IdempotencyKey, enqueue_after_response, enqueuer_of
from dispatch.security.guards import READ, WRITE_INCIDENTS
from dispatch.settings import Settings

log = structlog.get_logger("dispatch.incidents")


class IncidentController(Controller):
    path = "/incidents"
    tags = ("incidents",)

    @post("/preview", guards=[WRITE_INCIDENTS], status_code=200, summary="Who would get what")
    async def preview(
        self, request: AuthedRequest, db_session: DbSession, data: JSONBody[IncidentIn]
    ) -> PreviewOut:
        settings: Settings = request.app.state["settings"]
        capacity = await providers.capacity(db_session, settings)
        return await incident_preview.preview(db_session, data, sms_capacity=capacity)

    @post("/", guards=[WRITE_INCIDENTS], summary="Declare an incident and send the alert")
    async def declare(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        data: JSONBody[IncidentIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[DeclaredOut]:
        # Two declarations with the same key at once: the other one won; answer with it.
        outcome = await commit_once(
            db_session,
            idempotency_key,
            lambda: service.declare(
                db_session, data=data, actor=request.user.actor, idempotency_key=idempotency_key
            ),
        )
        background = None
        if outcome.created:
            # After the commit (a worker can only see rows that exist) and after the answer.
            background = enqueue_after_response(request, outcome.delivery_ids)
            log.info(
                "incident_declared",
                incident_id=outcome.incident.id,
                recipients=outcome.recipients,
                deliveries=len(outcome.delivery_ids),
            )
        planned = len(outcome.delivery_ids)
        if not outcome.created:
            planned = (
                await db_session.scalar(
                    select(func.count()).where(
                        Delivery.source_kind == SourceKind.INCIDENT,
                        Delivery.source_id == outcome.version.id,
                    )
                )
                or 0
            )
        body = DeclaredOut(
            id=outcome.incident.id,
            code=outcome.incident.code,
            state=outcome.incident.state,
            status=outcome.incident.status,
            recipients=outcome.recipients,
            deliveries=Planned(planned=planned),
        )
        return Response(body, status_code=201 if outcome.created else 200, background=background)

    @get("/", guards=[READ], summary="Incidents, newest first")
    async def list_incidents(
        self,
        db_session: DbSession,
        status: FromQuery[str | None] = None,
        incident_state: Annotated[str | None, QueryParameter(name="state")] = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> Page[IncidentOut]:
        rows, total = await incident_queries.list_incidents(
            db_session, status=status, state=incident_state, page=page, page_size=page_size
        )
        items = await incident_out(db_session, list(rows))
        return Page(items=items, total=total, page=page, page_size=page_size)

    @get("/{incident_id:int}", guards=[READ], summary="One incident with live counts")
    async def get_incident(self, db_session: DbSession, incident_id: FromPath[int]) -> IncidentOut:
        incident = await incident_queries.get_incident(db_session, incident_id)
        return (await incident_out(db_session, [incident]))[0]

    @post("/{incident_id:int}/updates", guards=[WRITE_INCIDENTS], summary="Send an update")
    async def update(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        incident_id: FromPath[int],
        data: JSONBody[MessageIn],
    ) -> VersionOut:
        outcome = await service.add_version(
            db_session,
            incident_id=incident_id,
            message=data.message,
            kind=MessageKind.UPDATE,
            actor=request.user.actor,
        )
        await db_session.commit()
        enqueuer_of(request).enqueue(outcome.delivery_ids)
        return VersionOut(
            id=outcome.version.id,
            sequence=outcome.version.sequence,
            kind=outcome.version.kind,
            deliveries=Planned(planned=len(outcome.delivery_ids)),
        )

    @post(
        "/{incident_id:int}/close",
        guards=[WRITE_INCIDENTS],
        status_code=200,
        summary="Close the incident, optionally with a closing message",
    )
    async def close(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        incident_id: FromPath[int],
        data: JSONBody[CloseIn | None] = None,
    ) -> IncidentOut:
        outcome = await service.close(
            db_session,
            incident_id=incident_id,
            message=data.message if data else None,
            actor=request.user.actor,
        )
        await db_session.commit()
        if outcome is not None:
            enqueuer_of(request).enqueue(outcome.delivery_ids)
        incident = await incident_queries.get_incident(db_session, incident_id)
        return (await incident_out(db_session, [incident]))[0]

    @get(
        "/{incident_id:int}/cap",
        guards=[READ],
        summary="The incident as a CAP 1.2 alert, one <info> per language",
        media_type="application/cap+xml",
    )
    async def cap(
        self, request: AuthedRequest, db_session: DbSession, incident_id: FromPath[int]
    ) -> Response[bytes]:
        incident = await incident_queries.get_incident(db_session, incident_id)
        versions = (
            await db_session.scalars(
                select(MessageVersion).where(MessageVersion.incident_id == incident_id)
            )
        ).all()
        settings = request.app.state["settings"]
        xml = to_cap(incident, versions, sender=settings.email_from, networks=incident.networks)
        return Response(xml, media_type="application/cap+xml")

    @get("/{incident_id:int}/deliveries", guards=[READ], summary="Deliveries, paged")
    async def deliveries(
        self,
        db_session: DbSession,
        incident_id: FromPath[int],
        status: FromQuery[str | None] = None,
        channel: FromQuery[str | None] = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> Page[DeliveryOut]:
        await incident_queries.get_incident(db_session, incident_id)
        query = select(Delivery).where(Delivery.incident_id == incident_id)
        if status:
            query = query.where(Delivery.state == status)
        if channel:
            query = query.where(Delivery.channel == channel)
        rows, total = await paginate(
            db_session, query.order_by(Delivery.id), page=page, page_size=page_size
        )
        events: dict[int, list[Any]] = {}
        for event in await history.of(db_session, [d.id for d in rows]):
            events.setdefault(event.delivery_id, []).append(event)
        return Page(
            items=[
                DeliveryOut(
                    id=d.id,
                    message_version_id=d.source_id,
                    channel=d.channel,
                    recipient_id=d.recipient_id,
                    network_code=d.network_code,
                    language=d.language,
                    fallback=d.fallback,
                    state=d.state,
                    attempts=d.attempts,
                    provider_id=d.provider_id,
                    last_error=d.last_error,
                    created_at=d.created_at,
                    sent_at=d.sent_at,
                    delivered_at=d.delivered_at,
                    failed_at=d.failed_at,
                    provider=d.provider,
                    possible_duplicate=d.possible_duplicate,
                    history=[
                        DeliveryEventOut(at=e.at, kind=e.kind, detail=e.detail)
                        for e in events.get(d.id, [])
                    ],
                )
                for d in rows
            ],
            total=total,
            page=page,
            page_size=page_size,
        )
