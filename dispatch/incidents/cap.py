"""An incident as a CAP 1.2 alert (OASIS Common Alerting Protocol), one ``<info>`` per language.

The alert describes the incident's latest message version: ``msgType`` is ``Alert`` for the
first, ``Update`` for updates and ``Cancel`` for the closing message, and ``<references>``
names every earlier version. Reminders and escalations are not CAP messages and are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from dispatch.incidents.models import Incident, MessageKind, MessageVersion

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
OSLO = ZoneInfo("Europe/Oslo")
MSG_TYPE = {MessageKind.ALERT: "Alert", MessageKind.UPDATE: "Update", MessageKind.CANCEL: "Cancel"}
CAP_KINDS = tuple(MSG_TYPE)


def cap_time(moment: datetime) -> str:
    """CAP's date-time: local Oslo time with its offset and no fractions of a second."""
    return moment.astimezone(OSLO).replace(microsecond=0).isoformat()


def identifier(incident: Incident, version: MessageVersion) -> str:
    """A stable identifier for one message version."""
    return f"no.helsedirektoratet.beredskap.{incident.id}.{version.sequence}"


def to_cap(
    incident: Incident, versions: Sequence[MessageVersion], *, sender: str, networks: Sequence[str]
) -> bytes:
    """CAP 1.2 XML for the incident's latest message version."""
    ET.register_namespace("", NAMESPACE)
    cap_versions = sorted((v for v in versions if v.kind in CAP_KINDS), key=lambda v: v.sequence)
    latest = cap_versions[-1]
    alert = ET.Element(f"{{{NAMESPACE}}}alert")

    def add(parent: ET.Element, tag: str, text: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
        element.text = text
        return element

    add(alert, "identifier", identifier(incident, latest))
    add(alert, "sender", sender)
    add(alert, "sent", cap_time(latest.created_at))
    add(alert, "status", incident.status.capitalize())
    add(alert, "msgType", MSG_TYPE[MessageKind(latest.kind)])
    add(alert, "scope", "Restricted")
    add(alert, "restriction", "Members of the networks " + ", ".join(networks))
    earlier = cap_versions[:-1]
    if earlier:
        references = [
            f"{sender},{identifier(incident, v)},{cap_time(v.created_at)}" for v in earlier
        ]
        add(alert, "references", " ".join(references))
    add(alert, "incidents", f"no.helsedirektoratet.beredskap.{incident.id}")
    for language, content in latest.content.items():
        info = ET.SubElement(alert, f"{{{NAMESPACE}}}info")
        add(info, "language", language)
        add(info, "category", "Health")
        add(info, "event", incident.title)
        add(info, "urgency", incident.urgency.capitalize())
        add(info, "severity", incident.severity.capitalize())
        add(info, "certainty", incident.certainty.capitalize())
        add(info, "senderName", "Helsedirektoratet")
        headline = content.get("subject") or content.get("sms") or incident.title
        add(info, "headline", headline)
        description = content.get("body") or content.get("sms")
        if description:
            add(info, "description", description)
        if content.get("instruction"):
            add(info, "instruction", content["instruction"])
    body: bytes = ET.tostring(alert, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
