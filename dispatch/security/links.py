"""Links in messages, with tokens derived by HMAC: nothing to store, nothing to leak.

A token is ``<delivery id in base 36>.<first 128 bits of HMAC-SHA256(secret, purpose:id)>``:
it names exactly one delivery for one purpose (``ack`` for acknowledgement links, ``pack`` for
a message pack's passed-on reports, ``confirm`` for a list review, ``rsvp`` for a meeting
answer, ``unsubscribe`` for a newsletter), cannot be guessed, altered or used for another
purpose without the secret key, and is checked with a constant-time comparison.

Every sender mints its links through ``Links``, which the delivery engine hands to its render.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAC_BYTES = 16
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

    def url(self, path: str, purpose: str) -> str:
        """``{base_url}{path}/{token}``, e.g. ``url("/ack", "ack")``."""
        return f"{self.base_url}{path}/{self.token(purpose)}"
