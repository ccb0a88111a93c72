"""Catalog upkeep behind ``python -m translations``: extract, update, init, compile, status, check.

``pybabel update`` and ``pybabel init`` are not used because Babel rewrites a catalog's header
from what it knows: it drops our ``X-Review-Status`` header, and ``init`` takes plural rules from
its own table, which is wrong for several of our languages (see ``translations.plurals``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from translations import review
from translations.catalog import DOMAIN, LOCALE_DIR, folder_name
from translations.locales import canonical_tag, language_name, text_direction
from translations.plurals import plural_rule
from translations.strings import AREAS, MEMBER_FACING, SMS_REPLY_INSTRUCTION, SMS_REPLY_STOPPED

PACKAGE_DIR = Path(__file__).resolve().parent
REPOSITORY_ROOT = PACKAGE_DIR.parent
TEMPLATE = PACKAGE_DIR / "messages.pot"
MAPPING = PACKAGE_DIR / "babel.cfg"
REVIEW_HEADER = "X-Review-Status"
COMPLETE = frozenset({"nb", "nn", "en"})
"""Catalogs that must have every message, not only the member-facing ones."""
# Words the SMS provider or our reply parser act on; a translation must keep them verbatim.
KEYWORDS_KEPT = {SMS_REPLY_INSTRUCTION: "OK", SMS_REPLY_STOPPED: "START"}

_PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
_EXTRA_HEADER = re.compile(r'^"(X-[A-Za-z0-9-]+): (.*)\\n"$', re.MULTILINE)


@dataclass(frozen=True, slots=True)
class CatalogStatus:
    """One row of the coverage table."""

    tag: str
    name: str
    english_name: str
    direction: str
    translated: int
    total: int
    review_status: str
    system_words: str = ""
    """How many of the system's own words a person has approved, and the state of the rest."""


def placeholders(text: str) -> frozenset[str]:
    """The names of the ``%(name)s``-style placeholders in ``text``."""
    return frozenset(_PLACEHOLDER.findall(text))


EXACT_CATEGORIES = frozenset({"zero", "two"})
"""CLDR plural categories that hold exactly one number (0, 2) in every language here: a form
for them may say the number in words and leave ``%(num)d`` out (Arabic «منظمتان», "two
organisations", is wrong as «2 منظمتان»)."""


def placeholders_allowed(msgid: object, folder: str, index: int) -> tuple[frozenset[str], ...]:
    """The placeholder sets form ``index`` of a translation may have: those of the message id,
    and for a plural form of an exact category, the same without ``num``."""
    wanted = placeholders(" ".join(_forms(msgid)))
    if isinstance(msgid, (list, tuple)):
        categories = plural_rule(folder).categories
        if index < len(categories) and categories[index] in EXACT_CATEGORIES:
            return (wanted, wanted - {"num"})
    return (wanted,)


def extract(root: Path = REPOSITORY_ROOT, template: Path = TEMPLATE) -> int:
    """Write the template from the sources ``babel.cfg`` names; return the number of messages.

    Messages from ``translations/strings/`` come first, area by area in the order of
    ``strings.AREAS`` and each in its module's order; locations are relative to the repository
    root.
    """
    with MAPPING.open(encoding="utf-8") as mapping_file:
        # Babel leaves this parser untyped; it returns (method_map, options_map).
        method_map, options_map = parse_mapping_cfg(  # type: ignore[no-untyped-call]
            mapping_file, filename=str(MAPPING)
        )
    found = list(
        extract_from_dir(
            root,
            method_map,
            options_map,
            keywords={**DEFAULT_KEYWORDS, "NN_": (1, 2)},
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        )
    )
    # Babel walks files in alphabetical order; the areas go in catalog order instead.
    areas = {f"{area.__name__.replace('.', '/')}.py": rank for rank, area in enumerate(AREAS)}
    found.sort(  # stable
        key=lambda item: (areas.get(item[0], len(areas)), not item[0].startswith("translations/"))
    )
    catalog = Catalog(
        project="beredskapsvarsling",
        version=_version(),
        header_comment=(
            "# Every text beredskapsvarsling writes to members, in English.\n"
            "# Made by `python -m translations extract`; do not edit by hand."
        ),
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(
            message,
            None,
            [(Path(filename).as_posix(), lineno)],
            auto_comments=comments,
            context=context,
        )
    buffer = BytesIO()
    write_po(buffer, catalog, width=76)
    template.write_bytes(buffer.getvalue())
    return len(catalog)


def update(locale_dir: Path = LOCALE_DIR, template: Path = TEMPLATE) -> list[Path]:
    """Merge the template into every catalog, keeping review status and CLDR plural rules."""
    with template.open("rb") as template_file:
        source = read_po(template_file)
    updated: list[Path] = []
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        extra = read_extra_headers(po_path)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, domain=DOMAIN)
        catalog.mime_headers = [("Plural-Forms", plural_rule(po_path.parent.parent.name).header)]
        # Babel's fuzzy matching guesses from similar ids ("Sent %(time)s" for "Updated
        # %(time)s"); a guess reads as translated to a reviewer skimming, so new ids start empty.
        catalog.update(source, no_fuzzy_matching=True)
        _write(po_path, catalog, extra)
        updated.append(po_path)
    return updated


