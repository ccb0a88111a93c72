"""Every text the system itself writes to members, as English gettext message ids.

Declared with the no-op markers ``N_`` and ``NN_`` so that ``python -m translations extract``
finds them; callers translate at the point of sending, in the recipient's language:
``translator(tag).gettext(strings.SMS_REPLY_INSTRUCTION, code="4821")``. A comment that starts
with ``TRANSLATORS:`` right above a declaration is copied into every catalog for translators.
Placeholders are named (``%(code)s``) and must survive translation unchanged.
"""

from __future__ import annotations

from typing import NamedTuple


class PluralMessage(NamedTuple):
    """A message with a singular and a plural English form; ``ngettext(*message, n)``."""

    singular: str
    plural: str


def N_(message: str) -> str:
    """Mark ``message`` for extraction and return it unchanged."""
    return message


def NN_(singular: str, plural: str) -> PluralMessage:
    """Mark a singular and plural pair for extraction and return them unchanged."""
    return PluralMessage(singular, plural)


# --- Markers: the first word of a message that is not a real alert --------------------------

# TRANSLATORS: Exercise marker, the first word of every message sent
# in an exercise, so that no one takes an exercise for a real alert.
# One short word, in capitals where the script has them.
EXERCISE = N_("EXERCISE")
# TRANSLATORS: Test marker, the first word of every technical test
# message. One short word, in capitals where the script has them.
TEST = N_("TEST")

# --- SMS: how to acknowledge -----------------------------------------------------------------

# TRANSLATORS: The last line of every alert by SMS. Keep "OK" exactly
# as it is, in Latin letters; %(code)s is a short code such as 4821.
# Keep it short: every character counts in an SMS.
SMS_REPLY_INSTRUCTION = N_("Reply OK %(code)s to confirm you got this message.")

# --- E-mail and Teams: the acknowledgement link ----------------------------------------------

# TRANSLATORS: Label of the button that opens the confirmation page.
CONFIRM_RECEIPT = N_("Confirm receipt")
# TRANSLATORS: %(link)s is the web address of the confirmation page.
CONFIRM_WITH_LINK = N_("Confirm that you received this message: %(link)s")
# TRANSLATORS: Footer. %(organisation)s is the member's organisation,
# %(network)s one of the networks NIK, NONEMI or NIFS.
WHY_YOU_RECEIVE_THIS = N_("You receive this as a contact for %(organisation)s in %(network)s.")

# --- Parts of an alert -----------------------------------------------------------------------

# TRANSLATORS: Heading of a follow-up about an incident already sent.
UPDATE = N_("Update")
# TRANSLATORS: The closing message: nothing more will come about it.
INCIDENT_CLOSED = N_("The incident is closed.")
# TRANSLATORS: %(time)s is a date and time, already in your language.
SENT_AT = N_("Sent %(time)s")
# TRANSLATORS: Sender line. The Directorate is Helsedirektoratet; use
# the name your readers know it by.
ALERT_FROM_DIRECTORATE = N_("Alert from the Norwegian Directorate of Health")

# --- Acknowledgement page --------------------------------------------------------------------

ACK_PAGE_QUESTION = N_("Did you receive this message?")
# TRANSLATORS: The button that confirms receipt.
ACK_PAGE_BUTTON = N_("Yes, I received it")
# TRANSLATORS: Label of an optional text field: what the member sees
# and hears among the people their organisation serves.
ACK_PAGE_FIELD_REPORT = N_("Anything to report from your community? (optional)")
ACK_PAGE_THANKS = N_("Thank you. Your confirmation is registered.")
ACK_PAGE_ALREADY = N_("You had already confirmed this message.")
ACK_LINK_INVALID = N_("This link is not valid.")
ACK_LINK_EXPIRED = N_("This link has expired.")

# --- SMS replies: our answers to an SMS a member sends -----------------------------------------

SMS_REPLY_CONFIRMED = N_("Thank you, your confirmation is registered.")
# TRANSLATORS: Answer to an SMS that is more than a confirmation,
# e.g. a report from the field.
SMS_REPLY_RECEIVED = N_("Thank you, we have your message.")
SMS_REPLY_UNKNOWN_NUMBER = N_(
    "We do not recognise this number. Your message has been passed to the coordinators."
)
# TRANSLATORS: Answer to STOP. Keep "START" exactly as it is, in
# Latin capitals: the SMS provider only understands that word.
SMS_REPLY_STOPPED = N_("You will no longer receive SMS from us. Reply START to subscribe again.")
# TRANSLATORS: Answer to START.
SMS_REPLY_STARTED = N_("You will receive SMS from us again.")

