"""Sending a batch of deliveries: claim, render, send, record — with the session closed while
providers are called, so a slow provider never holds a database connection.

Every path ends in a recorded state: ``sent``/``delivered`` with the provider's id, ``queued``
again with a time for the retry (transient errors), or ``failed`` with the reason (permanent
errors, or too many attempts), after which the recipient's other channel is tried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.base import (
    Attachment,
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
    Reconciling,
    TransientChannelError,
)
from channels.registry import ChannelRegistry
from dispatch.acks.service import opted_out
from dispatch.acks.tokens import make_token
from dispatch.campaigns import render as review_render
from dispatch.campaigns import service as campaigns
from dispatch.campaigns.models import Campaign, CampaignKind, CampaignTarget
from dispatch.campaigns.render import ReviewMail
from dispatch.db.base import utcnow
from dispatch.db.upsert import insert_ignoring_conflicts
from dispatch.delivery import events, render
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.delivery.ports import Enqueuer, RateLimiter
from dispatch.directory.models import Membership, Network
from dispatch.directory.organisations import organisation_names
from dispatch.incidents.models import Incident, MessageKind, MessageVersion, Recipient
from dispatch.meetings import render as meeting_render
from dispatch.meetings import service as meetings
from dispatch.meetings.models import Meeting
from dispatch.meetings.render import MeetingMail
from dispatch.metrics import observe_send
from dispatch.newsletters import render as newsletter_render
from dispatch.newsletters.render import NewsletterMail
from dispatch.packs import render as pack_render
from dispatch.packs.models import Pack, PackContent, PackPublication
from dispatch.packs.render import PackMail
from translations import strings
from translations.catalog import translator
from translations.locales import text_direction

log = structlog.get_logger("dispatch.delivery")

MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 300.0
RATE_LIMITED_DELAY_S = 1.0
THROTTLED_RETRIES_IN_PLACE = 3
"""How often a send the provider answered 429 is tried again at once, before its row goes back
to the queue."""
THROTTLED_WAIT_CAP_S = 5.0
SEND_CONCURRENCY = 32


@dataclass(slots=True)
class Job:
    """Everything needed to render and send one claimed delivery."""

    id: int
    channel: str
    address: str
    language: str
    attempts: int
    recipient_id: int | None
    status: str
    code: str
    ack_required: bool
    content: dict[str, str]
    organisation: str
    network: str
    reminder: bool = False
    """A follow-up to someone who has not acknowledged (escalation)."""
    pack: PackMail | None = None
    """Set for a message pack's publication: what its e-mail or Teams post lists."""
    review: ReviewMail | None = None
    """Set for a list review's request or reminder to one contact."""
    newsletter: NewsletterMail | None = None
    """Set for a newsletter's e-mail or Teams post."""
    meeting: MeetingMail | None = None
    """Set for a meeting's invitation, reminder or cancellation."""
    priority: int = 1
    """0 for main contacts and Teams, which go first, also under a provider's rate limit."""
    sending_at: datetime | None = None
    """When this try was claimed."""
    uncertain_since: datetime | None = None
    """An earlier try's outcome is unknown from this time: ask the provider before sending."""


@dataclass(slots=True)
class BatchResult:
    """What happened to a batch, for logs and tests."""

    claimed: int = 0
    sent: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    fallbacks: list[int] = field(default_factory=list)
    retry_ids: list[int] = field(default_factory=list)
    retry_delay_s: float = 0.0


@dataclass(slots=True)
class _Outcome:
    job: Job
    receipt: Receipt | None = None
    transient: TransientChannelError | None = None
    permanent: PermanentChannelError | None = None
    rate_limited: bool = False


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next try: exponential with full jitter, at least ``retry_after``."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))
    return max(retry_after or 0.0, random.uniform(ceiling / 2, ceiling))  # noqa: S311


