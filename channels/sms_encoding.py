"""How an SMS text will be encoded and how many segments (billed messages) it takes.

GSM 03.38 (3GPP TS 23.038) default alphabet: a text made only of the basic character set and its
extension table goes as GSM-7, 160 septets in one message; extension characters cost two
septets (an escape and the character). Any other character makes the whole text UCS-2, 70
UTF-16 code units in one message. A longer text is concatenated: the user-data header leaves
153 septets or 67 code units per segment, and a segment never ends in the middle of an escape
pair or of a surrogate pair, so the count here is the exact split, not a division.

The empty text is one segment of zero units: carriers send (and bill) an empty SMS as one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# The 128 characters of the basic set, in code order; 0x1B (escape) is left out because it only
# introduces the extension table and cannot be written by itself.
GSM_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as escape + code, two septets.
GSM_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")

SINGLE_GSM7_SEPTETS = 160
SINGLE_UCS2_UNITS = 70
SEGMENT_GSM7_SEPTETS = 153
SEGMENT_UCS2_UNITS = 67

# Characters people paste from word processors that have a GSM-7 stand-in. Replacing them keeps
# a Norwegian or English text in GSM-7, which more than doubles what fits in one SMS.
GSM_LOOKALIKES: dict[str, str] = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark (also the typographic apostrophe)
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",  # single high-reversed-9 quotation mark
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent
    "`": "'",  # grave accent: not in the GSM alphabet
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',  # double high-reversed-9 quotation mark
    "\u2033": '"',  # double prime
    "\u00ab": '"',  # « (the Norwegian quotation mark)
    "\u00bb": '"',  # »
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2022": "-",  # bullet
    "\u2026": "...",  # horizontal ellipsis
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space (French punctuation)
    "\t": " ",
    "\u200b": "",  # zero-width space
    "\u00ad": "",  # soft hyphen
    "\ufeff": "",  # byte order mark / zero-width no-break space
}


@dataclass(frozen=True, slots=True)
class Offender:
    """A character outside the GSM-7 alphabet, where it is, and its GSM-7 stand-in if it has one.

    ``position`` is the 0-based index in the Python string; ``replacement`` is None when no
    look-alike exists and ``""`` when the character can simply be removed.
    """

    char: str
    position: int
    name: str
    replacement: str | None = None


@dataclass(frozen=True, slots=True)
class SmsAnalysis:
    """The encoding a text needs, its length in that encoding and the segments it takes.

    ``units`` are septets for GSM-7 (escape included) and UTF-16 code units for UCS-2.
    ``offenders`` lists every character outside GSM-7; it is empty for a GSM-7 text.
    """

    encoding: Encoding
    units: int
    segments: int
    offenders: list[Offender]

    @property
    def fits_in_one(self) -> bool:
        """Whether the text goes as a single, unconcatenated SMS."""
        return self.segments == 1


def analyse(text: str) -> SmsAnalysis:
    """Return the encoding, length and exact segment count of ``text`` sent as one SMS."""
    offenders = [
        Offender(
            char=char,
            position=position,
            name=_name(char),
            replacement=GSM_LOOKALIKES.get(char),
        )
        for position, char in enumerate(text)
        if not is_gsm7_char(char)
    ]
    encoding: Encoding = "UCS-2" if offenders else "GSM-7"
    costs = [_cost(char, encoding) for char in text]
    return SmsAnalysis(
        encoding=encoding,
        units=sum(costs),
        segments=len(_split(text, costs, encoding)),
        offenders=offenders,
    )


def split_segments(text: str) -> list[str]:
    """Split ``text`` the way a handset reassembles it: one string per SMS segment."""
    encoding: Encoding = "GSM-7" if all(is_gsm7_char(char) for char in text) else "UCS-2"
    return _split(text, [_cost(char, encoding) for char in text], encoding)


def suggest_gsm(text: str) -> str:
    """Return ``text`` with look-alike characters replaced by their GSM-7 stand-ins."""
    return "".join(GSM_LOOKALIKES.get(char, char) for char in text)


def is_gsm7_char(char: str) -> bool:
    """Whether ``char`` is in the GSM 03.38 basic set or its extension table."""
    return char in GSM_BASIC or char in GSM_EXTENSION


def _cost(char: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return 2 if char in GSM_EXTENSION else 1
    # Outside the Basic Multilingual Plane a character is a surrogate pair in UTF-16.
    return 2 if ord(char) > 0xFFFF else 1


def _split(text: str, costs: list[int], encoding: Encoding) -> list[str]:
    single, per_segment = (
        (SINGLE_GSM7_SEPTETS, SEGMENT_GSM7_SEPTETS)
        if encoding == "GSM-7"
        else (SINGLE_UCS2_UNITS, SEGMENT_UCS2_UNITS)
    )
    if sum(costs) <= single:
        return [text]
    # A character never straddles two segments: an escape pair or a surrogate pair that does not
    # fit moves whole to the next segment, leaving the last unit of this one unused.
    segments: list[str] = []
    start = used = 0
    for index, cost in enumerate(costs):
        if used + cost > per_segment:
            segments.append(text[start:index])
            start, used = index, 0
        used += cost
    segments.append(text[start:])
    return segments


def _name(char: str) -> str:
    return unicodedata.name(char, f"U+{ord(char):04X}")