# --- Reminders and escalation ----------------------------------------------------------------

REMINDER = N_("Reminder: please confirm that you received the alert.")
# TRANSLATORS: Told to a main contact. %(num)d is a whole number;
# fill in every plural form your language has.
ORGANISATIONS_NOT_CONFIRMED = NN_(
    "%(num)d organisation has not confirmed.", "%(num)d organisations have not confirmed."
)

# --- Message packs: the public pages and the e-mail that brings a pack to an organisation ------

# TRANSLATORS: Sender line on a message pack's public page.
PACK_FROM = N_("Public information from the Norwegian Directorate of Health")
# TRANSLATORS: Heading above the list of languages a pack is in.
PACK_CHOOSE_LANGUAGE = N_("Choose a language")
# TRANSLATORS: Heading above links to the same information in other languages.
PACK_OTHER_LANGUAGES = N_("This information in other languages")
# TRANSLATORS: Heading of a short text that people paste into an SMS
# or a WhatsApp group.
PACK_SHORT_TEXT = N_("Short text for SMS or WhatsApp")
# TRANSLATORS: Button that copies the short text.
PACK_COPY = N_("Copy the text")
# TRANSLATORS: Shown for a moment after the text was copied.
PACK_COPIED = N_("Copied")
# TRANSLATORS: Button that prints the page.
PACK_PRINT = N_("Print")
# TRANSLATORS: Link to a zip file with the information in every language.
PACK_DOWNLOAD_ALL = N_("Download all languages (zip)")
# TRANSLATORS: Heading above a list of web links.
PACK_MORE_INFORMATION = N_("More information")
# TRANSLATORS: %(time)s is a date and time, already in your language.
PACK_UPDATED = N_("Updated %(time)s")
# TRANSLATORS: Question to an organisation under the information: have
# they passed this language on, and to roughly how many people?
PACK_PASSED_ON_QUESTION = N_("Have you passed this on? To about how many people?")
# TRANSLATORS: Label of a field for a number other than the buttons offer.
PACK_OTHER_NUMBER = N_("Another number")
# TRANSLATORS: Button that sends the number.
PACK_SEND = N_("Send")
# TRANSLATORS: %(organisation)s is the name of the organisation.
PACK_REPORTING_FOR = N_("You are reporting for %(organisation)s.")
# TRANSLATORS: Thanks after an organisation said how many people it
# passed the information on to. %(num)d is a whole number; fill in
# every plural form your language has.
PACK_PASSED_ON_THANKS = NN_(
    "Thank you. Registered: passed on to about %(num)d person.",
    "Thank you. Registered: passed on to about %(num)d people.",
)
# TRANSLATORS: Shown when the number is missing, not a whole number or too large.
PACK_NUMBER_INVALID = N_("Give a whole number of people between 1 and 1,000,000.")
PACK_NOT_FOUND = N_("This information is not available.")
# TRANSLATORS: Subject of the e-mail that asks an organisation to pass
# a message pack on. %(title)s is the pack's title.
PACK_EMAIL_SUBJECT = N_("Information to pass on: %(title)s")
PACK_EMAIL_INTRO = N_(
    "The Norwegian Directorate of Health asks you to pass this information on to the people "
    "your organisation serves. It is available in these languages:"
)
PACK_EMAIL_REPORT_BACK = N_(
    "When you have passed it on, tell us on the page with one click, so we know how far it reached."
)

# --- The yearly review of the contact list ---------------------------------------------------

