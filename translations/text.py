"""A message the system writes to a person, kept so that it can be said in their language.

``Text`` is a ``str``: it reads as the English sentence wherever text is expected (logs, tests,
code that joins reasons), and it remembers its gettext message id and placeholders, so a page
or an API answer can say it in the reader's language::

    reason = Text(N_("choose at least one network: %(networks)s"), networks="NIK, NONEMI, NIFS")
    str(reason)                              # "choose at least one network: NIK, NONEMI, NIFS"
    say(reason, translator("nb").gettext)    # "velg minst ett nettverk: NIK, NONEMI, NIFS"

``field`` names the form field a reason belongs to (``networks``, ``message.nb.sms``), so a form
can show it beside that field. A placeholder may itself be a ``Text`` and is said in the same
language. A plain ``str`` is said as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, Self

from translations.locales import UnknownLanguageError, language_name


class Sayer(Protocol):
    @property
    def language(self) -> str: ...

    def gettext(self, msgid: str, /, **params: object) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str: ...


class Text(str):
    """An English sentence that can be said in another language (see the module docstring)."""

    msgid: str
    plural: str
    n: int | None
    params: dict[str, Any]
    field: str

    def __new__(
        cls,
        msgid: str,
        /,
        *,
        plural: str = "",
        n: int | None = None,
        field: str = "",
        **params: Any,
    ) -> Self:
        if plural and n is not None:
            params.setdefault("num", n)
            english = (msgid if n == 1 else plural) % params
        else:
            english = msgid % params if params else msgid
        made = super().__new__(cls, english)
        made.msgid, made.plural, made.n = msgid, plural, n
        made.params, made.field = params, field
        return made

    def in_language(self, sayer: Sayer) -> str:
        """This text in ``sayer``'s language (a ``translations.catalog.Translator``)."""
        params = {k: say(v, sayer) if isinstance(v, str) else v for k, v in self.params.items()}
        if self.plural and self.n is not None:
            return sayer.ngettext(self.msgid, self.plural, self.n, **params)
        return sayer.gettext(self.msgid, **params)

    def __reduce__(self) -> tuple[Callable[..., Text], tuple[Any, ...], None]:
        # Pickling a str subclass would otherwise lose the message id.
        return (_rebuild, (self.msgid, self.plural, self.n, self.field, self.params), None)


def _rebuild(msgid: str, plural: str, n: int | None, field: str, params: dict[str, Any]) -> Text:
    return Text(msgid, plural=plural, n=n, field=field, **params)


class LanguageName(Text):
    """A language's name, said in the reader's language: ``nb`` reads "Norwegian Bokmål" in
    English and "norsk bokmål" in Bokmål."""

    tag: str

    def __new__(cls, tag: str, /) -> Self:
        made = super().__new__(cls, _name(tag, "en"))
        made.tag = tag
        return made

    def in_language(self, sayer: Sayer) -> str:
        return _name(self.tag, sayer.language)

    def __reduce__(self) -> tuple[Callable[..., Text], tuple[Any, ...], None]:
        return (LanguageName, (self.tag,), None)


def _name(tag: str, display_in: str) -> str:
    try:
        return language_name(tag, display_in)
    except ValueError:
        return tag


def say(text: str, sayer: Sayer) -> str:
    """``text`` in ``sayer``'s language when it is a ``Text``; a plain ``str`` as it is."""
    return text.in_language(sayer) if isinstance(text, Text) else text


def reason_of(exc: UnknownLanguageError) -> Text:
    """Why a language tag is not one we know, as a ``Text`` (``'xx' is not a language tag we
    know``), so that it too is said in the reader's language."""
    params: dict[str, Any] = dict(exc.params)
    return Text(exc.msgid, **params)


def field_of(text: str) -> str:
    """The form field ``text`` is about, or ``""``."""
    return text.field if isinstance(text, Text) else ""
