"""Newsletters (nyhetsepost): the e-mail footers, unsubscribing and contributing."""

from translations.strings.marking import N_

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
