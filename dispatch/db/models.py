"""Every model, imported in one place so the metadata is complete for migrations and tests."""

from dispatch.audit.models import AuditEvent
from dispatch.db.base import Base
from dispatch.directory.models import Contact, Membership, Network, Organisation
from dispatch.security.models import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "Contact",
    "Membership",
    "Network",
    "Organisation",
    "User",
]
