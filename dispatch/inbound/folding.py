"""Folding an SMS reply into comparable words, remembering where each stood in the text.

Members type on whatever keyboard they have: capitals or not, with or without accents, a
typographic or a straight apostrophe, Arabic or Persian letter shapes, and Thai without spaces
between words. ``fold`` makes these one spelling; ``tokens`` cuts a reply into words with their
place in the original text, so what follows an answer can be kept exactly as it was written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

# Letters with no Unicode decomposition that people also type without their mark: Vietnamese
# and Sami đ, Icelandic ð, Polish ł, Turkish dotless ı; Arabic-script variants of one letter
# (Arabic ي/ى and ك, Urdu ہ) as Persian, Dari, Urdu and Sorani keyboards write them.
_LETTERS = str.maketrans(
    {"đ": "d", "ð": "d", "ł": "l", "ı": "i", "ي": "ی", "ى": "ی", "ك": "ک", "ہ": "ه", "ۀ": "ه"}
)
# Apostrophes and hyphens between two letters join them: "d'accord", "d’accord", "Na-receive".
JOINERS = frozenset("'’‘ʼ`´‐‑-")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
THAI_LOOKAHEAD = 12
"""Characters tried for one Thai word (the longest in the lists is 10)."""
THAI_WORDS = 4
"""Thai words cut from the start of a run; only the first few can be an answer."""


def fold(text: str) -> str:
    """Lower-cased, accents and joiners gone, one spelling per letter; spaces kept as one."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for at, ch in enumerate(text) if not _joins(text, at))
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    kept = "".join(
        ch
        for ch in decomposed
        # Combining marks (accents, Arabic vowel signs, Thai tone marks) and invisible format
        # characters (the Persian zero-width non-joiner in «می‌آیم», direction marks) go.
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    )
    return " ".join(kept.translate(_LETTERS).split())


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the reply, folded, with its place in the NFC text."""

    folded: str
    start: int
    end: int


def _joins(text: str, at: int) -> bool:
    """Whether ``text[at]`` is an apostrophe, a hyphen or an invisible joiner (the Persian
    zero-width non-joiner) between two letters: part of the word, not a break."""
    ch = text[at]
    if ch not in JOINERS and unicodedata.category(ch) != "Cf":
        return False
    return 0 < at < len(text) - 1 and _kind(text[at - 1]) == _kind(text[at + 1]) == "L"


def _kind(ch: str) -> str:
    """``"L"`` for letters and marks, ``"N"`` for digits, ``""`` for anything between words."""
    category = unicodedata.category(ch)[0]
    return "L" if category in "LM" else "N" if category == "N" else ""


def _spans(text: str) -> list[tuple[int, int]]:
    """Where the words are: runs of letters (with their marks and the joiners inside them) or
    of digits; "OK4821" is two words."""
    spans: list[tuple[int, int]] = []
    start, kind = -1, ""
    for at, ch in enumerate(text):
        this = _kind(ch)
        if this and this == kind:
            continue
        if kind == "L" and _joins(text, at):
            continue
        if kind:
            spans.append((start, at))
        start, kind = at, this
    if kind:
        spans.append((start, len(text)))
    return spans


def tokens(text: str, thai_vocabulary: Collection[str] = ()) -> list[Token]:
    """The words of ``text`` (NFC) in order; runs of Thai are cut into the known words first."""
    found: list[Token] = []
    for start, end in _spans(text):
        word = text[start:end]
        if thai_vocabulary and _THAI.search(word):
            found += _thai_words(word, start, thai_vocabulary)
        else:
            found.append(Token(fold(word), start, end))
    return [t for t in found if t.folded]


def _thai_words(run: str, offset: int, vocabulary: Collection[str]) -> list[Token]:
    """The longest known word at each place, a few times; the remainder is one token."""
    found: list[Token] = []
    at = 0
    while at < len(run) and len(found) < THAI_WORDS:
        end = next(
            (
                stop
                for stop in range(min(len(run), at + THAI_LOOKAHEAD), at, -1)
                # A word ends before a combining mark, never between a letter and its tone.
                if (stop == len(run) or unicodedata.category(run[stop])[0] != "M")
                and fold(run[at:stop]) in vocabulary
            ),
            None,
        )
        if end is None:
            break
        found.append(Token(fold(run[at:end]), offset + at, offset + end))
        at = end
    if at < len(run):
        found.append(Token(fold(run[at:]), offset + at, offset + len(run)))
    return found
