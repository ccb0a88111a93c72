"""HTTP controllers for the directory: thin, they call the service and return schemas."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from channels.base import ChannelKind
from dispatch.audit.service import record
from dispatch.db.session import DbSession, sessionmaker_from
from dispatch.directory import contacts, export, importer, networks, organisations
from dispatch.directory.outputs import contacts_out, network_out, organisation_out
from dispatch.directory.schemas import (
    ContactIn,
    ContactOut,
    ContactPatch,
    ImportRejection,
    ImportResult,
    NetworkOut,
    NetworkPatch,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
)
from dispatch.errors import InvalidInputError
from dispatch.paging import Page, PageNumber, PageSize
from dispatch.problems import answer_language
from dispatch.requests import AuthedRequest, channels_of
from dispatch.security.guards import PERSONAL_ROLES, READ, READ_PERSONAL, WRITE_DIRECTORY
from dispatch.security.service import Principal
from translations.catalog import translator
from translations.strings.marking import N_
from translations.text import Sayer, Text, say

NetworkFilter = Annotated[
    str | None, QueryParameter(name="network", description="Network code: NIK, NONEMI or NIFS.")
]


def _sees_webhooks(request: AuthedRequest) -> bool:
    """A webhook address is a credential (anyone with it can post to the channel): only admins
    and coordinators see it; others see whether there is one."""
    return request.user.role in PERSONAL_ROLES


def _allow_loopback(request: AuthedRequest) -> bool:
    return bool(request.app.state["settings"].allow_loopback_webhooks)


def _principal(request: AuthedRequest) -> Principal:
    return request.user


class NetworkController(Controller):
    path = "/networks"
    tags = ("directory",)

    @get("/", guards=[READ], summary="The three networks and their Teams webhooks")
    async def list_networks(
        self, request: AuthedRequest, db_session: DbSession
    ) -> list[NetworkOut]:
        full = _sees_webhooks(request)
        return [network_out(n, full=full) for n in await networks.list_networks(db_session)]

    @patch("/{code:str}", guards=[WRITE_DIRECTORY], summary="Set a network's Teams webhook")
    async def update_network(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        code: FromPath[str],
        data: JSONBody[NetworkPatch],
    ) -> NetworkOut:
        network = await networks.update_network(
            db_session,
            code=code,
            teams_webhook_url=data.teams_webhook_url,
            actor=_principal(request).actor,
            allow_loopback_webhooks=_allow_loopback(request),
        )
        await db_session.commit()
        return network_out(network)

    @post(
        "/{code:str}/test-card",
        guards=[WRITE_DIRECTORY],
        status_code=200,
        summary="Post a test card to the network's Teams channel, to see it arrive",
    )
    async def test_card(
        self, request: AuthedRequest, db_session: DbSession, code: FromPath[str]
    ) -> networks.TestCard:
        sent = await networks.send_test_card(
            db_session,
            code=code,
            teams=channels_of(request).get(ChannelKind.TEAMS),
            actor=_principal(request).actor,
        )
        await db_session.commit()
        return sent


class OrganisationController(Controller):
    path = "/organisations"
    tags = ("directory",)

    @get("/", guards=[READ], summary="Organisations, paged")
    async def list_organisations(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        network: NetworkFilter = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> Page[OrganisationOut]:
        rows, total = await organisations.list_organisations(
            db_session, network=network, page=page, page_size=page_size
        )
        return Page(
            items=[organisation_out(o, full=_sees_webhooks(request)) for o in rows],
            total=total,
            page=page,
            page_size=page_size,
        )

    @post("/", guards=[WRITE_DIRECTORY], summary="Add an organisation")
    async def create_organisation(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        data: JSONBody[OrganisationIn],
    ) -> OrganisationOut:
        organisation = await organisations.create_organisation(
            db_session,
            data=data,
            actor=_principal(request).actor,
            allow_loopback_webhooks=_allow_loopback(request),
        )
        await db_session.commit()
        return organisation_out(organisation)

    @get("/{organisation_id:int}", guards=[READ], summary="One organisation")
    async def get_organisation(
        self, request: AuthedRequest, db_session: DbSession, organisation_id: FromPath[int]
    ) -> OrganisationOut:
        found = await organisations.get_organisation(db_session, organisation_id)
        return organisation_out(found, full=_sees_webhooks(request))

    @patch("/{organisation_id:int}", guards=[WRITE_DIRECTORY], summary="Change an organisation")
    async def update_organisation(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        organisation_id: FromPath[int],
        data: JSONBody[OrganisationPatch],
    ) -> OrganisationOut:
        organisation = await organisations.update_organisation(
            db_session,
            organisation_id=organisation_id,
            patch=data,
            actor=_principal(request).actor,
            allow_loopback_webhooks=_allow_loopback(request),
        )
        await db_session.commit()
        return organisation_out(organisation)

    @delete("/{organisation_id:int}", guards=[WRITE_DIRECTORY], summary="Remove an organisation")
    async def delete_organisation(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        organisation_id: FromPath[int],
        cascade: FromQuery[bool] = False,
    ) -> None:
        await organisations.delete_organisation(
            db_session,
            organisation_id=organisation_id,
            cascade=cascade,
            actor=_principal(request).actor,
        )
        await db_session.commit()


class ContactController(Controller):
    path = "/contacts"
    tags = ("directory",)

    @get("/", guards=[READ_PERSONAL], summary="Contacts, paged")
    async def list_contacts(
        self,
        db_session: DbSession,
        network: NetworkFilter = None,
        organisation_id: FromQuery[int | None] = None,
        active: FromQuery[bool | None] = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> Page[ContactOut]:
        rows, total = await contacts.list_contacts(
            db_session,
            network=network,
            organisation_id=organisation_id,
            active=active,
            page=page,
            page_size=page_size,
        )
        return Page(
            items=await contacts_out(db_session, rows),
            total=total,
            page=page,
            page_size=page_size,
        )

    @post("/", guards=[WRITE_DIRECTORY], summary="Add a contact")
    async def create_contact(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        data: JSONBody[ContactIn],
    ) -> ContactOut:
        contact = await contacts.create_contact(
            db_session, data=data, actor=_principal(request).actor
        )
        await db_session.commit()
        return (await contacts_out(db_session, [contact]))[0]

    @get("/{contact_id:int}", guards=[READ_PERSONAL], summary="One contact")
    async def get_contact(self, db_session: DbSession, contact_id: FromPath[int]) -> ContactOut:
        return (
            await contacts_out(db_session, [await contacts.get_contact(db_session, contact_id)])
        )[0]

    @patch("/{contact_id:int}", guards=[WRITE_DIRECTORY], summary="Change a contact")
    async def update_contact(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        contact_id: FromPath[int],
        data: JSONBody[ContactPatch],
    ) -> ContactOut:
        contact = await contacts.update_contact(
            db_session, contact_id=contact_id, patch=data, actor=_principal(request).actor
        )
        await db_session.commit()
        return (await contacts_out(db_session, [contact]))[0]

    @delete("/{contact_id:int}", guards=[WRITE_DIRECTORY], summary="Remove a contact")
    async def delete_contact(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        contact_id: FromPath[int],
    ) -> None:
        await contacts.delete_contact(
            db_session, contact_id=contact_id, actor=_principal(request).actor
        )
        await db_session.commit()


IMPORT_MAX_BYTES = 64 * 1024 * 1024


class DirectoryImportController(Controller):
    path = "/directory"
    tags = ("directory",)

    @post(
        "/import",
        guards=[WRITE_DIRECTORY],
        status_code=200,
        request_max_body_size=IMPORT_MAX_BYTES,
        summary="Import organisations and contacts from CSV",
        description=(
            "A UTF-8 CSV body (text/csv) with the columns organisation_name, organisation_number, "
            "organisation_kind, municipality_number, networks, contact_name, email, phone, "
            "language, channels, main_contact. Each row is wholly imported or wholly rejected "
            "with every reason; dry_run=true writes nothing."
        ),
    )
    async def import_directory(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        dry_run: FromQuery[bool] = False,
    ) -> Response[ImportResult]:
        outcome = await importer.import_directory(
            db_session, data=await request.body(), dry_run=dry_run, actor=_principal(request).actor
        )
        await db_session.commit()
        # The rejected rows' reasons in the language Accept-Language asks for, as ``detail`` is.
        lang = answer_language(request.headers.get("accept-language"))
        return Response(
            import_result(outcome, translator(lang)), headers={"Content-Language": lang}
        )

    @get(
        "/export",
        guards=[READ_PERSONAL],
        media_type="text/csv; charset=utf-8",
        summary="The directory as CSV, to correct and import again",
        description=(
            "One row per active contact in the import's columns (organisation_name, "
            "organisation_number, organisation_kind, municipality_number, networks, "
            "contact_name, email, phone, language, channels, main_contact) and two more the "
            "import ignores: email_bounced (yes/no: the address came back undelivered for "
            "good) and email_bounce_reason (the date and the mail server's reason). UTF-8 with "
            "a BOM, streamed; `network=` for one network's organisations, "
            "`delimiter=semicolon` for a Norwegian Excel. Coordinators and admins; each export "
            "is an audit event (`directory.exported`), as it holds personal data."
        ),
    )
    async def export_directory(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        network: NetworkFilter = None,
        delimiter: FromQuery[str] = "comma",
    ) -> Stream:
        errors: list[str] = []
        if network is not None and len(network) > MAX_NETWORK_CODE:
            errors.append(
                Text(
                    N_("network '%(code)s' is too long for a network code"),
                    field="network",
                    code=network[:MAX_NETWORK_CODE] + "…",
                )
            )
        if delimiter not in DELIMITERS:
            errors.append(
                Text(
                    N_("delimiter must be comma or semicolon, not '%(value)s'"),
                    field="delimiter",
                    value=delimiter[:20],
                )
            )
        if errors:
            raise InvalidInputError.from_errors(errors)
        network_id = await networks.network_id_of(db_session, network) if network else None
        contacts_count = await export.count(db_session, network_id=network_id)
        record(
            db_session,
            actor=_principal(request).actor,
            action="directory.exported",
            entity_type="directory",
            details={
                "contacts": contacts_count,
                "network": network.upper() if network else None,
                "personal_data": True,
            },
        )
        await db_session.commit()
        # The request's session closes when the handler returns; the stream opens its own.
        await db_session.close()
        return Stream(
            export.csv_chunks(
                sessionmaker_from(request.app.state),
                network_id=network_id,
                delimiter=DELIMITERS[delimiter],
            ),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="directory.csv"',
                "Cache-Control": "no-store",
            },
        )


MAX_NETWORK_CODE = 16
DELIMITERS = {"comma": ",", "semicolon": ";"}


def import_result(outcome: importer.ImportOutcome, sayer: Sayer) -> ImportResult:
    return ImportResult(
        created_organisations=outcome.created_organisations,
        created_contacts=outcome.created_contacts,
        updated_contacts=outcome.updated_contacts,
        rejected=[
            ImportRejection(row=row, errors=[say(e, sayer) for e in errors])
            for row, errors in outcome.rejected
        ],
        updated_organisations=outcome.updated_organisations,
        unchanged_contacts=outcome.unchanged_contacts,
        dry_run=outcome.dry_run,
    )
