"""The raw hand-over baseline: a plain async loop posting to the same fake Twilio and Teams
servers, and handing mail to the same SMTP server, that the fan-out uses.

It runs as its own process (``python -m tests.bench.raw``), as the workers do, so that it does
not share an interpreter lock with the fakes it posts to. It prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from email.message import EmailMessage

import aiosmtplib
import httpx

IN_FLIGHT = 64
POSTS = 4_000
MAILS = 1_000


async def _measure(
    twilio_url: str, sid: str, token: str, teams_url: str, smtp_port: int
) -> dict[str, float]:
    gate = asyncio.Semaphore(IN_FLIGHT)
    sms_url = f"{twilio_url}/2010-04-01/Accounts/{sid}/Messages.json"
    card = {"type": "message", "attachments": [{"contentType": "application/json", "content": {}}]}
    async with httpx.AsyncClient(auth=(sid, token), timeout=30) as client:

        async def post(i: int) -> None:
            async with gate:
                if i % 4 == 3:  # one in four to Teams, the rest SMS
                    response = await client.post(teams_url, json=card)
                else:
                    data = {"To": f"+4790{i:06d}", "From": "+4759440000", "Body": "raw"}
                    response = await client.post(sms_url, data=data)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(post(i) for i in range(POSTS)))
        posts_per_s = POSTS / (time.perf_counter() - started)

    async def mail(i: int) -> None:
        async with gate:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = (
                "a@x.example",
                f"r{i}@x.example",
                "raw",
            )
            message.set_content("raw")
            await aiosmtplib.send(message, hostname="127.0.0.1", port=smtp_port, start_tls=False)

    started = time.perf_counter()
    await asyncio.gather(*(mail(i) for i in range(MAILS)))
    mails_per_s = MAILS / (time.perf_counter() - started)
    return {
        "raw_client_posts_per_s": round(posts_per_s, 1),
        "raw_smtp_sends_per_s": round(mails_per_s, 1),
        "raw_posts": POSTS,
        "raw_in_flight": IN_FLIGHT,
    }


def main() -> None:
    twilio_url, sid, token, teams_url, smtp_port = sys.argv[1:6]
    print(json.dumps(asyncio.run(_measure(twilio_url, sid, token, teams_url, int(smtp_port)))))


if __name__ == "__main__":
    main()