# TRANSLATORS: Subject of the yearly e-mail that asks a contact to confirm
# their details. %(organisation)s is the member's organisation.
REVIEW_SUBJECT = N_("Please confirm your contact details for %(organisation)s")
# TRANSLATORS: %(network)s is NIK, NONEMI or NIFS with its full name;
# %(deadline)s is a date.
REVIEW_INTRO = N_(
    "Once a year we check that the emergency alert list for %(network)s is right. Please "
    "confirm or correct your details by %(deadline)s."
)
# TRANSLATORS: %(link)s is the web address of the confirmation page.
REVIEW_LINK = N_("Confirm or correct your details here: %(link)s")
# TRANSLATORS: Added to the reminder. %(deadline)s is a date.
REVIEW_REMINDER = N_(
    "We have not heard from you. Without an answer by %(deadline)s you will no longer get "
    "emergency alerts."
)
# TRANSLATORS: The whole SMS for a contact without e-mail. Keep it short.
# %(organisation)s is the organisation, %(deadline)s a date, %(link)s a web address.
REVIEW_SMS = N_(
    "Confirm by %(deadline)s that you are still the alert contact for %(organisation)s: %(link)s"
)
# TRANSLATORS: Heading of the confirmation page.
REVIEW_PAGE_TITLE = N_("Your contact details")
REVIEW_PAGE_NAME = N_("Name")
REVIEW_PAGE_EMAIL = N_("E-mail address")
REVIEW_PAGE_PHONE = N_("Mobile number")
# TRANSLATORS: Label of the field for a language code such as nb, ar or so.
REVIEW_PAGE_LANGUAGE = N_("Language for messages (a code such as nb, ar or so)")
REVIEW_PAGE_CONFIRM = N_("Confirm these details")
# TRANSLATORS: A fold-out part of the page for naming someone else.
REVIEW_PAGE_REPLACE = N_("I am no longer the right person. Instead, contact:")
REVIEW_PAGE_DONE = N_("Thank you. Your details are confirmed.")
REVIEW_PAGE_REPLACEMENT_NOTED = N_(
    "Thank you. The coordinator will add the person you named before removing you."
)
REVIEW_PAGE_CLOSED = N_(
    "This review has ended. To be put back on the alert list, contact your network's coordinator."
)

# --- Members' own changes to the list ----------------------------------------------------------

# TRANSLATORS: Footer line of every e-mail. %(link)s is a web address.
CHANGES_FOOTER = N_("Someone to add to or remove from this list? Tell us: %(link)s")
# TRANSLATORS: Heading of the page where a member asks for a change.
CHANGES_TITLE = N_("Changes to the alert list")
CHANGES_INTRO = N_(
    "Tell us who should be added to or removed from the alert list. Nothing changes until a "
    "coordinator has checked it."
)
CHANGES_KIND = N_("What should change?")
CHANGES_ADD = N_("Add this person")
CHANGES_REMOVE = N_("Remove this person")
CHANGES_ORGANISATION = N_("Organisation")
CHANGES_COMMENT = N_("Anything else we should know")
CHANGES_SEND = N_("Send")
CHANGES_THANKS = N_("Thank you. A coordinator will look at it.")
# TRANSLATORS: Shown when the form has neither an e-mail address nor a
# mobile number.
CHANGES_NEED_ADDRESS = N_("Give an e-mail address or a mobile number.")

# --- Newsletters (nyhetsepost) -----------------------------------------------------------------

# TRANSLATORS: Footer of a newsletter e-mail. %(organisation)s is the
# member's organisation, %(link)s a web address. Alerts are not affected.
NEWSLETTER_UNSUBSCRIBE_LINE = N_(
    "You get this newsletter as a contact for %(organisation)s. To stop getting newsletters "
    "(emergency alerts still come): %(link)s"
)
# TRANSLATORS: Footer of a newsletter e-mail. %(link)s is a web address.
NEWSLETTER_CONTRIBUTE_LINE = N_("Something for the next issue? Send it here: %(link)s")
UNSUBSCRIBE_TITLE = N_("Stop the newsletter")
# TRANSLATORS: %(address)s is the member's e-mail address.
UNSUBSCRIBE_QUESTION = N_(
    "Stop getting newsletters at %(address)s? You will still get emergency alerts."
)
UNSUBSCRIBE_DONE = N_("Done. You will get no more newsletters. Emergency alerts still come.")
CONTRIBUTE_TITLE = N_("Contribute to the newsletter")
CONTRIBUTE_INTRO = N_(
    "Tell the other members about your work, an event or something you have learned. The "
    "coordinator chooses what goes into the next issue."
)
CONTRIBUTE_TEXT = N_("Your contribution")
CONTRIBUTE_THANKS = N_("Thank you. The coordinator has received it.")

# --- Meetings (member-facing: every catalog) ----------------------------------------------------

