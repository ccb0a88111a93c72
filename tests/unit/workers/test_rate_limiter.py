"""Priority under the provider's rate limit: a refused main contact is not overtaken."""

from __future__ import annotations

import asyncio
import time

from workers.runtime import DramatiqRateLimiter


async def _start_of_a_window() -> None:
    """Dramatiq's windows are whole seconds: start just after one begins, so that calls meant
    for one window do not straddle two."""
    await asyncio.sleep(1.02 - time.time() % 1)


async def test_a_refused_first_send_makes_the_others_yield_until_the_hold_ends() -> None:
    limiter = DramatiqRateLimiter("embedded", per_second={"sms": 2}, first_hold_s=1.5)
    await _start_of_a_window()
    # Two sends fill this second's window; a main contact is refused,
    assert [await limiter.acquire("sms", 1), await limiter.acquire("sms", 1)] == [True, True]
    assert not await limiter.acquire("sms", 0)
    await asyncio.sleep(1.05)  # a new window
    # and now the others yield their turns to it, while it takes them,
    assert not await limiter.acquire("sms", 1)
    assert await limiter.acquire("sms", 0)
    # until the hold ends with no main contact refused meanwhile.
    await asyncio.sleep(0.5)
    assert await limiter.acquire("sms", 1)


async def test_without_a_refused_first_send_nobody_yields() -> None:
    limiter = DramatiqRateLimiter("embedded", per_second={"sms": 1})
    await _start_of_a_window()
    assert await limiter.acquire("sms", 1)
    assert not await limiter.acquire("sms", 1)  # the window is full: no hold from this
    await asyncio.sleep(1.05)
    assert await limiter.acquire("sms", 1)
    assert await limiter.acquire("email", 1)  # no limit on e-mail
