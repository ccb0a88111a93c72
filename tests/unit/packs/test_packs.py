"""Message packs without a database: slugs, content checks, the e-mail and Teams post, the
plain text, language negotiation for the index page, and link tokens kept to their purpose."""

from __future__ import annotations

import pytest

from channels.base import ChannelKind
from dispatch.delivery.models import SourceKind
from dispatch.delivery.sources import Job
from dispatch.member_pages import negotiate
from dispatch.packs import render
from dispatch.packs.outbox import PackSource
from dispatch.packs.render import PackMail
from dispatch.packs.schemas import Link
from dispatch.packs.validation import check_content, check_slug, slugify
from dispatch.security.links import Links, make_token, read_token
from translations import strings
from translations.catalog import translator

MAIL = PackMail(
    slug="vaksine",
    titles={"nb": "Vaksine mot meslinger", "ar": "لقاح الحصبة", "ti": "ክታበት ንፍዮ"},
    organisation="Oslo kommune",
    networks="NIK, NIFS",
)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Vaksine mot meslinger", "vaksine-mot-meslinger"),
        ("Råd om hetebølge – for eldre", "rad-om-hetebolge-for-eldre"),
        ("Ærlig talt: Øst & Vest", "aerlig-talt-ost-vest"),
        ("لقاح", "pakke"),
        ("Ab", "pakke-ab"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert check_slug([], slug) == slug


@pytest.mark.parametrize("slug", ["ab", "-abc", "abc-", "ÆØÅ", "has space", "a" * 81])
def test_check_slug_refuses(slug: str) -> None:
    errors: list[str] = []
    check_slug(errors, slug)
    assert errors


def test_check_content_trims_and_lists_every_problem() -> None:
    errors: list[str] = []
    fields = check_content(
        errors,
        "so",
        title="  Tallaal ",
        short=" ",
        body="x" * 20001,
        links=[Link(url="ftp://x"), Link(url="https://fhi.no", label="l" * 201)],
    )
    assert fields["title"] == "Tallaal"
    assert errors == [
        "so: body is longer than 20000 characters",
        "so: link 1 must be a web address starting with https://",
        "so: the label of link 2 is longer than 200",
    ]


def test_email_lists_every_language_in_its_own_script_with_the_token() -> None:
    mail = render.email(MAIL, lang="ar", base_url="https://varsling.example", token="abc.def")
    t = translator("ar")
    assert mail.direction == "rtl"
    assert mail.subject == t.gettext(strings.PACK_EMAIL_SUBJECT, title="لقاح الحصبة")
    assert mail.html.startswith('<!DOCTYPE html><html lang="ar" dir="rtl">')
    for tag, name in (("nb", "norsk bokmål"), ("ar", "العربية"), ("ti", "ትግርኛ")):
        url = f"https://varsling.example/packs/vaksine/{tag}?from=abc.def"
        assert f'href="{url}"' in mail.html
        assert url in mail.text
        assert name in mail.text
    assert 'hreflang="ar" lang="ar" dir="rtl"' in mail.html
    assert "https://varsling.example/packs/vaksine.zip" in mail.text
    assert t.gettext(strings.PACK_EMAIL_REPORT_BACK) in mail.text
    assert "Oslo kommune" in mail.text


def test_email_escapes_titles() -> None:
    mail = render.email(
        PackMail(slug="x", titles={"nb": "<b>Råd</b>"}), lang="nb", base_url="", token=""
    )
    assert "<b>Råd</b>" not in mail.html
    assert "&lt;b&gt;Råd&lt;/b&gt;" in mail.html


def test_a_language_without_a_catalog_gets_the_frame_in_a_fallback() -> None:
    mail = render.email(MAIL, lang="am", base_url="", token="")
    # Amharic has no catalog: English frame, title from Bokmål (the pack has no Amharic).
    assert mail.subject == "Information to pass on: Vaksine mot meslinger"


def test_a_pack_delivery_renders_for_email_and_teams() -> None:
    job = Job(
        id=7,
        source_kind=SourceKind.PACK,
        source_id=3,
        channel="email",
        address="kontakt@oslo.example",
        language="nb",
        attempts=1,
        priority=0,
        payload=MAIL,
    )
    links = Links("https://v.example", "secret", job.id)
    message = PackSource().render(job, links)
    assert message.channel == ChannelKind.EMAIL
    assert message.subject == "Informasjon til videreformidling: Vaksine mot meslinger"
    token = make_token("secret", 7, purpose="pack")
    assert f"https://v.example/packs/vaksine/ar?from={token}" in message.text
    job.channel, job.address = "teams", "https://teams.example/hook"
    post = PackSource().render(job, links)
    assert post.channel == ChannelKind.TEAMS
    assert post.link == "https://v.example/packs/vaksine"
    assert "?from=" not in post.text  # a shared channel gets no organisation's token
    assert "[لقاح الحصبة](https://v.example/packs/vaksine/ar)" in post.text


def test_plain_text_has_title_body_links_and_the_short_text_last() -> None:
    text = render.plain_text(
        title="Råd",
        body="Første avsnitt.\n\nAndre.",
        short="Kort.",
        links=[{"url": "https://fhi.no", "label": "FHI"}],
        lang="nb",
    )
    assert text == (
        "Råd\n===\n\nFørste avsnitt.\n\nAndre.\n\nMer informasjon:\n- FHI: https://fhi.no"
        "\n\nKort tekst til SMS eller WhatsApp:\nKort.\n"
    )


def test_paragraphs_escape_and_keep_line_breaks() -> None:
    assert [str(p) for p in render.paragraphs("a <b>\nc\n\n\nd")] == ["a &lt;b&gt;<br>c", "d"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "nb"),
        ("en-GB,en;q=0.9", "en"),
        ("de;q=1, ar;q=0.8, en;q=0.5", "ar"),
        ("prs", "fa-AF"),
        ("no", "nb"),
        ("xx-invalid!!, q=oops, so;q=0.2", "so"),
        ("fr;q=0.1, ti;q=0.9", "ti"),
    ],
)
def test_negotiate_index_language(header: str, expected: str) -> None:
    assert negotiate(header) == expected


def test_tokens_are_kept_to_their_purpose() -> None:
    pack_token = make_token("s", 42, purpose="pack")
    assert read_token("s", pack_token, purpose="pack") == 42
    assert read_token("s", pack_token) is None  # not an acknowledgement link
    assert read_token("s", make_token("s", 42), purpose="pack") is None
    assert read_token("other", pack_token, purpose="pack") is None