# TRANSLATORS: E-mail subject. %(title)s is the meeting's title, %(time)s its date and time.
MEETING_INVITE_SUBJECT = N_("Invitation: %(title)s, %(time)s")
# TRANSLATORS: %(network)s names the network(s), e.g. "NIK – Nettverk for innvandrerhelse".
MEETING_INVITE_INTRO = N_("You are invited to a meeting for %(network)s.")
# TRANSLATORS: %(time)s is a date and time, already in your language.
MEETING_TIME = N_("Time: %(time)s")
# TRANSLATORS: %(link)s is the Teams meeting's web address.
MEETING_JOIN_LINE = N_("Join in Microsoft Teams: %(link)s")
MEETING_AGENDA = N_("Agenda")
# TRANSLATORS: %(link)s is a web address where the member answers yes or no.
MEETING_ANSWER_LINE = N_("Please tell us whether you will come: %(link)s")
MEETING_CALENDAR_NOTE = N_("Open the attached calendar file to add the meeting to your calendar.")
# TRANSLATORS: E-mail subject of the reminder (usually the day before). %(title)s, %(time)s as
# above.
MEETING_REMINDER_SUBJECT = N_("Reminder: %(title)s, %(time)s")
MEETING_REMINDER_INTRO = N_("A reminder of the coming meeting.")
# TRANSLATORS: E-mail subject. %(title)s, %(time)s as above.
MEETING_CANCEL_SUBJECT = N_("Cancelled: %(title)s, %(time)s")
MEETING_CANCEL_INTRO = N_(
    "This meeting is cancelled. Open the attached file to remove it from your calendar."
)
# TRANSLATORS: An SMS invitation. Keep it short. Members answer by replying with the words you
# use for YES and NO followed by %(code)s, a four-digit number; use your language's usual
# "yes"/"no" (the service understands ja, yes, tak, haa, نعم, evet, … and nei, no, nie, maya,
# لا, hayır, …). %(link)s is a web address.
MEETING_SMS_INVITE = N_(
    "%(network)s: meeting «%(title)s» %(time)s. Reply YES %(code)s or NO %(code)s. %(link)s"
)
# TRANSLATORS: The SMS the day before. %(link)s is the Teams meeting's web address; the
# member can still say no with NO %(code)s.
MEETING_SMS_REMINDER = N_(
    "Reminder: «%(title)s» %(time)s. Teams: %(link)s Cannot come? Reply NO %(code)s."
)
MEETING_SMS_CANCEL = N_("Cancelled: the meeting «%(title)s» %(time)s.")
# TRANSLATORS: Replies to an SMS answer. %(title)s is the meeting's title.
MEETING_REPLY_ACCEPTED = N_("Thank you. We have noted that you will come to «%(title)s».")
MEETING_REPLY_DECLINED = N_("Thank you. We have noted that you cannot come to «%(title)s».")
# TRANSLATORS: Use the same YES and NO words as in the invitation SMS.
MEETING_REPLY_UNCLEAR = N_(
    "To answer the invitation to «%(title)s», reply YES %(code)s or NO %(code)s."
)
# TRANSLATORS: Heading of the page where a member answers a meeting invitation.
MEETING_PAGE_TITLE = N_("Meeting invitation")
MEETING_PAGE_QUESTION = N_("Will you come?")
MEETING_PAGE_YES = N_("Yes, I will come")
MEETING_PAGE_NO = N_("No, I cannot come")
MEETING_PAGE_ACCEPTED = N_("Your answer: you will come.")
MEETING_PAGE_DECLINED = N_("Your answer: you cannot come.")
MEETING_PAGE_CHANGE = N_("You can change your answer until the meeting starts.")
MEETING_PAGE_CANCELLED = N_("This meeting is cancelled.")
MEETING_PAGE_OVER = N_("This meeting has already started; answers are closed.")
MEETING_PAGE_JOIN = N_("Join the meeting in Teams")
MEETING_PAGE_CALENDAR = N_("Add to my calendar")
# TRANSLATORS: Title of an emergency meeting called from an incident; %(incident)s is the
# incident's subject in your language.
MEETING_EMERGENCY_TITLE = N_("Emergency meeting: %(incident)s")
MEETING_EMERGENCY_AGENDA = N_(
    "1. The situation now\n2. What the networks hear from the people they serve\n"
    "3. What we do next, and who tells whom"
)

# --- The post-incident report (for coordinators and leadership; nb, nn and en) -----------------

