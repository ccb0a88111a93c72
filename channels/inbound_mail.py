"""Reading the e-mail that comes back: bounces (RFC 3464 delivery status notifications and the
non-standard ones real servers send) and members' replies (their own words, without the quoted
alert and the signature; automatic answers told apart).

A leaf: it takes the raw message and returns plain values. Bounces are recognised by
``flufl.bounce`` (a maintained set of detectors for DSNs, Postfix, Exim, qmail, Exchange, …);
the DSN's own fields, where there are any, give the status (``5.1.1``) and the server's words.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import parseaddr

from flufl.bounce import all_failures

from channels._redact import redact

# flufl.bounce logs each detector it runs at INFO: one line per detector per message.
logging.getLogger("flufl.bounce").setLevel(logging.WARNING)

MAX_REASON = 300
"""Characters of a server's diagnostic kept as a delivery's reason."""
MAX_TEXT = 4000
"""Characters of a reply kept (as a field report's text is)."""

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45])\d\d\b")

# Subjects that mail programs give their automatic answers, lower case, as prefixes.
_AUTO_SUBJECTS = (
    "auto:",
    "automatic reply",
    "autoreply",
    "auto-reply",
    "auto reply",
    "out of office",
    "out of the office",
    "automatisk svar",
    "autosvar",
    "fraværende",
    "fravær:",
    "frånvaro",
    "abwesend",
    "réponse automatique",
    "respuesta automática",
)
# Lines that start what a mail program quotes below (or above) a reply: the rest is not the
# member's own words.
_QUOTE_STARTS = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:original message|opprinnelig melding|opphavleg melding|ursprüngliche nachricht"
    r"|forwarded message|videresendt melding)\s*-{2,}"
    r"|_{10,}"
    r"|(?:on|den|på|am|le|el)\s.{0,200}\s(?:wrote|skrev|schrieb|a écrit|escribió)\s?:"
    r"|(?:from|fra|frå|von|de|sent|sendt|til|to|subject|emne)\s*:\s.*\s*$"
    r")",
    re.IGNORECASE,
)
# Where a signature starts: the standard delimiter, and what phones add.
_SIGNATURE_STARTS = re.compile(
    r"^(?:--\s?$|(?:sent from|sendt fra|send frå|von meinem|envoyé de|enviado desde)\s.*$)",
    re.IGNORECASE,
)


# A closing greeting followed by a name at most: where a signature without a delimiter starts.
_SIGN_OFF = re.compile(
    r"^\s*(?:mvh|med vennlig hilsen|vennlig hilsen|med venleg helsing|vennleg helsing|hilsen|"
    r"helsing|beste hilsen|regards|best regards|kind regards|best wishes|cheers|thanks|"
    r"thank you|takk)\b[.,!]?(?:\s+\S+){0,3}\s*$",
    re.IGNORECASE,
)
SIGNATURE_LINES = 6
"""Lines after a closing greeting that still count as its signature."""


@dataclass(frozen=True, slots=True)
class Bounce:
    """A mail server's report that a message was not delivered (yet)."""

    permanent: bool
    """5.x.x: it never will be; 4.x.x: the server is still trying."""
    status: str
    """The enhanced status code (``5.1.1``), or the SMTP code's class (``5.0.0``)."""
    reason: str
    """``5.1.1 <the server's words>``, without addresses, for the coordinator."""


@dataclass(frozen=True, slots=True)
class InboundMail:
    """A message that reached one of our return addresses."""

    message_id: str
    """Its ``Message-ID`` (empty when it has none)."""
    sender: str
    """The ``From`` address (empty for a bounce from ``MAILER-DAEMON`` without one)."""
    subject: str
    automatic: str
    """Why it was written by a program rather than a person (``Auto-Submitted: auto-replied``,
    an out-of-office subject, …); empty for a person's own message."""
    text: str
    """The person's own words: the plain text, without quotes and signature."""
    bounce: Bounce | None
    """Set when the message is a bounce for the address it came back to."""


