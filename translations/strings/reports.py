"""The post-incident report's headings, for coordinators and leadership (nb, nn and en)."""

from translations.strings.marking import N_

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
REPORT_EMAIL = N_(
    "E-mail: accepted by the mail server %(accepted)s, bounced %(bounced)s, replied "
    "%(replied)s, answered automatically %(automatic)s"
)
REPORT_BOUNCED = N_("E-mail addresses that bounced, to correct")
REPORT_ADDRESS = N_("Address")
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
REPORT_DECISIONS = N_("Sends the system decided about")
REPORT_DECISIONS_INTRO = N_(
    "When a provider did not say whether it had taken an SMS, the system asked it a few times "
    "and then sent the SMS again rather than risk a silent miss; those people may have it twice."
)
# TRANSLATORS: a count follows, e.g. "Possibly sent twice: 6".
REPORT_POSSIBLE_DUPLICATES = N_("Possibly sent twice")
REPORT_DECISION_FAILOVER = N_("Moved to another provider")
REPORT_DECISION_DECIDED = N_("Sent again without an answer")
REPORT_DECISION_RECONCILED = N_("Found at the provider, not sent again")
REPORT_DECISION_BOUNCED = N_("E-mail bounced by the mail server")
REPORT_DECISION_BOUNCED_LATER = N_("E-mail delayed, the mail server still trying")
REPORT_DECISION_BESIDE_BOUNCED = N_("SMS sent at once: the e-mail address had bounced before")
REPORT_DECISION = N_("Decision")
REPORT_TIME = N_("Time")
REPORT_DELIVERY = N_("Delivery")
REPORT_TEAMS_ACCEPTED = N_(
    "Teams: handed over means that the network's Teams flow accepted the card; Teams does not "
    "report whether the channel shows it."
)

# --- Words the report used to print as code words ----------------------------------------------

REPORT_STATUS = {
    "actual": N_("Real incident"),
    "exercise": N_("Exercise"),
    "test": N_("Technical test"),
}
REPORT_SEVERITY = {
    "extreme": N_("Extreme"),
    "severe": N_("Severe"),
    "moderate": N_("Moderate"),
    "minor": N_("Minor"),
    "unknown": N_("Unknown"),
}
REPORT_CHANNELS = {"email": N_("E-mail"), "sms": N_("SMS"), "teams": N_("Teams")}
REPORT_KINDS = {
    "alert": N_("Alert"),
    "update": N_("Update"),
    "cancel": N_("Closing message"),
    "reminder": N_("Reminder"),
    "escalation": N_("To main contacts"),
}
REPORT_STATES = {
    "queued": N_("Queued"),
    "sending": N_("Sending"),
    "sent": N_("Handed over"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
    "undeliverable": N_("Undeliverable"),
}
REPORT_ACK_VIA = {
    "sms": N_("SMS reply"),
    "link": N_("Link"),
    "api": N_("API"),
    "email": N_("E-mail reply"),
}
# TRANSLATORS: Who declared or sent a message, when it was a script: %(name)s is the token's name.
REPORT_BY_TOKEN = N_("API token “%(name)s”")
REPORT_BY_CLI = N_("the command line")
REPORT_BY_SYSTEM = N_("the system")
REPORT_BY_SCHEDULE = N_("the exercise schedule")
REPORT_SENT_BY = N_("Sent by")
REPORT_MESSAGE_TEXTS = N_("The messages as sent")
REPORT_SUBJECT = N_("Subject")
REPORT_SMS = N_("SMS")
REPORT_BODY = N_("Message")
REPORT_INSTRUCTION = N_("What to do")
REPORT_SHEET_SUMMARY = N_("Summary")
REPORT_SHEET_DELIVERIES = N_("Deliveries")
REPORT_SHEET_MESSAGES = N_("Messages")
REPORT_TIMES_IN = N_("Times are in")
REPORT_SECONDS = N_("seconds")
# TRANSLATORS: Column headings of the deliveries sheet, one row per message to one person.
REPORT_COLUMNS = {
    "delivery_id": N_("Delivery"),
    "message": N_("Message no."),
    "kind": N_("Kind"),
    "channel": N_("Channel"),
    "state": N_("State"),
    "language": N_("Language sent"),
    "preferred_language": N_("Preferred language"),
    "fallback": N_("Another language"),
    "network": N_("Network"),
    "organisation": N_("Organisation"),
    "name": N_("Name"),
    "address": N_("Address"),
    "attempts": N_("Attempts"),
    "created_at": N_("Created"),
    "sent_at": N_("Handed over at"),
    "delivered_at": N_("Delivered at"),
    "failed_at": N_("Failed at"),
    "last_error": N_("Last error"),
    "acknowledged_at": N_("Acknowledged at"),
    "acknowledged_via": N_("Acknowledged by"),
}
REPORT_YES = N_("yes")
REPORT_NO = N_("no")
