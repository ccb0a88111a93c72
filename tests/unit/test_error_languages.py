"""Every reason a coordinator can be given comes from the catalogs, in bokmål, nynorsk and
English.

Two walks: through the source of every module of ``dispatch/`` (but the short list in
``NOT_SEEN_BY_COORDINATORS``), every reason must be a ``Text`` whose message id is translated in
nb, nn and en (an f-string or a bare string fails, naming its line); and through the incident and
call-in checks themselves, every refusal they can give, said in nb and nn, must not be the
English sentence.
"""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from dispatch.errors import InvalidInputError
from dispatch.incidents import validation as v
from dispatch.incidents.schemas import LanguageContent
from dispatch.meetings.checks import aware, check_url
from dispatch.problems import answer_language
from dispatch.web.forms import IncidentForm, MessageForm, incident_in, message_of
from dispatch.web.meetings import call_in_form
from translations import strings
from translations.catalog import LOCALE_DIR, translator
from translations.text import Text, field_of

ROOT = Path(__file__).resolve().parents[2]
NOT_SEEN_BY_COORDINATORS: dict[str, str] = {
    "dispatch/db/migrations": "migrations write no reasons; their strings are SQL",
}
"""The only parts of ``dispatch/`` the walk leaves out, each with why. Every other module is
walked: a reason a coordinator (or a member, on a public page) can be given must be a ``Text``."""
MODULES = sorted(
    str(path.relative_to(ROOT))
    for path in (ROOT / "dispatch").rglob("*.py")
    if not any(str(path.relative_to(ROOT)).startswith(p) for p in NOT_SEEN_BY_COORDINATORS)
)
BASE_ERRORS = {"DomainError", "InvalidInputError", "NotFoundError", "ConflictError"}
COLLECTORS = {"errors", "reasons", "problems"}
"""Names of the lists reasons are gathered in before they are raised together."""
SAYING_HELPERS = {("unreadable", "reason"), ("unreadable", "problem")}
"""Functions whose answer is a reason: ``dispatch.unreadable`` says a decoding message it knows
from the catalogs (``tests/unit/test_unreadable.py`` checks each) and keeps one it does not know
as msgspec or Litestar wrote it."""


def _parse(module: str) -> ast.Module:
    return ast.parse((ROOT / module).read_text(encoding="utf-8"))


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _error_classes() -> set[str]:
    """``DomainError`` and every class in ``dispatch/`` derived from it (``LinkExpiredError``)."""
    classes = [
        node
        for module in MODULES
        for node in ast.walk(_parse(module))
        if isinstance(node, ast.ClassDef)
    ]
    known = set(BASE_ERRORS)
    while grown := {
        c.name for c in classes if c.name not in known and any(_name(b) in known for b in c.bases)
    }:
        known |= grown
    return known


ERROR_CLASSES = _error_classes()


def _catalog(lang: str) -> dict[str, object]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(po) if m.id}


CATALOGS = {lang: _catalog(lang) for lang in ("nb", "nn", "en")}


def _items(node: ast.expr) -> list[ast.expr]:
    """The reasons in ``[a, b]`` or ``[f(x) for x in …]``."""
    if isinstance(node, ast.List):
        return list(node.elts)
    return [node.elt] if isinstance(node, ast.ListComp) else []


