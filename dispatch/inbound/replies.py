"""Reading an SMS reply: a confirmation, a yes or a no, STOP/START, or free text from the field.

Any reply from a known number counts as received; the words only decide whether there is
anything more to read. A four-digit number picks the incident (``OK 4821``). Yes and no are
read in the member's language first (``dispatch.inbound.words``), then in the languages of
their fallback chain, then in any language, where the longest phrase wins and a tie between a
yes and a no is neither. A negation right after a yes ("Ja nie", "جی نہیں") is a no.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from dispatch.inbound.folding import Token, fold, tokens
from dispatch.inbound.words import COMMON, WORDS, Words
from translations.locales import LAST_RESORT, UnknownLanguageError, fallback_chain

STOP_WORDS = frozenset({"stop", "stopp", "unsubscribe", "avslutt", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop", "begin"})
_CODE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_EDGES = " \t\r\n.,!?؟،;:-"
_STOP = frozenset(fold(w) for w in STOP_WORDS)
_START = frozenset(fold(w) for w in START_WORDS)
LONGEST_PHRASE = 4
"""Words in the longest phrase of any list."""

Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One language's words, folded into phrases of words."""

    yes: frozenset[Phrase]
    no: frozenset[Phrase]
    negations: frozenset[str]
    particles: frozenset[Phrase]

    @classmethod
    def of(cls, words: Words, *, own: bool) -> Lexicon:
        """The lexicon as a member of the language reads it (``own``) or as anyone else does,
        without the words that count only for the language's own members."""

        def phrases(items: Sequence[str]) -> frozenset[Phrase]:
            folded = (tuple(fold(item).split()) for item in items if own or item not in words.local)
            return frozenset(p for p in folded if p)

        return cls(
            yes=phrases(words.yes),
            no=phrases(words.no),
            negations=frozenset(fold(w) for w in words.negations if own or w not in words.local),
            particles=phrases(words.particles),
        )


_OWN = {tag: Lexicon.of(words, own=True) for tag, words in WORDS.items()}
_ANYONE = {tag: Lexicon.of(words, own=False) for tag, words in WORDS.items()}
_COMMON = Lexicon.of(COMMON, own=True)
# A negation right after a yes is read in any language: «Ja nie» is a no from anyone.
_NEGATIONS = frozenset(w for lexicon in _ANYONE.values() for w in lexicon.negations)
_THAI_VOCABULARY = (
    frozenset(
        word
        for lexicon in (_OWN["th"],)
        for group in (lexicon.yes, lexicon.no, lexicon.particles)
        for phrase in group
        for word in phrase
    )
    | _OWN["th"].negations
)


class ReplyKind(StrEnum):
    ACK = "ack"
    STOP = "stop"
    START = "start"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class SmsAnswer:
    """What we reply to an SMS, and what happened (for the log)."""

    text: str
    outcome: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What a reply means; ``rest`` is the free text left after the keyword and code."""

    kind: ReplyKind
    code: str | None
    rest: str
    answer: bool | None = None
    """Yes, no, or neither, as the member's words read."""


@dataclass(frozen=True, slots=True)
class _Read:
    answer: bool | None
    used: int
    """Words taken by the answer (its phrase, a negation, politeness after it)."""


def _longest(words: Sequence[str], at: int, phrases: frozenset[Phrase]) -> int:
    """The length of the longest phrase at ``words[at:]``, 0 if none."""
    for length in range(min(LONGEST_PHRASE, len(words) - at), 0, -1):
        if tuple(words[at : at + length]) in phrases:
            return length
    return 0


def _adjacent(text: str, before: Token, after: Token) -> bool:
    """Only spaces between two words: "Ja nie" is one thought, "Ja, ikke noe nytt" is two."""
    return not text[before.end : after.start].strip()


def _finish(text: str, toks: Sequence[Token], at: int, used: int, lexicon: Lexicon) -> _Read:
    """After a yes phrase of ``used`` words at ``at``: more yes phrases and politeness are
    taken with it ("Oo, natanggap ko po"); a negation right after any of them makes it a no."""
    words = [t.folded for t in toks]
    end = at + used
    while end < len(words):
        negation = words[end] in lexicon.negations or words[end] in _NEGATIONS
        if negation and _adjacent(text, toks[end - 1], toks[end]):
            return _Read(False, end + 1 - at)
        more = _longest(words, end, lexicon.yes) or _longest(words, end, lexicon.particles)
        if not more:
            break
        end += more
    return _Read(True, end - at)


