"""Which of the system's own words a person has reviewed, per language, kept beside the catalogs.

The words that decide whether an alert is understood — the exercise and test markers, the SMS
reply instruction and the acknowledgement page (``strings.SYSTEM_WORDS``) — each have a review
state per language, recorded in ``review.json``: who approved which text, and when. A record
holds a fingerprint of the English message id *and* the translation it approved, so a change
to either (a new source sentence after ``extract``/``update``, a corrected translation) makes
the state ``needs_review`` by itself; nothing has to remember to reset it.

- ``approved``: a person approved exactly this text (English, the source, always is).
- ``draft``: no one has (the machine drafts).
- ``needs_review``: someone approved an earlier text; the source or the translation changed.

The send path asks ``is_approved`` for the markers: an unreviewed marker also goes in bokmål
(``dispatch.incidents.render.marker``). The declaration preview shows ``language_state``.
A leaf: imports nothing from ``dispatch`` or ``workers``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

from translations.catalog import DOMAIN, LOCALE_DIR, folder_name
from translations.locales import UnknownLanguageError, canonical_tag
from translations.strings import SYSTEM_WORDS

REVIEWS = Path(__file__).resolve().parent / "review.json"
SOURCE_LANGUAGE = "en"


class ReviewState(StrEnum):
    APPROVED = "approved"
    DRAFT = "draft"
    NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True, slots=True)
class Approval:
    """One approved text: by whom, when, and a fingerprint of what they read."""

    by: str
    on: str
    text: str


def fingerprint(msgid: str, translation: str) -> str:
    """A short hash of the English source and its translation as approved."""
    digest = hashlib.sha256(f"{msgid}\x00{translation}".encode()).hexdigest()
    return digest[:16]


def read_reviews(path: Path = REVIEWS) -> dict[str, dict[str, Approval]]:
    """``{folder: {NAME: Approval}}`` from ``review.json`` (empty when there is none)."""
    if not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        folder: {name: Approval(**record) for name, record in words.items()}
        for folder, words in raw.items()
        if not folder.startswith("_")
    }


def write_reviews(reviews: dict[str, dict[str, Approval]], path: Path = REVIEWS) -> None:
    """Write ``review.json``, sorted, one record a line's worth of keys."""
    about = (
        "Who approved which of the system's own words (strings.SYSTEM_WORDS), per catalog "
        "folder. Written by `python -m translations approve`; see translations/review.py."
    )
    data: dict[str, object] = {"_about": about}
    for folder in sorted(reviews):
        words = reviews[folder]
        data[folder] = {
            name: {"by": a.by, "on": a.on, "text": a.text}
            for name, a in sorted(words.items(), key=lambda item: list(SYSTEM_WORDS).index(item[0]))
        }
    partial = path.with_name(f".{path.name}.tmp")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def _translations(folder: str, locale_dir: Path) -> dict[str, str]:
    """The catalog's translation of each system word ("" where it has none)."""
    po_path = locale_dir / folder / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return {}
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, domain=DOMAIN)
    found = {}
    for name, msgid in SYSTEM_WORDS.items():
        message = catalog.get(msgid)
        usable = message is not None and not message.fuzzy and isinstance(message.string, str)
        found[name] = str(message.string) if usable and message is not None else ""
    return found


@lru_cache(maxsize=64)
def word_states(
    tag: str, locale_dir: Path = LOCALE_DIR, reviews: Path = REVIEWS
) -> dict[str, ReviewState]:
    """Each system word's state in ``tag``'s catalog (``en`` is the source: all approved)."""
    try:
        folder = folder_name(tag)
    except UnknownLanguageError:
        return dict.fromkeys(SYSTEM_WORDS, ReviewState.DRAFT)
    if folder == SOURCE_LANGUAGE:
        return dict.fromkeys(SYSTEM_WORDS, ReviewState.APPROVED)
    texts = _translations(folder, locale_dir)
    approvals = read_reviews(reviews).get(folder, {})
    states = {}
    for name, msgid in SYSTEM_WORDS.items():
        approval = approvals.get(name)
        if approval is None:
            states[name] = ReviewState.DRAFT
        elif texts.get(name) and approval.text == fingerprint(msgid, texts[name]):
            states[name] = ReviewState.APPROVED
        else:
            # Approved once, but the English or the translation changed since (a new source
            # sentence arrives untranslated after `update`).
            states[name] = ReviewState.NEEDS_REVIEW
    return states


def is_approved(tag: str, name: str) -> bool:
    """Whether a person approved ``name`` (a key of ``SYSTEM_WORDS``) as it reads in ``tag``."""
    return word_states(tag)[name] == ReviewState.APPROVED


def language_state(tag: str) -> ReviewState:
    """One state for a language's system words: approved only when all are; needs review when
    any approval is out of date; else draft."""
    states = set(word_states(tag).values())
    if states == {ReviewState.APPROVED}:
        return ReviewState.APPROVED
    if ReviewState.NEEDS_REVIEW in states:
        return ReviewState.NEEDS_REVIEW
    return ReviewState.DRAFT


def approve(
    tag: str,
    *,
    by: str,
    names: list[str] | None = None,
    on: date | None = None,
    locale_dir: Path = LOCALE_DIR,
    reviews: Path = REVIEWS,
) -> list[str]:
    """Record that ``by`` approved the system words ``names`` (all by default) as ``tag``'s
    catalog has them now; return the names recorded. An untranslated word cannot be approved."""
    folder = folder_name(canonical_tag(tag))
    chosen = names or list(SYSTEM_WORDS)
    unknown = [n for n in chosen if n not in SYSTEM_WORDS]
    if unknown:
        raise KeyError(f"not a system word: {', '.join(unknown)}")
    texts = _translations(folder, locale_dir)
    missing = [n for n in chosen if not texts.get(n)]
    if missing:
        raise ValueError(f"{folder} has no translation of {', '.join(missing)}")
    recorded = read_reviews(reviews)
    words = recorded.setdefault(folder, {})
    day = (on or datetime.now(UTC).date()).isoformat()
    for name in chosen:
        words[name] = Approval(by=by, on=day, text=fingerprint(SYSTEM_WORDS[name], texts[name]))
    write_reviews(recorded, reviews)
    word_states.cache_clear()
    return chosen
