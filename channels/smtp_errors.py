"""How an SMTP failure is classified for the outbox.

server answered 5xx (address, sender, data, login)    PermanentChannelError, code "550" etc.
server answered 4xx                                   TransientChannelError, code "451" etc.
refused connection, timeout, disconnect               TransientChannelError
unbuildable message, feature the server lacks         PermanentChannelError
"""

from __future__ import annotations

import aiosmtplib

from channels._redact import redact
from channels.base import ChannelError, PermanentChannelError, TransientChannelError

# What the server refused, by the step that failed; the most specific class wins.
_REFUSED_WHAT: dict[type[aiosmtplib.SMTPException], str] = {
    aiosmtplib.SMTPRecipientRefused: "the mail server refused the address",
    aiosmtplib.SMTPSenderRefused: "the mail server refused our sender address",
    aiosmtplib.SMTPDataError: "the mail server refused the message",
    aiosmtplib.SMTPAuthenticationError: "the mail server refused our login",
    aiosmtplib.SMTPHeloError: "the mail server refused our greeting",
    aiosmtplib.SMTPConnectResponseError: "the mail server refused the connection",
    aiosmtplib.SMTPResponseException: "the mail server refused to take the message",
}


def translate(exc: BaseException) -> ChannelError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        # One recipient per message, so the first refusal is the refusal.
        return translate(exc.recipients[0])
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        what = next(_REFUSED_WHAT[cls] for cls in type(exc).__mro__ if cls in _REFUSED_WHAT)
        answer = f"({exc.code} {redact(exc.message).strip()})"
        if 500 <= exc.code < 600:
            return PermanentChannelError(f"{what} {answer}", code=str(exc.code))
        return TransientChannelError(f"{what} for now {answer}", code=str(exc.code))
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return PermanentChannelError(f"the mail server does not support what we need ({exc})")
    if isinstance(exc, TimeoutError):
        return TransientChannelError("the mail server did not answer in time")
    return TransientChannelError(f"the mail server could not be reached ({exc})")
