"""What makes the password sign-in expensive to abuse: limits per address and per account, and
argon2 run off the event loop, a few at a time.

Limits. A password, unlike a link token, can be guessed, so the limits are looked at before the
password is checked, and keyed so that no one is locked out by failures that are not theirs:

- an address (the client's own, behind a trusted proxy) with ``ADDRESS_LIMIT`` failures in
  ``WINDOW`` seconds is refused for any account;
- an account with ``ACCOUNT_LIMIT`` failures in ``WINDOW`` (from anywhere) is refused only to
  addresses that have themselves failed on it. Someone guessing from many addresses gets one
  guess per address and window, while the person, signing in from an address that has not
  failed, still gets in.

Argon2. A verification takes about 120 ms of CPU. It runs in a pool of ``HASH_THREADS`` threads
(the event loop keeps answering everyone else meanwhile), and at most ``HASH_QUEUE`` sign-ins
wait for it: past that, a sign-in is answered 503 at once instead of piling up.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import structlog

from dispatch.security.throttle import Counter, client_ref

ADDRESS_LIMIT = 20
ACCOUNT_LIMIT = 10
WINDOW = 900
HASH_THREADS = 2
HASH_QUEUE = 32

log = structlog.get_logger("dispatch.signin")
T = TypeVar("T")


class SignInBusy(Exception):
    """Too many sign-ins are waiting for a password check; try again in a moment."""


class SignInLimits:
    """Failed sign-ins counted per address, per account, and per account and address."""

    def __init__(self, counter: Counter, *, secret: str) -> None:
        self.counter = counter
        self.secret = secret.encode()

    def _keys(self, address: str, email: str) -> tuple[str, str, str]:
        client = client_ref(self.secret, address)
        account = hmac.new(self.secret, email.strip().lower().encode(), hashlib.sha256)
        acct = account.hexdigest()[:16]
        return (
            f"dispatch-login:addr:{client}",
            f"dispatch-login:acct:{acct}",
            f"dispatch-login:pair:{acct}:{client}",
        )

    async def refused(self, address: str, email: str) -> bool:
        """Whether this attempt is refused before its password is looked at."""
        by_address, by_account, by_pair = self._keys(address, email)
        if await self.counter.count(by_address) >= ADDRESS_LIMIT:
            return True
        if await self.counter.count(by_account) < ACCOUNT_LIMIT:
            return False
        return await self.counter.count(by_pair) > 0

    async def failed(self, address: str, email: str) -> None:
        """Count a wrong password (or an unknown address, which is counted the same)."""
        by_address, by_account, by_pair = self._keys(address, email)
        address_count = await self.counter.hit(by_address, WINDOW)
        account_count = await self.counter.hit(by_account, WINDOW)
        await self.counter.hit(by_pair, WINDOW)
        if address_count == ADDRESS_LIMIT or account_count == ACCOUNT_LIMIT:
            log.warning(
                "sign_in_limited",
                client=by_address.rsplit(":", 1)[1],
                address_failures=address_count,
                account_failures=account_count,
            )


class HashPool:
    """Argon2 in a few threads, with a bounded queue in front."""

    def __init__(self, threads: int = HASH_THREADS, queue: int = HASH_QUEUE) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")
        self._limit = threads + queue
        self._inside = 0
        self._lock = threading.Lock()

    async def run(self, work: Callable[[], T]) -> T:
        """``work()`` in a hashing thread; ``SignInBusy`` when too many are already waiting."""
        with self._lock:
            if self._inside >= self._limit:
                raise SignInBusy
            self._inside += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        finally:
            with self._lock:
                self._inside -= 1


HASHING = HashPool()
"""The process's pool: argon2 verifications of every sign-in go through it."""