async def claim(session: AsyncSession, ids: Sequence[int]) -> list[Job]:
    """Move due ``queued`` rows to ``sending``; a row another worker claimed is skipped."""
    now = utcnow()
    claimed = (
        await session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(list(ids)),
                Delivery.state == DeliveryState.QUEUED,
                (Delivery.not_before.is_(None)) | (Delivery.not_before <= now),
            )
            .values(state=DeliveryState.SENDING, sending_at=now, attempts=Delivery.attempts + 1)
            .returning(Delivery.id, Delivery.publication_id, Delivery.campaign_target_id)
        )
    ).all()
    if not claimed:
        return []
    network_names = dict((await session.execute(select(Network.code, Network.name))).all())
    # An alert's batch never pays for the pack or campaign queries, nor they for the alert's.
    alerts = [i for i, pub, target in claimed if pub is None and target is None]
    packs = [i for i, pub, _ in claimed if pub is not None]
    reviews = [i for i, _, target in claimed if target is not None]
    jobs = await _incident_jobs(session, alerts, network_names) if alerts else []
    jobs += await _pack_jobs(session, packs, network_names) if packs else []
    return jobs + (await _campaign_jobs(session, reviews, network_names) if reviews else [])


def _network_label(code: str, names: dict[str, str]) -> str:
    return f"{code} – {names.get(code, '')}".strip(" –")


async def _incident_jobs(
    session: AsyncSession, claimed: Sequence[int], network_names: dict[str, str]
) -> list[Job]:
    rows = (
        await session.execute(
            select(Delivery, MessageVersion, Incident, Recipient)
            .join(MessageVersion, MessageVersion.id == Delivery.message_version_id)
            .join(Incident, Incident.id == Delivery.incident_id)
            .outerjoin(Recipient, Recipient.id == Delivery.recipient_id)
            .where(Delivery.id.in_(list(claimed)))
        )
    ).all()
    org_ids = {r.organisation_ids[0] for _, _, _, r in rows if r is not None and r.organisation_ids}
    org_names = await organisation_names(session, org_ids)
    jobs = []
    for delivery, version, incident, recipient in rows:
        network_code = delivery.network_code or (
            recipient.network_codes[0] if recipient and recipient.network_codes else ""
        )
        organisation = ""
        if recipient is not None and recipient.organisation_ids:
            organisation = org_names.get(recipient.organisation_ids[0], "")
        jobs.append(
            Job(
                id=delivery.id,
                channel=delivery.channel,
                address=delivery.address or "",
                language=delivery.language,
                attempts=delivery.attempts,
                recipient_id=delivery.recipient_id,
                status=incident.status,
                code=incident.code,
                ack_required=incident.ack_required,
                content=version.content.get(delivery.language)
                or next(iter(version.content.values())),
                organisation=organisation,
                reminder=version.kind in (MessageKind.REMINDER, MessageKind.ESCALATION),
                network=_network_label(network_code, network_names),
                priority=delivery.priority,
                sending_at=delivery.sending_at,
                uncertain_since=delivery.uncertain_since,
            )
        )
    return jobs


def _job_to_contact(delivery: Delivery, *, organisation: str, network: str, **what: Any) -> Job:
    """A job outside an incident (a pack's e-mail, a review's request, a newsletter): no recipient
    row, no acknowledgement, no marker; ``what`` says which (``pack=``, ``review=``,
    ``newsletter=``)."""
    return Job(
        id=delivery.id,
        channel=delivery.channel,
        address=delivery.address or "",
        language=delivery.language,
        attempts=delivery.attempts,
        recipient_id=None,
        status="actual",
        code="",
        ack_required=False,
        content={},
        organisation=organisation,
        network=network,
        priority=delivery.priority,
        sending_at=delivery.sending_at,
        uncertain_since=delivery.uncertain_since,
        **what,
    )


