"""Meetings: invitations, reminders and cancellations by e-mail and SMS, and the answer page."""

from translations.strings.marking import N_

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
