"""Unit tests for compiling catalogs and translating with the fallback chain behind a language."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from translations import strings
from translations.catalog import ensure_compiled, translator


def write_catalog(
    locale_dir: Path, folder: str, entries: dict[str, str], plural_forms: str | None = None
) -> Path:
    catalog = Catalog(locale=folder, domain="messages")
    if plural_forms:
        catalog.mime_headers = [("Plural-Forms", plural_forms)]
    for msgid, text in entries.items():
        catalog.add(msgid, text)
    po_path = locale_dir / folder / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as po_file:
        write_po(po_file, catalog)
    return po_path


def mo_files(locale_dir: Path) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/messages.mo"))


def test_ensure_compiled_creates_every_mo_and_then_has_nothing_to_do(locale_copy: Path) -> None:
    written = ensure_compiled(locale_copy)
    assert sorted(written) == mo_files(locale_copy)
    assert len(written) == 25
    assert not list(locale_copy.rglob("*.tmp"))
    assert ensure_compiled(locale_copy) == []


def test_a_po_newer_than_its_mo_is_compiled_again(locale_copy: Path) -> None:
    ensure_compiled(locale_copy)
    po_path = locale_copy / "ar" / "LC_MESSAGES" / "messages.po"
    mo_path = po_path.with_suffix(".mo")
    edited = mo_path.stat().st_mtime_ns + 1_000_000_000
    os.utime(po_path, ns=(edited, edited))
    assert ensure_compiled(locale_copy) == [mo_path]


def test_arabic_after_compiling(locale_copy: Path) -> None:
    ensure_compiled(locale_copy)
    arabic = translator("ar", locale_copy)
    assert arabic.gettext(strings.EXERCISE) == "تمرين"
    assert arabic.gettext(strings.SMS_REPLY_INSTRUCTION, code="4821") == (
        "لتأكيد استلام هذه الرسالة، أرسل OK 4821."
    )
    assert arabic.direction == "rtl"
    assert (arabic.tag, arabic.language, arabic.is_fallback) == ("ar", "ar", False)


@pytest.mark.parametrize(
    ("tag", "n", "expected"),
    [
        # The dual says "two" itself: «منظمتان», never «2 منظمتان».
        ("ar", 2, "منظمتان لم تؤكدا: X."),
        ("ar", 5, "5 منظمات لم تؤكد: X."),
        ("ru", 1, "1 организация не подтвердила: X."),
        ("ru", 3, "3 организации не подтвердили: X."),
        ("ru", 11, "11 организаций не подтвердили: X."),
        ("ru", 21, "21 организация не подтвердила: X."),
        ("se", 2, "2 organisašuvnna eaba leat duođaštan: X."),
        ("ro", 20, "20 de organizații nu au confirmat: X."),
        ("fr", 0, "0 organisation n'a pas confirmé : X."),
        ("nb", 1, "1 organisasjon har ikke bekreftet: X."),
        ("nb", 3, "3 organisasjoner har ikke bekreftet: X."),
        ("nn", 3, "3 organisasjonar har ikkje stadfesta: X."),
        ("ti", 2, "2 ትካላት ኣየረጋገጹን፦ X።"),
    ],
)
def test_plural_forms_pick_the_right_form(
    locale_copy: Path, tag: str, n: int, expected: str
) -> None:
    ensure_compiled(locale_copy)
    told = translator(tag, locale_copy).ngettext(
        *strings.ORGANISATIONS_NOT_CONFIRMED, n, organisations="X"
    )
    assert told == expected


@pytest.mark.parametrize(
    ("tag", "marker"), [("nb", "ØVELSE"), ("nn", "ØVING"), ("en", "EXERCISE"), ("prs", "تمرین")]
)
def test_exercise_marker(locale_copy: Path, tag: str, marker: str) -> None:
    ensure_compiled(locale_copy)
    assert translator(tag, locale_copy).gettext(strings.EXERCISE) == marker


def test_a_message_missing_in_dari_comes_from_persian_then_english(tmp_path: Path) -> None:
    # Given a Dari catalog with one message and a Persian one with two
    write_catalog(tmp_path, "fa_AF", {strings.EXERCISE: "تمرین دری"})
    write_catalog(tmp_path, "fa", {strings.EXERCISE: "تمرین", strings.UPDATE: "به‌روزرسانی"})
    ensure_compiled(tmp_path)
    # When a Dari reader's texts are translated
    dari = translator("fa-AF", tmp_path)
    # Then each message comes from the first catalog in the chain that has it
    assert dari.gettext(strings.EXERCISE) == "تمرین دری"
    assert dari.gettext(strings.UPDATE) == "به‌روزرسانی"
    assert dari.gettext(strings.INCIDENT_CLOSED) == "The incident is closed."
    assert dari.languages == ("fa-AF", "fa")


def test_nynorsk_falls_back_to_bokmal_before_english(tmp_path: Path) -> None:
    write_catalog(tmp_path, "nn", {strings.EXERCISE: "ØVING"})
    write_catalog(tmp_path, "nb", {strings.EXERCISE: "ØVELSE", strings.UPDATE: "Oppdatering"})
    write_catalog(tmp_path, "en", {strings.UPDATE: "Update (en)"})
    ensure_compiled(tmp_path)
    nynorsk = translator("nn", tmp_path)
    assert nynorsk.gettext(strings.UPDATE) == "Oppdatering"
    assert nynorsk.languages == ("nn", "nb", "en")


def test_a_language_without_a_catalog_is_a_fallback(tmp_path: Path) -> None:
    write_catalog(tmp_path, "nb", {strings.EXERCISE: "ØVELSE"})
    ensure_compiled(tmp_path)
    somali = translator("so", tmp_path)
    assert (somali.tag, somali.language, somali.is_fallback) == ("so", "nb", True)
    assert somali.gettext(strings.EXERCISE) == "ØVELSE"


def test_an_unknown_tag_gets_english(locale_copy: Path) -> None:
    ensure_compiled(locale_copy)
    unknown = translator("xx-klingon", locale_copy)
    assert (unknown.language, unknown.is_fallback) == ("en", True)
    assert unknown.gettext(strings.EXERCISE) == "EXERCISE"


def test_no_catalogs_at_all_leaves_the_english_message_ids(tmp_path: Path) -> None:
    nothing = translator("nb", tmp_path)
    assert nothing.languages == ()
    assert nothing.gettext(strings.SENT_AT, time="13:00") == "Sent 13:00"
    assert nothing.ngettext(*strings.ORGANISATIONS_NOT_CONFIRMED, 2, organisations="X, Y") == (
        "2 organisations have not confirmed: X, Y."
    )


def test_ngettext_takes_an_explicit_num(tmp_path: Path) -> None:
    text = translator("en", tmp_path).ngettext("%(num)d file", "%(num)d files", 2, num=3)
    assert text == "3 files"


def test_gettext_without_params_leaves_percent_signs_alone(tmp_path: Path) -> None:
    assert translator("en", tmp_path).gettext("100% sure") == "100% sure"


def test_an_uncompiled_catalog_is_compiled_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_catalog(tmp_path, "nb", {strings.EXERCISE: "ØVELSE"})
    with caplog.at_level(logging.WARNING, logger="translations.catalog"):
        assert translator("nb", tmp_path).gettext(strings.EXERCISE) == "ØVELSE"
    assert "not compiled" in caplog.text
    assert mo_files(tmp_path) == []


def test_an_entry_with_a_foreign_placeholder_is_left_out_not_sent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a Bokmål entry whose placeholder would raise KeyError when filled
    write_catalog(tmp_path, "nb", {strings.SENT_AT: "Sendt %(tid)s", strings.UPDATE: "Oppdatering"})
    write_catalog(tmp_path, "en", {strings.SENT_AT: "Sent %(time)s"})
    with caplog.at_level(logging.WARNING, logger="translations.catalog"):
        ensure_compiled(tmp_path)
    # Then it is left out, logged, and the message comes from the next language instead
    assert "left out" in caplog.text
    bokmal = translator("nb", tmp_path)
    assert bokmal.gettext(strings.SENT_AT, time="13:00") == "Sent 13:00"
    assert bokmal.gettext(strings.UPDATE) == "Oppdatering"


def test_a_plural_entry_with_an_empty_form_falls_back_whole(tmp_path: Path) -> None:
    catalog = Catalog(locale="ru", domain="messages")
    catalog.mime_headers = [
        ("Plural-Forms", "nplurals=3; plural=(n % 10 == 1 && n % 100 != 11 ? 0 : 2);")
    ]
    catalog.add(
        strings.ORGANISATIONS_NOT_CONFIRMED,
        ("%(num)d организация: %(organisations)s", "", "%(num)d x: %(organisations)s"),
    )
    po_path = tmp_path / "ru" / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True)
    with po_path.open("wb") as po_file:
        write_po(po_file, catalog)
    ensure_compiled(tmp_path)
    russian = translator("ru", tmp_path)
    assert russian.ngettext(*strings.ORGANISATIONS_NOT_CONFIRMED, 1, organisations="X") == (
        "1 organisation has not confirmed: X."
    )


def test_translators_are_rebuilt_after_compiling(tmp_path: Path) -> None:
    po_path = write_catalog(tmp_path, "nb", {strings.UPDATE: "Oppdatering"})
    ensure_compiled(tmp_path)
    assert translator("nb", tmp_path).gettext(strings.UPDATE) == "Oppdatering"
    write_catalog(tmp_path, "nb", {strings.UPDATE: "Ny oppdatering"})
    newer = po_path.with_suffix(".mo").stat().st_mtime_ns + 1_000_000_000
    os.utime(po_path, ns=(newer, newer))
    ensure_compiled(tmp_path)
    assert translator("nb", tmp_path).gettext(strings.UPDATE) == "Ny oppdatering"