def _in(text: str, toks: Sequence[Token], at: int, lexicon: Lexicon, negations: Lexicon) -> _Read:
    words = [t.folded for t in toks]
    yes, no = _longest(words, at, lexicon.yes), _longest(words, at, lexicon.no)
    if no >= yes and no:
        return _Read(False, no)
    if yes:
        return _finish(text, toks, at, yes, negations)
    return _Read(None, 0)


@lru_cache(maxsize=256)
def _chain(language: str | None) -> tuple[str, ...]:
    """The word lists a member's reply is read with, best first: their language, then the
    languages of its fallback chain."""
    try:
        chain = fallback_chain(language) if language else list(LAST_RESORT)
    except UnknownLanguageError:
        chain = list(LAST_RESORT)
    return tuple(dict.fromkeys(tag for tag in chain if tag in _OWN))


def _read(text: str, toks: Sequence[Token], at: int, language: str | None) -> _Read:
    """Yes, no or neither at ``toks[at:]``, in the member's languages, then in any."""
    chain = _chain(language)
    own = _OWN[chain[0]] if chain else _COMMON
    for lexicon, negations in (
        (_COMMON, own),
        *((_OWN[tag], _OWN[tag]) for tag in chain),
    ):
        found = _in(text, toks, at, lexicon, negations)
        if found.answer is not None:
            return found
    words = [t.folded for t in toks]
    best: dict[bool, tuple[int, str]] = {}
    for tag, lexicon in _ANYONE.items():
        for answer, phrases in ((True, lexicon.yes), (False, lexicon.no)):
            length = _longest(words, at, phrases)
            if length > best.get(answer, (0, ""))[0]:
                best[answer] = (length, tag)
    if not best or (len(best) == 2 and best[True][0] == best[False][0]):
        return _Read(None, 0)
    answer = max(best, key=lambda a: best[a][0])
    length, tag = best[answer]
    if not answer:
        return _Read(False, length)
    return _finish(text, toks, at, length, _ANYONE[tag])


@dataclass(frozen=True, slots=True)
class _Words:
    text: str
    toks: list[Token]
    code: str | None
    start: int
    """The first word after a leading code ("4821 ja")."""


def _words(body: str) -> _Words:
    text = unicodedata.normalize("NFC", body or "").strip()
    toks = tokens(text, _THAI_VOCABULARY)
    match = _CODE.search(text)
    code = match.group(1) if match else None
    start = 1 if toks and code and toks[0].folded == code else 0
    return _Words(text, toks, code, start)


def reply_code(body: str) -> str | None:
    """The four-digit code a reply names ("NEI 4821"), if any."""
    match = _CODE.search(unicodedata.normalize("NFC", body or ""))
    return match.group(1) if match else None


def yes_or_no(body: str, language: str | None = None) -> tuple[bool | None, str | None]:
    """A meeting answer: True for yes, False for no, None when neither; and the code if any.

    ``language`` is the member's (BCP 47): their words are read first.
    """
    found = _words(body)
    if found.start >= len(found.toks):
        return None, found.code
    return _read(found.text, found.toks, found.start, language).answer, found.code


def parse_reply(body: str, language: str | None = None) -> Reply:
    """Classify an SMS reply, reading yes and no in ``language`` first; never raises."""
    found = _words(body)
    text, toks, code = found.text, found.toks, found.code
    words = [t.folded for t in toks]
    # "STOP 4821": a member who names the alert still means to stop.
    rest_is_code = len(words) == 1 or (len(words) == 2 and words[1] == code)
    if words and words[0] in _STOP and rest_is_code:
        return Reply(ReplyKind.STOP, None, "")
    if words and words[0] in _START and rest_is_code:
        return Reply(ReplyKind.START, None, "")
    if code and words == [code]:
        return Reply(ReplyKind.ACK, code, "", answer=True)
    if found.start >= len(toks):
        return Reply(ReplyKind.TEXT, code, text)
    read = _read(text, toks, found.start, language)
    if not read.answer:
        return Reply(ReplyKind.TEXT, code, text, answer=read.answer)
    rest = text[toks[found.start + read.used - 1].end :]
    if code and found.start == 0:
        rest = rest.replace(code, "", 1)
    return Reply(ReplyKind.ACK, code, rest.lstrip(_EDGES).rstrip(), answer=True)
