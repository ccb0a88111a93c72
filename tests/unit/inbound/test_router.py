"""The inbound router asks its handlers in order; the first that takes a message answers."""

from __future__ import annotations

import pytest

from dispatch.inbound.replies import SmsAnswer
from dispatch.inbound.router import Inbound, InboundRouter

MESSAGE = Inbound(sender="+4741000001", text="NEI 4821", provider="twilio")


class Handler:
    def __init__(self, name: str, takes: bool) -> None:
        self.name, self.takes, self.asked = name, takes, 0

    async def __call__(self, session: object, message: Inbound) -> SmsAnswer | None:
        self.asked += 1
        return SmsAnswer(f"{self.name}: {message.text}", self.name) if self.takes else None


async def test_the_first_handler_that_takes_the_message_answers_and_the_rest_are_not_asked() -> (
    None
):
    opt_outs, meetings, acks = (
        Handler("opt-outs", False),
        Handler("meetings", True),
        Handler("acks", True),
    )
    router = InboundRouter([opt_outs, meetings, acks])

    answer = await router.route(None, MESSAGE)  # type: ignore[arg-type]

    assert answer == SmsAnswer("meetings: NEI 4821", "meetings")
    assert (opt_outs.asked, meetings.asked, acks.asked) == (1, 1, 0)


async def test_a_message_no_handler_takes_is_answered_with_nothing() -> None:
    router = InboundRouter([Handler("one", False)])

    assert await router.route(None, MESSAGE) == SmsAnswer("", "ignored")  # type: ignore[arg-type]


def test_a_router_without_handlers_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one handler"):
        InboundRouter([])
