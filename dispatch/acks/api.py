"""HTTP controllers: an incident's acknowledgements, and the field-report inbox."""

from __future__ import annotations

import json
from datetime import datetime

import msgspec
from litestar import Controller, get, patch
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import String, cast, select

from dispatch.acks.models import Acknowledgement, FieldReport
from dispatch.acks.progress import Progress, progress
from dispatch.db.session import DbSession
from dispatch.errors import InvalidInputError, NotFoundError
from dispatch.incidents.models import Recipient
from dispatch.incidents.queries import get_incident
from dispatch.lengths import Name
from dispatch.paging import Page, PageNumber, PageSize, paginate
from dispatch.security.guards import READ, READ_PERSONAL, WRITE_INCIDENTS
from translations.strings.marking import N_
from translations.text import Text

MAX_TAGS = 20


class AcknowledgementOut(msgspec.Struct):
    contact_id: int | None
    via: str
    at: datetime
    comment: str | None


class FieldReportOut(msgspec.Struct):
    id: int
    incident_id: int | None
    contact_id: int | None
    organisation_id: int | None
    network: str | None
    language: str | None
    source: str
    text: str
    unknown_sender: bool
    sender: str | None
    read: bool
    tags: list[str]
    received_at: datetime


class FieldReportPatch(msgspec.Struct, forbid_unknown_fields=True):
    read: bool | msgspec.UnsetType = msgspec.UNSET
    tags: list[Name] | msgspec.UnsetType = msgspec.UNSET


def report_out(r: FieldReport) -> FieldReportOut:
    return FieldReportOut(
        id=r.id,
        incident_id=r.incident_id,
        contact_id=r.contact_id,
        organisation_id=r.organisation_id,
        network=r.network_code,
        language=r.language,
        source=r.source,
        text=r.text,
        unknown_sender=r.unknown_sender,
        sender=r.sender,
        read=r.read,
        tags=list(r.tags),
        received_at=r.received_at,
    )


class AcknowledgementController(Controller):
    path = "/incidents/{incident_id:int}/acknowledgements"
    tags = ("acknowledgements",)

    @get("/", guards=[READ_PERSONAL], summary="Who acknowledged, how and when")
    async def list_acknowledgements(
        self, db_session: DbSession, incident_id: FromPath[int]
    ) -> list[AcknowledgementOut]:
        await get_incident(db_session, incident_id)
        rows = await db_session.execute(
            select(Acknowledgement, Recipient.contact_id)
            .join(Recipient, Recipient.id == Acknowledgement.recipient_id)
            .where(Acknowledgement.incident_id == incident_id)
            .order_by(Acknowledgement.at)
        )
        return [
            AcknowledgementOut(contact_id=contact_id, via=a.via, at=a.at, comment=a.comment)
            for a, contact_id in rows.all()
        ]


class ProgressController(Controller):
    path = "/incidents/{incident_id:int}/progress"
    tags = ("acknowledgements",)

    @get(
        "/",
        guards=[READ],
        summary="Live progress: reach and acknowledgements by network, organisation, channel",
        description="Poll it (the dashboard does every few seconds); it holds only counts.",
        cache_control=None,
    )
    async def get_progress(self, db_session: DbSession, incident_id: FromPath[int]) -> Progress:
        await get_incident(db_session, incident_id)
        return await progress(db_session, incident_id)


class FieldReportController(Controller):
    path = "/field-reports"
    tags = ("field reports",)

    # Reports quote members and may hold an unknown sender's number: coordinators only.
    @get("/", guards=[READ_PERSONAL], summary="Listening-post reports, newest first")
    async def list_reports(
        self,
        db_session: DbSession,
        incident_id: FromQuery[int | None] = None,
        network: FromQuery[str | None] = None,
        read: FromQuery[bool | None] = None,
        tag: FromQuery[str | None] = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> Page[FieldReportOut]:
        query = select(FieldReport)
        if incident_id is not None:
            query = query.where(FieldReport.incident_id == incident_id)
        if network:
            query = query.where(FieldReport.network_code == network.upper())
        if read is not None:
            query = query.where(FieldReport.read.is_(read))
        if tag:
            # Tags are stored lower-case as a JSON list; match the quoted element in its text.
            needle = json.dumps(tag.strip().lower())
            query = query.where(cast(FieldReport.tags, String).contains(needle, autoescape=True))
        rows, total = await paginate(
            db_session, query.order_by(FieldReport.id.desc()), page=page, page_size=page_size
        )
        return Page(
            items=[report_out(r) for r in rows], total=total, page=page, page_size=page_size
        )

    @patch("/{report_id:int}", guards=[WRITE_INCIDENTS], summary="Mark read and tag")
    async def update_report(
        self, db_session: DbSession, report_id: FromPath[int], data: JSONBody[FieldReportPatch]
    ) -> FieldReportOut:
        report = await db_session.get(FieldReport, report_id)
        if report is None:
            raise NotFoundError(Text(N_("There is no field report with id %(id)d."), id=report_id))
        if not isinstance(data.read, msgspec.UnsetType):
            report.read = data.read
        if not isinstance(data.tags, msgspec.UnsetType):
            tags = sorted({t.strip().lower() for t in data.tags if t.strip()})
            if len(tags) > MAX_TAGS or any(len(t) > 40 for t in tags):
                raise InvalidInputError(
                    Text(
                        N_("Give at most %(most)d tags of at most 40 characters each."),
                        field="tags",
                        most=MAX_TAGS,
                    )
                )
            report.tags = tags
        await db_session.commit()
        return report_out(report)
