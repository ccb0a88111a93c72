"""Network, topical and emergency meetings: invitations with a calendar file, answers by link
or SMS reply, and a reminder the day before."""
