"""Test data: directory CSV rows, valid organisation numbers, phone numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import OutgoingMessage
from dispatch import wiring
from dispatch.audit.service import Actor
from dispatch.delivery.engine import claim
from dispatch.directory.demo import load_demo
from dispatch.directory.import_file import COLUMNS
from dispatch.directory.validation import ORGNR_WEIGHTS
from dispatch.security.links import Links


def organisation_number(seed: int) -> str:
    """A valid (mod-11) organisation number derived from ``seed``; skips bases without one."""
    base = 910_000_00 + seed * 3
    while True:
        digits = f"{base:08d}"
        remainder = sum(int(d) * w for d, w in zip(digits, ORGNR_WEIGHTS, strict=True)) % 11
        check = (11 - remainder) % 11
        if check != 10:
            return f"{digits}{check}"
        base += 1


def mobile(seed: int) -> str:
    """A Norwegian mobile number in E.164 (4xx xx xxx / 9xx xx xxx)."""
    return f"+47{4 if seed % 2 else 9}{seed % 10_000_000:07d}"


def row(**overrides: str) -> dict[str, str]:
    """One valid CSV row for a contact at Oslo kommune; override any column."""
    base = {
        "organisation_name": "Oslo kommune",
        "organisation_number": "958935420",
        "organisation_kind": "municipality",
        "municipality_number": "0301",
        "networks": "NIK",
        "contact_name": "Kari Nordmann",
        "email": "kari.nordmann@oslo.kommune.example",
        "phone": "+47 912 34 567",
        "language": "nb",
        "channels": "email;sms",
        "main_contact": "yes",
    }
    base.update(overrides)
    return base


def directory_csv(rows: Iterable[Mapping[str, str]], *, delimiter: str = ",") -> bytes:
    """A UTF-8 directory CSV with the contract's header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


LANGUAGES = ["nb", "nn", "en", "ar", "pl", "so", "ti", "uk", "fa-AF", "ur", "lt", "se"]


def many_rows(count: int, *, per_organisation: int = 10) -> list[dict[str, str]]:
    """``count`` valid rows spread over organisations in all three networks."""
    rows = []
    networks = ["NIK", "NONEMI", "NIFS"]
    kinds = ["municipality", "health_trust", "ngo"]
    for i in range(count):
        org = i // per_organisation
        rows.append(
            row(
                organisation_name=f"Organisasjon {org}",
                organisation_number=organisation_number(org),
                organisation_kind=kinds[org % 3],
                municipality_number=f"{1000 + org % 9000:04d}" if org % 3 == 0 else "",
                networks=networks[org % 3]
                + (";NIFS:observer" if org % 7 == 0 and org % 3 != 2 else ""),
                contact_name=f"Kontakt {i}",
                email=f"kontakt{i}@org{org}.example",
                phone=mobile(1_000_000 + i),
                language=LANGUAGES[i % len(LANGUAGES)],
                main_contact="yes" if i % per_organisation == 0 else "no",
            )
        )
    return rows


async def declare_demo_exercise(
    client: Any, sessionmaker: Any, *, title: str, message: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """Load the demo directory and declare an e-mail and SMS exercise to all three networks."""
    async with sessionmaker() as session, session.begin():
        await load_demo(session, actor=Actor("test"))
    response = await client.post(
        "/api/v1/incidents",
        json={
            "title": title,
            "networks": ["NIK", "NONEMI", "NIFS"],
            "status": "exercise",
            "channels": ["email", "sms"],
            "message": message,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def claimed_messages(
    session: AsyncSession,
    ids: Sequence[int],
    *,
    base_url: str,
    secret: str,
    sender: str = "varsel@helsedir.example",
) -> list[OutgoingMessage]:
    """What these deliveries would send now, rendered by their senders as a worker renders them
    (the rows are claimed, as a worker would)."""
    sources = wiring.message_sources(sender=sender)
    claimed = {job.id: job for job in await claim(session, ids)}
    messages = []
    for job in (claimed[i] for i in ids if i in claimed):
        source = sources.get(job.source_kind)
        job.payload = (await source.load(session, [job]))[job.id]
        messages.append(source.render(job, Links(base_url, secret, job.id)))
    return messages