async def _pack_jobs(
    session: AsyncSession, claimed: Sequence[int], network_names: dict[str, str]
) -> list[Job]:
    """Jobs for the claimed deliveries of message-pack publications."""
    rows = (
        await session.execute(
            select(Delivery, PackPublication, Pack)
            .join(PackPublication, PackPublication.id == Delivery.publication_id)
            .join(Pack, Pack.id == PackPublication.pack_id)
            .where(Delivery.id.in_(list(claimed)))
        )
    ).all()
    if not rows:
        return []
    titles: dict[int, dict[str, str]] = {}
    for content in (
        await session.scalars(
            select(PackContent).where(PackContent.pack_id.in_({p.id for _, _, p in rows}))
        )
    ).all():
        if content.approved is not None:
            titles.setdefault(content.pack_id, {})[content.language] = content.approved["title"]
    org_ids = {d.organisation_id for d, _, _ in rows if d.organisation_id is not None}
    org_names = await organisation_names(session, org_ids)
    org_networks: dict[int, set[str]] = {}
    if org_ids:
        for org_id, code in (
            await session.execute(
                select(Membership.organisation_id, Network.code)
                .join(Network, Network.id == Membership.network_id)
                .where(Membership.organisation_id.in_(org_ids))
            )
        ).all():
            org_networks.setdefault(org_id, set()).add(code)
    jobs = []
    for delivery, publication, pack in rows:
        # The languages as published, in their order; a language approved later is on the page.
        published = titles.get(pack.id, {})
        ordered = {tag: published[tag] for tag in publication.languages if tag in published}
        networks = [
            c
            for c in publication.networks
            if c in org_networks.get(delivery.organisation_id or 0, ())
        ]
        jobs.append(
            _job_to_contact(
                delivery,
                organisation=org_names.get(delivery.organisation_id or 0, ""),
                network=", ".join(_network_label(c, network_names) for c in networks),
                pack=PackMail(
                    slug=pack.slug,
                    titles=ordered or published,
                    organisation=org_names.get(delivery.organisation_id or 0, ""),
                    networks=", ".join(networks),
                ),
            )
        )
    return jobs


async def _campaign_jobs(
    session: AsyncSession, claimed: Sequence[int], network_names: dict[str, str]
) -> list[Job]:
    """Jobs for the claimed campaign deliveries: list-review requests and reminders,
    newsletters and meeting messages (in the delivery's language, else the first written)."""
    rows = (
        await session.execute(
            select(Delivery, CampaignTarget, Campaign)
            .join(CampaignTarget, CampaignTarget.id == Delivery.campaign_target_id)
            .join(Campaign, Campaign.id == CampaignTarget.campaign_id)
            .where(Delivery.id.in_(list(claimed)))
        )
    ).all()
    org_names = await organisation_names(session, {t.organisation_id for _, t, _ in rows})
    meeting_ids = {c.id for _, _, c in rows if c.kind == CampaignKind.MEETING}
    meeting_rows = (
        {
            m.campaign_id: m
            for m in await session.scalars(
                select(Meeting).where(Meeting.campaign_id.in_(meeting_ids))
            )
        }
        if meeting_ids
        else {}
    )
    jobs = []
    for delivery, target, campaign in rows:
        organisation = org_names.get(target.organisation_id, "")
        network = ", ".join(_network_label(c, network_names) for c in target.network_codes)
        if campaign.kind == CampaignKind.MEETING:
            invitation = _meeting_mail(
                delivery, target, campaign, meeting_rows[campaign.id], organisation, network
            )
            jobs.append(
                _job_to_contact(
                    delivery, organisation=organisation, network=network, meeting=invitation
                )
            )
            continue
        if campaign.kind == CampaignKind.NEWSLETTER:
            text = (campaign.content or {}).get(delivery.language) or next(
                iter((campaign.content or {}).values()), {"subject": "", "body": ""}
            )
            mail = NewsletterMail(text["subject"], text["body"], organisation)
            jobs.append(
                _job_to_contact(
                    delivery, organisation=organisation, network=network, newsletter=mail
                )
            )
            continue
        jobs.append(
            _job_to_contact(
                delivery,
                organisation=organisation,
                network=network,
                review=ReviewMail(
                    organisation=organisation,
                    network=network,
                    deadline=_review_deadline(campaign),
                    reminder=delivery.target.startswith(f"{campaigns.REMINDER}:"),
                ),
            )
        )
    return jobs


def _meeting_mail(
    delivery: Delivery,
    target: CampaignTarget,
    campaign: Campaign,
    meeting: Meeting,
    organisation: str,
    network: str,
) -> MeetingMail:
    text = meetings.text_in(campaign, delivery.language)
    phase = delivery.target.split(":", 1)[0]
    return MeetingMail(
        phase={
            meetings.INVITE: meeting_render.INVITE,
            meetings.REMINDER: meeting_render.REMINDER,
            meetings.CANCEL: meeting_render.CANCEL,
        }[phase],
        meeting_id=meeting.campaign_id,
        title=text.get("title") or campaign.title or "",
        agenda=text.get("agenda", ""),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        join_url=meeting.join_url,
        code=meeting.code,
        organisation=organisation,
        network=network,
        networks=", ".join(target.network_codes),
    )


