"""Every text the system itself writes to members, as English gettext message ids, by area.

Declared with the no-op markers ``N_`` and ``NN_`` so that ``python -m translations extract``
finds them; callers translate at the point of sending, in the recipient's language:
``translator(tag).gettext(strings.SMS_REPLY_INSTRUCTION, code="4821")``. A comment that starts
with ``TRANSLATORS:`` right above a declaration is copied into every catalog for translators.
Placeholders are named (``%(code)s``) and must survive translation unchanged.

Each area has its module (``alerts``, ``packs``, ``contact_list``, ``newsletters``,
``meetings``, ``reports``); this package gathers them into one namespace, so that callers write
``strings.NAME`` whichever module declares it.
"""

from __future__ import annotations

from translations.strings import alerts, contact_list, meetings, newsletters, packs, reports
from translations.strings.alerts import *  # noqa: F403
from translations.strings.contact_list import *  # noqa: F403
from translations.strings.marking import N_ as N_
from translations.strings.marking import NN_ as NN_
from translations.strings.marking import PluralMessage as PluralMessage
from translations.strings.meetings import *  # noqa: F403
from translations.strings.newsletters import *  # noqa: F403
from translations.strings.packs import *  # noqa: F403
from translations.strings.reports import *  # noqa: F403

AREAS = (alerts, packs, contact_list, newsletters, meetings, reports)
"""The areas in catalog order: ``extract`` writes their messages first, area by area, each in
the order of its module, so that the template keeps its order when messages move between areas."""