REPORT_TITLE = N_("Incident report")
# TRANSLATORS: Banner across the top of an exercise's report.
REPORT_EXERCISE_BANNER = N_("EXERCISE – not a real incident")
REPORT_TEST_BANNER = N_("TEST – a technical test, not a real incident")
REPORT_SUMMARY = N_("Summary")
REPORT_TIMELINE = N_("Timeline")
REPORT_MESSAGES = N_("Messages")
REPORT_BY_NETWORK = N_("Reach by network")
REPORT_BY_CHANNEL = N_("Reach by channel")
REPORT_BY_LANGUAGE = N_("Reach by language")
REPORT_ORGANISATIONS = N_("Organisations")
REPORT_SILENT = N_("Organisations where no one acknowledged")
REPORT_ACKS_OVER_TIME = N_("Acknowledgements over time")
REPORT_TIME_TO_ACK = N_("Time to acknowledge")
REPORT_FAILURES = N_("Failed deliveries and their reasons")
REPORT_FALLBACKS = N_("Sent in another language than preferred")
REPORT_FIELD_REPORTS = N_("Field reports")
REPORT_RECIPIENTS = N_("Recipients")
REPORT_ACKNOWLEDGED = N_("Acknowledged")
REPORT_ACK_RATE = N_("Acknowledgement rate")
REPORT_DELIVERIES = N_("Deliveries")
REPORT_HANDED_OVER = N_("Handed over")
REPORT_DELIVERED = N_("Delivered")
REPORT_FAILED = N_("Failed")
REPORT_UNDELIVERABLE = N_("Undeliverable")
REPORT_PENDING = N_("Not yet sent")
REPORT_MEDIAN = N_("Median")
REPORT_COMPARED = N_("Compared with the previous exercise")
# TRANSLATORS: %(title)s and %(code)s name the previous exercise, %(time)s is when it was.
REPORT_COMPARED_WITH = N_("The previous exercise: %(title)s (%(code)s), %(time)s.")
REPORT_PREVIOUS = N_("Previous exercise")
REPORT_THIS_EXERCISE = N_("This exercise")
REPORT_ACK_SHARE = N_("Share acknowledged")
REPORT_TIME_TO_ACK_MEDIAN = N_("Time to acknowledge, median")
REPORT_TIME_TO_ACK_P90 = N_("Time to acknowledge, 90th percentile")
REPORT_STILL_SILENT = N_("Silent both times")
REPORT_NEWLY_SILENT = N_("Silent this time only")
REPORT_NO_LONGER_SILENT = N_("Answered this time, silent the last time")
REPORT_NO_PREVIOUS = N_("This is the first exercise; the next one will be compared with it.")
REPORT_P90 = N_("90th percentile")
REPORT_MINUTES = N_("minutes")
REPORT_PREFERRED = N_("Preferred")
REPORT_SENT_IN = N_("Sent in")
REPORT_REASON = N_("Reason")
REPORT_CHANNEL = N_("Channel")
REPORT_NETWORK = N_("Network")
REPORT_LANGUAGE = N_("Language")
REPORT_ORGANISATION = N_("Organisation")
REPORT_NAME = N_("Name")
REPORT_NONE = N_("None.")
REPORT_COUNTS_ONLY = N_("Names and addresses are left out: your role sees counts only.")
# TRANSLATORS: %(time)s is a date and time, already in your language.
REPORT_GENERATED = N_("Generated %(time)s")
REPORT_EVENT_DECLARED = N_("Declared")
REPORT_EVENT_FIRST_HANDOVER = N_("First message handed over")
REPORT_EVENT_LAST_HANDOVER = N_("Last message handed over")
REPORT_EVENT_UPDATE = N_("Update sent")
REPORT_EVENT_CANCEL = N_("Closing message sent")
REPORT_EVENT_REMINDER = N_("Reminder sent")
REPORT_EVENT_ESCALATION = N_("Main contacts told")
REPORT_EVENT_CLOSED = N_("Closed")