def _review_deadline(campaign: Campaign) -> datetime:
    # A list review is refused without a deadline (ListReviewIn); only newsletters have none.
    assert campaign.deadline is not None, f"list review {campaign.id} has no deadline"
    return campaign.deadline


def build_message(
    job: Job, *, base_url: str, ack_link: str = "", token: str = "", sender: str = ""
) -> OutgoingMessage:
    """The rendered message for one job; ``token`` is a pack e-mail's passed-on link token, a
    list review's confirm token or a meeting's answer token. ``sender`` is the e-mail From
    address, the organizer in a meeting's calendar file."""
    if job.pack is not None:
        return _pack_message(job, job.pack, base_url=base_url, token=token)
    if job.review is not None:
        return _review_message(job, job.review, base_url=base_url, token=token)
    if job.newsletter is not None:
        return _newsletter_message(job, job.newsletter, base_url=base_url, token=token)
    if job.meeting is not None:
        return _meeting_message(job, job.meeting, base_url=base_url, token=token, sender=sender)
    if job.channel == ChannelKind.SMS:
        text = render.sms_text(
            status=job.status,
            lang=job.language,
            sms=render.with_reminder(job.language, job.content["sms"], job.reminder),
            code=job.code,
            ack_required=job.ack_required,
        )
        return OutgoingMessage(
            channel=ChannelKind.SMS,
            to=job.address,
            text=text,
            language=job.language,
            direction=text_direction(job.language),
            reference=str(job.id),
            status_callback=f"{base_url}/webhooks/twilio/status",
        )
    if job.channel == ChannelKind.EMAIL:
        mail = render.email(
            status=job.status,
            lang=job.language,
            content=render.content_with_reminder(job.language, job.content, job.reminder),
            link=ack_link,
            organisation=job.organisation,
            network=job.network,
            base_url=base_url,
        )
        return _outgoing(job, mail, link=ack_link)
    return _outgoing(job, render.teams(status=job.status, lang=job.language, content=job.content))


def _outgoing(
    job: Job, rendered: render.Rendered, *, link: str = "", link_label: str = ""
) -> OutgoingMessage:
    """An e-mail or Teams message for ``job`` from its rendered subject, text and HTML."""
    return OutgoingMessage(
        channel=ChannelKind(job.channel),
        to=job.address,
        text=rendered.text,
        html=rendered.html,
        subject=rendered.subject,
        language=job.language,
        direction=rendered.direction,
        reference=str(job.id),
        link=link,
        link_label=link_label,
    )


def _pack_message(job: Job, mail: PackMail, *, base_url: str, token: str) -> OutgoingMessage:
    if job.channel == ChannelKind.EMAIL:
        return _outgoing(
            job, pack_render.email(mail, lang=job.language, base_url=base_url, token=token)
        )
    return _outgoing(
        job,
        pack_render.teams(mail, base_url=base_url, lang=job.language),
        link=pack_render.page_url(base_url, mail.slug),
        link_label=translator(job.language).gettext(strings.PACK_CHOOSE_LANGUAGE),
    )


def _review_message(job: Job, mail: ReviewMail, *, base_url: str, token: str) -> OutgoingMessage:
    link = review_render.confirm_url(base_url, token)
    if job.channel == ChannelKind.SMS:
        return OutgoingMessage(
            channel=ChannelKind.SMS,
            to=job.address,
            text=review_render.sms(mail, lang=job.language, link=link),
            language=job.language,
            direction=text_direction(job.language),
            reference=str(job.id),
            status_callback=f"{base_url}/webhooks/twilio/status",
            link=link,
        )
    rendered = review_render.email(mail, lang=job.language, link=link, base_url=base_url)
    return _outgoing(job, rendered, link=link)


