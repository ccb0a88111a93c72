"""HTTP controllers for message packs: create, write languages, approve, publish, follow up."""

from __future__ import annotations

import structlog
from litestar import Controller, Response, get, post, put
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, JSONBody
from sqlalchemy.exc import IntegrityError

from channels.sms_encoding import analyse
from dispatch.db.session import DbSession, commit_once
from dispatch.errors import ConflictError
from dispatch.packs import passedon, publish, service
from dispatch.packs.models import Pack, PackContent
from dispatch.packs.render import page_url
from dispatch.packs.schemas import (
    ContentIn,
    LanguageOut,
    Link,
    PackCreatedOut,
    PackIn,
    PackOut,
    PackSummaryOut,
    PassedOnTotals,
    PublicationOut,
    PublishedOut,
    PublishIn,
    SmsFit,
)
from dispatch.paging import Page, PageNumber, PageSize, offset
from dispatch.requests import AuthedRequest, IdempotencyKey, enqueuer_of
from dispatch.security.guards import READ, WRITE_INCIDENTS, WRITE_PACK_CONTENT
from dispatch.security.models import Role
from translations.locales import language_name, text_direction
from translations.strings.marking import N_
from translations.text import Text

log = structlog.get_logger("dispatch.packs")
APPROVERS = (Role.COORDINATOR, Role.ADMIN)


def _base_url(request: AuthedRequest) -> str:
    return str(request.app.state["settings"].base_url).rstrip("/")


def language_out(
    content: PackContent, pack: Pack, base_url: str, passed_on: PassedOnTotals
) -> LanguageOut:
    fit = analyse(content.short)
    public = pack.published_at is not None and content.approved is not None
    return LanguageOut(
        language=content.language,
        name=language_name(content.language),
        direction=text_direction(content.language),
        state=content.state.value,
        title=content.title,
        short=content.short,
        body=content.body,
        links=[Link(url=link["url"], label=link["label"]) for link in content.links],
        short_sms=SmsFit(
            encoding=fit.encoding,
            segments=fit.segments,
            characters=len(content.short),
            # Only look-alikes (curly quotes, dashes): stray characters that could be replaced.
            offenders=[
                f"'{o.char}' at {o.position} ({o.name})"
                for o in fit.offenders
                if o.replacement is not None
            ],
        ),
        updated_by=content.updated_by,
        updated_at=content.updated_at,
        approved_by=content.approved_by,
        approved_at=content.approved_at,
        public=public,
        url=page_url(base_url, pack.slug, content.language) if public else None,
        passed_on=passed_on,
    )


class PackController(Controller):
    path = "/packs"
    tags = ("packs",)

    @post("/", guards=[WRITE_INCIDENTS], summary="Create a message pack; every language a draft")
    async def create(
        self, request: AuthedRequest, db_session: DbSession, data: JSONBody[PackIn]
    ) -> PackCreatedOut:
        try:
            pack = await service.create_pack(db_session, data=data, actor=request.user.actor)
            await db_session.commit()
        except IntegrityError as exc:
            # Another pack took the same slug between our check and the insert.
            await db_session.rollback()
            raise ConflictError(
                Text(N_("That address was taken a moment ago; try again."), field="slug")
            ) from exc
        return PackCreatedOut(
            id=pack.id, slug=pack.slug, url=page_url(_base_url(request), pack.slug)
        )

    @get("/", guards=[READ], summary="Message packs, newest first")
    async def list_packs(
        self, db_session: DbSession, page: PageNumber = 1, page_size: PageSize = 50
    ) -> Page[PackSummaryOut]:
        rows, total = await service.list_packs(
            db_session, offset=offset(page, page_size), limit=page_size
        )
        return Page(
            items=[
                PackSummaryOut(
                    id=p.id,
                    slug=p.slug,
                    title=p.title,
                    created_by=p.created_by,
                    created_at=p.created_at,
                    published_at=p.published_at,
                    languages=states,
                )
                for p, states in rows
            ],
            total=total,
            page=page,
            page_size=page_size,
        )

    @get("/{pack_id:int}", guards=[READ], summary="A pack: languages, publications, reach")
    async def get_pack(
        self, request: AuthedRequest, db_session: DbSession, pack_id: FromPath[int]
    ) -> PackOut:
        return await pack_out(db_session, pack_id, _base_url(request))

    @put(
        "/{pack_id:int}/content/{lang:str}",
        guards=[WRITE_PACK_CONTENT],
        summary="Write one language; a coordinator may approve it",
    )
    async def save_content(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        pack_id: FromPath[int],
        lang: FromPath[str],
        data: JSONBody[ContentIn],
    ) -> LanguageOut:
        may_approve = request.user.role in APPROVERS
        if data.approved and not may_approve:
            raise PermissionDeniedException(
                detail="Only a coordinator may approve a language. Nothing was saved: send "
                'the text without "approved": true, and ask a coordinator to approve it.'
            )
        content = await service.save_content(
            db_session,
            pack_id=pack_id,
            raw_lang=lang,
            data=data,
            actor=request.user.actor,
            may_approve=may_approve,
        )
        await db_session.commit()
        pack = await service.get_pack(db_session, pack_id)
        totals = await passedon.passed_on_totals(db_session, pack_id)
        return language_out(content, pack, _base_url(request), totals[content.language])

    @post(
        "/{pack_id:int}/publish",
        guards=[WRITE_INCIDENTS],
        summary="Send the approved languages to the networks' organisations and Teams channels",
    )
    async def publish(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        pack_id: FromPath[int],
        data: JSONBody[PublishIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PublishedOut]:

        async def attempt() -> publish.Published:
            return await publish.publish(
                db_session,
                pack_id=pack_id,
                networks=data.networks,
                actor=request.user.actor,
                idempotency_key=idempotency_key,
            )

        outcome = await commit_once(db_session, idempotency_key, attempt)
        if outcome.created:
            enqueuer = enqueuer_of(request)
            enqueuer.enqueue(outcome.delivery_ids)
            log.info(
                "pack_published",
                pack_id=pack_id,
                publication_id=outcome.publication.id,
                deliveries=len(outcome.delivery_ids),
            )
        pack = await service.get_pack(db_session, pack_id)
        body = PublishedOut(
            publication_id=outcome.publication.id,
            url=page_url(_base_url(request), pack.slug),
            languages=list(outcome.publication.languages),
            organisations=outcome.organisations,
            deliveries=outcome.by_channel,
            organisations_without_main_contact=outcome.without_main_contact,
        )
        return Response(body, status_code=201 if outcome.created else 200)


async def pack_out(db_session: DbSession, pack_id: int, base_url: str) -> PackOut:
    pack = await service.get_pack(db_session, pack_id)
    totals = await passedon.passed_on_totals(db_session, pack_id)
    contents = await service.contents_of(db_session, pack_id)
    return PackOut(
        id=pack.id,
        slug=pack.slug,
        title=pack.title,
        url=page_url(base_url, pack.slug),
        created_by=pack.created_by,
        created_at=pack.created_at,
        published_at=pack.published_at,
        languages=[language_out(c, pack, base_url, totals[c.language]) for c in contents],
        publications=[
            PublicationOut(
                id=p.id,
                networks=list(p.networks),
                languages=list(p.languages),
                published_by=p.published_by,
                published_at=p.published_at,
                deliveries=counts,
            )
            for p, counts in await publish.publications_of(db_session, pack_id)
        ],
        passed_on=passedon.add_totals(list(totals.values())),
    )
