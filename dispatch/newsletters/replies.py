"""A reply to a newsletter goes to the newsletter's input queue, as a contribution from the
contact it was sent to (``dispatch mail-in``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.campaigns.models import CampaignTarget
from dispatch.directory.models import Contact, Organisation
from dispatch.inbound.mail import MailReply
from dispatch.newsletters.models import NewsletterContribution

MAX_TEXT = 10000
"""As a contribution through the page may be."""


async def reply_to_newsletter(session: AsyncSession, reply: MailReply) -> str:
    """Keep the reply's words as a contribution for the next issue, named after the contact."""
    if not reply.text:
        return "empty"
    row = (
        await session.execute(
            select(Contact.name, Contact.email, Organisation.name.label("organisation"))
            .join(CampaignTarget, CampaignTarget.contact_id == Contact.id)
            .join(Organisation, Organisation.id == Contact.organisation_id)
            .where(CampaignTarget.id == reply.source_id)
        )
    ).first()
    session.add(
        NewsletterContribution(
            name=row.name if row else "",
            organisation=row.organisation if row else "",
            email=row.email if row else None,
            text=reply.text.strip()[:MAX_TEXT],
            language=reply.language,
        )
    )
    await session.flush()
    return "contribution"
