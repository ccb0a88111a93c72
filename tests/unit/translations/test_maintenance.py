"""Unit tests for catalog upkeep: extract, update, init, check, status and the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from translations import maintenance, strings
from translations.__main__ import main
from translations.maintenance import REVIEW_HEADER, read_extra_headers


def read(path: Path) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file)


def po(locale_dir: Path, folder: str) -> Path:
    return locale_dir / folder / "LC_MESSAGES" / "messages.po"


def template_with_one_more_message(tmp_path: Path) -> Path:
    template = read(maintenance.TEMPLATE)
    template.add("Stay indoors.", locations=[("translations/strings.py", 1)])
    path = tmp_path / "messages.pot"
    with path.open("wb") as pot_file:
        write_po(pot_file, template)
    return path


def test_the_committed_template_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    maintenance.extract(template=fresh)
    extracted = {message.id for message in read(fresh) if message.id}
    committed = {message.id for message in read(maintenance.TEMPLATE) if message.id}
    assert extracted == committed, "run `python -m translations extract` and `update`"


def test_extract_finds_every_member_facing_message_with_its_translator_note(
    tmp_path: Path,
) -> None:
    fresh = tmp_path / "messages.pot"
    count = maintenance.extract(template=fresh)
    template = read(fresh)
    assert count >= len(strings.MEMBER_FACING)
    for msgid in strings.MEMBER_FACING:
        assert template.get(msgid if isinstance(msgid, str) else tuple(msgid)) is not None
    reply = template.get(strings.SMS_REPLY_INSTRUCTION)
    assert reply is not None
    assert any('Keep "OK" exactly' in comment for comment in reply.auto_comments)
    assert all(not filename.startswith("/") for filename, _ in reply.locations)


def test_update_adds_new_messages_and_keeps_review_status_and_plural_rule(
    locale_copy: Path, tmp_path: Path
) -> None:
    # Given a template with a message the catalogs do not have yet
    template = template_with_one_more_message(tmp_path)
    # When the catalogs are updated from it
    updated = maintenance.update(locale_copy, template)
    # Then each catalog has the new message untranslated, and nothing else changed
    assert len(updated) == 25
    sami = read(po(locale_copy, "se"))
    new = sami.get("Stay indoors.")
    assert new is not None
    assert new.string == ""
    exercise = sami.get(strings.EXERCISE)
    assert exercise is not None
    assert exercise.string == "HÁRJEHUS"
    assert sami.plural_forms == "nplurals=3; plural=(n == 1 ? 0 : n == 2 ? 1 : 2);"
    assert read_extra_headers(po(locale_copy, "se"))[REVIEW_HEADER] == "machine-drafted"
    assert read_extra_headers(po(locale_copy, "nb"))[REVIEW_HEADER] == "awaiting-review"


def test_update_of_unchanged_template_changes_no_translation(locale_copy: Path) -> None:
    before = {folder.name: read(po(locale_copy, folder.name)) for folder in locale_copy.iterdir()}
    maintenance.update(locale_copy)
    for folder, catalog in before.items():
        after = read(po(locale_copy, folder))
        assert [(m.id, m.string) for m in after] == [(m.id, m.string) for m in catalog]


def test_init_starts_a_catalog_with_the_cldr_plural_rule(tmp_path: Path) -> None:
    path = maintenance.init("se", tmp_path)
    catalog = read(path)
    assert path == po(tmp_path, "se")
    assert catalog.num_plurals == 3  # pybabel init would say 2
    assert read_extra_headers(path)[REVIEW_HEADER] == "untranslated"
    ids = {message.id for message in catalog if message.id}
    template = {message.id for message in read(maintenance.TEMPLATE) if message.id}
    assert ids == template
    assert len(ids) > len(strings.MEMBER_FACING)  # the report headings are in it too
    with pytest.raises(FileExistsError):
        maintenance.init("se", tmp_path)


def test_init_names_the_folder_babel_style(tmp_path: Path) -> None:
    assert maintenance.init("prs", tmp_path) == po(tmp_path, "fa_AF")


def test_check_finds_nothing_in_the_committed_catalogs() -> None:
    assert maintenance.check() == []


def test_check_reports_what_would_reach_a_member(locale_copy: Path) -> None:
    # Given a Bokmål catalog with a renamed placeholder and a translated keyword
    path = po(locale_copy, "nb")
    text = path.read_text(encoding="utf-8")
    text = text.replace("Svar OK %(code)s for å", "Svar OK %(kode)s for å")
    text = text.replace("igjen, svar START.", "igjen, svar BEGYNN.")
    path.write_text(text, encoding="utf-8")
    # When the catalogs are checked
    problems = maintenance.check(locale_copy)
    # Then both problems are named, in that catalog only
    assert any("'Svar OK %(kode)s" in problem and "['kode']" in problem for problem in problems)
    assert any("must keep 'START'" in problem for problem in problems)
    assert all(problem.startswith("nb: ") for problem in problems)


def test_check_reports_an_untranslated_member_facing_message(locale_copy: Path) -> None:
    path = po(locale_copy, "pl")
    path.write_text(
        path.read_text(encoding="utf-8").replace('msgstr "Aktualizacja"', 'msgstr ""'),
        encoding="utf-8",
    )
    assert maintenance.check(locale_copy) == ["pl: 'Update' is not translated (or is fuzzy)"]


def test_check_reports_a_wrong_plural_rule(locale_copy: Path) -> None:
    path = po(locale_copy, "se")
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "nplurals=3; plural=(n == 1 ? 0 : n == 2 ? 1 : 2);", "nplurals=2; plural=(n != 1);"
        ),
        encoding="utf-8",
    )
    problems = maintenance.check(locale_copy)
    assert any(problem.startswith("se: Plural-Forms is") for problem in problems)


def test_status_rows() -> None:
    rows = {row.tag: row for row in maintenance.status()}
    assert len(rows) == 25
    assert all(row.translated == row.total == len(strings.MEMBER_FACING) for row in rows.values())
    dari = rows["fa-AF"]
    assert (dari.name, dari.direction, dari.review_status) == ("دری", "rtl", "machine-drafted")


def test_placeholders() -> None:
    assert maintenance.placeholders("%(num)d of %(total)s, %(pct).1f%%") == {"num", "total", "pct"}


def test_command_line_status_prints_the_readme_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| language | in English | tag | direction | member-facing coverage |")
    total = len(strings.MEMBER_FACING)
    assert f"| دری | Dari | `fa-AF` | rtl | {total}/{total} | machine-drafted |" in out


def test_nb_nn_and_en_must_have_every_message(tmp_path: Path) -> None:
    locale_copy = tmp_path / "locale"
    shutil.copytree(maintenance.LOCALE_DIR, locale_copy)
    path = po(locale_copy, "nn")
    text = path.read_text(encoding="utf-8")
    # A report heading (not member-facing) left untranslated in Nynorsk is a problem …
    path.write_text(text.replace('msgstr "Tidsline"', 'msgstr ""'), encoding="utf-8")
    assert "nn: 'Timeline' is not translated (or is fuzzy)" in maintenance.check(locale_copy)
    # … but not in Somali, which needs only the member-facing messages.
    assert not [p for p in maintenance.check(locale_copy) if p.startswith("so:")]


def test_command_line_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert capsys.readouterr().out.strip() == "0 problem(s)"


def test_readme_table_matches_the_catalogs(capsys: pytest.CaptureFixture[str]) -> None:
    main(["status"])
    table = capsys.readouterr().out.strip()
    readme = (maintenance.PACKAGE_DIR / "README.md").read_text(encoding="utf-8")
    assert table in readme, "paste `python -m translations status` into translations/README.md"


def test_command_line_init_refuses_a_language_without_a_plural_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["init", "de"]) == 2
    assert "no plural rule for 'de'" in capsys.readouterr().out
    assert not (maintenance.LOCALE_DIR / "de").exists()
