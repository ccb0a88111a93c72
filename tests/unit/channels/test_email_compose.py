"""How an outgoing e-mail is put together, without a server."""

from __future__ import annotations

import pytest

from channels.base import ChannelKind, OutgoingMessage, PermanentChannelError
from channels.email import SmtpChannel


def compose(**fields: str) -> str:
    channel = SmtpChannel("mail.test", 25, "", "", False, "Varsel <varsel@helsedir.test>")
    values = {
        "channel": ChannelKind.EMAIL,
        "to": "amina@kommune.test",
        "text": "Tekst",
        "language": "nb",
        "reference": "d1",
        "subject": "Emne",
    }
    values.update(fields)
    mail = channel.compose(OutgoingMessage(**values))  # type: ignore[arg-type]
    html = mail.get_body(("html",))
    return str(html.get_content()) if html is not None else ""


def test_an_html_fragment_is_wrapped_with_language_and_direction() -> None:
    html = compose(html="<p>مرحبا</p>", language="ar", direction="rtl")

    assert html.strip() == '<html lang="ar" dir="rtl"><body><p>مرحبا</p></body></html>'


def test_an_html_element_without_lang_and_dir_gets_them() -> None:
    html = compose(html="<!doctype html><HTML class='x'><body>hei</body></HTML>", language="nb")

    assert html.strip() == (
        '<!doctype html><HTML lang="nb" dir="ltr" class=\'x\'><body>hei</body></HTML>'
    )


def test_an_html_element_with_its_own_lang_and_dir_is_left_alone() -> None:
    document = '<html lang="ur" dir="rtl"><body>سلام</body></html>'

    assert compose(html=document, language="ur", direction="rtl").strip() == document


def test_the_caller_escaped_html_is_not_escaped_again() -> None:
    assert "&amp;" in compose(html="<p>A &amp; B</p>")
    assert "&amp;amp;" not in compose(html="<p>A &amp; B</p>")


def test_a_header_with_a_line_break_is_refused() -> None:
    with pytest.raises(PermanentChannelError) as raised:
        compose(subject="Emne\r\nBcc: alle@kommune.test")

    assert "alle@kommune.test" not in raised.value.reason


def test_no_html_means_no_html_part() -> None:
    assert compose(html="") == ""
