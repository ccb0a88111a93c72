"""The review state of the system's own words: recorded beside the catalogs, reset by itself
when the English source or the translation changes, and shown in ``status``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from translations import maintenance, review, strings
from translations.review import ReviewState, approve, fingerprint, language_state, word_states


@pytest.fixture(autouse=True)
def fresh_states() -> None:
    review.word_states.cache_clear()


def set_translation(locale_dir: Path, folder: str, msgid: str, text: str) -> None:
    po_path = locale_dir / folder / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    message = catalog.get(msgid)
    assert message is not None
    message.string = text
    with po_path.open("wb") as po_file:
        write_po(po_file, catalog)
    review.word_states.cache_clear()


def test_english_is_the_source_and_a_machine_draft_is_a_draft(locale_copy: Path) -> None:
    reviews = locale_copy / "review.json"
    assert set(word_states("en", locale_copy, reviews).values()) == {ReviewState.APPROVED}
    assert set(word_states("so", locale_copy, reviews).values()) == {ReviewState.DRAFT}
    assert set(word_states("xx-klingon", locale_copy, reviews).values()) == {ReviewState.DRAFT}


def test_an_approval_holds_until_the_translation_changes(locale_copy: Path) -> None:
    reviews = locale_copy / "review.json"
    # Given a reviewer who approved the Somali markers
    approve(
        "so", by="Hodan W.", names=["EXERCISE", "TEST"], locale_dir=locale_copy, reviews=reviews
    )
    states = word_states("so", locale_copy, reviews)
    assert (states["EXERCISE"], states["TEST"]) == (ReviewState.APPROVED, ReviewState.APPROVED)
    assert states["SMS_REPLY_INSTRUCTION"] == ReviewState.DRAFT
    recorded = json.loads(reviews.read_text(encoding="utf-8"))["so"]["EXERCISE"]
    assert recorded["by"] == "Hodan W."
    assert recorded["text"] == fingerprint(strings.EXERCISE, "TABABAR")
    # When someone changes the Somali exercise marker
    set_translation(locale_copy, "so", strings.EXERCISE, "LAYLI")
    # Then it needs review again, and the test marker is still approved
    states = word_states("so", locale_copy, reviews)
    assert (states["EXERCISE"], states["TEST"]) == (
        ReviewState.NEEDS_REVIEW,
        ReviewState.APPROVED,
    )
    assert language_state("so") in set(ReviewState)


def test_an_approval_is_reset_when_the_english_source_changes(locale_copy: Path) -> None:
    # An approval recorded for an earlier English sentence no longer matches the catalog's.
    reviews = locale_copy / "review.json"
    translation = "Jawaab OK %(code)s si aad u xaqiijiso inaad heshay fariintan."
    old_source = "Reply OK %(code)s to confirm."
    reviews.write_text(
        json.dumps(
            {
                "so": {
                    "SMS_REPLY_INSTRUCTION": {
                        "by": "Hodan W.",
                        "on": "2026-12-01",
                        "text": fingerprint(old_source, translation),
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    set_translation(locale_copy, "so", strings.SMS_REPLY_INSTRUCTION, translation)
    assert word_states("so", locale_copy, reviews)["SMS_REPLY_INSTRUCTION"] == (
        ReviewState.NEEDS_REVIEW
    )
    # Approving again records the current source with it.
    approve(
        "so",
        by="Hodan W.",
        names=["SMS_REPLY_INSTRUCTION"],
        on=date(2026, 12, 8),
        locale_dir=locale_copy,
        reviews=reviews,
    )
    assert word_states("so", locale_copy, reviews)["SMS_REPLY_INSTRUCTION"] == (
        ReviewState.APPROVED
    )


def test_an_untranslated_or_unknown_word_cannot_be_approved(locale_copy: Path) -> None:
    reviews = locale_copy / "review.json"
    set_translation(locale_copy, "so", strings.TEST, "")
    with pytest.raises(ValueError, match="no translation of TEST"):
        approve("so", by="x", names=["TEST"], locale_dir=locale_copy, reviews=reviews)
    with pytest.raises(KeyError, match="not a system word"):
        approve("so", by="x", names=["UPDATE"], locale_dir=locale_copy, reviews=reviews)
    assert not reviews.exists()


def test_the_committed_approvals_match_the_committed_catalogs() -> None:
    """Every record in review.json names a system word of a catalog that exists; a record
    whose text changed shows as needs_review in the table, never silently as approved."""
    recorded = review.read_reviews()
    assert set(recorded) <= {row.tag.replace("-", "_") for row in maintenance.status()}
    for words in recorded.values():
        assert set(words) <= set(strings.SYSTEM_WORDS)


def test_status_counts_the_approved_system_words(locale_copy: Path) -> None:
    rows = {row.tag: row for row in maintenance.status(locale_copy)}
    assert rows["en"].system_words == f"{len(strings.SYSTEM_WORDS)}/8 approved"