MEMBER_FACING: tuple[str | PluralMessage, ...] = (
    EXERCISE,
    TEST,
    SMS_REPLY_INSTRUCTION,
    CONFIRM_RECEIPT,
    CONFIRM_WITH_LINK,
    WHY_YOU_RECEIVE_THIS,
    UPDATE,
    INCIDENT_CLOSED,
    SENT_AT,
    ALERT_FROM_DIRECTORATE,
    ACK_PAGE_QUESTION,
    ACK_PAGE_BUTTON,
    ACK_PAGE_FIELD_REPORT,
    ACK_PAGE_THANKS,
    ACK_PAGE_ALREADY,
    ACK_LINK_INVALID,
    ACK_LINK_EXPIRED,
    SMS_REPLY_CONFIRMED,
    SMS_REPLY_RECEIVED,
    SMS_REPLY_UNKNOWN_NUMBER,
    SMS_REPLY_STOPPED,
    SMS_REPLY_STARTED,
    REMINDER,
    ORGANISATIONS_NOT_CONFIRMED,
    PACK_FROM,
    PACK_CHOOSE_LANGUAGE,
    PACK_OTHER_LANGUAGES,
    PACK_SHORT_TEXT,
    PACK_COPY,
    PACK_COPIED,
    PACK_PRINT,
    PACK_DOWNLOAD_ALL,
    PACK_MORE_INFORMATION,
    PACK_UPDATED,
    PACK_PASSED_ON_QUESTION,
    PACK_OTHER_NUMBER,
    PACK_SEND,
    PACK_REPORTING_FOR,
    PACK_PASSED_ON_THANKS,
    PACK_NUMBER_INVALID,
    PACK_NOT_FOUND,
    PACK_EMAIL_SUBJECT,
    PACK_EMAIL_INTRO,
    PACK_EMAIL_REPORT_BACK,
    REVIEW_SUBJECT,
    REVIEW_INTRO,
    REVIEW_LINK,
    REVIEW_REMINDER,
    REVIEW_SMS,
    REVIEW_PAGE_TITLE,
    REVIEW_PAGE_NAME,
    REVIEW_PAGE_EMAIL,
    REVIEW_PAGE_PHONE,
    REVIEW_PAGE_LANGUAGE,
    REVIEW_PAGE_CONFIRM,
    REVIEW_PAGE_REPLACE,
    REVIEW_PAGE_DONE,
    REVIEW_PAGE_REPLACEMENT_NOTED,
    REVIEW_PAGE_CLOSED,
    CHANGES_FOOTER,
    CHANGES_TITLE,
    CHANGES_INTRO,
    CHANGES_KIND,
    CHANGES_ADD,
    CHANGES_REMOVE,
    CHANGES_ORGANISATION,
    CHANGES_COMMENT,
    CHANGES_SEND,
    CHANGES_THANKS,
    CHANGES_NEED_ADDRESS,
    NEWSLETTER_UNSUBSCRIBE_LINE,
    NEWSLETTER_CONTRIBUTE_LINE,
    UNSUBSCRIBE_TITLE,
    UNSUBSCRIBE_QUESTION,
    UNSUBSCRIBE_DONE,
    CONTRIBUTE_TITLE,
    CONTRIBUTE_INTRO,
    CONTRIBUTE_TEXT,
    CONTRIBUTE_THANKS,
    MEETING_INVITE_SUBJECT,
    MEETING_INVITE_INTRO,
    MEETING_TIME,
    MEETING_JOIN_LINE,
    MEETING_AGENDA,
    MEETING_ANSWER_LINE,
    MEETING_CALENDAR_NOTE,
    MEETING_REMINDER_SUBJECT,
    MEETING_REMINDER_INTRO,
    MEETING_CANCEL_SUBJECT,
    MEETING_CANCEL_INTRO,
    MEETING_SMS_INVITE,
    MEETING_SMS_REMINDER,
    MEETING_SMS_CANCEL,
    MEETING_REPLY_ACCEPTED,
    MEETING_REPLY_DECLINED,
    MEETING_REPLY_UNCLEAR,
    MEETING_PAGE_TITLE,
    MEETING_PAGE_QUESTION,
    MEETING_PAGE_YES,
    MEETING_PAGE_NO,
    MEETING_PAGE_ACCEPTED,
    MEETING_PAGE_DECLINED,
    MEETING_PAGE_CHANGE,
    MEETING_PAGE_CANCELLED,
    MEETING_PAGE_OVER,
    MEETING_PAGE_JOIN,
    MEETING_PAGE_CALENDAR,
    MEETING_EMERGENCY_TITLE,
    MEETING_EMERGENCY_AGENDA,
)
"""Every message a member may read, in the order of this module."""

# A reviewer checks these first in a machine-drafted language: a wrong exercise marker makes an
# exercise look real, and a wrong reply instruction means no one can acknowledge.
SAFETY_CRITICAL: tuple[str, ...] = (EXERCISE, TEST, SMS_REPLY_INSTRUCTION, SMS_REPLY_STOPPED)
