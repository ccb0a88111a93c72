"""A provider's change of state is recorded in English and read in the dashboard's language."""

from __future__ import annotations

import pytest

from dispatch.providers import reasons
from dispatch.providers.models import ProviderState
from dispatch.providers.routing import COOL_OFF_S, Health, verdict
from translations.catalog import translator


def _why(state: str, since_change_s: float, health: Health) -> str:
    found = verdict(state, since_change_s, health)
    assert found is not None
    return found[1]


RECORDED = [
    _why(ProviderState.ACTIVE, 0, Health(sent_10s=4, failed_10s=6, last_error="HTTP 500")),
    _why(ProviderState.ACTIVE, 0, Health(sent_10s=4, failed_10s=6)),
    _why(ProviderState.ACTIVE, 0, Health(handed=40, unreported=40)),
    _why(ProviderState.DOWN, COOL_OFF_S + 1, Health()),
    _why(ProviderState.DEGRADED, 120, Health(sent_30s=9)),
    reasons.TAKEN_OUT.format(actor="drift@helsedir.example"),
    reasons.PUT_BACK.format(actor="drift@helsedir.example"),
    reasons.CONFIGURED,
]


@pytest.mark.parametrize("recorded", RECORDED)
@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_every_reason_the_router_and_the_admin_write_is_read_in_the_page_language(
    recorded: str, lang: str
) -> None:
    shown = reasons.explain(recorded, translator(lang).gettext)
    assert shown != recorded
    # The figures and names in it survive the translation.
    for part in ("6", "10", "40", "9", "drift@helsedir.example", "HTTP 500"):
        if part in recorded.split():
            assert part in shown


def test_english_reads_as_recorded_and_an_unknown_reason_as_written() -> None:
    english = translator("en").gettext
    assert all(reasons.explain(r, english) == r for r in RECORDED[1:-1])
    assert reasons.explain("restarted by hand", translator("nb").gettext) == "restarted by hand"
