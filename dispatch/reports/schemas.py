"""The report's output structs: what the JSON, XLSX and HTML forms of a report are made of."""

from __future__ import annotations

from datetime import datetime

import msgspec

from dispatch.delivery.models import DeliveryState
from dispatch.incidents.schemas import EmailCounts


def _no_deliveries() -> dict[str, int]:
    return {s.value: 0 for s in DeliveryState}


class Breakdown(msgspec.Struct):
    """Reach in one slice: people, their acknowledgements, and deliveries by state
    (``{"queued": N, "sending": N, …}``, every state present, as the public contract says)."""

    recipients: int = 0
    acknowledged: int = 0
    deliveries: dict[str, int] = msgspec.field(default_factory=_no_deliveries)

    def count(self, state: str) -> None:
        self.deliveries[state] = self.deliveries.get(state, 0) + 1

    @property
    def total(self) -> int:
        """Every delivery in the slice, whatever its state."""
        return sum(self.deliveries.values())

    @property
    def queued(self) -> int:
        return self.deliveries.get(DeliveryState.QUEUED, 0)

    @property
    def sending(self) -> int:
        return self.deliveries.get(DeliveryState.SENDING, 0)

    @property
    def sent(self) -> int:
        return self.deliveries.get(DeliveryState.SENT, 0)

    @property
    def delivered(self) -> int:
        return self.deliveries.get(DeliveryState.DELIVERED, 0)

    @property
    def failed(self) -> int:
        return self.deliveries.get(DeliveryState.FAILED, 0)

    @property
    def undeliverable(self) -> int:
        return self.deliveries.get(DeliveryState.UNDELIVERABLE, 0)

    @property
    def handed_over(self) -> int:
        return self.sent + self.delivered + self.undeliverable


class Timing(msgspec.Struct):
    """Seconds from the alert to each acknowledgement."""

    acknowledged: int = 0
    median_s: float | None = None
    p90_s: float | None = None


class OrganisationRow(msgspec.Struct):
    id: int
    name: str
    recipients: int
    acknowledged: int
    failed: int


class FailureReason(msgspec.Struct):
    channel: str
    reason: str
    deliveries: int


class SendDecision(msgspec.Struct):
    """A decision the engine took about one send, with its reason: moved to another provider,
    sent again without an answer (possibly twice), or found at the provider."""

    delivery_id: int
    channel: str
    at: datetime
    kind: str
    detail: str


class FallbackSummary(msgspec.Struct):
    preferred: str
    sent_in: str
    recipients: int


class FallbackPerson(msgspec.Struct):
    name: str
    organisation: str
    preferred: str
    sent_in: str


class FieldReportRow(msgspec.Struct):
    received_at: datetime
    network: str | None
    organisation: str | None
    language: str | None
    source: str
    tags: list[str]
    text: str


class TimelineEvent(msgspec.Struct):
    at: datetime
    event: str
    detail: str = ""


class VersionRow(msgspec.Struct):
    sequence: int
    kind: str
    created_at: datetime
    created_by: str
    languages: list[str]
    content: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)
    """The texts sent, by language: ``subject``, ``sms``, ``body``, ``instruction``."""


class AckPoint(msgspec.Struct):
    minute: int
    acknowledged: int
    """Cumulative acknowledgements by this many minutes after the alert."""


class IncidentHead(msgspec.Struct):
    id: int
    code: str
    title: str
    status: str
    exercise: bool
    state: str
    severity: str
    urgency: str
    certainty: str
    networks: list[str]
    channels: list[str]
    declared_by: str
    declared_at: datetime
    closed_at: datetime | None


class Compared(msgspec.Struct):
    previous: float | None
    current: float | None


class Comparison(msgspec.Struct):
    """An exercise beside the exercise before it: are the networks getting better?"""

    previous_id: int
    previous_code: str
    previous_title: str
    previous_declared_at: datetime
    recipients: Compared
    ack_rate: Compared
    median_s: Compared
    p90_s: Compared
    silent_organisations: Compared
    still_silent: list[str]
    """Silent both times: the organisations to call first."""
    newly_silent: list[str]
    no_longer_silent: list[str]


class BouncedAddress(msgspec.Struct):
    name: str
    address: str
    reason: str


class BouncedOrganisation(msgspec.Struct):
    organisation: str
    bounced: int
    addresses: list[BouncedAddress]
    """Only in a personal report (coordinators); viewers get the count."""


class Report(msgspec.Struct):
    incident: IncidentHead
    personal: bool
    """Whether names and addresses are included (coordinators); viewers get counts."""
    versions: list[VersionRow]
    timeline: list[TimelineEvent]
    totals: Breakdown
    ack_rate: float
    time_to_ack: Timing
    by_network: dict[str, Breakdown]
    by_channel: dict[str, Breakdown]
    by_language: dict[str, Breakdown]
    time_to_ack_by_network: dict[str, Timing]
    time_to_ack_by_channel: dict[str, Timing]
    organisations: list[OrganisationRow]
    silent_organisations: list[OrganisationRow]
    failure_reasons: list[FailureReason]
    fallbacks: list[FallbackSummary]
    fallback_people: list[FallbackPerson]
    """At most ``MAX_LISTED``, and only in a personal report."""
    field_reports: int
    field_report_items: list[FieldReportRow]
    """The reports themselves, only in a personal report."""
    acks_over_time: list[AckPoint]
    generated_at: datetime
    comparison: Comparison | None = None
    """For an exercise: how it compares with the exercise before it."""
    possible_duplicates: int = 0
    """Sends decided without an answer from the provider: the person may have two."""
    send_decisions: dict[str, int] = msgspec.field(default_factory=dict)
    """How many of each kind of decision (``failover``, ``decided``, ``reconciled``)."""
    send_decision_items: list[SendDecision] = msgspec.field(default_factory=list)
    """The decisions themselves, at most ``MAX_LISTED``, oldest first."""
    authors: dict[str, str] = msgspec.field(default_factory=dict)
    """Who ``user:N`` in ``declared_by`` and ``created_by`` is (their e-mail address)."""
    email: EmailCounts = msgspec.field(default_factory=EmailCounts)
    """E-mail taken by the mail server, bounced, replied to, answered automatically."""
    bounced: list[BouncedOrganisation] = msgspec.field(default_factory=list)
    """The addresses that bounced, per organisation, for the coordinator to correct."""
