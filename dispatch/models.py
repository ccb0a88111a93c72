"""Every model, imported in one place so the metadata is complete for migrations and tests (it
imports every package, so nothing in them imports it)."""

from dispatch.acks.models import Acknowledgement, FieldReport, SmsOptOut
from dispatch.alert_templates.models import AlertTemplate, TemplateContent
from dispatch.audit.models import AuditEvent
from dispatch.campaigns.models import Campaign, CampaignTarget
from dispatch.changes.models import ChangeRequest
from dispatch.db.base import Base
from dispatch.delivery.events import StatusEvent
from dispatch.delivery.history import DeliveryEvent
from dispatch.delivery.models import Delivery
from dispatch.delivery.sandbox import SandboxMessage
from dispatch.directory.bounces import EmailBounce
from dispatch.directory.models import Contact, Membership, Network, Organisation
from dispatch.exercises.models import ScheduledExercise
from dispatch.inbound.models import InboundMail, InboundSms
from dispatch.incidents.models import Incident, MessageVersion, Recipient
from dispatch.incidents.timers import EscalationStep
from dispatch.meetings.models import Meeting
from dispatch.newsletters.models import NewsletterContribution
from dispatch.packs.models import Pack, PackContent, PackPublication, PassedOn
from dispatch.providers.models import SmsProviderState
from dispatch.replycodes.models import ReplyCode
from dispatch.security.models import ApiToken, RecoveryCode, User, WebSession

__all__ = [
    "Acknowledgement",
    "AlertTemplate",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Campaign",
    "CampaignTarget",
    "ChangeRequest",
    "Contact",
    "Delivery",
    "DeliveryEvent",
    "EmailBounce",
    "EscalationStep",
    "FieldReport",
    "InboundMail",
    "InboundSms",
    "Incident",
    "Meeting",
    "Membership",
    "MessageVersion",
    "Network",
    "NewsletterContribution",
    "Organisation",
    "Pack",
    "PackContent",
    "PackPublication",
    "PassedOn",
    "Recipient",
    "RecoveryCode",
    "ReplyCode",
    "SandboxMessage",
    "ScheduledExercise",
    "SmsOptOut",
    "SmsProviderState",
    "StatusEvent",
    "TemplateContent",
    "User",
    "WebSession",
]
