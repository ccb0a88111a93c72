"""The report's words and numbers in the report's language: the incident's status, severity and
channels, each message's kind and author, delivery states, and decimals with the language's
own separator ("1,5 minutter" in Norwegian, "1.5 minutes" in English)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent

from translations import strings
from translations.catalog import Translator, translator
from translations.locales import babel_locale, language_name

DECISION_NAMES = {
    "failover": strings.REPORT_DECISION_FAILOVER,
    "decided": strings.REPORT_DECISION_DECIDED,
    "reconciled": strings.REPORT_DECISION_RECONCILED,
    "bounced": strings.REPORT_DECISION_BOUNCED,
    "bounced_later": strings.REPORT_DECISION_BOUNCED_LATER,
    "beside_bounced": strings.REPORT_DECISION_BESIDE_BOUNCED,
}
"""The engine's decisions (``delivery_events.kind``) in the report's words."""


@dataclass(frozen=True, slots=True)
class Labels:
    """Says the report's code words (``email``, ``cancel``, ``user:1``) in one language."""

    lang: str
    t: Translator
    authors: Mapping[str, str]

    def _from(self, table: Mapping[str, str], key: str) -> str:
        return self.t.gettext(table[key]) if key in table else key

    def status(self, value: str) -> str:
        return self._from(strings.REPORT_STATUS, value)

    def severity(self, value: str) -> str:
        return self._from(strings.REPORT_SEVERITY, value)

    def channel(self, value: str) -> str:
        return self._from(strings.REPORT_CHANNELS, value)

    def channels(self, values: list[str]) -> str:
        return ", ".join(self.channel(v) for v in values)

    def kind(self, value: str) -> str:
        return self._from(strings.REPORT_KINDS, value)

    def state(self, value: str) -> str:
        return self._from(strings.REPORT_STATES, value)

    def ack_via(self, value: str) -> str:
        return self._from(strings.REPORT_ACK_VIA, value)

    def language(self, tag: str) -> str:
        try:
            return language_name(tag, self.lang)
        except ValueError:
            return tag

    def who(self, label: str) -> str:
        """``user:1`` → their e-mail address; ``token:3 (ops)`` → API token “ops”; …"""
        if label in self.authors:
            return self.authors[label]
        if label.startswith("token:"):
            name = label.partition(" (")[2].rstrip(")") or label
            return self.t.gettext(strings.REPORT_BY_TOKEN, name=name)
        fixed = {
            "cli": strings.REPORT_BY_CLI,
            "system": strings.REPORT_BY_SYSTEM,
            "scheduler": strings.REPORT_BY_SCHEDULE,
        }
        return self.t.gettext(fixed[label]) if label in fixed else label

    def yes_no(self, value: bool) -> str:
        return self.t.gettext(strings.REPORT_YES if value else strings.REPORT_NO)

    def minutes(self, seconds: float | None) -> str:
        """Seconds as minutes with one decimal, in the language's form; "–" for none."""
        if seconds is None:
            return "–"
        return format_decimal(seconds / 60, format="0.0", locale=babel_locale(self.lang))

    def percent(self, share: float | None) -> str:
        if share is None:
            return "–"
        return format_percent(share, locale=babel_locale(self.lang))

    def number(self, value: float | None) -> str:
        if value is None:
            return "–"
        return format_decimal(value, locale=babel_locale(self.lang))


def labels_for(lang: str, authors: Mapping[str, str]) -> Labels:
    return Labels(lang=lang, t=translator(lang), authors=authors)
