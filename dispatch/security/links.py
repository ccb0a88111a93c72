"""Links in messages, with tokens derived by HMAC: nothing to store, nothing to leak.

A token is ``<delivery id in base 36>.<first 128 bits of HMAC-SHA256(secret, purpose:id)>``:
it names exactly one delivery for one purpose (``ack`` for acknowledgement links, ``pack`` for
a message pack's passed-on reports, ``confirm`` for a list review, ``rsvp`` for a meeting
answer, ``unsubscribe`` for a newsletter), cannot be guessed, altered or used for another
purpose without the secret key, and is checked with a constant-time comparison.

Every sender mints its links through ``Links``, which the delivery engine hands to its render.

E-mail addresses that come back to us (``b-<token>@domain`` for bounces, ``r-<token>@domain``
for replies) carry the same HMAC, written ``<id in base 36>-<MAC in lower-case base 32>``: mail
servers may change the case of a local part, and base 64 would not survive that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAC_BYTES = 16
ADDRESS_PREFIXES = {"bounce": "b", "reply": "r"}
"""The local part's first letter for each purpose of an address that comes back to us."""
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _ALPHABET[rest] + digits
        if not number:
            return digits


def _mac(secret: str, delivery_id: int, purpose: str) -> str:
    message = f"{purpose}:{delivery_id}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:MAC_BYTES]).rstrip(b"=").decode()


def make_token(secret: str, delivery_id: int, purpose: str = "ack") -> str:
    """The token for one delivery's link (an acknowledgement link by default)."""
    return f"{_b36(delivery_id)}.{_mac(secret, delivery_id, purpose)}"


def read_token(secret: str, token: str, purpose: str = "ack") -> int | None:
    """The delivery id a token names, or None when it is malformed, forged or for another use."""
    head, dot, mac = token.partition(".")
    if not dot or not head or len(head) > 13 or len(mac) > 32:
        return None
    try:
        delivery_id = int(head, 36)
    except ValueError:
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, delivery_id, purpose).encode()):
        return None
    return delivery_id


def _mac_bytes(secret: str, delivery_id: int, purpose: str) -> bytes:
    message = f"{purpose}:{delivery_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()[:MAC_BYTES]


def make_address_token(secret: str, delivery_id: int, purpose: str) -> str:
    """A token for an e-mail address's local part: case-insensitive, no dots."""
    mac = base64.b32encode(_mac_bytes(secret, delivery_id, purpose)).rstrip(b"=").decode()
    return f"{_b36(delivery_id)}-{mac.lower()}"


def read_address_token(secret: str, token: str, purpose: str) -> int | None:
    """The delivery id an address token names, or None (malformed, forged, another purpose)."""
    head, dash, mac = token.lower().partition("-")
    if not dash or not head or len(head) > 13 or len(mac) != 26:
        return None
    try:
        delivery_id = int(head, 36)
    except ValueError:
        return None
    expected = base64.b32encode(_mac_bytes(secret, delivery_id, purpose)).rstrip(b"=").decode()
    if not hmac.compare_digest(mac.encode(), expected.lower().encode()):
        return None
    return delivery_id


@dataclass(frozen=True, slots=True)
class Links:
    """What a sender needs to put links into one delivery's message."""

    base_url: str
    """The service's public address, without a trailing slash."""
    secret: str
    delivery_id: int

    def token(self, purpose: str) -> str:
        """This delivery's token for ``purpose``."""
        return make_token(self.secret, self.delivery_id, purpose)

    def address(self, purpose: str, domain: str) -> str:
        """``b-<token>@<domain>`` for ``bounce``, ``r-<token>@<domain>`` for ``reply``."""
        token = make_address_token(self.secret, self.delivery_id, purpose)
        return f"{ADDRESS_PREFIXES[purpose]}-{token}@{domain}"

    def url(self, path: str, purpose: str) -> str:
        """``{base_url}{path}/{token}``, e.g. ``url("/ack", "ack")``."""
        return f"{self.base_url}{path}/{self.token(purpose)}"
