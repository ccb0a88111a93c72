"""Teams specifics, against a webhook receiver on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    TransientChannelError,
)
from channels.teams import MAX_PAYLOAD_BYTES, TeamsChannel
from tests.fakes.teams import TeamsReceiver

HOOK = "/workflows/nik"


def post(to: str, **fields: object) -> OutgoingMessage:
    values: dict[str, object] = {
        "channel": ChannelKind.TEAMS,
        "to": to,
        "text": "Vannforsyningen er brutt ved tre sykehus.",
        "language": "nb",
        "reference": "delivery-3",
        "subject": "Beredskapsvarsel: vann",
        "link": "https://varsel.test/ack/abc",
        "link_label": "Bekreft mottak",
    }
    values.update(fields)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


@pytest.fixture
async def channel() -> AsyncIterator[TeamsChannel]:
    channel = TeamsChannel(timeout=5, allow_loopback=True)
    yield channel
    await channel.close()


async def test_the_post_is_a_message_with_one_adaptive_card(
    channel: TeamsChannel, teams_receiver: TeamsReceiver
) -> None:
    receipt = await channel.send(post(teams_receiver.url(HOOK)))

    [recorded] = teams_receiver.requests(HOOK)
    assert recorded.request.headers["content-type"] == "application/json"
    payload = recorded.request.json()
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    title, body = card["body"]
    assert title == {
        "type": "TextBlock",
        "text": "Beredskapsvarsel: vann",
        "weight": "bolder",
        "size": "medium",
        "wrap": True,
    }
    assert body == {
        "type": "TextBlock",
        "text": "Vannforsyningen er brutt ved tre sykehus.",
        "wrap": True,
    }
    assert receipt.provider_id == recorded.response.headers["x-ms-request-id"]
    assert receipt.delivered is True


async def test_the_only_action_is_open_url_to_the_acknowledgement_link(
    channel: TeamsChannel, teams_receiver: TeamsReceiver
) -> None:
    await channel.send(post(teams_receiver.url(HOOK)))

    [card] = teams_receiver.cards(HOOK)
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Bekreft mottak",
            "url": "https://varsel.test/ack/abc",
        }
    ]


async def test_without_a_link_the_card_has_no_actions(
    channel: TeamsChannel, teams_receiver: TeamsReceiver
) -> None:
    await channel.send(post(teams_receiver.url(HOOK), link="", link_label=""))

    [card] = teams_receiver.cards(HOOK)
    assert "actions" not in card


async def test_an_arabic_card_is_right_to_left_in_its_language(
    channel: TeamsChannel, teams_receiver: TeamsReceiver
) -> None:
    await channel.send(
        post(teams_receiver.url(HOOK), text="انقطاع المياه", language="ar", direction="rtl")
    )

    [card] = teams_receiver.cards(HOOK)
    assert card["lang"] == "ar"
    assert card["rtl"] is True
    assert card["body"][1]["text"] == "انقطاع المياه"


async def test_a_100_kb_text_is_shortened_to_fit_teams_limit(
    channel: TeamsChannel, teams_receiver: TeamsReceiver
) -> None:
    text = "Dette er en veldig lang melding. " * 3200  # about 100 KB
    assert len(text.encode()) > 100_000

    await channel.send(post(teams_receiver.url(HOOK), text=text))

    [recorded] = teams_receiver.requests(HOOK)
    assert len(recorded.request.body) <= MAX_PAYLOAD_BYTES
    sent = recorded.request.json()["attachments"][0]["content"]["body"][1]["text"]
    assert sent.endswith("…")
    assert text.startswith(sent.removesuffix("…"))
    assert len(sent) > 20_000, "the text was cut much more than needed"


async def test_a_long_text_in_a_multibyte_script_also_fits(
    channel: TeamsChannel, teams_receiver: TeamsReceiver
) -> None:
    text = "انقطاع المياه في المستشفى " * 4000

    await channel.send(post(teams_receiver.url(HOOK), text=text, language="ar", direction="rtl"))

    [recorded] = teams_receiver.requests(HOOK)
    assert len(recorded.request.body) <= MAX_PAYLOAD_BYTES
    assert json.loads(recorded.request.body)["attachments"][0]["content"]["rtl"] is True


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, "the Teams webhook answered 404: it may have been removed"),
        (410, "the Teams webhook answered 410: it has been removed"),
        (400, "the Teams webhook answered 400: it did not accept the card"),
        (403, "the Teams webhook answered 403: the link is no longer authorised"),
        (418, "the Teams webhook answered 418"),
    ],
)
async def test_a_refusing_webhook_fails_permanently(
    channel: TeamsChannel, teams_receiver: TeamsReceiver, status: int, expected: str
) -> None:
    teams_receiver.status_for[HOOK] = status

    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(post(teams_receiver.url(HOOK)))

    assert raised.value.reason == expected
    assert raised.value.code == str(status)


async def test_throttling_is_transient_with_the_servers_retry_after(
    channel: TeamsChannel, teams_receiver: TeamsReceiver
) -> None:
    teams_receiver.status_for[HOOK] = 429
    teams_receiver.retry_after = "7"

    with pytest.raises(TransientChannelError) as raised:
        await channel.send(post(teams_receiver.url(HOOK)))

    assert raised.value.retry_after == 7.0
    assert raised.value.code == "429"


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_server_error_is_transient(
    channel: TeamsChannel, teams_receiver: TeamsReceiver, status: int
) -> None:
    teams_receiver.status_for[HOOK] = status

    with pytest.raises(TransientChannelError):
        await channel.send(post(teams_receiver.url(HOOK)))


async def test_a_plain_200_also_counts_as_delivered_with_a_generated_id(
    channel: TeamsChannel, teams_receiver: TeamsReceiver
) -> None:
    # An older incoming-webhook style answer: 200 with "1" and no request id.
    class Plain(TeamsReceiver):
        def respond(self, request, status):  # type: ignore[no-untyped-def]
            response = super().respond(request, status)
            response.headers.pop("x-ms-request-id", None)
            response.body = b"1"
            return response

    with Plain(default_status=200) as receiver:
        receipt = await channel.send(post(receiver.url(HOOK)))

    assert receipt.provider_id.startswith("teams-")
    assert receipt.delivered is True


async def test_an_unreachable_webhook_is_transient(channel: TeamsChannel) -> None:
    with TeamsReceiver() as receiver:
        url = receiver.url(HOOK)

    with pytest.raises(TransientChannelError):
        await channel.send(post(url))


async def test_a_webhook_address_that_is_not_a_url_is_permanent(channel: TeamsChannel) -> None:
    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(post("teams-channel-nik"))

    assert raised.value.reason == "the Teams webhook address must be a full https:// address"