def _reasons(tree: ast.AST) -> list[ast.expr]:
    """What is put in an ``errors`` list (append, insert, extend or ``+=`` a list) or given
    to a domain error's constructor."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AugAssign) and _name(node.target) in COLLECTORS:
            found.extend(_items(node.value))
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and _name(func.value) in COLLECTORS:
            if func.attr == "append":
                found.append(node.args[0])
            elif func.attr == "insert" and len(node.args) == 2:
                found.append(node.args[1])
            elif func.attr == "extend":
                found.extend(_items(node.args[0]))
        elif isinstance(func, ast.Name) and func.id in {*ERROR_CLASSES, "InvalidValue"}:
            found.append(node.args[0])
        elif isinstance(func, ast.Attribute) and func.attr == "from_errors":
            found.extend(_items(node.args[0]))
    return found


def _msgid(node: ast.expr) -> str | None:
    """The message id of ``Text(N_("…"), …)`` or ``Text(strings.NAME)`` (or
    ``_missing(N_("…"), …)``), else None."""
    if isinstance(node, ast.Call) and node.args:
        if isinstance(node.func, ast.Name) and node.func.id == "str":
            return None  # ``str(exc)`` keeps the English and drops the message id
        func = node.func
        if isinstance(func, ast.Attribute) and (_name(func.value), func.attr) in SAYING_HELPERS:
            return ""
        first = node.args[0]
        if (
            isinstance(first, ast.Call)
            and isinstance(first.func, ast.Name)
            and first.func.id == "N_"
            and isinstance(first.args[0], ast.Constant)
        ):
            return str(first.args[0].value)
        if (
            isinstance(first, ast.Attribute)
            and isinstance(first.value, ast.Name)
            and first.value.id == "strings"
            and isinstance(getattr(strings, first.attr, None), str)
        ):
            return str(getattr(strings, first.attr))
        if isinstance(first, ast.Subscript | ast.Name):
            return ""  # a Text built from a table of N_() ids (TOO_LONG[key]) or a variable
    return None


def test_the_walk_sees_every_module_and_what_it_raises() -> None:
    assert len(MODULES) > 150
    assert {"dispatch/packs/service.py", "dispatch/problems.py"} <= set(MODULES)
    assert "LinkExpiredError" in ERROR_CLASSES
    sample = ast.parse(
        "errors += [f'{c} is wrong' for c in cs]\n"
        "errors.insert(0, 'first')\n"
        "problems.extend(['a'])\n"
        "raise LinkExpiredError('gone')\n"
        "errors.append(str(exc))\n"
    )
    assert [ast.unparse(r) for r in _reasons(sample)] == [
        "f'{c} is wrong'",
        "'first'",
        "'a'",
        "'gone'",
        "str(exc)",
    ]
    assert _msgid(_reasons(sample)[-1]) is None


@pytest.mark.parametrize("module", MODULES)
def test_every_reason_in_the_coordinators_forms_is_a_translated_text(module: str) -> None:
    tree = _parse(module)
    untranslatable, untranslated = [], []
    for node in _reasons(tree):
        if isinstance(node, ast.Name | ast.Attribute):
            continue  # passed on (``reason``, ``exc.reason``: checked where it is built)
        msgid = _msgid(node)
        if msgid is None:
            untranslatable.append(f"{module}:{node.lineno}: {ast.unparse(node)[:80]}")
            continue
        for lang, catalog in CATALOGS.items():
            if msgid and not _translated(catalog.get(msgid)):
                untranslated.append(f"{lang}: {msgid!r} ({module}:{node.lineno})")
    assert untranslatable == [], "reasons that no catalog can translate:\n" + "\n".join(
        untranslatable
    )
    assert untranslated == [], "\n".join(untranslated)


def _translated(value: object) -> bool:
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, tuple | list) and all(value)


def _sms(lang: str, sms: str) -> str:
    return sms


def _every_refusal() -> list[str]:
    """One of each refusal the incident and call-in checks can give."""
    errors: list[str] = []
    v.check_networks(errors, [], ["NIK", "NONEMI", "NIFS"])
    v.check_networks(errors, ["XYZ"], ["NIK", "NONEMI", "NIFS"])
    v.check_channels(errors, [])
    v.check_channels(errors, ["fax"])
    v.check_cap_fields(errors, status="drill", severity="x", urgency="x", certainty="x")
    v.check_deadline(errors, 0)
    v.check_deadline(errors, 30, 5)
    v.check_message(errors, {}, channels=["email"], sms_text=_sms)
    v.check_message(errors, {"xx-yy-zz": LanguageContent()}, channels=["sms"], sms_text=_sms)
    v.check_message(
        errors, {"nb": LanguageContent()}, channels=["email", "sms", "teams"], sms_text=_sms
    )
    too_long = LanguageContent(subject="s" * 201, sms="x" * 2001, body="b" * 20001)
    v.check_message(errors, {"nb": too_long}, channels=["email", "sms"], sms_text=_sms)
    long_sms = LanguageContent(sms="x" * 1700)
    v.check_message(errors, {"nb": long_sms}, channels=["sms"], sms_text=_sms)
    check_url("ftp://x", errors)
    aware("starts_at", datetime(2030, 1, 1), errors)
    with pytest.raises(InvalidInputError) as info:
        incident_in(IncidentForm(ack_deadline_minutes="soon"))
    errors += info.value.errors
    unknown = MessageForm(columns=["zz-zz-zz"], values={"zz-zz-zz": {"sms": "x"}})
    with pytest.raises(InvalidInputError) as info:
        message_of(unknown)
    errors += info.value.errors
    for call_in in ({"duration": "soon"}, {"starts_at": "tomorrow"}):
        with pytest.raises(InvalidInputError) as info:
            call_in_form(call_in)
        errors += info.value.errors
    return errors


def test_every_refusal_is_said_in_bokmal_and_nynorsk_not_english() -> None:
    refusals = _every_refusal()
    assert len(refusals) >= 20
    english = translator("en")
    for lang in ("nb", "nn"):
        t = translator(lang)
        still_english = [
            str(r) for r in refusals if isinstance(r, Text) and r.in_language(t) == str(r)
        ]
        assert still_english == [], f"{lang}: {still_english}"
    assert all(isinstance(r, Text) for r in refusals), [r for r in refusals if type(r) is str]
    assert [r.in_language(english) for r in refusals if isinstance(r, Text)] == [
        str(r) for r in refusals
    ]


def test_a_reason_knows_its_field_and_names_languages_in_the_readers_language() -> None:
    errors: list[str] = []
    v.check_message(
        errors, {"nb": LanguageContent(subject="s", body="b")}, channels=["sms"], sms_text=_sms
    )
    (reason,) = errors
    assert field_of(reason) == "message.nb.sms"
    assert str(reason) == "Norwegian Bokmål: the SMS text is empty, and SMS is among the channels"
    assert reason.in_language(translator("nb")).startswith("norsk bokmål: SMS-teksten er tom")  # type: ignore[attr-defined]
    assert reason.in_language(translator("nn")).startswith(
        "norsk bokmål: SMS-teksten er tom, og SMS er blant kanalane"
    )  # type: ignore[attr-defined]


def test_several_reasons_are_summed_up_in_the_readers_language() -> None:
    errors: list[str] = []
    v.check_networks(errors, [], ["NIK", "NONEMI", "NIFS"])
    v.check_channels(errors, [])
    exc = InvalidInputError.from_errors(errors)
    assert exc.detail.startswith("2 problems: choose at least one network")
    detail, said = exc.in_language(translator("nb"))
    assert detail == (
        "2 feil: velg minst ett nettverk: NIK, NONEMI, NIFS; "
        "velg minst én kanal: e-post, SMS eller Teams."
    )
    assert said[1] == "velg minst én kanal: e-post, SMS eller Teams"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("nb-NO,nb;q=0.9,en;q=0.8", "nb"),
        ("no", "nb"),
        ("nn-NO", "nn"),
        ("ar, nn;q=0.5, en;q=0.7", "en"),
        ("fr-FR", "en"),
        ("en;q=0, nb;q=0.1", "nb"),
        ("nb;q=abc, nn", "nn"),
    ],
)
def test_the_api_answers_in_the_language_accept_language_asks_for(
    header: str | None, language: str
) -> None:
    assert answer_language(header) == language