def init(tag: str, locale_dir: Path = LOCALE_DIR, template: Path = TEMPLATE) -> Path:
    """Start a catalog for a new language from the template, with its CLDR plural rule."""
    folder = folder_name(tag)
    rule = plural_rule(folder)
    po_path = locale_dir / folder / "LC_MESSAGES" / f"{DOMAIN}.po"
    if po_path.exists():
        raise FileExistsError(f"{po_path} exists; use update")
    with template.open("rb") as template_file:
        source = read_po(template_file)
    catalog = Catalog(locale=folder, domain=DOMAIN, project=source.project, fuzzy=False)
    catalog.mime_headers = [("Plural-Forms", rule.header)]
    catalog.update(source)
    po_path.parent.mkdir(parents=True, exist_ok=True)
    _write(po_path, catalog, {REVIEW_HEADER: "untranslated"})
    return po_path


def _version() -> str:
    try:
        return metadata.version("beredskapsvarsling")
    except metadata.PackageNotFoundError:
        return "dev"


def read_extra_headers(po_path: Path) -> dict[str, str]:
    """The ``X-…`` headers of a catalog, which Babel does not keep."""
    return dict(_EXTRA_HEADER.findall(po_path.read_text(encoding="utf-8")))


def status(locale_dir: Path = LOCALE_DIR) -> list[CatalogStatus]:
    """Coverage of the member-facing messages and review status, one row per catalog."""
    rows = []
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        tag = canonical_tag(po_path.parent.parent.name)
        catalog = _read(po_path)
        translated = sum(1 for msgid in _member_facing_ids() if _translated(catalog.get(msgid)))
        rows.append(
            CatalogStatus(
                tag=tag,
                name=language_name(tag),
                english_name=language_name(tag, "en"),
                direction=text_direction(tag),
                translated=translated,
                total=len(MEMBER_FACING),
                review_status=read_extra_headers(po_path).get(REVIEW_HEADER, "unknown"),
                system_words=_system_words(tag, locale_dir),
            )
        )
    return rows


def _system_words(tag: str, locale_dir: Path) -> str:
    """``8/8 approved``, ``0/8 approved``, ``6/8 approved, 2 need review``."""
    states = list(review.word_states(tag, locale_dir).values())
    approved = states.count(review.ReviewState.APPROVED)
    stale = states.count(review.ReviewState.NEEDS_REVIEW)
    text = f"{approved}/{len(states)} approved"
    return f"{text}, {stale} need review" if stale else text


def check(locale_dir: Path = LOCALE_DIR, template: Path = TEMPLATE) -> list[str]:
    """Every problem that would reach a reader: gaps (any message in nb, nn and en; member-facing
    ones everywhere), broken placeholders, wrong plural rules."""
    with template.open("rb") as template_file:
        template_ids = {message.id for message in read_po(template_file) if message.id}
    problems = [
        f"{TEMPLATE.name}: {msgid!r} is missing; run extract"
        for msgid in _member_facing_ids()
        if msgid not in template_ids
    ]
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        problems += [f"{po_path.parent.parent.name}: {problem}" for problem in _problems(po_path)]
    return problems


def _problems(po_path: Path) -> list[str]:
    catalog = _read(po_path)
    found = []
    expected = plural_rule(po_path.parent.parent.name).header
    if catalog.plural_forms != expected:
        found.append(f"Plural-Forms is {catalog.plural_forms!r}, CLDR needs {expected!r}")
    folder = po_path.parent.parent.name
    required = [m.id for m in list(catalog)[1:]] if folder in COMPLETE else _member_facing_ids()
    for msgid in required:
        if not _translated(catalog.get(msgid)):
            found.append(f"{msgid!r} is not translated (or is fuzzy)")
    for message in list(catalog)[1:]:
        if not _translated(message):
            continue
        for index, form in enumerate(_forms(message.string)):
            if placeholders(form) not in placeholders_allowed(message.id, folder, index):
                found.append(f"{form!r} has placeholders {sorted(placeholders(form))}")
        keyword = KEYWORDS_KEPT.get(_forms(message.id)[0])
        if keyword and keyword not in _forms(message.string)[0]:
            found.append(f"{_forms(message.string)[0]!r} must keep {keyword!r}")
        found += [str(error) for error in message.check(catalog)]
    return found


def _member_facing_ids() -> list[str | tuple[str, str]]:
    return [
        msgid if isinstance(msgid, str) else (msgid.singular, msgid.plural)
        for msgid in MEMBER_FACING
    ]


def _translated(message: Message | None) -> bool:
    return message is not None and not message.fuzzy and all(_forms(message.string))


def _forms(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [""]


def _read(po_path: Path) -> Catalog:
    with po_path.open("rb") as po_file:
        return read_po(po_file, domain=DOMAIN)


def _write(po_path: Path, catalog: Catalog, extra_headers: dict[str, str]) -> None:
    # Messages gone from the sources are dropped, not kept as ``#~`` entries: git has them.
    buffer = BytesIO()
    write_po(buffer, catalog, width=76, ignore_obsolete=True)
    text = buffer.getvalue().decode("utf-8")
    lines = "".join(f'"{name}: {value}\\n"\n' for name, value in extra_headers.items())
    text = text.replace('"MIME-Version: 1.0\\n"\n', lines + '"MIME-Version: 1.0\\n"\n', 1)
    partial = po_path.with_name(f".{po_path.name}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(po_path)
