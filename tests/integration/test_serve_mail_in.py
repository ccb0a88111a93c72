"""``dispatch serve`` on the embedded default with ``DISPATCH_INBOUND_MAIL_DOMAIN`` set: the
mail-in SMTP server runs inside it, on its own port, and what comes back there acts on the
running service (a real process, talked to over SMTP and HTTP only)."""

from __future__ import annotations

import smtplib
from pathlib import Path
from typing import Any

import httpx
import pytest

from dispatch.security.links import Links
from tests.integration.test_serve import serve
from tests.processes import create_token, declare_email_exercise, free_port, wait_until

DOMAIN = "svar.example"
SECRET = "serve-test-secret"
AHMED = "ahmed.hassan@oslo.kommune.example"
AHMED_PHONE = "+4741000100"
PER = "per.olsen@trondheim.kommune.example"
"""Two of the demo's NIK contacts: Ahmed has a mobile number, Per has none."""


def bounce(status: str, words: str) -> str:
    return f"""\
From: MAILER-DAEMON@mx.example.net
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-{status}@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Not delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; someone@example.net
Action: failed
Status: {status}
Diagnostic-Code: smtp; 550 {status} {words}

--b--
"""


def test_serve_takes_bounces_and_replies_on_its_mail_in_port(
    dispatch_bin: str, tmp_path: Path
) -> None:
    mail_port = free_port()
    with serve(
        dispatch_bin,
        tmp_path,
        inbound_mail_domain=DOMAIN,
        mail_in_host="127.0.0.1",
        mail_in_port=str(mail_port),
    ) as (base, env, log):
        headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
        # Given an exercise by e-mail only, handed to the sandbox by the in-process workers,
        incident = declare_email_exercise(base, headers, "Øvelse e-post")
        url = f"{base}/api/v1/incidents/{incident['id']}"

        def stats() -> dict[str, Any]:
            body: dict[str, Any] = httpx.get(url, headers=headers).json()["stats"]
            return body

        planned = incident["deliveries"]["planned"]
        wait_until(
            lambda: stats()["deliveries"]["delivered"] == planned,
            timeout=30,
            what="the embedded workers to deliver",
        )
        emails = httpx.get(
            f"{url}/deliveries", headers=headers, params={"channel": "email", "page_size": 500}
        ).json()["items"]
        # Which e-mail went to whom, from what the sandbox was handed (the delivery's id).
        sent = httpx.get(
            f"{base}/api/v1/sandbox/messages", headers=headers, params={"channel": "email"}
        ).json()
        delivery_to = {m["to"]: int(m["reference"]) for m in sent}
        by_id = {d["id"]: d for d in emails}
        replied = by_id[delivery_to[PER]]
        bounced = by_id[delivery_to[AHMED]]

        def address(delivery: dict[str, Any], purpose: str) -> str:
            return Links("", SECRET, delivery["id"]).address(purpose, DOMAIN)

        with smtplib.SMTP("127.0.0.1", mail_port, timeout=10) as smtp:
            # when a stranger writes to a made-up address at the domain, it is refused at RCPT;
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                smtp.sendmail("x@example.net", [f"r-nobody@{DOMAIN}"], "Subject: hei\n\nhei\n")
            assert refused.value.recipients[f"r-nobody@{DOMAIN}"][0] == 550
            # a member's reply to the Reply-To and a server's bounce to the Return-Path are taken.
            reply = (
                "From: member@example.net\nSubject: SV: Øvelse\nMessage-ID: <r1@example.net>\n"
                "Content-Type: text/plain; charset=utf-8\n\nMottatt, vi følger med.\n\n"
                "> Dette er en øvelse.\n"
            )
            assert smtp.sendmail("member@example.net", [address(replied, "reply")],
                                 reply.encode()) == {}  # fmt: skip
            assert smtp.sendmail("", [address(bounced, "bounce")],
                                 bounce("5.1.1", "mailbox unknown")) == {}  # fmt: skip

        # Then the reply acknowledged, the bounce failed the e-mail and sent the SMS instead,
        acks = httpx.get(f"{url}/acknowledgements", headers=headers).json()
        assert [(a["via"], a["comment"]) for a in acks] == [("email", "Mottatt, vi følger med.")]
        wait_until(
            lambda: stats()["deliveries"]["delivered"] == planned,  # the SMS, delivered
            timeout=30,
            what="the fallback SMS",
        )
        after = httpx.get(f"{url}/deliveries", headers=headers, params={"page_size": 500}).json()[
            "items"
        ]
        failed = next(d for d in after if d["id"] == bounced["id"])
        assert failed["state"] == "failed"
        assert failed["last_error"] == "bounced: 5.1.1 mailbox unknown"
        sms = [d for d in after if d["channel"] == "sms"]
        assert [(d["recipient_id"], d["state"]) for d in sms] == [
            (bounced["recipient_id"], "delivered")
        ]
        texts = httpx.get(
            f"{base}/api/v1/sandbox/messages", headers=headers, params={"channel": "sms"}
        ).json()
        assert [m["to"] for m in texts] == [AHMED_PHONE]
        # and the incident counts them.
        email = stats()["email"]
        assert (email["accepted"], email["bounced"], email["replied"]) == (len(emails), 1, 1)
        assert "mail_in_listening" in log.read_text()
    # The log says what happened without an address in it.
    text = log.read_text()
    for address_ in ("member@example.net", AHMED, PER):
        assert address_ not in text