def _newsletter_message(
    job: Job, mail: NewsletterMail, *, base_url: str, token: str
) -> OutgoingMessage:
    if job.channel == ChannelKind.TEAMS:
        return _outgoing(job, newsletter_render.teams(mail, lang=job.language))
    rendered = newsletter_render.email(mail, lang=job.language, base_url=base_url, token=token)
    return dataclasses.replace(
        _outgoing(job, rendered), headers=newsletter_render.headers(base_url, token)
    )


def _meeting_message(
    job: Job, mail: MeetingMail, *, base_url: str, token: str, sender: str
) -> OutgoingMessage:
    link = meeting_render.answer_url(base_url, token) if token else ""
    if job.channel == ChannelKind.TEAMS:
        return _outgoing(
            job,
            meeting_render.teams(mail, lang=job.language),
            link="" if mail.phase == meeting_render.CANCEL else mail.join_url,
            link_label=translator(job.language).gettext(strings.MEETING_PAGE_JOIN),
        )
    if job.channel == ChannelKind.SMS:
        return OutgoingMessage(
            channel=ChannelKind.SMS,
            to=job.address,
            text=meeting_render.sms(mail, lang=job.language, link=link),
            language=job.language,
            direction=text_direction(job.language),
            reference=str(job.id),
            status_callback=f"{base_url}/webhooks/twilio/status",
            link=link,
        )
    rendered = meeting_render.email(mail, lang=job.language, link=link, base_url=base_url)
    attachments: tuple[Attachment, ...] = ()
    if mail.phase != meeting_render.REMINDER:
        attachments = (
            meeting_render.calendar_file(mail, base_url=base_url, sender=sender, lang=job.language),
        )
    return dataclasses.replace(_outgoing(job, rendered, link=link), attachments=attachments)


async def _send(
    job: Job,
    *,
    channels: ChannelRegistry,
    limiter: RateLimiter,
    base_url: str,
    secret: str,
    opted_out: set[str],
    gate: asyncio.Semaphore,
    sender: str = "",
) -> _Outcome:
    if job.channel == ChannelKind.SMS and job.address in opted_out:
        return _Outcome(
            job,
            permanent=PermanentChannelError("the number has opted out of SMS (replied STOP)"),
        )
    link = token = ""
    if job.channel == ChannelKind.EMAIL and job.recipient_id is not None and job.ack_required:
        link = f"{base_url}/ack/{make_token(secret, job.id)}"
    if job.pack is not None and job.channel == ChannelKind.EMAIL:
        token = make_token(secret, job.id, purpose="pack")
    if job.review is not None:
        token = make_token(secret, job.id, purpose="confirm")
    if job.newsletter is not None and job.channel == ChannelKind.EMAIL:
        token = make_token(secret, job.id, purpose="unsubscribe")
    if (
        job.meeting is not None
        and job.channel != ChannelKind.TEAMS
        and job.meeting.phase != meeting_render.CANCEL
    ):
        token = make_token(secret, job.id, purpose="rsvp")
    message = build_message(job, base_url=base_url, ack_link=link, token=token, sender=sender)
    channel = channels.get(ChannelKind(job.channel))
    if job.uncertain_since is not None and isinstance(channel, Reconciling):
        # An earlier try may have got through: ask rather than send a second copy. If the
        # provider cannot say, send: a missing alert is worse than a second one.
        async with gate:
            try:
                found = await channel.find_sent(message, job.uncertain_since)
            except TransientChannelError as exc:
                log.warning("reconcile_lookup_failed", delivery_id=job.id, reason=exc.reason)
                observe_send(job.channel, None, "lookup_failed")
                found = None
        if found is not None:
            log.info("reconciled_with_provider", delivery_id=job.id, channel=job.channel)
            observe_send(job.channel, None, "reconciled")
            return _Outcome(job, receipt=found)
    throttled = 0
    while True:
        if not await limiter.acquire(job.channel, job.priority):
            return _Outcome(job, rate_limited=True)
        async with gate:
            started = time.perf_counter()
            try:
                receipt = await channel.send(message)
            except TransientChannelError as exc:
                observe_send(job.channel, time.perf_counter() - started, "retry")
                if not exc.throttled or throttled == THROTTLED_RETRIES_IN_PLACE:
                    return _Outcome(job, transient=exc)
                retry_after = exc.retry_after or RATE_LIMITED_DELAY_S
            except PermanentChannelError as exc:
                observe_send(job.channel, time.perf_counter() - started, "failed")
                return _Outcome(job, permanent=exc)
            else:
                observe_send(job.channel, time.perf_counter() - started, "accepted")
                return _Outcome(job, receipt=receipt)
        # The provider asked us to slow down: wait as it says and take a new turn here, rather
        # than going back to the queue behind everyone else (a main contact would lose its place).
        throttled += 1
        await asyncio.sleep(min(retry_after, THROTTLED_WAIT_CAP_S))


