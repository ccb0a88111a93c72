"""Every worker process adds to one count of each provider's sends, kept in Redis."""

from __future__ import annotations

import pytest

from dispatch.providers.health import RedisCounters

pytestmark = pytest.mark.redis


async def test_two_processes_count_into_one_window(redis_url: str) -> None:
    one, two = RedisCounters(redis_url), RedisCounters(redis_url)
    try:
        await one.add("twilio", {"sent": 1, "segments": 2})
        await two.add("twilio", {"sent": 1, "segments": 3})
        await two.add("twilio", {"failed": 1}, "Twilio did not answer in time")
        await one.add("link", {"failed": 2}, "LINK could not take the message now (500)")
        assert await one.window("twilio", 10) == {"sent": 2, "failed": 1, "segments": 5}
        assert await two.window("link", 60) == {"sent": 0, "failed": 2, "segments": 0}
        assert await one.last_error("twilio") == "Twilio did not answer in time"
        assert await one.last_error("nobody") is None
    finally:
        await one.close()
        await two.close()
