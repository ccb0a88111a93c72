"""Demo data for the embedded mode: organisations and contacts in the three networks.

The organisations are real bodies with made-up organisation numbers; the people, addresses and
numbers are invented. Loading goes through the CSV import, so it is idempotent.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor
from dispatch.directory.importer import ImportOutcome, import_directory

DEMO_CSV = Path(__file__).with_name("demo_directory.csv")


async def load_demo(session: AsyncSession, *, actor: Actor) -> ImportOutcome:
    """Import the demo directory; a second run changes nothing."""
    return await import_directory(session, data=DEMO_CSV.read_bytes(), dry_run=False, actor=actor)