MEMBER_FACING: tuple[str | PluralMessage, ...] = (
    alerts.EXERCISE,
    alerts.TEST,
    alerts.SMS_REPLY_INSTRUCTION,
    alerts.CONFIRM_RECEIPT,
    alerts.CONFIRM_WITH_LINK,
    alerts.WHY_YOU_RECEIVE_THIS,
    alerts.UPDATE,
    alerts.INCIDENT_CLOSED,
    alerts.SENT_AT,
    alerts.ALERT_FROM_DIRECTORATE,
    alerts.ACK_PAGE_QUESTION,
    alerts.ACK_PAGE_BUTTON,
    alerts.ACK_PAGE_FIELD_REPORT,
    alerts.ACK_PAGE_THANKS,
    alerts.ACK_PAGE_ALREADY,
    alerts.ACK_LINK_INVALID,
    alerts.ACK_LINK_EXPIRED,
    alerts.SMS_REPLY_CONFIRMED,
    alerts.SMS_REPLY_RECEIVED,
    alerts.SMS_REPLY_UNKNOWN_NUMBER,
    alerts.SMS_REPLY_UNKNOWN_CODE,
    alerts.SMS_REPLY_STOPPED,
    alerts.SMS_REPLY_STARTED,
    alerts.REMINDER,
    alerts.ORGANISATIONS_NOT_CONFIRMED,
    packs.PACK_FROM,
    packs.PACK_CHOOSE_LANGUAGE,
    packs.PACK_OTHER_LANGUAGES,
    packs.PACK_SHORT_TEXT,
    packs.PACK_COPY,
    packs.PACK_COPIED,
    packs.PACK_PRINT,
    packs.PACK_DOWNLOAD_ALL,
    packs.PACK_MORE_INFORMATION,
    packs.PACK_UPDATED,
    packs.PACK_PASSED_ON_QUESTION,
    packs.PACK_OTHER_NUMBER,
    packs.PACK_SEND,
    packs.PACK_REPORTING_FOR,
    packs.PACK_PASSED_ON_THANKS,
    packs.PACK_NUMBER_INVALID,
    packs.PACK_NOT_FOUND,
    packs.PACK_EMAIL_SUBJECT,
    packs.PACK_EMAIL_INTRO,
    packs.PACK_EMAIL_REPORT_BACK,
    contact_list.REVIEW_SUBJECT,
    contact_list.REVIEW_INTRO,
    contact_list.REVIEW_LINK,
    contact_list.REVIEW_REMINDER,
    contact_list.REVIEW_SMS,
    contact_list.REVIEW_PAGE_TITLE,
    contact_list.REVIEW_PAGE_NAME,
    contact_list.REVIEW_PAGE_EMAIL,
    contact_list.REVIEW_PAGE_PHONE,
    contact_list.REVIEW_PAGE_LANGUAGE,
    contact_list.REVIEW_PAGE_CONFIRM,
    contact_list.REVIEW_PAGE_REPLACE,
    contact_list.REVIEW_PAGE_DONE,
    contact_list.REVIEW_PAGE_REPLACEMENT_NOTED,
    contact_list.REVIEW_PAGE_CLOSED,
    contact_list.CHANGES_FOOTER,
    contact_list.CHANGES_TITLE,
    contact_list.CHANGES_INTRO,
    contact_list.CHANGES_KIND,
    contact_list.CHANGES_ADD,
    contact_list.CHANGES_REMOVE,
    contact_list.CHANGES_ORGANISATION,
    contact_list.CHANGES_COMMENT,
    contact_list.CHANGES_SEND,
    contact_list.CHANGES_THANKS,
    contact_list.CHANGES_NEED_ADDRESS,
    newsletters.NEWSLETTER_UNSUBSCRIBE_LINE,
    newsletters.NEWSLETTER_CONTRIBUTE_LINE,
    newsletters.UNSUBSCRIBE_TITLE,
    newsletters.UNSUBSCRIBE_QUESTION,
    newsletters.UNSUBSCRIBE_DONE,
    newsletters.CONTRIBUTE_TITLE,
    newsletters.CONTRIBUTE_INTRO,
    newsletters.CONTRIBUTE_TEXT,
    newsletters.CONTRIBUTE_THANKS,
    meetings.MEETING_INVITE_SUBJECT,
    meetings.MEETING_INVITE_INTRO,
    meetings.MEETING_TIME,
    meetings.MEETING_JOIN_LINE,
    meetings.MEETING_AGENDA,
    meetings.MEETING_ANSWER_LINE,
    meetings.MEETING_CALENDAR_NOTE,
    meetings.MEETING_REMINDER_SUBJECT,
    meetings.MEETING_REMINDER_INTRO,
    meetings.MEETING_CANCEL_SUBJECT,
    meetings.MEETING_CANCEL_INTRO,
    meetings.MEETING_SMS_INVITE,
    meetings.MEETING_SMS_REMINDER,
    meetings.MEETING_SMS_CANCEL,
    meetings.MEETING_REPLY_ACCEPTED,
    meetings.MEETING_REPLY_DECLINED,
    meetings.MEETING_REPLY_UNCLEAR,
    meetings.MEETING_PAGE_TITLE,
    meetings.MEETING_PAGE_QUESTION,
    meetings.MEETING_PAGE_YES,
    meetings.MEETING_PAGE_NO,
    meetings.MEETING_PAGE_ACCEPTED,
    meetings.MEETING_PAGE_DECLINED,
    meetings.MEETING_PAGE_CHANGE,
    meetings.MEETING_PAGE_CANCELLED,
    meetings.MEETING_PAGE_OVER,
    meetings.MEETING_PAGE_JOIN,
    meetings.MEETING_PAGE_CALENDAR,
    meetings.MEETING_EMERGENCY_TITLE,
    meetings.MEETING_EMERGENCY_AGENDA,
)
"""Every message a member may read, in catalog order."""

# A reviewer checks these first in a machine-drafted language: a wrong exercise marker makes an
# exercise look real, and a wrong reply instruction means no one can acknowledge.
SAFETY_CRITICAL: tuple[str, ...] = (
    alerts.EXERCISE,
    alerts.TEST,
    alerts.SMS_REPLY_INSTRUCTION,
    alerts.SMS_REPLY_STOPPED,
)

SYSTEM_WORDS: dict[str, str] = {
    "EXERCISE": alerts.EXERCISE,
    "TEST": alerts.TEST,
    "SMS_REPLY_INSTRUCTION": alerts.SMS_REPLY_INSTRUCTION,
    "ACK_PAGE_QUESTION": alerts.ACK_PAGE_QUESTION,
    "ACK_PAGE_BUTTON": alerts.ACK_PAGE_BUTTON,
    "ACK_PAGE_FIELD_REPORT": alerts.ACK_PAGE_FIELD_REPORT,
    "ACK_PAGE_THANKS": alerts.ACK_PAGE_THANKS,
    "ACK_PAGE_ALREADY": alerts.ACK_PAGE_ALREADY,
}
"""The system's own words whose review a person records per language (``translations.review``):
the markers, how to confirm by SMS, and the acknowledgement page. By name, as ``review.json``
keeps them."""
