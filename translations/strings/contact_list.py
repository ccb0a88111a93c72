"""Keeping the contact list right: the yearly review and members' own changes to it."""

from translations.strings.marking import N_

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
# TRANSLATORS: The whole SMS for a contact whose e-mail address bounced. Keep it short.
# %(organisation)s is the organisation, %(deadline)s a date, %(link)s a web address.
REVIEW_SMS_BOUNCED = N_(
    "Our e-mail to you came back undelivered. Correct your address for %(organisation)s by "
    "%(deadline)s: %(link)s"
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
