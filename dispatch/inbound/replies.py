"""Reading an SMS reply: a confirmation, STOP/START, or free text from the field.

Any reply from a known number counts as received; the words below only decide whether there is
anything more to read. A four-digit number picks the incident (``OK 4821``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# "Yes"/"OK" in the languages of the networks' members, lower-cased and without accents.
ACK_WORDS = frozenset(
    {
        "ok",
        "okay",
        "okey",
        "oki",
        "k",
        "1",
        "ja",
        "jo",
        "yes",
        "y",
        "yep",
        "j",  # nb nn en
        "tak",
        "dobrze",  # pl
        "taip",
        "gerai",  # lt
        "haa",
        "haye",
        "waa",  # so
        "نعم",
        "اجل",
        "ايوه",
        "تمام",  # ar
        "እወ",
        "ሕራይ",  # ti
        "так",
        "да",
        "добре",
        "ок",  # uk ru
        "جی",
        "ہاں",
        "ہاں جی",  # ur
        "بله",
        "آره",
        "باشه",  # fa, fa-AF
        "هو",
        "هوکې",  # ps
        "evet",
        "tamam",  # tr
        "erê",
        "belê",
        "ere",
        "bele",  # ku
        "بەڵێ",
        "بەلێ",  # ckb
        "da",
        "bine",  # ro
        "si",
        "vale",  # es
        "oui",
        "daccord",  # fr
        "ใช่",
        "ตกลง",
        "ครับ",
        "ค่ะ",  # th
        "co",
        "vang",
        "duoc",  # vi (accents stripped)
        "oo",
        "opo",
        "sige",  # tl
        "ਹਾਂ",
        "ਠੀਕ",  # pa
        "juo",
        "lea",  # se
    }
)
# "No" in the same languages, for meeting invitations ("NEI 4821"); folded like ACK_WORDS.
NO_WORDS = frozenset(
    {
        "nei",
        "no",
        "n",
        "nope",  # nb nn en es
        "nie",  # pl
        "ne",  # lt
        "maya",  # so
        "لا",  # ar
        "ኣይፋል",
        "ኣይ",  # ti
        "ні",
        "нет",  # uk ru
        "نہیں",  # ur
        "نه",
        "نخیر",  # fa, fa-AF, ps
        "hayir",
        "hayır",  # tr
        "na",
        "nexer",  # ku
        "نەخێر",  # ckb
        "nu",  # ro
        "non",  # fr
        "ไม่",  # th
        "khong",  # vi
        "hindi",  # tl
        "ਨਹੀਂ",  # pa
        "ii",  # se
    }
)
STOP_WORDS = frozenset({"stop", "stopp", "unsubscribe", "avslutt", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop", "begin"})
_CODE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_EDGES = " \t\r\n.,!?؟،;:-"
_PUNCTUATION = re.compile(r"[\s.,!?؟،;:()\"'«»“”‘’-]+")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Compared folded, as the reply is: Thai tone marks and the like are combining characters, so
# "ใช่" arrives as "ใช" and must be listed that way too.
_YES = frozenset(_fold(w) for w in ACK_WORDS)
_NO = frozenset(_fold(w) for w in NO_WORDS)
_STOP = frozenset(_fold(w) for w in STOP_WORDS)
_START = frozenset(_fold(w) for w in START_WORDS)


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


def yes_or_no(body: str) -> tuple[bool | None, str | None]:
    """A meeting answer: True for yes, False for no, None when neither; and the code if any."""
    text = unicodedata.normalize("NFC", body or "").strip()
    words = [w for w in _PUNCTUATION.split(text) if w]
    match = _CODE.search(text)
    code = match.group(1) if match else None
    first = _fold(words[0]) if words else ""
    if first in _NO:
        return False, code
    if first in _YES and first != code:
        return True, code
    return None, code


def parse_reply(body: str) -> Reply:
    """Classify an SMS reply; never raises, whatever the text."""
    text = unicodedata.normalize("NFC", body or "").strip()
    words = [w for w in _PUNCTUATION.split(text) if w]
    first = _fold(words[0]) if words else ""
    if first in _STOP and len(words) == 1:
        return Reply(ReplyKind.STOP, None, "")
    if first in _START and len(words) == 1:
        return Reply(ReplyKind.START, None, "")
    match = _CODE.search(text)
    code = match.group(1) if match else None
    if code and words == [code]:
        return Reply(ReplyKind.ACK, code, "")
    if first in _YES:
        start = text.casefold().find(words[0].casefold())
        rest = text[start + len(words[0]) :] if start >= 0 else text
        if code:
            rest = rest.replace(code, "", 1)
        return Reply(ReplyKind.ACK, code, rest.lstrip(_EDGES).rstrip())
    return Reply(ReplyKind.TEXT, code, text)
