"""Gettext catalogs: compiled at start, loaded per language with the fallback chain behind them.

Layout: ``translations/locale/<folder>/LC_MESSAGES/messages.po`` is committed; ``messages.mo``
beside it is compiled by ``ensure_compiled()`` and never committed. ``<folder>`` is the
Babel-style identifier of the canonical tag (``fa-AF`` → ``fa_AF``). Tagalog keeps the folder
``tl``, the tag people use; Babel reads ``tl`` as Filipino (``fil_PH``), whose CLDR plural rule
is Tagalog's, and ``plurals.PLURAL_RULES`` spells the rule out under ``tl``.

A message missing from a catalog comes from the next language in ``fallback_chain``: a Dari
(``fa-AF``) reader gets Persian, then English, then Bokmål. Message ids are English, so English
is also what is left when no catalog has a message.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from translations.locales import (
    LAST_RESORT,
    Direction,
    UnknownLanguageError,
    canonical_tag,
    fallback_chain,
    text_direction,
)

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Translator:
    """The system's own texts in one language, with the fallback chain behind it."""

    tag: str
    """The tag asked for, canonical when it is a known language."""
    languages: tuple[str, ...]
    """The catalogs consulted, best first; empty when none exists (English message ids)."""
    _translations: NullTranslations = field(repr=False, compare=False)

    @property
    def language(self) -> str:
        """The language of the first catalog in the chain: what most texts will be in."""
        return self.languages[0] if self.languages else "en"

    @property
    def is_fallback(self) -> bool:
        """Whether the texts come from another language than the one asked for."""
        return self.language != self.tag

    @property
    def direction(self) -> Direction:
        """``"rtl"`` or ``"ltr"`` for the language the texts are in."""
        return text_direction(self.language)

    def gettext(self, msgid: str, /, **params: object) -> str:
        """Translate ``msgid`` and fill its named placeholders: ``gettext(m, code="4821")``."""
        text = self._translations.gettext(msgid)
        return text % params if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """Translate the form for ``n`` and fill placeholders; ``%(num)d`` is ``n`` by default."""
        params.setdefault("num", n)
        return self._translations.ngettext(singular, plural, n) % params


def translator(tag: str, locale_dir: Path | None = None) -> Translator:
    """The translator for ``tag``; an unknown tag gets English, then Bokmål."""
    return _translator(tag, locale_dir or LOCALE_DIR)


def folder_name(tag: str) -> str:
    """The catalog folder for a tag: ``fa-AF`` → ``fa_AF``, ``nb`` → ``nb``."""
    return canonical_tag(tag).replace("-", "_")


def available_languages(locale_dir: Path | None = None) -> frozenset[str]:
    """The canonical tags of the languages that have a catalog."""
    root = locale_dir or LOCALE_DIR
    return frozenset(
        canonical_tag(path.parent.parent.name)
        for path in root.glob(f"*/LC_MESSAGES/{DOMAIN}.[pm]o")
    )


def ensure_compiled(locale_dir: Path | None = None) -> list[Path]:
    """Compile each ``.po`` whose ``.mo`` is missing or older; return the ``.mo`` files written.

    Call it once at start. Several processes may start at once: each ``.mo`` is written to a
    temporary file and renamed into place, so a reader never sees half a file.
    """
    written: list[Path] = []
    for po_path in sorted((locale_dir or LOCALE_DIR).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if _is_fresh(mo_path, po_path):
            continue
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
        partial.write_bytes(compile_catalog(po_path))
        partial.replace(mo_path)
        written.append(mo_path)
    if written:
        _translator.cache_clear()
    return written


def compile_catalog(po_path: Path) -> bytes:
    """Compile a ``.po`` file to ``.mo`` bytes, leaving out entries that must not be used.

    Fuzzy entries, plural entries with an empty form, and entries whose placeholders do not
    match their message id are left out (and logged), so those messages come from the next
    language in the chain instead of arriving half in English or failing at send time.
    """
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, domain=DOMAIN)
    for message in list(catalog)[1:]:
        if _untranslated_plural(message):
            # Not translated yet, like an empty singular (the dashboard's own texts in the
            # machine-drafted catalogs): left out quietly; the next language in the chain has it.
            # write_mo would keep it, and ngettext would then answer "".
            catalog.delete(message.id, context=message.context)
            continue
        reason = _unusable(message, catalog)
        if reason:
            logger.warning("left out of %s: %r (%s)", po_path, message.id, reason)
            catalog.delete(message.id, context=message.context)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _untranslated_plural(message: Message) -> bool:
    return isinstance(message.string, (list, tuple)) and not any(message.string)


def _unusable(message: Message, catalog: Catalog) -> str:
    if not message.string or message.fuzzy:
        return ""  # write_mo leaves these out itself; the fallback chain covers them
    if isinstance(message.string, (list, tuple)) and not all(message.string):
        return "a plural form is empty"
    errors = message.check(catalog)
    return "; ".join(str(error) for error in errors)


def _is_fresh(mo_path: Path, po_path: Path) -> bool:
    return mo_path.exists() and mo_path.stat().st_mtime_ns >= po_path.stat().st_mtime_ns


@lru_cache(maxsize=256)
def _translator(tag: str, locale_dir: Path) -> Translator:
    try:
        chain = fallback_chain(tag)
        requested = chain[0]
    except UnknownLanguageError:
        chain, requested = list(LAST_RESORT), tag.strip()
    head: NullTranslations = NullTranslations()
    languages: list[str] = []
    for language in chain:
        translations = _load(locale_dir / language.replace("-", "_"))
        if translations is None:
            continue
        if languages:
            head.add_fallback(translations)
        else:
            head = translations
        languages.append(language)
    return Translator(tag=requested, languages=tuple(languages), _translations=head)


def _load(folder: Path) -> Translations | None:
    # Fresh objects every time: add_fallback mutates, and chains must not share links.
    po_path = folder / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo_path = po_path.with_suffix(".mo")
    if po_path.exists() and not _is_fresh(mo_path, po_path):
        logger.warning("%s is not compiled; compiling in memory (call ensure_compiled())", po_path)
        return Translations(BytesIO(compile_catalog(po_path)), domain=DOMAIN)
    if mo_path.exists():
        with mo_path.open("rb") as mo_file:
            return Translations(mo_file, domain=DOMAIN)
    return None
