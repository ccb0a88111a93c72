"""The second factor for passwords: an authenticator app (TOTP, RFC 6238) and recovery codes.

Admins and coordinators who sign in with a password must also give a six-digit code from an
authenticator app; they enrol one at their first sign-in. Each code is good once: the 30-second
step of the last accepted code is kept, and only a later step is accepted (a conditional UPDATE,
so two requests racing with one code cannot both win). Ten recovery codes, shown once at
enrolment and kept as SHA-256 hashes (80 random bits each), stand in for a lost phone, each once.

The authenticator's secret must be readable to check codes, so it cannot be hashed; it is sealed
with AES-GCM under a key derived from ``DISPATCH_SECRET_KEY`` and bound to the user's id, so a
copy of the database alone gives no codes. A new secret key makes the sealed secrets unreadable:
``dispatch user reset-factor`` lets such a person (or one who lost the phone) enrol again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.security.models import RecoveryCode, Role, User

ISSUER_NAME = "Beredskapsvarsling"
"""How authenticator apps label the account."""
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt
_CODE_LENGTH = 16  # 16 characters of 31: 79 bits
MAX_CODE_LENGTH = 64
"""Longer input is no code of ours and is refused before the database is asked."""
ROLES_WITH_FACTOR = frozenset({Role.ADMIN, Role.COORDINATOR})


class UnreadableSecret(Exception):
    """The stored authenticator secret was sealed under another ``DISPATCH_SECRET_KEY``."""


def needs_second_factor(user: User) -> bool:
    """Whether a password alone is not enough: an admin, a coordinator, or anyone enrolled."""
    return user.totp_secret is not None or Role(user.role) in ROLES_WITH_FACTOR


def new_secret() -> str:
    """A new authenticator secret (base32, 160 bits), for enrolment."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER_NAME)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of ``uri`` as an inline SVG element (no script, no external image), dark on
    white whatever the page's colours, with ``title`` for screen readers."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=5, light="#fff", title=title)
    return svg


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(b"totp-secrets|" + secret_key.encode()).digest()


def seal(secret_key: str, user_id: int, secret: str) -> str:
    """The authenticator secret encrypted for storage, bound to the user's id."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, secret.encode(), str(user_id).encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(secret_key: str, user_id: int, stored: str) -> str:
    """The authenticator secret back from storage; ``UnreadableSecret`` under another key."""
    raw = base64.urlsafe_b64decode(stored.encode())
    try:
        plain = AESGCM(_key(secret_key)).decrypt(raw[:12], raw[12:], str(user_id).encode())
    except InvalidTag as exc:
        raise UnreadableSecret from exc
    return plain.decode()


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step whose code ``code`` is (the previous, this or the next one, for clocks
    a little off), or None."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


async def _take_step(session: AsyncSession, user: User, step: int) -> bool:
    """Record ``step`` as used, unless it or a later one already was; whether it was free."""
    result = await session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def _new_recovery_codes(session: AsyncSession, user: User) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(c)) for c in codes)
    return ["-".join(c[i : i + 4] for i in range(0, _CODE_LENGTH, 4)) for c in codes]


async def enrol(
    session: AsyncSession, *, user: User, secret: str, code: str, secret_key: str
) -> list[str] | None:
    """Keep ``secret`` as the user's authenticator if ``code`` is its current code; return the
    new recovery codes (to show once), or None for a wrong code (nothing is written)."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    step = matching_step(secret, code, utcnow())
    if step is None:
        return None
    user.totp_secret = seal(secret_key, user.id, secret)
    user.totp_last_step = step
    codes = await _new_recovery_codes(session, user)
    record(
        session,
        actor=Actor.user(user.id),
        action="user.factor_enrolled",
        entity_type="user",
        entity_id=user.id,
        details={},
    )
    return codes


async def check_code(session: AsyncSession, *, user: User, code: str, secret_key: str) -> bool:
    """Whether ``code`` — the authenticator's current code or an unused recovery code — lets the
    user in; either is spent by this check. ``UnreadableSecret`` if the secret key changed."""
    code = _normalise(code)
    if not code or len(code) > MAX_CODE_LENGTH or user.totp_secret is None:
        return False
    if len(code) == 6 and code.isdigit():
        step = matching_step(unseal(secret_key, user.id, user.totp_secret), code, utcnow())
        return step is not None and await _take_step(session, user, step)
    result = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_recovery(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    record(
        session,
        actor=Actor.user(user.id),
        action="user.recovery_code_used",
        entity_type="user",
        entity_id=user.id,
        details={},
    )
    return True


async def recovery_codes_left(session: AsyncSession, user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    left = await session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return int(left or 0)


async def reset_factor(session: AsyncSession, *, user: User, actor: Actor) -> None:
    """Forget the user's authenticator and recovery codes: they enrol again at next sign-in."""
    user.totp_secret = None
    user.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record(
        session,
        actor=actor,
        action="user.factor_reset",
        entity_type="user",
        entity_id=user.id,
        details={},
    )
