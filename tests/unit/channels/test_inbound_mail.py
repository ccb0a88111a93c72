"""Reading what comes back: bounces as real servers write them, replies without their quotes and
signatures, automatic answers told apart."""

from __future__ import annotations

from pathlib import Path

from channels.inbound_mail import own_words, parse, read_bounce

MAIL = Path(__file__).parents[2] / "data" / "mail"

EXIM = b"""\
Return-path: <>
From: Mail Delivery System <Mailer-Daemon@mx.example.net>
To: b-abc@svar.example
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: kari@example.net
Auto-Submitted: auto-replied
Message-Id: <E1exim-0001@mx.example.net>

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  kari@example.net
    host mx.example.net [192.0.2.1]
    SMTP error from remote mail server after RCPT TO:<kari@example.net>:
    550 5.1.1 <kari@example.net>: Recipient address rejected: User unknown
"""

DELAYED = b"""\
From: postmaster@outlook.example
To: b-abc@svar.example
Subject: Delivery delayed: Utbrudd
Message-ID: <delay-1@outlook.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Delivery is delayed to these recipients or groups: kari@example.net

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns;outlook.example

Final-Recipient: rfc822;kari@example.net
Action: delayed
Status: 4.4.7
Diagnostic-Code: smtp;400 4.4.7 Message delayed

--b1--
"""

OUT_OF_OFFICE = b"""\
From: Per <per@members.example>
To: r-abc@svar.example
Subject: Automatisk svar: Utbrudd av meslinger
Message-ID: <ooo-1@members.example>
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

Jeg er p\xc3\xa5 ferie til 3. januar.
"""

REPLY_HTML = b"""\
From: Ola <ola@members.example>
To: r-abc@svar.example
Subject: SV: Utbrudd
Message-ID: <reply-1@members.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<div>Vi ser mange syke i bydelen.</div><div><br></div>
<blockquote><div>Utbrudd av meslinger i Drammen.</div></blockquote>
"""


def test_postfixs_own_bounce_is_permanent_with_its_status_and_words() -> None:
    mail = parse((MAIL / "postfix-bounce.eml").read_bytes())
    assert mail.bounce is not None
    assert mail.bounce.permanent
    assert mail.bounce.status == "5.1.1"
    # The reason keeps Postfix's words and drops the address.
    assert mail.bounce.reason == '5.1.1 unknown user: "…"'
    assert mail.text == ""


def test_a_non_standard_bounce_is_read_with_flufl_bounce_and_the_status_in_its_text() -> None:
    bounce = read_bounce(EXIM)
    assert bounce is not None
    assert bounce.permanent
    assert bounce.status == "5.1.1"
    assert "Recipient address rejected: User unknown" in bounce.reason
    assert "kari@example.net" not in bounce.reason


def test_a_delay_notice_is_temporary() -> None:
    bounce = read_bounce(DELAYED)
    assert bounce is not None
    assert not bounce.permanent
    assert bounce.status == "4.4.7"


def test_an_out_of_office_is_automatic_and_not_a_bounce() -> None:
    mail = parse(OUT_OF_OFFICE, envelope_sender="per@members.example")
    assert mail.bounce is None
    assert mail.automatic == "Auto-Submitted: auto-replied"


def test_a_plain_message_is_neither() -> None:
    mail = parse(REPLY_HTML, envelope_sender="ola@members.example")
    assert mail.bounce is None
    assert mail.automatic == ""
    # HTML only: the text without tags and without the quoted alert.
    assert mail.text == "Vi ser mange syke i bydelen."


def test_an_out_of_office_subject_alone_is_automatic() -> None:
    raw = OUT_OF_OFFICE.replace(b"Auto-Submitted: auto-replied\n", b"").replace(
        b"Automatisk svar:", b"Out of Office:"
    )
    assert parse(raw, envelope_sender="per@members.example").automatic


def test_own_words_drop_quotes_attributions_and_signatures() -> None:
    outlook = (
        "Mottatt.\n\nMed vennlig hilsen\nOla Nordmann\nRådgiver\n\n"
        "Fra: Beredskap <beredskap@helsedir.example>\nSendt: 7. desember\nEmne: Utbrudd\n\nTekst"
    )
    assert own_words(outlook) == "Mottatt."
    gmail = "Vi følger med.\n\nOn Mon, 7 Dec 2026 at 10:00, Beredskap wrote:\n> Utbrudd"
    assert own_words(gmail) == "Vi følger med."
    assert own_words("Takk, mottatt\n-- \nOla") == "Takk, mottatt"
    # A first line that reads like a greeting is kept: it may be all the member wrote.
    assert own_words("Takk") == "Takk"
    # What is not quoted stays, also between quotes.
    assert own_words("> a\nSvar her\n> b") == "Svar her"
