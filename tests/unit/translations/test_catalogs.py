"""Unit tests for the committed catalogs: complete, placeholders intact, CLDR plurals, markers."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from dispatch.inbound.replies import yes_or_no
from translations import strings
from translations.catalog import LOCALE_DIR, available_languages
from translations.locales import babel_locale
from translations.maintenance import REVIEW_HEADER, placeholders_allowed, read_extra_headers
from translations.plurals import plural_rule

CATALOG_LANGUAGES = {
    "nb", "nn", "en", "se", "pl", "lt", "so", "ar", "ti", "uk", "ur", "fa", "fa-AF", "ps",
    "tr", "ru", "ckb", "ku", "ro", "es", "fr", "th", "vi", "tl", "pa",
}  # fmt: skip
FOLDERS = sorted(tag.replace("-", "_") for tag in CATALOG_LANGUAGES)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
SCRIPT = {  # the script each language's exercise marker must be written in
    **dict.fromkeys(["ar", "fa", "fa_AF", "ur", "ps", "ckb"], "ARABIC"),
    **dict.fromkeys(["ru", "uk"], "CYRILLIC"),
    "ti": "ETHIOPIC",
    "pa": "GURMUKHI",
    "th": "THAI",
}


def read(folder: str) -> Catalog:
    with (LOCALE_DIR / folder / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file)


def forms(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    assert isinstance(value, (list, tuple))
    return [str(form) for form in value]


def translation(catalog: Catalog, msgid: str) -> str:
    message = catalog.get(msgid)
    assert message is not None, msgid
    assert isinstance(message.string, str)
    return message.string


def member_facing(catalog: Catalog) -> list[tuple[str | strings.PluralMessage, Message | None]]:
    return [
        (msgid, catalog.get(msgid if isinstance(msgid, str) else tuple(msgid)))
        for msgid in strings.MEMBER_FACING
    ]


def test_there_is_a_catalog_for_every_language() -> None:
    assert available_languages() == CATALOG_LANGUAGES


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_member_facing_message_is_translated(folder: str) -> None:
    untranslated = [
        msgid
        for msgid, message in member_facing(read(folder))
        if message is None or message.fuzzy or not all(f.strip() for f in forms(message.string))
    ]
    assert untranslated == []


@pytest.mark.parametrize("folder", FOLDERS)
def test_placeholders_survive_translation(folder: str) -> None:
    for msgid, message in member_facing(read(folder)):
        assert message is not None
        for index, form in enumerate(forms(message.string)):
            allowed = placeholders_allowed(msgid, folder, index)
            assert frozenset(PLACEHOLDER.findall(form)) in allowed, (msgid, form)


@pytest.mark.parametrize("folder", FOLDERS)
def test_plural_forms_match_cldr(folder: str) -> None:
    catalog = read(folder)
    cldr = babel_locale(folder.replace("_", "-")).plural_form
    counts = [*range(0, 1201), 1_000_000, 2_000_000]
    reached = [category for category in CLDR_ORDER if category in {cldr(n) for n in counts}]
    assert catalog.num_plurals == len(reached)
    pick = gettext.c2py(catalog.plural_expr)
    assert all(reached[pick(n)] == cldr(n) for n in counts)
    assert catalog.plural_forms == plural_rule(folder).header
    plural = [m for msgid, m in member_facing(catalog) if not isinstance(msgid, str)]
    assert len(plural) >= 2
    for message in plural:
        assert message is not None
        assert len(forms(message.string)) == len(reached), message.id


@pytest.mark.parametrize(
    ("folder", "marker"), [("nb", "ØVELSE"), ("nn", "ØVING"), ("en", "EXERCISE")]
)
def test_norwegian_and_english_exercise_markers(folder: str, marker: str) -> None:
    assert translation(read(folder), strings.EXERCISE) == marker


@pytest.mark.parametrize("folder", FOLDERS)
def test_exercise_marker_is_a_word_in_the_languages_own_script(folder: str) -> None:
    catalog = read(folder)
    exercise = translation(catalog, strings.EXERCISE)
    assert exercise != translation(catalog, strings.TEST)
    letters = [char for char in exercise if char.isalpha()]
    assert letters
    script = SCRIPT.get(folder, "LATIN")
    assert all(unicodedata.name(char).startswith(script) for char in letters), exercise
    if script in ("LATIN", "CYRILLIC"):
        assert exercise == exercise.upper()


@pytest.mark.parametrize("folder", FOLDERS)
def test_keywords_members_must_type_are_kept(folder: str) -> None:
    catalog = read(folder)
    reply = translation(catalog, strings.SMS_REPLY_INSTRUCTION)
    stopped = translation(catalog, strings.SMS_REPLY_STOPPED)
    assert re.search(r"(?<![A-Za-z])OK %\(code\)s", reply), reply
    assert re.search(r"(?<![A-Za-z])START(?![A-Za-z])", stopped), stopped


def words_before_code(text: str) -> list[str]:
    """The word a member types before the code, for each ``%(code)s`` in a message."""
    filled = text.replace("%(code)s", "\x00")
    return [part.split()[-1] if part.split() else "" for part in filled.split("\x00")[:-1]]


@pytest.mark.parametrize("folder", FOLDERS)
def test_meeting_answers_use_yes_and_no_words_the_sms_reader_understands(folder: str) -> None:
    """A member copies the invitation's words; if the reader did not know them, the answer
    would be lost (or taken for an alert's acknowledgement)."""
    catalog, tag = read(folder), folder.replace("_", "-")
    for msgid in (strings.MEETING_SMS_INVITE, strings.MEETING_REPLY_UNCLEAR):
        text = translation(catalog, msgid)
        answers = [yes_or_no(f"{word} 4821", tag) for word in words_before_code(text)]
        assert sorted(answers, key=str) == [(False, "4821"), (True, "4821")], text
    reminder = translation(catalog, strings.MEETING_SMS_REMINDER)
    assert [yes_or_no(f"{w} 4821", tag) for w in words_before_code(reminder)] == [(False, "4821")]


@pytest.mark.parametrize("folder", FOLDERS)
def test_babels_own_checks_pass(folder: str) -> None:
    catalog = read(folder)
    assert [(message.id, errors) for message, errors in catalog.check()] == []


@pytest.mark.parametrize("folder", FOLDERS)
def test_header_names_the_language_and_its_review_status(folder: str) -> None:
    po_path = LOCALE_DIR / folder / "LC_MESSAGES" / "messages.po"
    status = read_extra_headers(po_path)[REVIEW_HEADER]
    expected = {"en": "source", "nb": "awaiting-review", "nn": "awaiting-review"}
    assert status == expected.get(folder, "machine-drafted")
    assert f'"Language: {folder}\\n"' in po_path.read_text(encoding="utf-8")


def test_compiled_catalogs_are_not_committed() -> None:
    gitignore = Path(__file__).resolve().parents[3] / ".gitignore"
    assert "*.mo" in gitignore.read_text(encoding="utf-8").split()


def test_translations_and_the_sms_calculator_are_leaves() -> None:
    code = (
        "import sys, translations.catalog, translations.maintenance, translations.__main__, "
        "channels.sms_encoding; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dispatch', 'workers')))"
    )
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "[]"
