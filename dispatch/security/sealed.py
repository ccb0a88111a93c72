"""Short-lived values a browser carries for us between two requests of a sign-in, sealed.

A half-done sign-in (password right, code still to come; or on its way through the identity
provider) must survive one round trip without a session row. The value travels in a cookie,
encrypted and authenticated with AES-GCM under a key derived from ``DISPATCH_SECRET_KEY`` and
the value's purpose, with its expiry inside: the browser can neither read it (an authenticator
secret being enrolled, the PKCE verifier) nor change it, and a value sealed for one purpose is
worthless for another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAX_SEALED_LENGTH = 3000
"""Longer is not ours (and a cookie is at most 4 KB): refused before any work."""


def _aead(secret_key: str, purpose: str) -> AESGCM:
    return AESGCM(hashlib.sha256(f"sealed|{purpose}|{secret_key}".encode()).digest())


def seal(secret_key: str, purpose: str, payload: dict[str, Any], *, max_age: int) -> str:
    """``payload`` sealed for ``purpose``, readable by ``unseal`` for ``max_age`` seconds."""
    body = json.dumps({**payload, "exp": int(time.time()) + max_age}).encode()
    nonce = secrets.token_bytes(12)
    sealed = _aead(secret_key, purpose).encrypt(nonce, body, purpose.encode())
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


def unseal(secret_key: str, purpose: str, value: str) -> dict[str, Any] | None:
    """The payload, or None when the value is missing, altered, expired or for another purpose."""
    if not value or len(value) > MAX_SEALED_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        body = _aead(secret_key, purpose).decrypt(raw[:12], raw[12:], purpose.encode())
        payload = json.loads(body)
    except (binascii.Error, ValueError, InvalidTag):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
        return None
    if payload["exp"] < time.time():
        return None
    return payload
