"""Compiling the committed catalogs warns of nothing: a plural entry nobody has translated yet
is left out quietly, like an empty singular, and its readers get the next language in the chain
(``make run`` printed 132 such warnings after the sign-in line). A plural entry with one form
missing is still left out with a warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from translations.catalog import LOCALE_DIR, compile_catalog, translator

PO = """msgid ""
msgstr ""
"Language: ar\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "%(num)d thing"
msgid_plural "%(num)d things"
msgstr[0] ""
msgstr[1] ""

msgid "%(num)d box"
msgid_plural "%(num)d boxes"
msgstr[0] "%(num)d kasse"
msgstr[1] ""
"""


def test_the_committed_catalogs_compile_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="translations.catalog"):
        for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
            compile_catalog(po)
    assert [r.getMessage() for r in caplog.records] == []


def test_an_untranslated_plural_is_left_out_quietly_and_a_half_translated_one_is_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "ar" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(PO, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="translations.catalog"):
        (folder / "messages.mo").write_bytes(compile_catalog(folder / "messages.po"))
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "boxes" in warnings[0]
    assert "a plural form is empty" in warnings[0]
    # Neither reaches a reader as an empty text: both come from the next language (English).
    t = translator("ar", tmp_path)
    assert t.ngettext("%(num)d thing", "%(num)d things", 3) == "3 things"
    assert t.ngettext("%(num)d box", "%(num)d boxes", 3) == "3 boxes"
