"""Why a request could not be read, in words a coordinator understands and in their language.

Litestar reports what msgspec could not decode in msgspec's English ("Expected `int`, got
`str`", "Object missing required field `title`", "Expected `str` of length <= 200"). ``reason``
turns each message it knows into a ``Text`` (said in nb, nn or en like every other reason), with
the field, parameter or header it is about; a message it does not know is kept as msgspec or
Litestar wrote it. ``malformed`` does the same for a body that is not JSON at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from translations.strings.marking import N_, NN_
from translations.text import Text

# What msgspec calls the JSON types, said as a person would (``bool | null`` is "true or false
# or null").
TYPES = {
    "int": N_("a whole number"),
    "float": N_("a number"),
    "decimal": N_("a decimal number"),
    "str": N_("text"),
    "bool": N_("true or false"),
    "null": N_("null"),
    "array": N_("a list"),
    "object": N_("an object"),
    "datetime": N_("a date and time"),
    "date": N_("a date"),
    "time": N_("a time of day"),
    "duration": N_("a duration"),
    "uuid": N_("a UUID"),
    "bytes": N_("base64 text"),
}
# TRANSLATORS: Two of the JSON types above, as in "a whole number or null".
EITHER = N_("%(one)s or %(other)s")


def _type(raw: str) -> str:
    """``int`` → "a whole number"; ``str | null`` → "text or null"; an unknown one as written."""
    parts = [part.strip() for part in raw.split("|")]
    said: list[str] = [Text(TYPES[p]) if p in TYPES else f"`{p}`" for p in parts]
    while len(said) > 1:
        other = said.pop()
        said[-1] = Text(EITHER, one=said[-1], other=other)
    return said[0]


def _plural(message: tuple[str, str]) -> Callable[[re.Match[str]], Text]:
    return lambda m: Text(message[0], plural=message[1], n=int(m["n"]))


def _limit(msgid: str) -> Callable[[re.Match[str]], Text]:
    return lambda m: Text(msgid, limit=m["limit"])


def _plain(msgid: str) -> Callable[[re.Match[str]], Text]:
    return lambda _: Text(msgid)


_KNOWN: list[tuple[str, Callable[[re.Match[str]], Text]]] = [
    (
        r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`",
        lambda m: Text(
            N_("expected %(expected)s, got %(got)s"),
            expected=_type(m["expected"]),
            got=_type(m["got"]),
        ),
    ),
    (
        r"Object missing required field `(?P<name>[^`]*)`",
        lambda m: Text(N_("the field '%(name)s' is required and missing"), name=m["name"]),
    ),
    (
        r"Object contains unknown field `(?P<name>[^`]*)`",
        lambda m: Text(N_("'%(name)s' is not a field this request knows"), name=m["name"]),
    ),
    (
        r"Expected `str` of length <= (?P<n>\d+)",
        _plural(
            NN_(
                "the text is longer than %(num)d character",
                "the text is longer than %(num)d characters",
            )
        ),
    ),
    (
        r"Expected `str` of length >= (?P<n>\d+)",
        _plural(
            NN_(
                "the text must be at least %(num)d character long",
                "the text must be at least %(num)d characters long",
            )
        ),
    ),
    (
        r"Expected `array` of (?:length <=|at most length) (?P<n>\d+)(?:, got \d+)?",
        _plural(NN_("the list has more than %(num)d item", "the list has more than %(num)d items")),
    ),
    (
        r"Expected `array` of (?:length >=|at least length) (?P<n>\d+)(?:, got \d+)?",
        _plural(
            NN_("the list needs at least %(num)d item", "the list needs at least %(num)d items")
        ),
    ),
    (
        r"Expected `object` of length <= (?P<n>\d+)",
        _plural(
            NN_(
                "the object has more than %(num)d entry", "the object has more than %(num)d entries"
            )
        ),
    ),
    (
        r"Expected `object` of length >= (?P<n>\d+)",
        _plural(
            NN_(
                "the object needs at least %(num)d entry",
                "the object needs at least %(num)d entries",
            )
        ),
    ),
    (r"Expected `(?:int|float)` >= (?P<limit>\S+)", _limit(N_("must be at least %(limit)s"))),
    (r"Expected `(?:int|float)` <= (?P<limit>\S+)", _limit(N_("must be at most %(limit)s"))),
    (r"Expected `(?:int|float)` > (?P<limit>\S+)", _limit(N_("must be greater than %(limit)s"))),
    (r"Expected `(?:int|float)` < (?P<limit>\S+)", _limit(N_("must be less than %(limit)s"))),
    (
        r"Expected `int` that's a multiple of (?P<limit>\S+)",
        _limit(N_("must be a multiple of %(limit)s")),
    ),
    (
        r"Expected `str` matching regex (?P<pattern>.+)",
        lambda m: Text(N_("the text does not match the pattern %(pattern)s"), pattern=m["pattern"]),
    ),
    (
        r"Expected `(?:datetime|time)` with a timezone component",
        _plain(N_("needs a time zone offset, such as 2027-03-01T10:00:00+01:00")),
    ),
    (
        r"Expected `(?:datetime|time)` with no timezone component",
        _plain(N_("must have no time zone offset")),
    ),
    (
        r"Invalid RFC3339 encoded datetime",
        _plain(N_("not a date and time such as 2027-03-01T10:00:00+01:00")),
    ),
    (r"Invalid RFC3339 encoded date", _plain(N_("not a date such as 2027-03-01"))),
    (r"Invalid RFC3339 encoded time", _plain(N_("not a time of day such as 10:00:00"))),
    (r"Invalid ISO8601 duration", _plain(N_("not a duration such as PT30M"))),
    (r"Invalid UUID", _plain(N_("not a UUID"))),
    (r"Invalid base64 encoded string", _plain(N_("not base64 text"))),
    (r"Invalid decimal string", _plain(N_("not a decimal number"))),
    (
        r"Invalid (?:enum )?value (?P<value>.+)",
        lambda m: Text(N_("%(value)s is not one of the values allowed here"), value=m["value"]),
    ),
    (r"(?:Integer value|Number) out of range", _plain(N_("the number is too large"))),
    # What this service's own checks before decoding report (dispatch.problems).
    (r"nested too deeply", _plain(N_("the JSON is nested too deeply to read"))),
    (
        r"contains a NUL character",
        _plain(N_("contains a NUL character, which no text here can hold")),
    ),
    (r"the number is too large", _plain(N_("the number is too large"))),
]
KNOWN = [(re.compile(pattern), make) for pattern, make in _KNOWN]

NO_BODY = "'data'"
"""What Litestar reports for a request without the JSON body it needs."""


def problem(message: str) -> str:
    """msgspec's ``message`` as a ``Text`` when it is one this module knows, else as it is."""
    message = message.strip()
    if message == NO_BODY:
        return Text(N_("the request has no body; send the JSON this address takes"))
    for pattern, make in KNOWN:
        if found := pattern.fullmatch(message):
            return make(found)
    return message


