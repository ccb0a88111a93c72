"""Why a provider's state changed: one sentence per kind of change, written in English for the
audit log and the API, and read back into the dashboard's language.

The router and the admin actions write these patterns; :func:`explain` recognises them and
returns the same sentence from the catalogs. A reason it does not recognise is shown as
written (an older or hand-written one)."""

from __future__ import annotations

import re
from collections.abc import Callable

from translations.strings.marking import N_

CONFIGURED = "configured"
FAILING = "{failed} of {tried} sends failed in the last 10 s"
LAST_ERROR = " (last: {error})"
SILENT = "no delivery report for {unreported} of the {handed} SMS it took 10 to 20 s ago"
RETRIED = "tried again after {seconds} s down"
CLEAN = "{sent} sends taken in 30 s without a failure"
TAKEN_OUT = "taken out by {actor}"
PUT_BACK = "put back by {actor}"

_TRANSLATED = {
    CONFIGURED: N_("set up"),
    FAILING: N_("%(failed)s of %(tried)s sends failed in the last 10 s"),
    FAILING + LAST_ERROR: N_(
        "%(failed)s of %(tried)s sends failed in the last 10 s (last: %(error)s)"
    ),
    SILENT: N_(
        "no delivery report for %(unreported)s of the %(handed)s SMS it took 10 to 20 s ago"
    ),
    RETRIED: N_("tried again after %(seconds)s s down"),
    CLEAN: N_("%(sent)s sends taken in 30 s without a failure"),
    TAKEN_OUT: N_("taken out by %(actor)s"),
    PUT_BACK: N_("put back by %(actor)s"),
}  # fmt: skip


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        f"(?P<{part}>.+?)" if i % 2 else re.escape(part) for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.DOTALL)


_PATTERNS = [(_pattern(t), msgid) for t, msgid in _TRANSLATED.items()]


def explain(reason: str, gettext: Callable[..., str]) -> str:
    """``reason`` in the language of ``gettext``, or as written if it is not one of ours."""
    for pattern, msgid in _PATTERNS:
        found = pattern.match(reason)
        if found is not None:
            return gettext(msgid, **found.groupdict())
    return reason