def parse(raw: bytes, *, envelope_sender: str = "") -> InboundMail:
    """Read a message as it arrived; never raises for a malformed one."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    bounce = read_bounce(raw)
    return InboundMail(
        message_id=str(message.get("Message-ID", "") or "").strip()[:300],
        sender=parseaddr(str(message.get("From", "") or ""))[1][:320],
        subject=str(message.get("Subject", "") or "")[:300],
        automatic="" if bounce else automatic(message, envelope_sender=envelope_sender),
        text="" if bounce else own_words(plain_text(message)),
        bounce=bounce,
    )


def read_bounce(raw: bytes) -> Bounce | None:
    """The bounce a message reports, if it is one: permanent before temporary, and the DSN's
    status and diagnostic where it has them."""
    legacy = email.message_from_bytes(raw)  # flufl.bounce reads the compat32 form
    try:
        temporary, permanent = all_failures(legacy)
    except Exception:  # a detector choking on a malformed message is not a bounce
        temporary, permanent = frozenset(), frozenset()
    fields = _dsn_fields(legacy)
    if fields is not None:
        action, status, diagnostic = fields
        permanent_dsn = status.startswith("5") or action == "failed"
        if action in ("failed", "delayed") or status[:1] in ("4", "5"):
            code = status if _STATUS.fullmatch(status) else ("5.0.0" if permanent_dsn else "4.0.0")
            return Bounce(permanent_dsn, code, _reason(code, diagnostic))
        return None
    if not (temporary or permanent):
        return None
    body = _all_text(legacy)
    found = _STATUS.search(body)
    code = found.group(0) if found else ""
    if not code:
        smtp = _SMTP_CODE.search(body)
        code = f"{smtp.group(1)}.0.0" if smtp else ("5.0.0" if permanent else "4.0.0")
    is_permanent = bool(permanent) and not code.startswith("4")
    return Bounce(is_permanent, code, _reason(code, _diagnostic_line(body)))


def automatic(message: EmailMessage, *, envelope_sender: str = "") -> str:
    """Why a message was sent by a program (RFC 3834 and what mail programs do), or ''."""
    submitted = str(message.get("Auto-Submitted", "") or "").strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted[:40]}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if message.get(header) is not None:
            return header
    precedence = str(message.get("Precedence", "") or "").strip().lower()
    if precedence in ("auto_reply", "bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    subject = str(message.get("Subject", "") or "").strip().lower()
    if subject.startswith(_AUTO_SUBJECTS):
        return "an automatic answer's subject"
    if envelope_sender == "" and message.get("From") is None:
        return "no sender"
    return ""


def plain_text(message: EmailMessage) -> str:
    """The message's text: its text/plain part, or its HTML without the tags."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = str(part.get_content())
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        content = re.sub(r"(?is)<(script|style|blockquote)\b.*?</\1>", "", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = re.sub(r"<[^>]+>", "", content)
    return content.replace("\r\n", "\n")


def own_words(text: str) -> str:
    """The reply without what it quotes (``>`` lines, "On … wrote:" and everything after it)
    and without the signature ("-- ", "Sent from my …", or a closing greeting and a name near
    the end; a greeting on the first line is kept, it may be all there is)."""
    kept: list[str] = []
    for line in text.split("\n"):
        if _QUOTE_STARTS.match(line) or _SIGNATURE_STARTS.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    for at in range(len(kept) - 1, 0, -1):
        rest = [line for line in kept[at + 1 :] if line.strip()]
        if _SIGN_OFF.match(kept[at]) and len(rest) <= SIGNATURE_LINES:
            kept = kept[:at]
            break
    words = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", words)[:MAX_TEXT]


def _dsn_fields(message: Message) -> tuple[str, str, str] | None:
    """``(action, status, diagnostic)`` of the first recipient in a DSN, the failed one first."""
    found: list[tuple[str, str, str]] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:
            if not isinstance(block, Message):
                continue
            action = str(block.get("Action", "") or "").strip().lower()
            status = str(block.get("Status", "") or "").strip().split(" ")[0]
            diagnostic = str(block.get("Diagnostic-Code", "") or "")
            if action or status:
                found.append((action, status, " ".join(diagnostic.split())))
    if not found:
        return None
    found.sort(key=lambda f: (f[0] != "failed", not f[1].startswith("5")))
    return found[0]


def _reason(code: str, diagnostic: str) -> str:
    """``5.1.1 the server's words`` without the diagnostic type (``smtp;``) or addresses."""
    words = diagnostic.split(";", 1)[1] if ";" in diagnostic[:20] else diagnostic
    words = re.sub(r"^\d{3}[ -]", "", words.strip()).strip()
    words = re.sub(r"^[245]\.\d{1,3}\.\d{1,3}\b", "", words).strip()
    # After the codes are gone: a status such as 5.1.1 reads as a phone number to ``redact``.
    return f"{code} {redact(words)}".strip()[:MAX_REASON]


def _all_text(message: Message) -> str:
    texts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts)


def _diagnostic_line(body: str) -> str:
    """The line of a non-standard bounce that carries the status, or the first with a code."""
    for line in body.splitlines():
        if _STATUS.search(line) or _SMTP_CODE.search(line):
            return line.strip()
    return ""