def reason(message: str, *, key: str | None, source: str | None) -> str:
    """One thing Litestar could not read: where (a field, a query or path parameter, …) and
    what is wrong with it. ``data`` is the whole body."""
    said = problem(message)
    if not key or key == "data":
        return said
    if source in (None, "body"):
        return Text(N_("field '%(key)s': %(problem)s"), field=key, key=key, problem=said)
    if source == "query":
        return Text(N_("query parameter '%(key)s': %(problem)s"), field=key, key=key, problem=said)
    if source == "path":
        return Text(N_("path parameter '%(key)s': %(problem)s"), field=key, key=key, problem=said)
    if source == "header":
        return Text(N_("header '%(key)s': %(problem)s"), field=key, key=key, problem=said)
    if source == "cookie":
        return Text(N_("cookie '%(key)s': %(problem)s"), field=key, key=key, problem=said)
    return f"{source} parameter '{key}': {said}"


UNREADABLE = N_("The request could not be read: %(problems)s")

# msgspec's names for what is wrong with a body that is not JSON (``JSON is malformed: …``).
_MALFORMED = {
    "trailing characters": N_("there is more after the JSON ends"),
    "invalid character": N_("a character that JSON does not allow"),
    "invalid number": N_("a number that is not valid JSON"),
    "expected ',' or ']'": N_("a ',' or ']' is missing"),
    "expected ',' or '}'": N_("a ',' or '}' is missing"),
    "expected ':'": N_("a ':' is missing"),
    "expected '\"'": N_("a '\"' is missing"),
    "object keys must be strings": N_("a key that is not in double quotes"),
    "trailing comma in array": N_("a comma before ']'"),
    "trailing comma in object": N_("a comma before '}'"),
    "invalid escape character in string": N_("a backslash that escapes nothing JSON knows"),
}
_MALFORMED_RE = re.compile(r"JSON is malformed: (?P<what>.+) \(byte (?P<byte>\d+)\)\.?")


def malformed(detail: str) -> str:
    """``JSON is malformed: trailing characters (byte 51)`` as a ``Text``; anything else as it
    is."""
    if detail.strip() == "Input data was truncated":
        return Text(N_("The JSON ends too early: a bracket or a quote is not closed."))
    found = _MALFORMED_RE.fullmatch(detail.strip())
    if found is None:
        return detail
    what = found["what"]
    said = Text(_MALFORMED[what]) if what in _MALFORMED else what
    return Text(
        N_("The body is not valid JSON: %(problem)s (byte %(byte)s)."),
        problem=said,
        byte=found["byte"],
    )
