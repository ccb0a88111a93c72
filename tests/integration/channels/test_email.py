"""E-mail specifics, against a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from channels.base import (
    Attachment,
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    TransientChannelError,
)
from channels.email import SmtpChannel
from tests.fakes.smtp import SmtpSink

SENDER = "Beredskapsvarsling <varsel@helsedir.test>"
AUTH_WITHOUT_TLS = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def mail(to: str = "amina@kommune.test", **fields: object) -> OutgoingMessage:
    values: dict[str, object] = {
        "channel": ChannelKind.EMAIL,
        "to": to,
        "text": "Vannforsyningen er brutt.",
        "language": "nb",
        "reference": "delivery-7",
        "subject": "Beredskapsvarsel: vann",
        "html": "<p>Vannforsyningen er brutt.</p>",
    }
    values.update(fields)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


@pytest.fixture
async def channel(smtp_sink: SmtpSink) -> AsyncIterator[SmtpChannel]:
    channel = SmtpChannel(smtp_sink.host, smtp_sink.port, "", "", False, SENDER, timeout=5)
    yield channel
    await channel.close()


async def test_the_mail_has_a_text_part_and_an_html_alternative(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    receipt = await channel.send(mail())

    [received] = smtp_sink.messages
    assert received.message.get_content_type() == "multipart/alternative"
    assert received.text.strip() == "Vannforsyningen er brutt."
    assert "<p>Vannforsyningen er brutt.</p>" in received.html
    assert received.message["Subject"] == "Beredskapsvarsel: vann"
    assert received.message["From"] == SENDER
    assert received.message["To"] == "amina@kommune.test"
    assert received.message["Message-ID"] == receipt.provider_id
    assert receipt.provider_id.endswith("@helsedir.test>")


async def test_without_html_the_mail_is_plain_text_only(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    await channel.send(mail(html=""))

    [received] = smtp_sink.messages
    assert received.message.get_content_type() == "text/plain"
    assert received.html == ""


async def test_arabic_mail_is_marked_right_to_left_in_its_language(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    text = "انقطاع المياه"
    await channel.send(
        mail(text=text, html=f"<p>{text}</p>", language="ar", direction="rtl", subject=text)
    )

    [received] = smtp_sink.messages
    assert received.message["Content-Language"] == "ar"
    assert received.message["Subject"] == text
    assert received.html.startswith('<html lang="ar" dir="rtl"><body><p>')
    assert text in received.html
    assert received.text.strip() == text


async def test_a_full_html_document_keeps_its_own_html_element(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    document = '<!doctype html><html lang="fa" dir="rtl"><head></head><body>سلام</body></html>'

    await channel.send(mail(html=document, language="fa", direction="rtl"))

    [received] = smtp_sink.messages
    assert received.html.strip() == document


async def test_routine_mail_carries_its_list_unsubscribe_header(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    headers = {
        "List-Unsubscribe": "<https://varsel.test/unsubscribe/abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }

    await channel.send(mail(headers=headers))

    [received] = smtp_sink.messages
    assert received.message["List-Unsubscribe"] == "<https://varsel.test/unsubscribe/abc>"
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_a_refused_address_is_permanent_with_the_servers_code(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    smtp_sink.refuse("gone@kommune.test", 550, "5.1.1 <gone@kommune.test>: user unknown")

    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(mail(to="gone@kommune.test"))

    assert raised.value.code == "550"
    assert raised.value.reason.startswith("the mail server refused the address (550 5.1.1")
    assert "gone@kommune.test" not in raised.value.reason
    assert smtp_sink.messages == []


async def test_a_temporary_refusal_of_the_address_is_transient(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    smtp_sink.refuse("full@kommune.test", 452, "4.2.2 Mailbox full")

    with pytest.raises(TransientChannelError) as raised:
        await channel.send(mail(to="full@kommune.test"))

    assert raised.value.code == "452"


async def test_a_rejected_message_is_permanent(channel: SmtpChannel, smtp_sink: SmtpSink) -> None:
    smtp_sink.fail_next(1, 554, "5.7.1 Message rejected as spam")

    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(mail())

    assert (
        raised.value.reason
        == "the mail server refused the message (554 5.7.1 Message rejected as spam)"
    )


async def test_a_server_that_is_down_is_transient_and_the_next_send_reconnects(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    # Given a pooled connection, then the server goes away
    await channel.send(mail(to="first@kommune.test"))
    smtp_sink.refuse_connections()

    # When sending, the failure is transient
    with pytest.raises(TransientChannelError):
        await channel.send(mail(to="second@kommune.test"))

    # Then once the server is back, the next send opens a new connection and arrives
    smtp_sink.accept_connections()
    await channel.send(mail(to="third@kommune.test"))
    assert [m.rcpt_tos for m in smtp_sink.messages] == [
        ("first@kommune.test",),
        ("third@kommune.test",),
    ]


async def test_a_pooled_connection_the_server_closed_is_replaced_without_an_error(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    # Given a pooled connection that the server has since closed (it restarted)
    await channel.send(mail(to="first@kommune.test"))
    smtp_sink.refuse_connections()
    smtp_sink.accept_connections()

    # When the next message is sent, it goes through a new connection
    await channel.send(mail(to="second@kommune.test"))

    assert [m.rcpt_tos for m in smtp_sink.messages] == [
        ("first@kommune.test",),
        ("second@kommune.test",),
    ]


@AUTH_WITHOUT_TLS
async def test_login_with_the_right_password_sends() -> None:
    with SmtpSink(username="varsel", password="riktig") as sink:
        channel = SmtpChannel(sink.host, sink.port, "varsel", "riktig", False, SENDER)
        try:
            await channel.send(mail())
        finally:
            await channel.close()
        assert len(sink.messages) == 1


@AUTH_WITHOUT_TLS
async def test_a_wrong_password_is_permanent() -> None:
    with SmtpSink(username="varsel", password="riktig") as sink:
        channel = SmtpChannel(sink.host, sink.port, "varsel", "galt", False, SENDER)
        try:
            with pytest.raises(PermanentChannelError) as raised:
                await channel.send(mail())
        finally:
            await channel.close()
        assert raised.value.reason.startswith("the mail server refused our login (535")
        assert sink.messages == []


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


async def test_a_server_that_never_answers_times_out_as_transient(silent_server: int) -> None:
    channel = SmtpChannel("127.0.0.1", silent_server, "", "", False, SENDER, timeout=0.3)

    with pytest.raises(TransientChannelError) as raised:
        await asyncio.wait_for(channel.send(mail()), timeout=5)

    assert raised.value.reason == "the mail server did not answer in time"
    await channel.close()


async def test_an_address_with_a_line_break_is_refused_before_anything_is_sent(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    with pytest.raises(PermanentChannelError):
        await channel.send(mail(to="amina@kommune.test\r\nBcc: everyone@kommune.test"))

    assert smtp_sink.messages == []


async def test_connections_are_reused_between_sends(smtp_sink: SmtpSink) -> None:
    channel = SmtpChannel(smtp_sink.host, smtp_sink.port, "", "", False, SENDER, pool_size=2)
    try:
        for i in range(5):
            await channel.send(mail(to=f"m{i}@kommune.test"))
        await asyncio.gather(*(channel.send(mail(to=f"c{i}@kommune.test")) for i in range(6)))
    finally:
        await channel.close()

    assert len(smtp_sink.messages) == 11
    assert smtp_sink.connections <= 2


def alike(to: str, link: str, language: str, text: str, **fields: object) -> OutgoingMessage:
    """One of many alike: the same text for everyone but ``link``."""
    body = f"{text}\n\nBekreft: {link}\n-- \n{'Du får dette fordi ' * 12}"
    html = f'<p>{text}</p><p><a href="{link}">Bekreft</a></p><p>{"Du får dette fordi " * 12}</p>'
    return mail(
        to=to,
        text=body,
        html=html,
        language=language,
        link=link,
        subject=f"ØVELSE: {text[:30]}",
        **fields,
    )


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nb", "Vannforsyningen er brutt i Voss kommune. Kok vannet før bruk. " * 6),
        ("ar", "انقطاع المياه في المستشفى. يرجى تأكيد الاستلام. " * 8),
        ("th", "น้ำประปาถูกตัด กรุณายืนยันการรับ " * 10),
    ],
)
async def test_mail_built_once_and_sent_to_many_reads_as_mail_built_for_each(
    channel: SmtpChannel, smtp_sink: SmtpSink, language: str, text: str
) -> None:
    # Given three people's copies of one shared message, each with its own link
    people = [
        (f"p{i}@kommune.test", f"https://v.example/ack/{i:x}.{'AbC-_' * 4}{i}") for i in range(3)
    ]
    receipts = [await channel.send(alike(to, link, language, text)) for to, link in people]
    # and the same message composed whole, as a message with an attachment is
    whole = SmtpChannel(smtp_sink.host, smtp_sink.port, "", "", False, SENDER, timeout=5)
    try:
        reference_mail = whole.compose(alike(*people[0], language, text))
        await whole._deliver(await whole._checkout(), reference_mail, people[0][0])
    finally:
        await whole.close()

    # Then each copy reads exactly as the one built alone, but for its recipient and link
    *copies, reference = smtp_sink.messages
    assert len(copies) == 3
    for (to, link), receipt, copy in zip(people, receipts, copies, strict=True):
        assert copy.rcpt_tos == (to,)
        assert copy.message["To"] == to
        assert copy.message["Message-ID"] == receipt.provider_id
        # (from the shared frame: its bodies are encoded per copy, as quoted-printable)
        assert copy.part("text/plain")["Content-Transfer-Encoding"] == "quoted-printable"
        assert copy.text == reference.text.replace(people[0][1], link)
        assert copy.html == reference.html.replace(people[0][1], link)
        for header in ("From", "Subject", "Content-Language", "Content-Type"):
            assert (
                str(copy.message[header]).split(";")[0]
                == str(reference.message[header]).split(";")[0]
            )
    assert len({c.message["Message-ID"] for c in copies}) == 3
    # nobody's link is in anybody else's copy
    for (_, link), copy in zip(people, copies, strict=True):
        others = [other for _, other in people if other != link]
        assert not any(other in copy.text or other in copy.html for other in others)


async def test_a_shared_mail_with_an_attachment_is_built_for_each(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    invitation = Attachment(
        "invitation.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    )
    message = alike("kari@kommune.test", "https://v.example/a/1", "nb", "Møte.")
    await channel.send(dataclasses.replace(message, attachments=(invitation,)))

    [received] = smtp_sink.messages
    assert received.part("text/calendar") is not None
    assert "https://v.example/a/1" in received.text


async def test_each_copy_carries_its_own_return_path_and_reply_to(
    channel: SmtpChannel, smtp_sink: SmtpSink
) -> None:
    # Two copies from one frame, and one composed whole (an attachment), each with its own
    # envelope sender and Reply-To: none may carry another's.
    copies = [
        mail(to=f"p{n}@kommune.test", return_path=f"b-{n}@svar.test", reply_to=f"r-{n}@svar.test")
        for n in (1, 2)
    ]
    copies.append(
        dataclasses.replace(
            copies[0],
            to="p3@kommune.test",
            return_path="b-3@svar.test",
            reply_to="r-3@svar.test",
            attachments=(Attachment("a.txt", "text/plain", b"x"),),
        )
    )
    for copy in copies:
        await channel.send(copy)
    for n in (1, 2, 3):
        [received] = smtp_sink.to(f"p{n}@kommune.test")
        assert received.mail_from == f"b-{n}@svar.test"
        assert received.message["Reply-To"] == f"r-{n}@svar.test"
    # Without them, the sender address as before and no Reply-To.
    await channel.send(mail(to="p4@kommune.test"))
    [plain] = smtp_sink.to("p4@kommune.test")
    assert plain.mail_from == "varsel@helsedir.test"
    assert plain.message["Reply-To"] is None
