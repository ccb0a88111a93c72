"""The raw hand-over baseline: a plain async loop posting to the same fake Twilio and Teams
servers, and handing mail to the same SMTP server, that the fan-out uses.

It runs as its own processes (``python -m tests.bench.raw``), as many as the worker has, so
that it does not share an interpreter lock with the fakes it posts to and has the cores the
workers have. Each process keeps its connections open (HTTP keep-alive, one SMTP session per
sender) and prints one JSON object: what it did and when it started and ended, so the caller
adds the processes up over the same stretch of time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from email.message import EmailMessage

import aiohttp
import aiosmtplib

IN_FLIGHT = 64
POSTS = 4_000
MAILS = 1_000
SMTP_SESSIONS = 8


async def _measure(
    twilio_url: str, sid: str, token: str, teams_url: str, smtp_port: int
) -> dict[str, float]:
    gate = asyncio.Semaphore(IN_FLIGHT)
    sms_url = f"{twilio_url}/2010-04-01/Accounts/{sid}/Messages.json"
    card = {"type": "message", "attachments": [{"contentType": "application/json", "content": {}}]}
    # aiohttp, the client under the Twilio SDK: httpx took twice its CPU per request.
    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()}
    async with aiohttp.ClientSession(connector=connector, headers=auth) as client:

        async def post(i: int) -> None:
            async with gate:
                if i % 4 == 3:  # one in four to Teams, the rest SMS
                    response = await client.post(teams_url, json=card)
                else:
                    data = {"To": f"+4790{i:06d}", "From": "+4759440000", "Body": "raw"}
                    response = await client.post(sms_url, data=data)
                async with response:
                    await response.read()
                    response.raise_for_status()

        posts_started = time.time()
        await asyncio.gather(*(post(i) for i in range(POSTS)))
        posts_ended = time.time()

    async def sender(first: int) -> None:
        """One SMTP session, reused for every ``SMTP_SESSIONS``-th mail."""
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp_port, start_tls=False) as smtp:
            for i in range(first, MAILS, SMTP_SESSIONS):
                message = EmailMessage()
                message["From"], message["To"], message["Subject"] = (
                    "a@x.example",
                    f"r{i}@x.example",
                    "raw",
                )
                message.set_content("raw")
                await smtp.send_message(message)

    mails_started = time.time()
    await asyncio.gather(*(sender(n) for n in range(SMTP_SESSIONS)))
    mails_ended = time.time()
    return {
        "posts": POSTS,
        "posts_started": posts_started,
        "posts_ended": posts_ended,
        "mails": MAILS,
        "mails_started": mails_started,
        "mails_ended": mails_ended,
    }


def main() -> None:
    twilio_url, sid, token, teams_url, smtp_port = sys.argv[1:6]
    print(json.dumps(asyncio.run(_measure(twilio_url, sid, token, teams_url, int(smtp_port)))))


if __name__ == "__main__":
    main()
