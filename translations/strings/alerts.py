"""An alert and its acknowledgement: markers, how to confirm, the confirmation page, replies."""

from translations.strings.marking import N_, NN_

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
# TRANSLATORS: Answer to "OK 9999" when 9999 is not the code of an open alert
# sent to this member; the SMS reply instruction with the right code follows.
SMS_REPLY_UNKNOWN_CODE = N_(
    "Code %(wrong)s does not match any open alert to you; nothing was confirmed."
)
# TRANSLATORS: Answer to STOP, sent to the number the STOP came from.
# Anyone can forge a sender number, so it says what happened and how
# to undo it. Keep "START" exactly as it is, in Latin capitals: members
# type it, and the SMS provider only understands that word. "STOP" is
# what the member sent; it may stay as it is.
SMS_REPLY_STOPPED = N_(
    "We got STOP from this number: you will no longer get emergency alerts from us by SMS. "
    "If that was not you, or to get them again, reply START."
)
# TRANSLATORS: Answer to START.
SMS_REPLY_STARTED = N_("You will receive SMS from us again.")

# --- Reminders and escalation ----------------------------------------------------------------

REMINDER = N_("Reminder: please confirm that you received the alert.")
# TRANSLATORS: Told to a main contact, before the alert is sent to them
# again. %(num)d is a whole number; %(organisations)s names the
# organisations, already joined in your language ("Oslo kommune" or
# "Oslo kommune and Bergen kommune"). Fill in every plural form your
# language has; a form used for exactly one number (Arabic's dual) may
# leave %(num)d out.
ORGANISATIONS_NOT_CONFIRMED = NN_(
    "%(num)d organisation has not confirmed: %(organisations)s.",
    "%(num)d organisations have not confirmed: %(organisations)s.",
)