async def process_batch(
    ids: Sequence[int],
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    channels: ChannelRegistry,
    limiter: RateLimiter,
    enqueuer: Enqueuer,
    base_url: str,
    secret: str,
    sender: str = "",
) -> BatchResult:
    """Claim, send and record one batch; re-enqueue retries and fallbacks. ``sender`` is the
    e-mail From address (the organizer in meeting calendar files)."""
    async with sessionmaker() as session, session.begin():
        jobs = await claim(session, ids)
        stopped = await opted_out(
            session, [j.address for j in jobs if j.channel == ChannelKind.SMS]
        )
    result = BatchResult(claimed=len(jobs))
    if not jobs:
        return result
    # The session is closed here on purpose: provider calls can take seconds. Outcomes are
    # recorded as they arrive, a few at a time, so a worker that dies loses at most the few
    # sends whose answer came in the last milliseconds (the residual window for a duplicate).
    gate = asyncio.Semaphore(SEND_CONCURRENCY)
    finished: asyncio.Queue[_Outcome] = asyncio.Queue()

    async def send_one(job: Job) -> None:
        try:
            outcome = await _send(
                job,
                channels=channels,
                limiter=limiter,
                base_url=base_url,
                secret=secret,
                opted_out=stopped,
                gate=gate,
                sender=sender,
            )
        except Exception as exc:
            log.exception("adapter_error", delivery_id=job.id, channel=job.channel)
            outcome = _Outcome(
                job, transient=TransientChannelError(f"internal error: {type(exc).__name__}")
            )
        await finished.put(outcome)

    async def record_as_they_come() -> None:
        remaining = len(jobs)
        while remaining:
            outcomes = [await finished.get()]
            while not finished.empty():
                outcomes.append(finished.get_nowait())
            remaining -= len(outcomes)
            async with sessionmaker() as session, session.begin():
                await _record(session, outcomes, result)

    await asyncio.gather(record_as_they_come(), *(send_one(j) for j in jobs))
    if result.retry_ids:
        enqueuer.enqueue(result.retry_ids, delay_ms=int(result.retry_delay_s * 1000))
    if result.fallbacks:
        enqueuer.enqueue(result.fallbacks)
    log.info(
        "batch_done",
        claimed=result.claimed,
        sent=result.sent,
        delivered=result.delivered,
        retried=result.retried,
        failed=result.failed,
        fallbacks=len(result.fallbacks),
    )
    return result


@dataclass(frozen=True, slots=True)
class _Retry:
    delay_s: float
    reason: str
    attempts: int
    """The row's attempt count from now on."""


def _retry(o: _Outcome) -> _Retry | None:
    """When and why to try an outcome's delivery again; None when it has failed for good.

    Our limiter's refusal and the provider's 429 only say "later": no back-off, and not an
    attempt, so a long wait under a rate limit never fails a message."""
    job = o.job
    if o.rate_limited:
        return _Retry(
            RATE_LIMITED_DELAY_S, "waiting for the provider's rate limit", job.attempts - 1
        )
    if o.transient is None:
        return None
    if o.transient.throttled:
        delay = max(RATE_LIMITED_DELAY_S, o.transient.retry_after or 0.0)
        return _Retry(delay, o.transient.reason, job.attempts - 1)
    if job.attempts >= MAX_ATTEMPTS:
        return None
    return _Retry(backoff(job.attempts, o.transient.retry_after), o.transient.reason, job.attempts)


