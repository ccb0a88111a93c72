"""``python -m translations extract|update|init TAG|compile|status|check|approve``: catalog upkeep.

extract   write translations/messages.pot from the sources named in translations/babel.cfg
update    merge messages.pot into every .po (keeps X-Review-Status and CLDR Plural-Forms)
init TAG  start a .po for a new language (fails if it exists)
compile   compile every .po whose .mo is missing or older (what the app does at start)
status    print the coverage table of translations/README.md
check     list every problem that would reach a member; exit 1 if there is one
approve TAG… --by NAME [--words NAME,…]
          record that NAME approved the system's own words (markers, SMS reply instruction,
          acknowledgement page) as the catalogs of TAG… have them now (translations/review.json)
"""

from __future__ import annotations

import argparse
import sys

from translations import maintenance, review
from translations.catalog import ensure_compiled


def main(argv: list[str] | None = None) -> int:
    """Run one upkeep command; return the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m translations",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("extract", "update", "compile", "status", "check"):
        commands.add_parser(name)
    commands.add_parser("init").add_argument("tag", help="BCP 47 tag, e.g. fa-AF or so")
    approving = commands.add_parser("approve")
    approving.add_argument("tags", nargs="+", help="BCP 47 tags, e.g. fa-AF so")
    approving.add_argument("--by", required=True, help="the reviewer, as the record names them")
    approving.add_argument("--words", default="", help="e.g. EXERCISE,TEST (default: all)")
    args = parser.parse_args(argv)

    if args.command == "extract":
        _say(f"{maintenance.extract()} messages in {maintenance.TEMPLATE}")
    elif args.command == "update":
        for path in maintenance.update():
            _say(f"updated {path}")
    elif args.command == "init":
        try:
            _say(f"created {maintenance.init(args.tag)}")
        except (FileExistsError, KeyError, ValueError) as exc:
            _say(f"cannot start a catalog for {args.tag!r}: {exc}")
            return 2
    elif args.command == "compile":
        for path in ensure_compiled():
            _say(f"compiled {path}")
    elif args.command == "status":
        _say(_status_table())
    elif args.command == "approve":
        names = [n.strip() for n in args.words.split(",") if n.strip()] or None
        for tag in args.tags:
            try:
                approved = review.approve(tag, by=args.by, names=names)
            except (KeyError, ValueError) as exc:
                _say(f"cannot approve {tag!r}: {exc}")
                return 2
            _say(f"{tag}: approved {', '.join(approved)}")
    elif args.command == "check":
        problems = maintenance.check()
        for problem in problems:
            _say(problem)
        _say(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


def _status_table() -> str:
    rows = [
        "| language | in English | tag | direction | member-facing coverage | review status "
        "| system words |",
        "|---|---|---|---|---|---|---|",
    ]
    rows += [
        f"| {row.name} | {row.english_name} | `{row.tag}` | {row.direction} "
        f"| {row.translated}/{row.total} | {row.review_status} | {row.system_words} |"
        for row in maintenance.status()
    ]
    return "\n".join(rows)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
