"""Message packs: the public pages, and the e-mail that brings a pack to an organisation."""

from translations.strings.marking import N_, NN_

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