async def _record(session: AsyncSession, outcomes: Sequence[_Outcome], result: BatchResult) -> None:
    now = utcnow()
    table = cast(Table, Delivery.__table__)
    by_id = update(table).where(
        table.c.id == bindparam("b_id"), table.c.state == DeliveryState.SENDING
    )
    done: list[dict[str, Any]] = []
    retry: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    failed_jobs: list[Job] = []
    longest = 0.0
    for o in outcomes:
        job = o.job
        if o.receipt is not None:
            delivered = o.receipt.delivered
            done.append(
                {
                    "b_id": job.id,
                    "state": DeliveryState.DELIVERED if delivered else DeliveryState.SENT,
                    "provider_id": o.receipt.provider_id,
                    "sent_at": now,
                    "delivered_at": now if delivered else None,
                    "last_error": None,
                }
            )
            result.delivered += delivered
            result.sent += not delivered
        elif (again := _retry(o)) is not None:
            longest = max(longest, again.delay_s)
            uncertain = o.transient is not None and o.transient.uncertain
            retry.append(
                {
                    "b_id": job.id,
                    "state": DeliveryState.QUEUED,
                    "not_before": now + timedelta(seconds=again.delay_s),
                    "enqueued_at": now,
                    "last_error": again.reason,
                    "attempts": again.attempts,
                    "uncertain_since": job.uncertain_since
                    or (job.sending_at or now if uncertain else None),
                }
            )
            result.retry_ids.append(job.id)
        else:
            error = o.permanent or o.transient
            assert error is not None
            reason = error.reason
            if o.transient is not None:
                reason = f"gave up after {job.attempts} attempts: {reason}"
            failed.append(
                {
                    "b_id": job.id,
                    "state": DeliveryState.FAILED,
                    "failed_at": now,
                    "last_error": reason,
                }
            )
            failed_jobs.append(job)
    for rows in (done, retry, failed):
        if rows:
            keys = [k for k in rows[0] if k != "b_id"]
            await session.execute(
                by_id.values({k: bindparam(k) for k in keys}),
                rows,
                execution_options={"synchronize_session": False},
            )
    result.retried += len(retry)
    result.failed += len(failed)
    result.retry_delay_s = max(result.retry_delay_s, longest)
    if done:
        await events.apply_pending(session, [r["provider_id"] for r in done])
    if failed_jobs:
        result.fallbacks += await _fallbacks(session, failed_jobs)


OTHER_CHANNEL = {
    ChannelKind.SMS.value: ChannelKind.EMAIL.value,
    ChannelKind.EMAIL.value: ChannelKind.SMS.value,
}


async def _fallbacks(session: AsyncSession, jobs: Sequence[Job]) -> list[int]:
    """For each permanently failed personal delivery, one on the recipient's other channel."""
    personal = [j for j in jobs if j.recipient_id is not None and j.channel in OTHER_CHANNEL]
    if not personal:
        return []
    failed = {
        d.id: d
        for d in (
            await session.scalars(select(Delivery).where(Delivery.id.in_([j.id for j in personal])))
        ).all()
    }
    recipients = {
        r.id: r
        for r in (
            await session.scalars(
                select(Recipient).where(Recipient.id.in_([j.recipient_id for j in personal]))
            )
        ).all()
    }
    now = utcnow()
    rows = []
    for job in personal:
        original = failed[job.id]
        recipient = recipients.get(job.recipient_id or -1)
        other = OTHER_CHANNEL[job.channel]
        address = (
            None
            if recipient is None
            else (recipient.email if other == "email" else recipient.phone)
        )
        if not address:
            continue
        rows.append(
            {
                "incident_id": original.incident_id,
                "message_version_id": original.message_version_id,
                "recipient_id": original.recipient_id,
                "channel": other,
                "target": original.target,
                "address": address,
                "language": original.language,
                "fallback": original.fallback,
                "priority": original.priority,
                "state": DeliveryState.QUEUED,
                "fallback_of_id": original.id,
                "created_at": now,
                "enqueued_at": now,
            }
        )
    return await insert_ignoring_duplicates(session, rows)


async def insert_ignoring_duplicates(
    session: AsyncSession, rows: list[dict[str, Any]]
) -> list[int]:
    """Insert delivery rows; one that the unique key already has is skipped, not sent twice."""
    table = cast(Table, Delivery.__table__)
    return await insert_ignoring_conflicts(
        session, table, rows, key=["message_version_id", "target", "channel"]
    )
